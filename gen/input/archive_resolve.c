/* archive_resolve.c: chooses the candidate a --kver and --flavour name, and lists what the archive has. */
#include "input/archive_impl.h"
#include "util/report.h"
#include "util/str.h"
#include "util/version.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool archive_valid_kver(const char *kver)
{
	return kver && isdigit((unsigned char)kver[0]) && strlen(kver) < 64 && archive_only(kver, ".+~-") &&
	       !strstr(kver, "..");
}

bool archive_valid_flavour(const char *flavour)
{
	return flavour && isalnum((unsigned char)flavour[0]) && strlen(flavour) < 32 && archive_only(flavour, "-");
}

/* "7.2.13+deb14-riscv64" names a release and flavour of this arch; "7.2" or "6.1.0-27" do not. */
char *archive_full_release(const char *kver, const char *debarch, const char *flavour)
{
	char *pkg = xasprintf("linux-headers-%s", kver), *release = NULL, *suffix = NULL, *fl = NULL;

	if (archive_split_package(pkg, &release, &suffix))
		fl = archive_flavour_of(suffix, debarch);
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

/* The upstream part of a Debian version: "7.2.13-1" -> "7.2.13", "1:6.1.115-1" -> "6.1.115". */
char *archive_upstream_of(const char *version)
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
	up = archive_upstream_of(c->version);
	ok = version_prefix(kver, c->release) || version_prefix(kver, up);
	free(up);
	return ok;
}

/* ---- what the cache holds ---- */

char *archive_tree_dir(const struct archive *a, const struct candidate *c)
{
	return xasprintf("%s/trees/%s_%s", a->cache, c->package, c->version);
}

static int is_cached(const struct archive *a, const struct candidate *c)
{
	char *d = archive_tree_dir(a, c), *complete = xasprintf("%s/.complete", d);
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

_Noreturn void archive_not_found(const struct archive *a)
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


/* What a --kver run chose BEST from: an index older than it should be, suites not read. */
void archive_warn_unread(const struct archive *a, const struct candidate *best)
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
const struct candidate *archive_newest_match(const struct archive *a)
{
	const struct candidate *best = NULL;

	for (size_t i = 0; i < a->n_cands; i++) {
		const struct candidate *c = &a->cands[i];

		if (candidate_matches(a, c) && (!best || version_compare(c->version, best->version) > 0))
			best = c;
	}
	return best;
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
		char *up = archive_upstream_of(c->version);

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
