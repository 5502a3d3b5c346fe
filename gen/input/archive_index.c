/* archive_index.c: reads the archive's Packages indexes with apt (a private state folder per suite) into candidates. */
#include "input/archive_impl.h"
#include "util/fs.h"
#include "util/outfile.h"
#include "util/progress.h"
#include "util/self.h"
#include "input/profile.h"
#include "util/report.h"
#include "util/str.h"
#include "util/yamldoc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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


/* ---- small helpers ---- */

/* Creates PATH and its parents in the cache; dies when it cannot. */
void archive_mkdir_p(const char *path)
{
	char *why;

	if (fs_mkdirs(path, &why))
		die("%s; check the cache folder's permissions", why);
}

void archive_write_text(const char *path, const char *text)
{
	char *why;

	/* Beside it, then renamed: apt or another kabigen never reads a part (or nothing) of it. */
	if (outfile_try_write(path, text, strlen(text), 0, &why)) {
		report_hold(why, free);
		die("%s: %s; check the cache folder's permissions", path, why);
	}
}

/* An exclusive lock on PATH held until the process exits or the fd is closed. */
int archive_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0)
		die("%s: cannot open the lock: %s; check the cache folder's permissions", path, strerror(errno));
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	return fd;
}

int archive_only(const char *s, const char *allowed_extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(allowed_extra, *s))
			return 0;
	return 1;
}

/* ---- apt, in a private state folder per suite ---- */

/* Appends ARG (a new string) to the NULL-terminated vector *V of *N arguments, growing it. */
static void argv_add(char ***v, size_t *n, char *arg)
{
	*v = xgrow(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = arg;
	(*v)[*n] = NULL;
}

/* Appends "-o" and the apt option SETTING (a new string). */
static void argv_option(char ***v, size_t *n, char *setting)
{
	argv_add(v, n, xstrdup("-o"));
	argv_add(v, n, setting);
}

/*
 * apt-get/apt-cache arguments that read and write only this suite's folder, then every one of
 * TAIL (apt-cache madison names each linux-headers package of a suite). NULL-terminated.
 */
char **archive_apt_argv(const struct archive *a, const struct suite *s, const char *tool, const char *const *tail)
{
	char **v = NULL;
	size_t n = 0;

	argv_add(&v, &n, xstrdup(tool));
	argv_add(&v, &n, xstrdup("-q"));
	argv_option(&v, &n, xasprintf("Dir::Etc::SourceList=%s/sources.list", s->dir));
	argv_option(&v, &n, xasprintf("Dir::Etc::SourceParts=%s/empty", s->dir));
	argv_option(&v, &n, xstrdup("Dir::Etc::Preferences=/dev/null"));
	argv_option(&v, &n, xasprintf("Dir::Etc::PreferencesParts=%s/empty", s->dir));
	argv_option(&v, &n, xasprintf("Dir::State::Lists=%s/lists", s->dir));
	argv_option(&v, &n, xasprintf("Dir::State::status=%s/status", s->dir));
	argv_option(&v, &n, xasprintf("Dir::Cache=%s/cache", s->dir));
	argv_option(&v, &n, xstrdup("Debug::NoLocking=1"));
	argv_option(&v, &n, xasprintf("APT::Architecture=%s", a->debarch));
	argv_option(&v, &n, xasprintf("APT::Architectures::=%s", a->debarch));
	argv_option(&v, &n, xstrdup("Acquire::Languages=none"));
	argv_option(&v, &n, xstrdup("Acquire::Retries=1"));
	argv_option(&v, &n, xstrdup("Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false"));
	/* Root would hand downloads to the _apt user, who cannot write into a private cache. */
	argv_option(&v, &n, xstrdup(geteuid() == 0 ? "APT::Sandbox::User=root" : "APT::Sandbox::User="));
	for (; tail && *tail; tail++)
		argv_add(&v, &n, xstrdup(*tail));
	return v;
}

void archive_argv_free(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* Runs an apt tool on suite S; returns its exit status, with its stdout in *out and stderr in *err. */
int archive_apt_run(const struct archive *a, const struct suite *s, const char *tool, const char *const *tail,
		    char **out, char **err, const char *dir, enum child_stdout mode)
{
	char **v = archive_apt_argv(a, s, tool, tail);
	int rc = child_run(v, dir, mode, out, err);

	archive_argv_free(v);
	return rc;
}

/* Makes suite S's folders in the cache (its files are written under its lock: suite_plan). */
static void suite_prepare(struct archive *a, struct suite *s)
{
	static const char *const dirs[] = { "lists/partial", "cache/archives/partial", "empty" };

	s->dir = xasprintf("%s/apt/%s/%s", a->cache, a->debarch, s->name);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p = xasprintf("%s/%s", s->dir, dirs[i]);

		archive_mkdir_p(p);
		free(p);
	}
}

/*
 * Suite S's sources.list (rewritten only when configs/archive.yaml changed it) and an empty
 * dpkg status: under the suite's lock, as a run updating the index reads them.
 */
static void suite_write_sources(const struct archive *a, const struct suite *s)
{
	const char *keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
	char *p = xasprintf("%s/sources.list", s->dir), *old = read_file(p, NULL);
	char *line = xasprintf("deb [arch=%s signed-by=%s] %s %s main\n", a->debarch, keyring, s->uri, s->name);

	if (!old || strcmp(old, line))
		archive_write_text(p, line);
	free(line);
	free(old);
	free(p);
	p = xasprintf("%s/status", s->dir);
	if (access(p, F_OK))
		archive_write_text(p, "");
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
char *archive_first_error(const char *err)
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

/* Below, beside the scan that finds an index damaged. */
static void suite_forget(struct suite *s);

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

	*fd = archive_lock(lockp);
	suite_write_sources(a, s);
	/* Removed here, not where it was found: another kabigen may be writing it under the lock. */
	if (s->damaged)
		suite_forget(s);
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
		s->problem = archive_first_error(text);
		if (last_attempt) {
			char *first = s->problem;

			archive_write_text(failed, first);
			s->problem = xasprintf("%s (after %d attempts)", first, UPDATE_ATTEMPTS);
			free(first);
		}
	} else {
		char *stamp = xasprintf("%s/updated", s->dir);

		archive_write_text(stamp, "");
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
			argv = archive_apt_argv(a, &a->suites[i], "apt-get", update);
			log = xasprintf("%s/update.log", a->suites[i].dir);
			pids[i] = child_start(argv, log);
			if (pids[i] < 0)
				die("cannot start apt-get: %s; install apt", strerror(errno));
			archive_argv_free(argv);
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
int archive_split_package(const char *pkg, char **release, char **suffix)
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
char *archive_flavour_of(const char *suffix, const char *debarch)
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

static void add_candidate(struct archive *a, const char *pkg, const char *version, const struct suite *s)
{
	struct candidate c = { 0 };

	if (!archive_split_package(pkg, &c.release, &c.suffix))
		return;
	c.flavour = archive_flavour_of(c.suffix, a->debarch);
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

	if (archive_apt_run(a, s, "apt-cache", pkgnames, &names, &err, NULL, CHILD_CAPTURE)) {
		why = err && *err ? archive_first_error(err) : xstrdup("apt-cache failed");
		free(names);
		free(err);
		return why;
	}
	madison = xcalloc(strlen(names) / 2 + 3, sizeof(*madison));
	madison[n++] = "madison";
	for (char *line = strtok(names, "\n"); line; line = strtok(NULL, "\n")) {
		char *release, *suffix, *fl;

		if (!archive_split_package(line, &release, &suffix))
			continue;
		fl = archive_flavour_of(suffix, a->debarch);
		if (fl)
			madison[n++] = line;
		free(fl);
		free(release);
		free(suffix);
	}
	if (n > 1 && !archive_apt_run(a, s, "apt-cache", madison, &out, NULL, NULL, CHILD_CAPTURE)) {
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

/* Forgets suite S's cached index, so that it is downloaded whole; under the suite's lock (suite_plan). */
static void suite_forget(struct suite *s)
{
	char *lists = xasprintf("%s/lists", s->dir), *stamp = xasprintf("%s/updated", s->dir);
	char *failed = xasprintf("%s/failed", s->dir), *partial = xasprintf("%s/partial", lists);

	fs_remove_tree(lists);
	archive_mkdir_p(partial);
	unlink(stamp);
	unlink(failed);
	s->readable = 0;
	s->damaged = 0;
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
				a->suites[i].damaged = 1;
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

void archive_open(struct archive *a, const struct archive_request *rq)
{
	memset(a, 0, sizeof(*a));
	a->rq = rq;
	a->max_age = max_index_age();
	a->debarch = rq->profile->debian_arch;
	a->cache = self_cache_dir();
	if (rq->kver)
		a->full_release = archive_full_release(rq->kver, a->debarch, rq->flavour);
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
int archive_refresh_cached(struct archive *a)
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

void archive_close(struct archive *a)
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

