/* archive.c: resolves and fetches linux-headers packages with apt and dpkg-deb, into kabigen's cache. */
#include "input/archive.h"
#include "input/extracted.h"
#include "util/fs.h"
#include "util/outfile.h"
#include "util/progress.h"
#include "util/self.h"
#include "util/version.h"
#include "input/profile.h"
#include "util/report.h"
#include "util/str.h"
#include "util/child.h"
#include "util/yamldoc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* An index older than this is refreshed before use (KABIGEN_INDEX_MAX_AGE, seconds, overrides). */
#define INDEX_MAX_AGE (6 * 3600)
#define UPDATE_ATTEMPTS 3
/* After a suite failed every attempt, seconds before it is tried again (if an older index exists). */
#define FAILED_RETRY_AFTER 600

/* One suite of one archive, read through its own apt state folder. */
struct suite {
	char *uri;
	char *name;
	char *dir;		/* $cache/apt/DEBARCH/SUITE */
	int readable;		/* its index is there to read */
	int fresh;		/* this run updated its index: as new as the archive */
	char *problem;		/* why it could not be refreshed, or NULL */
};

/* A linux-headers package found in an index. */
struct candidate {
	char *package;		/* linux-headers-7.2.13+deb14-rt-amd64 */
	char *release;		/* 7.2.13+deb14 */
	char *suffix;		/* rt-amd64 */
	char *flavour;		/* rt, or "generic" */
	char *version;		/* 7.2.13-1 */
	const struct suite *suite;
};

struct archive {
	const struct archive_request *rq;
	const char *debarch;
	char *cache;
	struct suite *suites;
	size_t n_suites;
	struct candidate *cands;
	size_t n_cands;
	char *full_release;	/* --kver as a whole release, "7.2.13+deb14-riscv64", or NULL */
	long max_age;		/* seconds an index is used before it is refreshed */
};

/* ---- small helpers ---- */

/* Creates PATH and its parents in the cache; dies when it cannot. */
static void mkdir_p(const char *path)
{
	char *why;

	if (fs_mkdirs(path, &why))
		die("%s; check the cache folder's permissions", why);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		die("%s: cannot write: %s; check the cache folder's permissions", path, strerror(errno));
}

/* An exclusive lock on PATH held until the process exits or the fd is closed. */
static int lock_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0)
		die("%s: cannot open the lock: %s; check the cache folder's permissions", path, strerror(errno));
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	return fd;
}

static int only(const char *s, const char *allowed_extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(allowed_extra, *s))
			return 0;
	return 1;
}

int archive_valid_kver(const char *kver)
{
	return kver && isdigit((unsigned char)kver[0]) && strlen(kver) < 64 && only(kver, ".+~-") &&
	       !strstr(kver, "..");
}

int archive_valid_flavour(const char *flavour)
{
	return flavour && isalnum((unsigned char)flavour[0]) && strlen(flavour) < 32 && only(flavour, "-");
}

/* ---- apt, in a private state folder per suite ---- */

/* apt-get/apt-cache arguments that read and write only this suite's folder. NULL-terminated. */
static char **apt_argv(const struct archive *a, const struct suite *s, const char *tool, const char *const *tail)
{
	char **v = xcalloc(64, sizeof(*v));
	size_t n = 0;

	v[n++] = xstrdup(tool);
	v[n++] = xstrdup("-q");
	v[n++] = xstrdup("-o");
	v[n++] = xasprintf("Dir::Etc::SourceList=%s/sources.list", s->dir);
	v[n++] = xstrdup("-o");
	v[n++] = xasprintf("Dir::Etc::SourceParts=%s/empty", s->dir);
	v[n++] = xstrdup("-o");
	v[n++] = xstrdup("Dir::Etc::Preferences=/dev/null");
	v[n++] = xstrdup("-o");
	v[n++] = xasprintf("Dir::Etc::PreferencesParts=%s/empty", s->dir);
	v[n++] = xstrdup("-o");
	v[n++] = xasprintf("Dir::State::Lists=%s/lists", s->dir);
	v[n++] = xstrdup("-o");
	v[n++] = xasprintf("Dir::State::status=%s/status", s->dir);
	v[n++] = xstrdup("-o");
	v[n++] = xasprintf("Dir::Cache=%s/cache", s->dir);
	v[n++] = xstrdup("-o");
	v[n++] = xstrdup("Debug::NoLocking=1");
	v[n++] = xstrdup("-o");
	v[n++] = xasprintf("APT::Architecture=%s", a->debarch);
	v[n++] = xstrdup("-o");
	v[n++] = xasprintf("APT::Architectures::=%s", a->debarch);
	v[n++] = xstrdup("-o");
	v[n++] = xstrdup("Acquire::Languages=none");
	v[n++] = xstrdup("-o");
	v[n++] = xstrdup("Acquire::Retries=1");
	v[n++] = xstrdup("-o");
	v[n++] = xstrdup("Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false");
	/* Root would hand downloads to the _apt user, who cannot write into a private cache. */
	v[n++] = xstrdup("-o");
	v[n++] = xstrdup(geteuid() == 0 ? "APT::Sandbox::User=root" : "APT::Sandbox::User=");
	for (; tail && *tail && n < 63; tail++)
		v[n++] = xstrdup(*tail);
	return v;
}

static void argv_free(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* Runs an apt tool on suite S; returns its exit status, with its stdout in *out and stderr in *err. */
static int apt_run(const struct archive *a, const struct suite *s, const char *tool, const char *const *tail,
		   char **out, char **err, const char *dir, enum child_stdout mode)
{
	char **v = apt_argv(a, s, tool, tail);
	int rc = child_run(v, dir, mode, out, err);

	argv_free(v);
	return rc;
}

static void suite_prepare(struct archive *a, struct suite *s)
{
	const char *keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
	char *p;

	s->dir = xasprintf("%s/apt/%s/%s", a->cache, a->debarch, s->name);
	p = xasprintf("%s/lists/partial", s->dir);
	mkdir_p(p);
	free(p);
	p = xasprintf("%s/cache/archives/partial", s->dir);
	mkdir_p(p);
	free(p);
	p = xasprintf("%s/empty", s->dir);
	mkdir_p(p);
	free(p);
	p = xasprintf("%s/sources.list", s->dir);
	{
		char *line = xasprintf("deb [arch=%s signed-by=%s] %s %s main\n", a->debarch, keyring, s->uri, s->name);

		write_text(p, line);
		free(line);
	}
	free(p);
	p = xasprintf("%s/status", s->dir);
	if (access(p, F_OK))
		write_text(p, "");
	free(p);
}

/* KABIGEN_INDEX_MAX_AGE: a whole number of seconds, nothing else ("6h" is not 6). */
static long max_index_age(void)
{
	const char *env = getenv("KABIGEN_INDEX_MAX_AGE");
	char *end;
	long v;

	if (!env || !*env)
		return INDEX_MAX_AGE;
	errno = 0;
	v = strtol(env, &end, 10);
	if (errno || *end || v < 0 || env[0] < '0' || env[0] > '9')
		usage_die("KABIGEN_INDEX_MAX_AGE=%s: give the index's age limit in seconds, such as 21600 for six hours",
			  env);
	return v;
}

/* The first line of apt's error output that says what failed. New string. */
static char *first_error(const char *err)
{
	const char *e = strstr(err, "E: ");
	size_t n;

	if (!e)
		e = err;
	n = strcspn(e, "\n");
	return n ? xasprintf("%.*s", (int)n, e) : xstrdup("apt failed without a message");
}

/* A log or mark the suite's folder may or may not hold. */
static char *read_text_or_empty(const char *path)
{
	char *text = read_file(path, NULL);

	return text ? text : xstrdup("");
}

/* Read from the cache without a problem: this run neither updated its index nor failed to. */
static int from_cache(const struct suite *s)
{
	return s->readable && !s->fresh && !s->problem;
}

/*
 * Locks suite S's folder (the lock is returned, held until the indexes are read: another
 * kabigen waits rather than reading a half-written index) and says whether its indexes
 * need an update: when old, or with YOUNG_TOO when read from the cache at any age.
 */
static int suite_plan(const struct archive *a, struct suite *s, int *fd, int young_too)
{
	char *stamp = xasprintf("%s/updated", s->dir), *lockp = xasprintf("%s/lock", s->dir);
	char *failed = xasprintf("%s/failed", s->dir);
	struct stat st, fst;
	int todo, again = young_too && from_cache(s);

	*fd = lock_file(lockp);
	s->readable = stat(stamp, &st) == 0;
	todo = !a->rq->offline && (again || !s->readable || time(NULL) - st.st_mtime >= a->max_age);
	/*
	 * A suite that just failed all its attempts is not tried again for a while: a mirror
	 * stuck mid-sync would otherwise cost every run its retries. An older index, if any,
	 * is still used, and the failure is still reported.
	 */
	if (todo && stat(failed, &fst) == 0 && time(NULL) - fst.st_mtime < FAILED_RETRY_AFTER &&
	    a->max_age > 0) {
		char *text = read_text_or_empty(failed);

		todo = 0;
		text[strcspn(text, "\n")] = '\0';
		/* A second refresh (after a damaged index was found) plans every suite again. */
		free(s->problem);
		s->problem = xasprintf("%s (at %d attempts less than %d minutes ago; retried after that)", text,
				       UPDATE_ATTEMPTS, FAILED_RETRY_AFTER / 60);
		free(text);
	}
	free(failed);
	free(stamp);
	free(lockp);
	return todo;
}

/* Records how S's apt-get update ended (RC); returns whether it is done with. */
static int suite_updated(struct suite *s, int rc, int last_attempt)
{
	char *log = xasprintf("%s/update.log", s->dir), *text = read_text_or_empty(log);
	char *failed = xasprintf("%s/failed", s->dir);

	free(s->problem);
	s->problem = NULL;
	if (rc) {
		s->problem = first_error(text);
		if (last_attempt) {
			char *first = s->problem;

			write_text(failed, first);
			s->problem = xasprintf("%s (after %d attempts)", first, UPDATE_ATTEMPTS);
			free(first);
		}
	} else {
		char *stamp = xasprintf("%s/updated", s->dir);

		write_text(stamp, "");
		unlink(failed);
		free(stamp);
		s->readable = 1;
		s->fresh = 1;
	}
	free(failed);
	free(text);
	free(log);
	return !rc;
}

/*
 * Brings every stale suite index up to date (with YOUNG_TOO also those read from the
 * cache), all suites at once, retrying those that failed: a mirror in the middle of a sync
 * serves files that fail their hash check for a while, and a network hiccup passes. A
 * suite still failing keeps the index it had.
 */
static void refresh_suites(struct archive *a, int young_too)
{
	static const char *const update[] = { "--error-on=any", "update", NULL };
	int *fds = xcalloc(a->n_suites, sizeof(*fds)), *pids = xcalloc(a->n_suites, sizeof(*pids));
	int *todo = xcalloc(a->n_suites, sizeof(*todo));
	struct progress p;

	for (size_t i = 0; i < a->n_suites; i++)
		todo[i] = suite_plan(a, &a->suites[i], &fds[i], young_too);
	for (int attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
		int pending = 0;

		for (size_t i = 0; i < a->n_suites; i++) {
			char **argv, *log;

			if (!todo[i])
				continue;
			argv = apt_argv(a, &a->suites[i], "apt-get", update);
			log = xasprintf("%s/update.log", a->suites[i].dir);
			pids[i] = child_start(argv, log);
			if (pids[i] < 0)
				die("cannot start apt-get: %s; install apt", strerror(errno));
			argv_free(argv);
			free(log);
			pending++;
		}
		if (!pending)
			break;
		progress_start(&p, attempt == 1 ? "updating the archive's indexes" : "retrying the archive's indexes",
			       (size_t)pending);
		for (size_t i = 0; i < a->n_suites; i++) {
			int rc;

			if (!todo[i])
				continue;
			rc = child_wait(pids[i]);
			progress_step(&p, a->suites[i].name);
			if (suite_updated(&a->suites[i], rc, attempt == UPDATE_ATTEMPTS))
				todo[i] = 0;
		}
		progress_end(&p);
		if (attempt < UPDATE_ATTEMPTS)
			sleep((unsigned)attempt);
	}
	for (size_t i = 0; i < a->n_suites; i++)
		close(fds[i]);
	free(fds);
	free(pids);
	free(todo);
}

/* ---- candidates ---- */

/* linux-headers-RELEASE-SUFFIX, RELEASE being dash-separated groups that start with a digit. */
static int split_package(const char *pkg, char **release, char **suffix)
{
	const char *p, *end;

	if (!skip_prefix(pkg, "linux-headers-", &p) || !isdigit((unsigned char)*p))
		return 0;
	end = p;
	for (;;) {
		end += strcspn(end, "-");
		if (*end == '-' && isdigit((unsigned char)end[1]))
			end++;
		else
			break;
	}
	if (*end != '-' || !end[1])
		return 0;
	*release = xasprintf("%.*s", (int)(end - p), p);
	*suffix = xstrdup(end + 1);
	return 1;
}

/* "rt-amd64" -> "rt", "arm64-16k" -> "16k", "amd64" -> "generic"; NULL if not this arch's. */
static char *flavour_of(const char *suffix, const char *debarch)
{
	size_t n = strlen(debarch), len = strlen(suffix);

	if (!strcmp(suffix, debarch))
		return xstrdup("generic");
	if (len > n + 1 && !strcmp(suffix + len - n, debarch) && suffix[len - n - 1] == '-')
		return xasprintf("%.*s", (int)(len - n - 1), suffix);
	if (len > n + 1 && !strncmp(suffix, debarch, n) && suffix[n] == '-')
		return xstrdup(suffix + n + 1);
	return NULL;
}

/* "7.2.13+deb14-riscv64" names a release and flavour of this arch; "7.2" or "6.1.0-27" do not. */
static char *as_full_release(const char *kver, const char *debarch, const char *flavour)
{
	char *pkg = xasprintf("linux-headers-%s", kver), *release = NULL, *suffix = NULL, *fl = NULL;

	if (split_package(pkg, &release, &suffix))
		fl = flavour_of(suffix, debarch);
	free(pkg);
	if (!fl) {
		free(release);
		free(suffix);
		return NULL;
	}
	/* The release already names its flavour: a different --flavour cannot also be met. */
	if (flavour && strcmp(flavour, fl)) {
		report_hold(release, free);
		report_hold(suffix, free);
		report_hold(fl, free);
		usage_die("--kver %s is the %s flavour, but --flavour %s asks for another; drop --flavour, or give "
			  "--kver %s-%s%s%s", kver, fl, flavour, release, flavour, !strcmp(fl, "generic") ? "-" : "",
			  !strcmp(fl, "generic") ? suffix : suffix + strlen(fl));
	}
	free(release);
	free(suffix);
	free(fl);
	return xstrdup(kver);
}

/* "7.2" matches "7.2.13" and "7.2", not "7.20": a prefix ending at a component boundary. */
static int version_prefix(const char *want, const char *have)
{
	size_t n = strlen(want);

	return !strncmp(want, have, n) && (have[n] == '\0' || have[n] == '.' || have[n] == '+' || have[n] == '-' ||
					   have[n] == '~');
}

static void add_candidate(struct archive *a, const char *pkg, const char *version, const struct suite *s)
{
	struct candidate c = { 0 };

	if (!split_package(pkg, &c.release, &c.suffix))
		return;
	c.flavour = flavour_of(c.suffix, a->debarch);
	if (!c.flavour) {
		free(c.release);
		free(c.suffix);
		return;
	}
	c.package = xstrdup(pkg);
	c.version = xstrdup(version);
	c.suite = s;
	a->cands = xgrow(a->cands, a->n_cands, sizeof(*a->cands));
	a->cands[a->n_cands++] = c;
}

/*
 * Every linux-headers-R-FLAVOUR of this arch in the suite's index, with its version. Returns
 * NULL, or why apt cannot read the cached index (a torn or altered file: new string).
 */
static char *suite_scan(struct archive *a, const struct suite *s)
{
	static const char *const pkgnames[] = { "pkgnames", "linux-headers-", NULL };
	char *names = NULL, *err = NULL, *out = NULL, *why;
	const char **madison;
	size_t n = 0;

	if (apt_run(a, s, "apt-cache", pkgnames, &names, &err, NULL, CHILD_CAPTURE)) {
		why = err && *err ? first_error(err) : xstrdup("apt-cache failed");
		free(names);
		free(err);
		return why;
	}
	madison = xcalloc(strlen(names) / 2 + 3, sizeof(*madison));
	madison[n++] = "madison";
	for (char *line = strtok(names, "\n"); line; line = strtok(NULL, "\n")) {
		char *release, *suffix, *fl;

		if (!split_package(line, &release, &suffix))
			continue;
		fl = flavour_of(suffix, a->debarch);
		if (fl)
			madison[n++] = line;
		free(fl);
		free(release);
		free(suffix);
	}
	if (n > 1 && !apt_run(a, s, "apt-cache", madison, &out, NULL, NULL, CHILD_CAPTURE)) {
		/* "linux-headers-7.2.13+deb14-riscv64 |   7.2.13-1 | http://... sid/main riscv64 Packages" */
		for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
			char pkg[256], version[128];

			if (sscanf(line, " %255s | %127s |", pkg, version) == 2)
				add_candidate(a, pkg, version, s);
		}
	}
	free(madison);
	free(names);
	free(out);
	free(err);
	return NULL;
}

/* Forgets suite S's cached index, so that the next refresh downloads it whole. */
static void suite_forget(struct suite *s)
{
	char *lists = xasprintf("%s/lists", s->dir), *stamp = xasprintf("%s/updated", s->dir);
	char *failed = xasprintf("%s/failed", s->dir), *partial = xasprintf("%s/partial", lists);

	fs_remove_tree(lists);
	mkdir_p(partial);
	unlink(stamp);
	unlink(failed);
	s->readable = 0;
	free(partial);
	free(failed);
	free(stamp);
	free(lists);
}

/*
 * Scans each readable suite. One whose cached index apt cannot read is downloaded again
 * (not offline) and scanned once more; if it still cannot be read, or offline, it is a
 * suite that could not be read, reported as such: never "no such version".
 */
static void scan_suites(struct archive *a)
{
	char **why = xcalloc(a->n_suites, sizeof(*why));
	size_t readable = 0, damaged = 0;
	struct progress p;

	for (size_t i = 0; i < a->n_suites; i++)
		readable += a->suites[i].readable;
	/* apt-cache takes a second or more per suite. */
	progress_start(&p, "reading the archive's indexes", readable);
	for (size_t i = 0; i < a->n_suites; i++)
		if (a->suites[i].readable) {
			damaged += (why[i] = suite_scan(a, &a->suites[i])) != NULL;
			progress_step(&p, a->suites[i].name);
		}
	progress_end(&p);
	if (damaged && !a->rq->offline) {
		for (size_t i = 0; i < a->n_suites; i++)
			if (why[i])
				suite_forget(&a->suites[i]);
		refresh_suites(a, 0);
		for (size_t i = 0; i < a->n_suites; i++) {
			if (!why[i] || !a->suites[i].readable)
				continue;
			free(why[i]);
			why[i] = suite_scan(a, &a->suites[i]);
		}
	}
	for (size_t i = 0; i < a->n_suites; i++) {
		struct suite *s = &a->suites[i];

		if (!why[i])
			continue;
		free(s->problem);
		s->problem = xasprintf("apt cannot read its cached index (%s)%s", why[i],
				       a->rq->offline ? "; run without --offline to fetch it again" : ", even fetched again");
		s->readable = 0;
		free(why[i]);
	}
	free(why);
}

static void load_suites(struct archive *a)
{
	static const char *const top[] = { "archives", NULL }, *const entry[] = { "uri", "suites", NULL };
	char *file = xasprintf("%s/archive.yaml", a->rq->configs_dir);
	struct ydoc *doc = ydoc_load(file);
	const struct ynode *list;

	if (!doc->root)
		die("%s: empty; it lists the archives and suites --kver searches", file);
	ynode_check_keys(doc->root, top);
	list = ynode_get(doc->root, "archives");
	if (!list || list->kind != YNODE_SEQUENCE)
		ynode_die(doc->root, "'archives' must be a list of {uri, suites}");
	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *e = list->items[i], *uri, *suites;
		char **names;
		size_t count;

		ynode_check_keys(e, entry);
		uri = ynode_get(e, "uri");
		suites = ynode_get(e, "suites");
		if (!uri || !suites)
			ynode_die(e, "each archive needs 'uri' and 'suites'");
		names = ynode_strv(suites, "suites", &count);
		for (size_t j = 0; j < count; j++) {
			struct suite s = { 0 };

			if (!archive_valid_flavour(names[j]))
				ynode_die(suites, "'%s' is not a suite name", names[j]);
			s.uri = xstrdup(ynode_str(uri, "uri"));
			if (!starts_with(s.uri, "http://") && !starts_with(s.uri, "https://") && !starts_with(s.uri, "file:/"))
				ynode_die(uri, "'%s' is not an http, https or file URI", s.uri);
			s.name = names[j];
			a->suites = xgrow(a->suites, a->n_suites, sizeof(*a->suites));
			a->suites[a->n_suites++] = s;
		}
		free(names);
	}
	ydoc_free(doc);
	free(file);
}

/*
 * $cache/apt/DEBARCH/releases: one "RELEASE SUFFIX FLAVOUR VERSION SUITE" line per candidate,
 * for the shell's completion of --kver and --flavour, which cannot wait for the indexes to
 * be read (seconds). Written after an online look at the indexes, only when it changed.
 */
static void write_releases(const struct archive *a)
{
	struct strbuf sb = { 0 };
	char *path = xasprintf("%s/apt/%s/releases", a->cache, a->debarch), *old;

	for (size_t i = 0; i < a->n_cands; i++)
		sb_addf(&sb, "%s %s %s %s %s\n", a->cands[i].release, a->cands[i].suffix, a->cands[i].flavour,
			a->cands[i].version, a->cands[i].suite->name);
	old = read_file(path, NULL);
	if (sb.len && (!old || strcmp(old, sb.buf)))
		outfile_write(path, sb.buf, sb.len, 1);
	free(old);
	free(path);
	sb_release(&sb);
}

static void archive_open(struct archive *a, const struct archive_request *rq)
{
	memset(a, 0, sizeof(*a));
	a->rq = rq;
	a->max_age = max_index_age();
	a->debarch = rq->profile->debian_arch;
	a->cache = self_cache_dir();
	if (rq->kver)
		a->full_release = as_full_release(rq->kver, a->debarch, rq->flavour);
	load_suites(a);
	for (size_t i = 0; i < a->n_suites; i++)
		suite_prepare(a, &a->suites[i]);
	refresh_suites(a, 0);
	scan_suites(a);
	if (!rq->offline)
		write_releases(a);
}

static void forget_candidates(struct archive *a)
{
	for (size_t i = 0; i < a->n_cands; i++) {
		free(a->cands[i].package);
		free(a->cands[i].release);
		free(a->cands[i].suffix);
		free(a->cands[i].flavour);
		free(a->cands[i].version);
	}
	free(a->cands);
	a->cands = NULL;
	a->n_cands = 0;
}

/*
 * Updates the suites read from the cache without a problem (their index younger than
 * max_age, so possibly older than a release just published) and reads them again.
 * Returns whether there was any: if not, what was read is the archive's latest word.
 */
static int refresh_cached(struct archive *a)
{
	size_t n = 0;

	if (a->rq->offline)
		return 0;
	for (size_t i = 0; i < a->n_suites; i++)
		n += from_cache(&a->suites[i]);
	if (!n)
		return 0;
	refresh_suites(a, 1);
	forget_candidates(a);
	scan_suites(a);
	write_releases(a);
	return 1;
}

static void archive_close(struct archive *a)
{
	forget_candidates(a);
	for (size_t i = 0; i < a->n_suites; i++) {
		free(a->suites[i].uri);
		free(a->suites[i].name);
		free(a->suites[i].dir);
		free(a->suites[i].problem);
	}
	free(a->suites);
	free(a->cache);
	free(a->full_release);
}

/* The upstream part of a Debian version: "7.2.13-1" -> "7.2.13", "1:6.1.115-1" -> "6.1.115". */
static char *upstream_of(const char *version)
{
	const char *colon = strchr(version, ':'), *start = colon ? colon + 1 : version;
	const char *dash = strrchr(start, '-');

	return xasprintf("%.*s", (int)(dash ? dash - start : (long)strlen(start)), start);
}

static int candidate_matches(const struct archive *a, const struct candidate *c)
{
	const char *kver = a->rq->kver, *fl = a->rq->flavour && *a->rq->flavour ? a->rq->flavour : "generic";
	char *full, *up;
	int ok;

	if (a->full_release) {
		full = xasprintf("%s-%s", c->release, c->suffix);
		ok = !strcmp(full, a->full_release);
		free(full);
		return ok;
	}
	if (strcmp(c->flavour, fl))
		return 0;
	up = upstream_of(c->version);
	ok = version_prefix(kver, c->release) || version_prefix(kver, up);
	free(up);
	return ok;
}

/* ---- what the cache holds ---- */

static char *tree_dir(const struct archive *a, const struct candidate *c)
{
	return xasprintf("%s/trees/%s_%s", a->cache, c->package, c->version);
}

static int is_cached(const struct archive *a, const struct candidate *c)
{
	char *d = tree_dir(a, c), *complete = xasprintf("%s/.complete", d);
	int ok = access(complete, F_OK) == 0;

	free(d);
	free(complete);
	return ok;
}

/* ---- errors that name what is there ---- */

static int newest_first(const void *x, const void *y)
{
	return version_compare(*(char *const *)y, *(char *const *)x);
}

/* "7.3.4+deb13 (trixie-backports), 7.2.13+deb14 (sid), ...": each release once, newest first. */
static char *available_list(const struct archive *a)
{
	char **items = xcalloc(a->n_cands + 1, sizeof(*items));
	size_t n = 0;
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < a->n_cands; i++) {
		char *item = xasprintf("%s (%s)", a->cands[i].release, a->cands[i].suite->name);
		size_t j;

		for (j = 0; j < n && strcmp(items[j], item); j++)
			;
		if (j < n)
			free(item);
		else
			items[n++] = item;
	}
	qsort(items, n, sizeof(*items), newest_first);
	for (size_t i = 0; i < n; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", items[i]);
	strv_free(items, n);
	return sb.buf ? sb.buf : xstrdup("none");
}

static _Noreturn void not_found(const struct archive *a)
{
	struct strbuf problems = { 0 };
	size_t readable = 0, n_more = 0;
	char *avail = available_list(a);
	const char *fl = a->rq->flavour && *a->rq->flavour ? a->rq->flavour : NULL;

	for (size_t i = 0; i < a->n_suites; i++) {
		const struct suite *s = &a->suites[i];

		readable += s->readable;
		if (s->problem && !problems.len)
			sb_addf(&problems, "%s: %s", s->name, s->problem);
		else if (s->problem)
			n_more++;
	}
	if (n_more)
		sb_addf(&problems, " (and %zu more suites)", n_more);
	if (!readable && a->rq->offline)
		die("--kver %s: nothing is cached for %s and --offline forbids the network; run once without "
		    "--offline", a->rq->kver, a->debarch);
	/* A suite that could not be read may hold it: never call that "no such version". */
	if (problems.len)
		die("--kver %s%s%s: not in the suites that could be read (available: %s), and these suites' index for %s "
		    "could not be read: %s; check the network and configs/archive.yaml, or use --kdir with a tree "
		    "obtained elsewhere", a->rq->kver, fl ? " --flavour " : "", fl ? fl : "", avail, a->debarch,
		    problems.buf);
	die("--kver %s%s%s: no such linux-headers package for %s in the archive; available: %s; for another "
	    "version, extract its headers package yourself and pass --kdir", a->rq->kver, fl ? " --flavour " : "",
	    fl ? fl : "", a->debarch, avail);
}

/* ---- download and extraction ---- */

/* Up to MAX paths of the .deb files in DIR, into DEBS (new strings); returns how many there are. */
static size_t list_debs(const char *dir, char **debs, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, total = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".deb"))
			continue;
		if (n < max)
			debs[n++] = xasprintf("%s/%s", dir, de->d_name);
		total++;
	}
	closedir(d);
	return total;
}

/* The headers' common package: linux-headers-R-common (or -common-rt), from the Depends line. */
static char *common_of(const struct archive *a, const struct candidate *c, char **version)
{
	char *spec = xasprintf("%s=%s", c->package, c->version), *out = NULL, *err = NULL, *dep, *found = NULL;
	const char *tail[] = { "show", spec, NULL };

	if (apt_run(a, c->suite, "apt-cache", tail, &out, &err, NULL, CHILD_CAPTURE))
		die("%s: apt-cache cannot show it: %s", c->package, err);
	dep = strstr(out, "\nDepends: ");
	if (dep) {
		char *line = xasprintf("%.*s", (int)strcspn(dep + 10, "\n"), dep + 10);

		for (char *item = strtok(line, ","); item && !found; item = strtok(NULL, ",")) {
			char name[256], ver[128];

			while (*item == ' ')
				item++;
			if (sscanf(item, "%255s (= %127[^)])", name, ver) == 2 && starts_with(name, "linux-headers-") &&
			    strstr(name, "-common")) {
				found = xstrdup(name);
				*version = xstrdup(ver);
			}
		}
		free(line);
	}
	if (!found)
		die("%s %s: depends on no linux-headers-*-common package; the index looks damaged", c->package,
		    c->version);
	free(spec);
	free(out);
	free(err);
	return found;
}

/* A symbolic link placed in a tree before it appears: NAME under its root/ points at TARGET. */
struct tree_link {
	const char *name, *target;
};

/* Whether a child's error output says the disk is full. */
static int disk_full(const char *err)
{
	return strstr(err, "No space left on device") || strstr(err, "Disk quota exceeded");
}

/* apt-get could not download SPEC1 (and SPEC2): the real cause, from its error output ERR. */
static _Noreturn void download_failed(const struct archive *a, const struct suite *s, const char *spec1,
				      const char *spec2, const char *err)
{
	char *why = err ? first_error(err) : xstrdup("see apt's messages above");

	report_hold(why, free);
	if (err && disk_full(err))
		die("cannot download %s%s%s: %s; the disk holding %s/trees is full: free space there, or point "
		    "XDG_CACHE_HOME at a folder with room", spec1, spec2 ? " and " : "", spec2 ? spec2 : "", why, a->cache);
	/* The index lists the package but the mirror has no file for it: not the network. */
	if (err && strstr(err, " 404 "))
		die("cannot download %s%s%s from %s: %s; the archive's index lists it but the mirror does not serve it "
		    "(a mirror in the middle of a sync, or a package being removed): try again later, choose another "
		    "version ('kabigen list'), or use --kdir", spec1, spec2 ? " and " : "", spec2 ? spec2 : "", s->uri,
		    why);
	die("cannot download %s%s%s from %s: %s; check the network, or use --kdir", spec1, spec2 ? " and " : "",
	    spec2 ? spec2 : "", s->uri, why);
}

/*
 * The md5sums control member of DEB ("DIGEST  PATH" lines), appended to SUMS; extracted into
 * TMP/control (TMP: the fetch's temporary folder, removed if this fails).
 */
static void add_md5sums(const char *deb, const char *tmp, struct strbuf *sums)
{
	char *dir = xasprintf("%s/control", tmp);
	char *argv[] = { "dpkg-deb", "-e", (char *)deb, dir, NULL };
	char *err = NULL, *path = xasprintf("%s/md5sums", dir), *text;
	int rc = child_run(argv, NULL, CHILD_DISCARD, NULL, &err);

	if (rc) {
		fs_remove_tree(tmp);
		report_hold(err, free);
		if (err && disk_full(err))
			die("%s: dpkg-deb cannot extract its control files: %.*s; the disk holding them is full: free space "
			    "there, or point XDG_CACHE_HOME at a folder with room", deb, (int)strcspn(err, "\n"), err);
		die("%s: dpkg-deb cannot read its control files: %.*s; the download is damaged, run again", deb,
		    err ? (int)strcspn(err, "\n") : 0, err ? err : "");
	}
	/* A package without md5sums: the list keeps what was extracted, proven from then on. */
	text = read_file(path, NULL);
	if (text) {
		sb_adds(sums, text);
		if (*text && text[strlen(text) - 1] != '\n')
			sb_adds(sums, "\n");
	}
	fs_remove_tree(dir);
	free(text);
	free(path);
	free(dir);
	free(err);
}

/*
 * Downloads the N (at most 2) packages SPECS ("name=version") of suite S and extracts them
 * into FINAL, with LINK (or none) into the tree NEED ("package version", or NULL), which
 * appears whole or not at all (callers hold its lock), listed and checked against the
 * packages' md5sums (extracted.h).
 */
static void fetch_packages(const struct archive *a, const struct suite *s, char *const *specs, size_t n,
			   const char *final, const struct tree_link *link, const char *need)
{
	char *tmpl = xasprintf("%s/trees/.tmp-XXXXXX", a->cache);
	char *spec1 = specs[0], *spec2 = n > 1 ? specs[1] : NULL;
	int tty = isatty(STDERR_FILENO);
	const char *tail_tty[] = { "download", spec1, spec2, NULL };
	const char *tail_quiet[] = { "-qq", "download", spec1, spec2, NULL };
	char *err = NULL, *parent = xasprintf("%s/trees", a->cache), *root, *why = NULL;
	char *debs[2];
	size_t n_debs;
	struct strbuf sums = { 0 };

	mkdir_p(parent);
	if (!mkdtemp(tmpl))
		die("%s: cannot create a temporary folder: %s; check the cache folder's permissions", tmpl,
		    strerror(errno));
	/* On a terminal apt draws its progress line; otherwise one line per package, below. */
	if (apt_run(a, s, "apt-get", tty ? tail_tty : tail_quiet, NULL, tty ? NULL : &err, tmpl,
		    tty ? CHILD_TO_STDERR : CHILD_DISCARD)) {
		fs_remove_tree(tmpl);
		download_failed(a, s, spec1, spec2, err);
	}
	root = xasprintf("%s/root", tmpl);
	n_debs = list_debs(tmpl, debs, 2);
	if (n_debs != n) {
		fs_remove_tree(tmpl);
		die("%s: apt reported success but left %zu packages instead of %zu; run again", tmpl, n_debs, n);
	}
	for (size_t i = 0; i < n_debs; i++) {
		char *argv[] = { "dpkg-deb", "-x", debs[i], root, NULL };
		char *xerr = NULL;
		struct stat st;

		if (stat(debs[i], &st) || child_run(argv, NULL, CHILD_DISCARD, NULL, &xerr)) {
			fs_remove_tree(tmpl);
			/* A full disk is not a damaged download: say which folder needs room. */
			if (xerr && disk_full(xerr))
				die("%s: dpkg-deb cannot extract it: %.*s; the disk holding %s/trees is full: free space "
				    "there, or point XDG_CACHE_HOME at a folder with room", debs[i],
				    (int)strcspn(xerr, "\n"), xerr, a->cache);
			die("%s: dpkg-deb cannot extract it: %.*s; the download is damaged, run again", debs[i],
			    xerr ? (int)strcspn(xerr, "\n") : 0, xerr ? xerr : "");
		}
		add_md5sums(debs[i], tmpl, &sums);
		if (!tty)
			inform("fetched %s (%lld bytes)", strrchr(debs[i], '/') + 1,
				(long long)st.st_size);
		unlink(debs[i]);
		free(debs[i]);
		free(xerr);
	}
	if (link) {
		char *at = xasprintf("%s/%s", root, link->name);

		if (symlink(link->target, at)) {
			int err = errno;

			fs_remove_tree(tmpl);
			die("%s: cannot link it to %s: %s; check the cache folder", at, link->target, strerror(err));
		}
		free(at);
	}
	if (extracted_seal(tmpl, sums.len ? sums.buf : NULL, need ? (char *const *)&need : NULL, need ? 1 : 0, &why)) {
		fs_remove_tree(tmpl);
		report_hold(why, free);
		if (disk_full(why))
			die("%s; the disk holding %s/trees is full: free space there, or point XDG_CACHE_HOME at a folder "
			    "with room", why, a->cache);
		die("%s; the download or the disk holding %s/trees is damaged: run again", why, a->cache);
	}
	/* The rename makes the tree appear whole, .complete included (callers hold its lock). */
	if (rename(tmpl, final)) {
		int err = errno;

		fs_remove_tree(tmpl);
		die("%s: cannot move the extracted tree into place: %s; check the cache folder", final, strerror(err));
	}
	sb_release(&sums);
	free(root);
	free(parent);
	free(err);
	free(tmpl);
}

/* One package of SUITE ("name=version") for fetch_locked(), extracted into DIR. */
struct package_fetch {
	const struct suite *suite;
	const char *spec, *dir;
};

static void fetch_package(const struct archive *a, const void *arg)
{
	const struct package_fetch *p = arg;
	char *spec = xstrdup(p->spec);

	fetch_packages(a, p->suite, &spec, 1, p->dir, NULL, NULL);
	free(spec);
}

/*
 * DIR's tree is not proven whole (STATE; WHY names the difference): offline the run ends,
 * naming what --offline needs; else a damaged tree is said to be fetched again.
 */
static void tree_unproven(const struct archive *a, enum extracted_state state, const char *what, char *why)
{
	if (why)
		report_hold(why, free);
	if (a->rq->offline && state == EXTRACTED_ABSENT)
		die("--kver %s: %s is not in the cache and --offline forbids the network; run once without --offline",
		    a->rq->kver, what);
	if (a->rq->offline)
		die("--kver %s: %s in the cache is not what the package holds: %s; run once without --offline to fetch it "
		    "again", a->rq->kver, what, why);
	if (state == EXTRACTED_DAMAGED)
		warn("%s in the cache is not what the package holds: %s; fetching it again", what, why);
	if (why)
		report_release(why);
	free(why);
}

/* Fetches DIR (a folder of trees/) with FETCH unless cached and proven: one process at a time, whole or not at all. */
static void fetch_locked(const struct archive *a, const char *dir, const char *what,
			 void (*fetch)(const struct archive *, const void *), const void *arg)
{
	char *lockp, *trees, *why = NULL;
	enum extracted_state state = extracted_check(dir, &why, NULL, NULL);
	int fd;

	if (state == EXTRACTED_PROVEN)
		return;
	tree_unproven(a, state, what, why);
	lockp = xasprintf("%s.lock", dir);
	trees = xasprintf("%s/trees", a->cache);
	mkdir_p(a->cache);
	mkdir_p(trees);
	fd = lock_file(lockp);
	/* Whoever waited finds it fetched; a tree cut short (no list) or damaged is never trusted. */
	why = NULL;
	if (extracted_check(dir, &why, NULL, NULL) != EXTRACTED_PROVEN) {
		free(why);
		fs_remove_tree(dir);
		fetch(a, arg);
	}
	close(fd);
	free(trees);
	free(lockp);
}

/* The trees NEEDS ("package version") that a proven tree of C's suite links into, each proven or fetched. */
static void fetch_needed(const struct archive *a, const struct candidate *c, char **needs, size_t n_needs)
{
	for (size_t i = 0; i < n_needs; i++) {
		char *sp = strchr(needs[i], ' '), *spec, *dir, *what;
		struct package_fetch pf;

		/* A package name and a Debian version: one folder name under trees/. */
		if (sp)
			*sp = '\0';
		if (!sp || !isalnum((unsigned char)needs[i][0]) || !only(needs[i], ".+-") || !isalnum((unsigned char)sp[1]) ||
		    !only(sp + 1, ".+~:-"))
			die("%s/trees/%s_%s/.complete: it names the tree it needs oddly ('%s'); remove that folder and "
			    "run again", a->cache, c->package, c->version, needs[i]);
		spec = xasprintf("%s=%s", needs[i], sp + 1);
		dir = xasprintf("%s/trees/%s_%s", a->cache, needs[i], sp + 1);
		what = xasprintf("%s %s", needs[i], sp + 1);
		pf = (struct package_fetch){ c->suite, spec, dir };
		fetch_locked(a, dir, what, fetch_package, &pf);
		free(what);
		free(dir);
		free(spec);
	}
}

/*
 * The headers package of C, and its linux-headers-R-common (arch-independent, about 80 MB
 * extracted) in a tree of its own that every arch and flavour of the release shares: the
 * arch tree's usr/src/linux-headers-R-common is a relative link to it, where the arch
 * Makefile's "include" line looks (callers hold the arch tree's lock; the common tree takes
 * its own, so two arches fetch it once).
 */
static void download_and_extract(const struct archive *a, const struct candidate *c)
{
	char *final = tree_dir(a, c), *common_version = NULL, *common = common_of(a, c, &common_version);
	char *common_tree = xasprintf("%s_%s", common, common_version);
	char *common_dir = xasprintf("%s/trees/%s", a->cache, common_tree);
	char *common_spec = xasprintf("%s=%s", common, common_version), *spec = xasprintf("%s=%s", c->package, c->version);
	/* From ARCH_V/root/usr/src/ up to trees/, then down into the common tree. */
	char *name = xasprintf("usr/src/%s", common);
	char *target = xasprintf("../../../../%s/root/usr/src/%s", common_tree, common);
	/* "package version": what the arch tree's list names as the tree it needs. */
	char *need = xasprintf("%s %s", common, common_version);
	struct package_fetch cf = { c->suite, common_spec, common_dir };
	struct tree_link link = { name, target };

	fetch_locked(a, common_dir, need, fetch_package, &cf);
	fetch_packages(a, c->suite, &spec, 1, final, &link, need);
	free(need);
	free(name);
	free(target);
	free(spec);
	free(common_spec);
	free(common_dir);
	free(common_tree);
	free(common);
	free(common_version);
	free(final);
}

/* The names of a modules package, newest form first (printf formats of release and suffix). */
static const char *const modules_forms[] = { "linux-modules-%s-%s", "linux-image-%s-%s-unsigned" };

/* The modules package of the headers' release and flavour: linux-modules-R-S (bookworm and older:
 * linux-image-R-S-unsigned), of the same version in the same suite, or NULL. */
static char *modules_package(const struct archive *a, const struct candidate *c)
{
	for (size_t i = 0; i < sizeof(modules_forms) / sizeof(modules_forms[0]); i++) {
		char *name = xasprintf(modules_forms[i], c->release, c->suffix), *spec = xasprintf("%s=%s", name, c->version);
		char *out = NULL, *err = NULL;
		const char *tail[] = { "show", spec, NULL };
		int rc = apt_run(a, c->suite, "apt-cache", tail, &out, &err, NULL, CHILD_CAPTURE);
		int found = !rc && out && strstr(out, "\nFilename: ");

		free(out);
		free(err);
		free(spec);
		if (found)
			return name;
		free(name);
	}
	return NULL;
}

/* Offline: the modules package of C that the cache holds whole, or NULL. */
static char *cached_modules_package(const struct archive *a, const struct candidate *c)
{
	for (size_t i = 0; i < sizeof(modules_forms) / sizeof(modules_forms[0]); i++) {
		char *name = xasprintf(modules_forms[i], c->release, c->suffix);
		char *complete = xasprintf("%s/trees/%s_%s/.complete", a->cache, name, c->version);
		int cached = !access(complete, F_OK);

		free(complete);
		if (cached)
			return name;
		free(name);
	}
	return NULL;
}

/* The modules folder of the extracted package: usr/lib/modules/R-S (or lib/modules/R-S before usrmerge). */
static char *modules_dir(const char *dir, const struct candidate *c)
{
	char *d = xasprintf("%s/root/usr/lib/modules/%s-%s", dir, c->release, c->suffix);

	if (!fs_is_dir(d)) {
		free(d);
		d = xasprintf("%s/root/lib/modules/%s-%s", dir, c->release, c->suffix);
	}
	if (!fs_is_dir(d))
		die("%s: the cached modules package has no modules/%s-%s folder; remove %s and run again", dir,
		    c->release, c->suffix, dir);
	return d;
}

/* ---- the public operations ---- */

/* What a --kver run chose BEST from: an index older than it should be, suites not read. */
static void warn_unread(const struct archive *a, const struct candidate *best)
{
	if (best->suite->problem)
		warn("the %s index could not be refreshed (%s); using the copy in the cache", best->suite->name,
		     best->suite->problem);
	/* The newest of the suites that could be read is not always the archive's newest. */
	for (size_t i = 0; i < a->n_suites && !a->full_release; i++)
		if (!a->suites[i].readable && a->suites[i].problem)
			warn("the %s index for %s could not be read (%s); --kver %s takes %s, the newest of the others",
			     a->suites[i].name, a->debarch, a->suites[i].problem, a->rq->kver, best->package);
}

/* The newest candidate that --kver and --flavour ask for, or NULL. */
static const struct candidate *newest_match(const struct archive *a)
{
	const struct candidate *best = NULL;

	for (size_t i = 0; i < a->n_cands; i++) {
		const struct candidate *c = &a->cands[i];

		if (candidate_matches(a, c) && (!best || version_compare(c->version, best->version) > 0))
			best = c;
	}
	return best;
}

/*
 * The headers tree DIR of C, proven against its list (and the -common tree it links into
 * against its own), else fetched: one fetch per package at a time, and whoever waited finds
 * it fetched.
 */
static void fetch_headers(const struct archive *a, const struct candidate *c, const char *dir)
{
	char *why = NULL, **needs = NULL, *what = xasprintf("%s %s", c->package, c->version), *lockp, *trees;
	size_t n_needs = 0;
	enum extracted_state state = extracted_check(dir, &why, &needs, &n_needs);
	int fd;

	if (state == EXTRACTED_PROVEN) {
		fetch_needed(a, c, needs, n_needs);
		strv_free(needs, n_needs);
		free(what);
		return;
	}
	tree_unproven(a, state, what, why);
	mkdir_p(a->cache);
	trees = xasprintf("%s/trees", a->cache);
	mkdir_p(trees);
	/* What a killed fetch left (fetch_packages' .tmp-XXXXXX), untouched for an hour. */
	fs_remove_stale(trees, ".tmp-", 3600);
	lockp = xasprintf("%s.lock", dir);
	fd = lock_file(lockp);
	why = NULL;
	state = extracted_check(dir, &why, &needs, &n_needs);
	if (state == EXTRACTED_PROVEN) {
		fetch_needed(a, c, needs, n_needs);
		strv_free(needs, n_needs);
	} else {
		/* Cut short before it was renamed whole (no list), or damaged: never trusted. */
		free(why);
		fs_remove_tree(dir);
		download_and_extract(a, c);
	}
	close(fd);
	free(lockp);
	free(trees);
	free(what);
}

struct archive_tree *archive_fetch(const struct archive_request *rq)
{
	struct archive a;
	const struct candidate *best = NULL;
	struct archive_tree *t;
	char *dir;

	archive_open(&a, rq);
	best = newest_match(&a);
	/* A release published since the cached index was fetched is not "no such version". */
	if (!best && refresh_cached(&a))
		best = newest_match(&a);
	if (!best)
		not_found(&a);
	warn_unread(&a, best);
	dir = tree_dir(&a, best);
	fetch_headers(&a, best, dir);
	t = xcalloc(1, sizeof(*t));
	t->kdir = xasprintf("%s/root/usr/src/linux-headers-%s-%s", dir, best->release, best->suffix);
	t->package = xstrdup(best->package);
	t->version = xstrdup(best->version);
	t->suite = xstrdup(best->suite->name);
	t->flavour = xstrdup(best->flavour);
	if (!fs_is_dir(t->kdir))
		die("%s: the cached package has no such folder; remove %s and run again", t->kdir, dir);
	if (rq->modules) {
		char *package = rq->offline ? cached_modules_package(&a, best) : modules_package(&a, best);
		char *mdir;
		char *spec;
		struct package_fetch pf;

		if (!package)
			die("%s %s: %s linux-modules-%s-%s (nor linux-image-%s-%s-unsigned) of that version; %s",
			    best->package, best->version, rq->offline ? "the cache holds no" : "the archive has no",
			    best->release, best->suffix, best->release, best->suffix,
			    rq->offline ? "run once without --offline" : "check it with 'kabigen list'");
		mdir = xasprintf("%s/trees/%s_%s", a.cache, package, best->version);
		spec = xasprintf("%s=%s", package, best->version);
		pf = (struct package_fetch){ best->suite, spec, mdir };
		fetch_locked(&a, mdir, package, fetch_package, &pf);
		free(spec);
		t->modules = modules_dir(mdir, best);
		free(mdir);
		free(package);
	}
	free(dir);
	archive_close(&a);
	return t;
}

void archive_tree_free(struct archive_tree *t)
{
	if (!t)
		return;
	free(t->kdir);
	free(t->package);
	free(t->version);
	free(t->suite);
	free(t->flavour);
	free(t->modules);
	free(t);
}

/* Newest release first, then the suites in configs/archive.yaml's order, then the flavour. */
static int list_order(const void *x, const void *y)
{
	const struct candidate *a = x, *b = y;
	int c = version_compare(b->release, a->release);

	if (!c)
		c = (a->suite > b->suite) - (a->suite < b->suite);
	return c ? c : strcmp(a->flavour, b->flavour);
}

void archive_list(const struct archive_request *rq, FILE *out)
{
	struct archive a;
	int printed = 0;

	archive_open(&a, rq);
	for (size_t i = 0; i < a.n_suites; i++)
		if (a.suites[i].problem)
			warn("the %s index for %s could not be read: %s", a.suites[i].name, a.debarch,
			     a.suites[i].problem);
	qsort(a.cands, a.n_cands, sizeof(*a.cands), list_order);
	fprintf(out, "%-22s %-18s %-20s %-8s %s\n", "RELEASE", "VERSION", "SUITE", "FLAVOUR", "CACHED");
	for (size_t i = 0; i < a.n_cands; i++) {
		const struct candidate *c = &a.cands[i];
		char *up = upstream_of(c->version);

		if (!rq->kver || version_prefix(rq->kver, c->release) || version_prefix(rq->kver, up)) {
			fprintf(out, "%-22s %-18s %-20s %-8s %s\n", c->release, c->version, c->suite->name, c->flavour,
				is_cached(&a, c) ? "yes" : "no");
			printed++;
		}
		free(up);
	}
	if (!printed)
		warn("no linux-headers packages for %s%s%s", a.debarch, rq->kver ? " matching " : "",
		     rq->kver ? rq->kver : "");
	archive_close(&a);
}
