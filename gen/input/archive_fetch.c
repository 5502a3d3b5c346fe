/* archive_fetch.c: downloads a chosen package, proves it against its md5sums and extracts it into the cache. */
#include "input/archive_impl.h"
#include "input/extracted.h"
#include "util/fs.h"
#include "util/report.h"
#include "util/str.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

	if (archive_apt_run(a, c->suite, "apt-cache", tail, &out, &err, NULL, CHILD_CAPTURE))
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
	char *why = err ? archive_first_error(err) : xstrdup("see apt's messages above");

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

/* Extracts DEB into ROOT and appends its md5sums to SUMS (TMP: the fetch's folder, removed if this fails). */
static void extract_deb(const struct archive *a, const char *deb, const char *root, const char *tmp,
			struct strbuf *sums, int quiet)
{
	char *argv[] = { "dpkg-deb", "-x", (char *)deb, (char *)root, NULL };
	char *xerr = NULL;
	struct stat st;

	if (stat(deb, &st) || child_run(argv, NULL, CHILD_DISCARD, NULL, &xerr)) {
		fs_remove_tree(tmp);
		/* A full disk is not a damaged download: say which folder needs room. */
		if (xerr && disk_full(xerr))
			die("%s: dpkg-deb cannot extract it: %.*s; the disk holding %s/trees is full: free space "
			    "there, or point XDG_CACHE_HOME at a folder with room", deb,
			    (int)strcspn(xerr, "\n"), xerr, a->cache);
		die("%s: dpkg-deb cannot extract it: %.*s; the download is damaged, run again", deb,
		    xerr ? (int)strcspn(xerr, "\n") : 0, xerr ? xerr : "");
	}
	add_md5sums(deb, tmp, sums);
	if (quiet)
		inform("fetched %s (%lld bytes)", strrchr(deb, '/') + 1, (long long)st.st_size);
	unlink(deb);
	free(xerr);
}

/*
 * The extracted TMP, with LINK (or none) in its root/, listed and sealed against SUMS with
 * NEED (or none), renamed into FINAL: it appears whole or not at all (callers hold its lock).
 */
static void place_tree(const struct archive *a, const char *tmp, const char *final, const struct tree_link *link,
		       const char *need, const struct strbuf *sums)
{
	char *why = NULL;

	if (link) {
		char *at = xasprintf("%s/root/%s", tmp, link->name);

		if (symlink(link->target, at)) {
			int err = errno;

			fs_remove_tree(tmp);
			die("%s: cannot link it to %s: %s; check the cache folder", at, link->target, strerror(err));
		}
		free(at);
	}
	if (extracted_seal(tmp, sums->len ? sums->buf : NULL, need ? (char *const *)&need : NULL, need ? 1 : 0, &why)) {
		fs_remove_tree(tmp);
		report_hold(why, free);
		if (disk_full(why))
			die("%s; the disk holding %s/trees is full: free space there, or point XDG_CACHE_HOME at a folder "
			    "with room", why, a->cache);
		die("%s; the download or the disk holding %s/trees is damaged: run again", why, a->cache);
	}
	/* The rename makes the tree appear whole, .complete included (callers hold its lock). */
	if (rename(tmp, final)) {
		int err = errno;

		fs_remove_tree(tmp);
		die("%s: cannot move the extracted tree into place: %s; check the cache folder", final, strerror(err));
	}
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
	char *err = NULL, *parent = xasprintf("%s/trees", a->cache), *root;
	char *debs[2];
	size_t n_debs;
	struct strbuf sums = { 0 };

	archive_mkdir_p(parent);
	if (!mkdtemp(tmpl))
		die("%s: cannot create a temporary folder: %s; check the cache folder's permissions", tmpl,
		    strerror(errno));
	/* On a terminal apt draws its progress line; otherwise one line per package, below. */
	if (archive_apt_run(a, s, "apt-get", tty ? tail_tty : tail_quiet, NULL, tty ? NULL : &err, tmpl,
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
		extract_deb(a, debs[i], root, tmpl, &sums, !tty);
		free(debs[i]);
	}
	place_tree(a, tmpl, final, link, need, &sums);
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
	archive_mkdir_p(a->cache);
	archive_mkdir_p(trees);
	fd = archive_lock(lockp);
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
		if (!sp || !isalnum((unsigned char)needs[i][0]) || !archive_only(needs[i], ".+-") || !isalnum((unsigned char)sp[1]) ||
		    !archive_only(sp + 1, ".+~:-"))
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
	char *final = archive_tree_dir(a, c), *common_version = NULL, *common = common_of(a, c, &common_version);
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
		int rc = archive_apt_run(a, c->suite, "apt-cache", tail, &out, &err, NULL, CHILD_CAPTURE);
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
	archive_mkdir_p(a->cache);
	trees = xasprintf("%s/trees", a->cache);
	archive_mkdir_p(trees);
	/* What a killed fetch left (fetch_packages' .tmp-XXXXXX), untouched for an hour. */
	fs_remove_stale(trees, ".tmp-", 3600);
	lockp = xasprintf("%s.lock", dir);
	fd = archive_lock(lockp);
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

/* The modules package of BEST, proven or fetched: its lib/modules/R-S folder (new string). */
static char *fetch_modules(const struct archive *a, const struct candidate *best)
{
	const struct archive_request *rq = a->rq;
	char *package = rq->offline ? cached_modules_package(a, best) : modules_package(a, best);
	char *mdir, *spec, *modules;
	struct package_fetch pf;

	if (!package)
		die("%s %s: %s linux-modules-%s-%s (nor linux-image-%s-%s-unsigned) of that version; %s",
		    best->package, best->version, rq->offline ? "the cache holds no" : "the archive has no",
		    best->release, best->suffix, best->release, best->suffix,
		    rq->offline ? "run once without --offline" : "check it with 'kabigen list'");
	mdir = xasprintf("%s/trees/%s_%s", a->cache, package, best->version);
	spec = xasprintf("%s=%s", package, best->version);
	pf = (struct package_fetch){ best->suite, spec, mdir };
	fetch_locked(a, mdir, package, fetch_package, &pf);
	modules = modules_dir(mdir, best);
	free(spec);
	free(mdir);
	free(package);
	return modules;
}

struct archive_tree *archive_fetch(const struct archive_request *rq)
{
	struct archive a;
	const struct candidate *best = NULL;
	struct archive_tree *t;
	char *dir;

	archive_open(&a, rq);
	best = archive_newest_match(&a);
	/* A release published since the cached index was fetched is not "no such version". */
	if (!best && archive_refresh_cached(&a))
		best = archive_newest_match(&a);
	if (!best)
		archive_not_found(&a);
	archive_warn_unread(&a, best);
	dir = archive_tree_dir(&a, best);
	fetch_headers(&a, best, dir);
	t = xcalloc(1, sizeof(*t));
	t->kdir = xasprintf("%s/root/usr/src/linux-headers-%s-%s", dir, best->release, best->suffix);
	t->package = xstrdup(best->package);
	t->version = xstrdup(best->version);
	t->suite = xstrdup(best->suite->name);
	t->flavour = xstrdup(best->flavour);
	if (!fs_is_dir(t->kdir))
		die("%s: the cached package has no such folder; remove %s and run again", t->kdir, dir);
	if (rq->modules)
		t->modules = fetch_modules(&a, best);
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

