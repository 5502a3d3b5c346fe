/* outfile.c: outputs written all or nothing (every destination checked, temporaries, then renames). */
#include "util/outfile.h"
#include "util/fs.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where one file is in its write: each step below can be undone until all are done. */
enum stage_state {
	CHECKED,	/* its destination can be written */
	STAGED,		/* TMP holds the new bytes */
	SWAPPED,	/* DEST holds them, TMP the file it replaced */
	PLACED,		/* DEST holds them, nothing was there */
	REPLACED,	/* DEST holds them, the file it replaced is gone (no exchange on this file system) */
};

struct staged {
	const struct outfile *f;
	char *dest;	/* the file replaced: PATH, or the target of the link PATH is */
	char *dir;	/* its folder */
	int exists;
	mode_t mode;	/* what the new file gets: the old one's permissions, or 0644 */
	char *tmp;
	enum stage_state state;
	char *why;		/* why it cannot be written ... */
	const char *fix;	/* ... and what to do: a format taking WHAT */
};

/* The write in progress, for outfile_cleanup(): one at a time (kabigen writes from one thread). */
static struct staged *stage;
static size_t n_stage;

/* The name of a temporary of the file BASE: an exact pattern, so only kabigen's own are ever removed. */
#define TEMP_INFIX ".kabigen."

static void stage_free(void)
{
	for (size_t i = 0; i < n_stage; i++) {
		free(stage[i].dest);
		free(stage[i].dir);
		free(stage[i].tmp);
		free(stage[i].why);
	}
	free(stage);
	stage = NULL;
	n_stage = 0;
}

void outfile_cleanup(void)
{
	for (size_t i = 0; i < n_stage; i++)
		if (stage[i].state == STAGED)
			unlink(stage[i].tmp);
	stage_free();
}

/* What the user can do when writing into a folder fails with ERR; a format taking WHAT. */
static const char *advice(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return "free space on that disk, or choose another path for %s";
	case ENOENT:
		return "create the folder, or choose another path for %s";
	case ENOTDIR:
		return "choose another path for %s";
	default:
		return "choose a folder you can write to for %s";
	}
}

/* Sets S's cause to "cannot write into DIR: CAUSE" and its advice to ERR's: returns -1. */
static int cannot_write(struct staged *s, const char *cause, int err)
{
	s->why = xasprintf("cannot write into %s: %s", s->dir, cause);
	s->fix = advice(err);
	return -1;
}

/* The folder DIR, or its nearest ancestor that exists (with *ST), as a new string. */
static char *existing_ancestor(const char *dir, struct stat *st)
{
	char *d = xstrdup(dir);

	while (stat(d, st) && (errno == ENOENT || errno == ENOTDIR)) {
		char *slash = strrchr(d, '/');

		if (!slash) {
			free(d);
			d = xstrdup(".");
		} else {
			slash[slash == d] = '\0';
			continue;
		}
		if (stat(d, st))
			memset(st, 0, sizeof(*st));
		break;
	}
	return d;
}

/* Whether S's folder can take the file (or be created, with OUTFILE_MKDIRS): 0, or -1 with why not. */
static int check_folder(struct staged *s)
{
	struct stat st;
	char *anc = existing_ancestor(s->dir, &st), *cause = NULL;
	int rc = 0;

	if (!S_ISDIR(st.st_mode)) {
		cause = xasprintf("%s is not a folder", anc);
		rc = cannot_write(s, cause, ENOTDIR);
	} else if (strcmp(anc, s->dir) && !(s->f->flags & OUTFILE_MKDIRS)) {
		cause = xasprintf("no such folder (the nearest that exists is %s)", anc);
		rc = cannot_write(s, cause, ENOENT);
	} else if (access(anc, W_OK | X_OK)) {
		int err = errno;

		cause = strcmp(anc, s->dir) ? xasprintf("%s: %s", anc, strerror(err)) : xstrdup(strerror(err));
		rc = cannot_write(s, cause, err);
	}
	free(cause);
	free(anc);
	return rc;
}

/* Fills S for F and checks its destination, writing nothing: 0, or -1 with why it cannot be written. */
static int check_one(const struct outfile *f, struct staged *s)
{
	struct stat st;
	char *slash;

	*s = (struct staged){ .f = f, .mode = 0644 };
	/* A symbolic link is written through: its target gets the new bytes, the link stays. */
	if (lstat(f->path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (!(s->dest = realpath(f->path, NULL))) {
			s->why = xasprintf("is a symbolic link to a file that does not exist (%s)", strerror(errno));
			s->fix = "remove the link, or choose another path for %s";
			return -1;
		}
	} else {
		s->dest = xstrdup(f->path);
	}
	slash = strrchr(s->dest, '/');
	s->dir = !slash ? xstrdup(".") : slash == s->dest ? xstrdup("/") : xasprintf("%.*s", (int)(slash - s->dest), s->dest);
	if (stat(s->dest, &st) == 0) {
		/* Renaming over a folder or /dev/full would replace it: only regular files are written. */
		if (!S_ISREG(st.st_mode)) {
			s->why = xasprintf("exists and is %s, not a regular file", report_file_kind(st.st_mode));
			s->fix = S_ISDIR(st.st_mode) ? "move it away, or choose another path for %s"
						     : "give %s the path of a regular file";
			return -1;
		}
		s->exists = 1;
		s->mode = st.st_mode & 07777;
	}
	return check_folder(s);
}

/* Writes S's bytes into a new temporary file beside its destination: 0, or -1 with why not. */
static int stage_one(struct staged *s)
{
	const struct outfile *f = s->f;
	const char *base = strrchr(s->dest, '/') ? strrchr(s->dest, '/') + 1 : s->dest;
	char *prefix;
	size_t done = 0;
	int fd, err = 0;

	if ((f->flags & OUTFILE_MKDIRS) && fs_mkdirs(s->dir, &s->why)) {
		s->fix = advice(EACCES);
		return -1;
	}
	/* What a write of this file killed an hour ago or more left beside it, and only that. */
	prefix = xasprintf(".%s" TEMP_INFIX, base);
	fs_remove_stale_temps(s->dir, prefix, S_IFREG, 3600);
	free(prefix);
	s->tmp = xasprintf("%s/.%s" TEMP_INFIX "XXXXXX", s->dir, base);
	fd = mkstemp(s->tmp);
	if (fd < 0)
		return cannot_write(s, strerror(errno), errno);
	s->state = STAGED;
	while (done < f->len) {
		ssize_t n = write(fd, f->data + done, f->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	if (!err && fchmod(fd, s->mode))
		err = errno;
	if (!err && !(f->flags & OUTFILE_NO_SYNC) && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	return err ? cannot_write(s, strerror(err), err) : 0;
}

/*
 * Puts S's temporary in place. An existing file is exchanged with it (renameat2), so that
 * it can be put back if a later file fails; where the file system cannot exchange, a plain
 * rename replaces it. 0, or -1 with errno.
 */
static int place_one(struct staged *s)
{
	int exchange_err = ENOENT;

	if (s->exists) {
		if (!renameat2(AT_FDCWD, s->tmp, AT_FDCWD, s->dest, RENAME_EXCHANGE)) {
			s->state = SWAPPED;
			return 0;
		}
		exchange_err = errno;
	}
	if (rename(s->tmp, s->dest))
		return -1;
	/* ENOENT: the old file went away since it was checked; nothing of the user's is replaced. */
	s->state = exchange_err == ENOENT ? PLACED : REPLACED;
	return 0;
}

/* Undoes place_one() for S: the old file back, or the new one removed. */
static void unplace_one(struct staged *s)
{
	if (s->state == SWAPPED && !renameat2(AT_FDCWD, s->tmp, AT_FDCWD, s->dest, RENAME_EXCHANGE))
		s->state = STAGED;
	else if (s->state == PLACED && !unlink(s->dest))
		s->state = CHECKED;
}

/*
 * Undoes what was done, then dies with file S's cause and advice (PLACING: S failed to go in
 * place, after others did). A file that was replaced without an exchange cannot be put back:
 * the message names it instead of saying that nothing was written.
 */
static _Noreturn void fail(const struct staged *s, int placing)
{
	char *fix = xasprintf(s->fix, s->f->what), *line;
	struct strbuf kept = { 0 };
	size_t n_kept = 0, n_replaced = 0;

	for (size_t k = 0; k < n_stage; k++) {
		unplace_one(&stage[k]);
		if (stage[k].state >= SWAPPED)	/* still holds its new bytes */
			sb_addf(&kept, "%s%s", n_kept++ ? ", " : "", stage[k].f->path);
		n_replaced += stage[k].state == REPLACED;
	}
	if (!n_kept)
		line = xasprintf("%s: %s%s; nothing was written; %s", s->f->path, s->why,
				 placing ? " (the other outputs are put back as they were)" : "", fix);
	else
		line = xasprintf("%s: %s; %s %s replaced already and cannot be put back%s; %s", s->f->path, s->why,
				 kept.buf, n_kept > 1 ? "were" : "was",
				 n_replaced < n_kept ? ""
				 : n_kept > 1 ? " (the file system cannot exchange files, so the old ones were not kept)"
					      : " (the file system cannot exchange files, so the old one was not kept)",
				 fix);
	free(fix);
	sb_release(&kept);
	outfile_cleanup();
	report_hold(line, free);
	die("%s", line);
}

void outfile_write_all(const struct outfile *files, size_t n)
{
	size_t i;

	outfile_cleanup();
	stage = xcalloc(n + 1, sizeof(*stage));
	/* Every destination first: a refusal leaves every file as it was and writes nothing. */
	for (n_stage = 0; n_stage < n; n_stage++)
		if (check_one(&files[n_stage], &stage[n_stage])) {
			n_stage++;
			fail(&stage[n_stage - 1], 0);
		}
	for (i = 0; i < n; i++)
		if (stage_one(&stage[i]))
			fail(&stage[i], 0);
	for (i = 0; i < n; i++)
		if (place_one(&stage[i])) {
			int err = errno;

			stage[i].why = xasprintf("cannot rename its temporary file into place: %s", strerror(err));
			stage[i].fix = advice(err);
			fail(&stage[i], 1);
		}
	/* All in place: what the exchanges took out are the old files. */
	for (i = 0; i < n; i++)
		if (stage[i].state == SWAPPED)
			unlink(stage[i].tmp);
	stage_free();
}

void outfile_write(const char *path, const char *data, size_t len, int mkdirs)
{
	struct outfile f = { path, "-o", data, len, mkdirs ? OUTFILE_MKDIRS : 0 };

	outfile_write_all(&f, 1);
}

/* S's cause and advice as one new string, and S's strings freed. */
static char *staged_take_why(struct staged *s)
{
	char *fix = xasprintf(s->fix, s->f->what);
	char *why = xasprintf("%s; nothing was written; %s", s->why, fix);

	free(fix);
	free(s->why);
	free(s->dest);
	free(s->dir);
	free(s->tmp);
	return why;
}

int outfile_check(const char *path, const char *what, int flags, char **why)
{
	struct outfile f = { .path = path, .what = what, .flags = flags };
	struct staged s;

	if (check_one(&f, &s)) {
		*why = staged_take_why(&s);
		return -1;
	}
	*why = NULL;
	free(s.dest);
	free(s.dir);
	return 0;
}

int outfile_try_write(const char *path, const char *data, size_t len, int flags, char **why)
{
	struct outfile f = { path, "it", data, len, flags };
	struct staged s;
	int rc = check_one(&f, &s) || stage_one(&s) ? -1 : 0;

	if (!rc && place_one(&s)) {
		rc = cannot_write(&s, strerror(errno), errno);
	}
	if (s.tmp && (rc ? s.state == STAGED : s.state == SWAPPED))
		unlink(s.tmp);
	if (rc) {
		/* Only the cause: the caller says what the file was for. */
		*why = s.why;
		s.why = NULL;
	} else {
		*why = NULL;
	}
	free(s.dest);
	free(s.dir);
	free(s.tmp);
	return rc;
}

bool outfile_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > 255 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '/')
			return false;
	return true;
}
