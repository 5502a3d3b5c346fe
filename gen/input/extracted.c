/*
 * extracted.c: what kabigen extracted from a package, listed then, and proven before each use.
 *
 * A tree in the cache is served to every later run, so it must be what the package holds:
 * a line lost from include/generated/autoconf.h changes the layouts, silently. When kabigen
 * extracts a package it checks every file against the package's own md5sums (dpkg-deb's
 * control member) and lists the tree in DIR/.complete, written last (the folder is renamed
 * into place whole):
 *
 *	kabigen tree 1
 *	needs <package> <version>			a tree this one's links lead into
 *	<kind> <md5|-> <size> <mtime s> <ns> <ctime s> <ns> <inode> <path under root/>
 *	...						kind: f file, l link, d folder
 *	end <XXH3-128 of everything above>
 *
 * Hashing the whole tree on every run would cost more than the parse (66 MB for riscv64 with
 * its -common), so a run compares stamps: a write to a file changes its change time, which no
 * user can set back (touch sets the modification time, and that changes the change time
 * too), and a name added to or removed from a folder changes the folder's. Only an entry
 * whose stamp moved is read again: a file's MD5, a link's target, a folder's names. What
 * escapes it is a write below the file system (a disk flipping a bit on its own).
 */
#include "input/extracted.h"
#include "util/outfile.h"
#include "util/report.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <md5.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>
#include <xxhash.h>

#define LIST_MAGIC "kabigen tree 1\n"
#define N_STAMP 6	/* size, mtime s and ns, ctime s and ns, inode */
#define MD5_HEX (MD5_DIGEST_STRING_LENGTH - 1)

/* A path of the tree, by name: the package's md5sums, or the list's entries. */
struct named {
	char *path;
	char digest[MD5_DIGEST_STRING_LENGTH];
	int seen;
	UT_hash_handle hh;
};

static void named_free(struct named **table)
{
	struct named *n, *tmp;

	HASH_ITER(hh, *table, n, tmp) {
		HASH_DEL(*table, n);
		free(n->path);
		free(n);
	}
}

static struct named *named_put(struct named **table, const char *path, size_t len)
{
	struct named *n = xcalloc(1, sizeof(*n));

	n->path = xasprintf("%.*s", (int)len, path);
	HASH_ADD_KEYPTR(hh, *table, n->path, len, n);
	return n;
}

static void stamp_of(const struct stat *st, long long s[N_STAMP])
{
	s[0] = (long long)st->st_size;
	s[1] = (long long)st->st_mtim.tv_sec;
	s[2] = st->st_mtim.tv_nsec;
	s[3] = (long long)st->st_ctim.tv_sec;
	s[4] = st->st_ctim.tv_nsec;
	s[5] = (long long)st->st_ino;
}

static char kind_of(mode_t mode)
{
	return S_ISREG(mode) ? 'f' : S_ISLNK(mode) ? 'l' : S_ISDIR(mode) ? 'd' : 0;
}

/* The MD5 of file NAME in folder AT (hex): 0, or -1 with errno. */
static int md5_at(int at, const char *name, char out[MD5_DIGEST_STRING_LENGTH])
{
	MD5_CTX ctx;
	char buf[65536];
	ssize_t n;
	int fd = openat(at, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), err;

	if (fd < 0)
		return -1;
	MD5Init(&ctx);
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			MD5Update(&ctx, (const uint8_t *)buf, (size_t)n);
	err = errno;
	close(fd);
	MD5End(&ctx, out);
	errno = err;
	return n < 0 ? -1 : 0;
}

/* The MD5 of link NAME's target in folder AT: 0, or -1 with errno. */
static int link_md5_at(int at, const char *name, char out[MD5_DIGEST_STRING_LENGTH])
{
	char target[4096];
	ssize_t n = readlinkat(at, name, target, sizeof(target));

	if (n == (ssize_t)sizeof(target))
		errno = ENAMETOOLONG;
	if (n < 0 || n == (ssize_t)sizeof(target))
		return -1;
	MD5Data((const uint8_t *)target, (size_t)n, out);
	return 0;
}

/* ---- the list, written when a package is extracted ---- */

struct sealer {
	const char *root;	/* DIR/root, for messages */
	struct named *sums;	/* the packages' md5sums, by path */
	struct strbuf list;
	char *why;
};

static void add_line(struct strbuf *sb, char kind, const char *digest, const long long s[N_STAMP], const char *path)
{
	sb_addf(sb, "%c %s %lld %lld %lld %lld %lld %lld %s\n", kind, digest, s[0], s[1], s[2], s[3], s[4], s[5], path);
}

/* Lists folder FD (REL under root/; "." for root itself) and what it holds. 0, or -1 with S->why. */
static int seal_folder(struct sealer *s, int fd, const char *rel)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		s->why = xasprintf("%s/%s: cannot read the extracted folder: %s", s->root, rel, strerror(errno));
		close(fd);
		return -1;
	}
	while (!rc && (errno = 0, de = readdir(d))) {
		char *path, digest[MD5_DIGEST_STRING_LENGTH] = "-";
		struct stat st;
		long long stamp[N_STAMP];
		struct named *sum = NULL;
		char kind;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path = strcmp(rel, ".") ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (strchr(path, '\n') || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !(kind = kind_of(st.st_mode))) {
			s->why = xasprintf("%s/%s: not a file, link or folder kabigen can list", s->root, path);
			free(path);
			rc = -1;
			break;
		}
		if (kind == 'f' && md5_at(dirfd(d), de->d_name, digest))
			s->why = xasprintf("%s/%s: cannot read it: %s", s->root, path, strerror(errno));
		else if (kind == 'l' && link_md5_at(dirfd(d), de->d_name, digest))
			s->why = xasprintf("%s/%s: cannot read the link: %s", s->root, path, strerror(errno));
		if (kind == 'f' && !s->why) {
			HASH_FIND_STR(s->sums, path, sum);
			if (sum && strcmp(sum->digest, digest))
				s->why = xasprintf("%s/%s: dpkg-deb wrote other bytes than the package's md5sums say "
						   "(MD5 %s, not %s)", s->root, path, digest, sum->digest);
			if (sum)
				sum->seen = 1;
		}
		if (s->why) {
			free(path);
			rc = -1;
			break;
		}
		stamp_of(&st, stamp);
		add_line(&s->list, kind, digest, stamp, path);
		if (kind == 'd') {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				s->why = xasprintf("%s/%s: cannot open the folder: %s", s->root, path, strerror(errno));
				rc = -1;
			} else {
				rc = seal_folder(s, sub, path);
			}
		}
		free(path);
	}
	if (!rc && errno) {
		s->why = xasprintf("%s/%s: cannot read the extracted folder: %s", s->root, rel, strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}

/* The packages' md5sums ("DIGEST  PATH" lines) by path. 0, or -1 with *WHY. */
static int read_sums(const char *md5sums, struct named **sums, char **why)
{
	char *copy = md5sums ? xstrdup(md5sums) : NULL, *cursor = copy, *line;
	int rc = 0;

	while ((line = line_next(&cursor))) {
		size_t len = strlen(line);
		struct named *n;

		if (len < MD5_HEX + 3 || line[MD5_HEX] != ' ' || line[MD5_HEX + 1] != ' ' ||
		    strspn(line, "0123456789abcdef") != MD5_HEX) {
			*why = xasprintf("the package's md5sums has a line that is not \"DIGEST  PATH\": %s", line);
			rc = -1;
			break;
		}
		n = named_put(sums, line + MD5_HEX + 2, len - MD5_HEX - 2);
		memcpy(n->digest, line, MD5_HEX);
	}
	free(copy);
	return rc;
}

int extracted_seal(const char *dir, const char *md5sums, char *const *needs, size_t n_needs, char **why)
{
	struct sealer s = { 0 };
	struct named *n, *tmp;
	struct stat st;
	long long stamp[N_STAMP];
	char *list_path = xasprintf("%s/.complete", dir), end[40];
	XXH128_hash_t h;
	int fd, rc = -1;

	s.root = xasprintf("%s/root", dir);
	if (read_sums(md5sums, &s.sums, &s.why))
		goto out;
	sb_adds(&s.list, LIST_MAGIC);
	for (size_t i = 0; i < n_needs; i++)
		sb_addf(&s.list, "needs %s\n", needs[i]);
	fd = open(s.root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		s.why = xasprintf("%s: cannot open what dpkg-deb extracted: %s", s.root, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	stamp_of(&st, stamp);
	add_line(&s.list, 'd', "-", stamp, ".");
	if (seal_folder(&s, fd, "."))
		goto out;
	HASH_ITER(hh, s.sums, n, tmp)
		if (!n->seen) {
			s.why = xasprintf("%s/%s: listed in the package's md5sums, but dpkg-deb did not extract it", s.root,
					  n->path);
			goto out;
		}
	h = XXH3_128bits(s.list.buf, s.list.len);
	snprintf(end, sizeof(end), "end %016llx%016llx\n", (unsigned long long)h.high64, (unsigned long long)h.low64);
	sb_adds(&s.list, end);
	/* In the folder not yet renamed into place: nobody reads it before the rename. */
	if (outfile_try_write(list_path, s.list.buf, s.list.len, 0, &s.why))
		goto out;
	rc = 0;
out:
	if (rc)
		*why = s.why;
	named_free(&s.sums);
	sb_release(&s.list);
	free((char *)s.root);
	free(list_path);
	return rc;
}

/* ---- the list, proven before a run uses the tree ---- */

struct entry {
	char kind;
	char digest[MD5_DIGEST_STRING_LENGTH];
	long long stamp[N_STAMP];
	char *path;
};

/* One entry line (without its '\n'); 0, or -1 when it is not one. */
static int parse_entry(char *line, struct entry *e)
{
	char *p = line + 2;

	if (!line[0] || !strchr("fld", line[0]) || line[1] != ' ')
		return -1;
	e->kind = line[0];
	if (e->kind == 'd' ? strncmp(p, "- ", 2) : (strspn(p, "0123456789abcdef") != MD5_HEX || p[MD5_HEX] != ' '))
		return -1;
	memcpy(e->digest, p, e->kind == 'd' ? 1 : MD5_HEX);
	e->digest[e->kind == 'd' ? 1 : MD5_HEX] = '\0';
	p += e->kind == 'd' ? 2 : MD5_HEX + 1;
	for (int i = 0; i < N_STAMP; i++) {
		uint64_t v;
		const char *end = scan_u64(p, 10, &v);

		if (!end || *end != ' ' || v > LLONG_MAX)
			return -1;
		e->stamp[i] = (long long)v;
		p += end - p + 1;
	}
	if (!*p)
		return -1;
	e->path = p;
	return 0;
}

struct checker {
	const char *root;	/* DIR/root, for messages */
	int fd;			/* DIR/root */
	struct entry *entries;
	size_t n;
	int stale;		/* a stamp moved over content that holds: write the list again */
	char *why;
};

static const char *kind_name(char kind)
{
	return kind == 'f' ? "file" : kind == 'l' ? "link" : "folder";
}

/* Whether entry E is as listed; its stamp is updated when only the stamp moved. Else C->why. */
static int entry_holds(struct checker *c, struct entry *e, int *read_folder)
{
	struct stat st;
	long long now[N_STAMP];
	char digest[MD5_DIGEST_STRING_LENGTH];

	if (fstatat(c->fd, e->path, &st, AT_SYMLINK_NOFOLLOW)) {
		c->why = errno == ENOENT ? xasprintf("%s/%s is missing", c->root, e->path)
					 : xasprintf("%s/%s: %s", c->root, e->path, strerror(errno));
		return 0;
	}
	if (kind_of(st.st_mode) != e->kind) {
		c->why = xasprintf("%s/%s is no longer a %s", c->root, e->path, kind_name(e->kind));
		return 0;
	}
	stamp_of(&st, now);
	if (!memcmp(now, e->stamp, sizeof(now)))
		return 1;
	if (e->kind == 'd') {
		*read_folder = 1;
	} else if (e->kind == 'f' && now[0] != e->stamp[0]) {
		c->why = xasprintf("%s/%s differs from the package: %lld bytes where it has %lld", c->root, e->path,
				   now[0], e->stamp[0]);
		return 0;
	} else if (e->kind == 'f' ? md5_at(c->fd, e->path, digest) : link_md5_at(c->fd, e->path, digest)) {
		c->why = xasprintf("%s/%s: cannot read it: %s", c->root, e->path, strerror(errno));
		return 0;
	} else if (strcmp(digest, e->digest)) {
		c->why = e->kind == 'f' ? xasprintf("%s/%s differs from the package: MD5 %s where its md5sums say %s",
						    c->root, e->path, digest, e->digest)
					: xasprintf("%s/%s no longer links where the package's link does", c->root,
						    e->path);
		return 0;
	}
	memcpy(e->stamp, now, sizeof(now));
	c->stale = 1;
	return 1;
}

/* Whether folder E holds no name beyond the list's (NAMES: every listed path). Else C->why. */
static int folder_holds(struct checker *c, const struct entry *e, struct named *names)
{
	int fd = openat(c->fd, e->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	int ok = 1;

	if (!d) {
		if (fd >= 0)
			close(fd);
		c->why = xasprintf("%s/%s: cannot read the folder: %s", c->root, e->path, strerror(errno));
		return 0;
	}
	while (ok && (de = readdir(d))) {
		char *path;
		struct named *n = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path = strcmp(e->path, ".") ? xasprintf("%s/%s", e->path, de->d_name) : xstrdup(de->d_name);
		HASH_FIND_STR(names, path, n);
		if (!n) {
			c->why = xasprintf("%s/%s is not part of the package", c->root, path);
			ok = 0;
		}
		free(path);
	}
	closedir(d);
	return ok;
}

/* The folders whose stamps moved (FOLDERS, N of them) hold only listed names. */
static int folders_hold(struct checker *c, size_t *folders, size_t n)
{
	struct named *names = NULL;
	int ok = 1;

	if (!n)
		return 1;
	for (size_t i = 0; i < c->n; i++)
		named_put(&names, c->entries[i].path, strlen(c->entries[i].path));
	for (size_t i = 0; i < n && ok; i++)
		ok = folder_holds(c, &c->entries[folders[i]], names);
	named_free(&names);
	return ok;
}

/* The list again, with the stamps as they are now (the content proven): later runs read nothing. */
static void rewrite_list(const char *path, char *const *needs, size_t n_needs, const struct checker *c)
{
	struct strbuf sb = { 0 };
	char end[40], *why = NULL;
	XXH128_hash_t h;

	sb_adds(&sb, LIST_MAGIC);
	for (size_t i = 0; i < n_needs; i++)
		sb_addf(&sb, "needs %s\n", needs[i]);
	for (size_t i = 0; i < c->n; i++)
		add_line(&sb, c->entries[i].kind, c->entries[i].digest, c->entries[i].stamp, c->entries[i].path);
	h = XXH3_128bits(sb.buf, sb.len);
	snprintf(end, sizeof(end), "end %016llx%016llx\n", (unsigned long long)h.high64, (unsigned long long)h.low64);
	sb_adds(&sb, end);
	/* Only an optimisation (a read-only cache keeps reading the moved entries). */
	if (outfile_try_write(path, sb.buf, sb.len, OUTFILE_NO_SYNC, &why))
		free(why);
	sb_release(&sb);
}

/* TEXT (LEN bytes) is a whole list: its magic, and its end line's digest of what precedes it. */
static int list_whole(const char *text, size_t len)
{
	char want[40];
	const char *last;
	XXH128_hash_t h;

	if (len < strlen(LIST_MAGIC) + 37 || memcmp(text, LIST_MAGIC, strlen(LIST_MAGIC)) || text[len - 1] != '\n')
		return 0;
	last = text + len - 37;
	h = XXH3_128bits(text, (size_t)(last - text));
	snprintf(want, sizeof(want), "end %016llx%016llx\n", (unsigned long long)h.high64, (unsigned long long)h.low64);
	return last[-1] == '\n' && !memcmp(last, want, 37) && !memchr(text, '\0', len);
}

enum extracted_state extracted_check(const char *dir, char **why, char ***needs_out, size_t *n_needs_out)
{
	char *list_path = xasprintf("%s/.complete", dir), *text, *line, *cursor;
	struct checker c = { .fd = -1 };
	char **needs = NULL;
	size_t len = 0, n_needs = 0, *folders = NULL, n_folders = 0;
	enum extracted_state state = EXTRACTED_DAMAGED;

	text = read_file(list_path, &len);
	if (!text && errno == ENOENT) {
		free(list_path);
		return EXTRACTED_ABSENT;
	}
	c.root = xasprintf("%s/root", dir);
	if (!text) {
		c.why = xasprintf("%s: cannot read it: %s", list_path, strerror(errno));
		goto out;
	}
	if (!len) {
		c.why = xasprintf("%s lists nothing to prove the tree by (an older kabigen extracted it)", list_path);
		goto out;
	}
	if (!list_whole(text, len)) {
		c.why = xasprintf("%s, the list of what the tree holds, is damaged", list_path);
		goto out;
	}
	c.fd = open(c.root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.fd < 0) {
		c.why = xasprintf("%s: %s", c.root, strerror(errno));
		goto out;
	}
	text[len - 37] = '\0';
	cursor = text + strlen(LIST_MAGIC);
	while ((line = line_next(&cursor))) {
		const char *rest;
		int read_folder = 0;

		if (skip_prefix(line, "needs ", &rest) && !c.n) {
			needs = xgrow(needs, n_needs, sizeof(*needs));
			needs[n_needs++] = xstrdup(rest);
			continue;
		}
		c.entries = xgrow(c.entries, c.n, sizeof(*c.entries));
		if (parse_entry(line, &c.entries[c.n])) {
			c.why = xasprintf("%s, the list of what the tree holds, is damaged", list_path);
			goto out;
		}
		if (!entry_holds(&c, &c.entries[c.n], &read_folder))
			goto out;
		if (read_folder) {
			folders = xgrow(folders, n_folders, sizeof(*folders));
			folders[n_folders++] = c.n;
		}
		c.n++;
	}
	if (!c.n || strcmp(c.entries[0].path, ".")) {
		c.why = xasprintf("%s, the list of what the tree holds, is damaged", list_path);
		goto out;
	}
	if (!folders_hold(&c, folders, n_folders))
		goto out;
	if (c.stale || n_folders)
		rewrite_list(list_path, needs, n_needs, &c);
	state = EXTRACTED_PROVEN;
out:
	if (c.fd >= 0)
		close(c.fd);
	if (state == EXTRACTED_PROVEN && needs_out) {
		*needs_out = needs;
		*n_needs_out = n_needs;
	} else {
		strv_free(needs, n_needs);
	}
	if (state != EXTRACTED_PROVEN)
		*why = c.why;
	free(folders);
	free(c.entries);
	free((char *)c.root);
	free(text);
	free(list_path);
	return state;
}
