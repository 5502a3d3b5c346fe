/* archive_impl.h: what archive_index.c, archive_resolve.c and archive_fetch.c share (not for other files). */
#ifndef KABIGEN_ARCHIVE_IMPL_H
#define KABIGEN_ARCHIVE_IMPL_H

#include "input/archive.h"
#include "util/child.h"

/* One suite of one archive, read through its own apt state folder. */
struct suite {
	char *uri;
	char *name;
	char *dir;		/* $cache/apt/DEBARCH/SUITE */
	int readable;		/* its index is there to read */
	int fresh;		/* this run updated its index: as new as the archive */
	char *problem;		/* why it could not be refreshed, or NULL */
	int damaged;		/* apt could not read its cached index: removed by the next refresh, under the lock */
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

/* ---- archive_index.c: the cache's folders, apt, and the candidates its indexes list ---- */

/* Creates PATH and its parents in the cache; dies when it cannot. */
void archive_mkdir_p(const char *path);
/* Replaces PATH by a file holding TEXT, atomically: a reader sees the old text or the new. */
void archive_write_text(const char *path, const char *text);
/* An exclusive lock on PATH held until the process exits or the fd is closed. */
int archive_lock(const char *path);
/* Whether S holds only letters, digits and the characters of ALLOWED_EXTRA. */
int archive_only(const char *s, const char *allowed_extra);
/* apt-get/apt-cache arguments that read and write only suite S's folder, then all of TAIL. NULL-terminated. */
char **archive_apt_argv(const struct archive *a, const struct suite *s, const char *tool, const char *const *tail);
void archive_argv_free(char **v);
/* Runs an apt tool on suite S; returns its exit status, with its stdout in *out and stderr in *err. */
int archive_apt_run(const struct archive *a, const struct suite *s, const char *tool, const char *const *tail,
		    char **out, char **err, const char *dir, enum child_stdout mode);
/* The first line of apt's error output that says what failed. New string. */
char *archive_first_error(const char *err);
/* linux-headers-RELEASE-SUFFIX, RELEASE being dash-separated groups that start with a digit. */
int archive_split_package(const char *pkg, char **release, char **suffix);
/* "rt-amd64" -> "rt", "arm64-16k" -> "16k", "amd64" -> "generic"; NULL if not this arch's. */
char *archive_flavour_of(const char *suffix, const char *debarch);
/* Reads configs/archive.yaml and every suite's index (refreshed when stale) into A's candidates. */
void archive_open(struct archive *a, const struct archive_request *rq);
/* Reads again the suites read from the cache (they may miss a new release); whether there was any. */
int archive_refresh_cached(struct archive *a);
void archive_close(struct archive *a);

/* ---- archive_resolve.c: which candidate a request names ---- */

/* --kver KVER as a whole release of this arch ("7.2.13+deb14-riscv64", new string), or NULL. */
char *archive_full_release(const char *kver, const char *debarch, const char *flavour);
/* The upstream part of a Debian version: "7.2.13-1" -> "7.2.13", "1:6.1.115-1" -> "6.1.115". */
char *archive_upstream_of(const char *version);
/* The folder of trees/ that holds C's extracted package. New string. */
char *archive_tree_dir(const struct archive *a, const struct candidate *c);
/* The newest candidate that --kver and --flavour ask for, or NULL. */
const struct candidate *archive_newest_match(const struct archive *a);
/* No candidate matched: dies naming what the archive has, and the suites that could not be read. */
_Noreturn void archive_not_found(const struct archive *a);
/* What a --kver run chose BEST from: an index older than it should be, suites not read. */
void archive_warn_unread(const struct archive *a, const struct candidate *best);

#endif
