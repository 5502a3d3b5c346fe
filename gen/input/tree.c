/* tree.c: recognises Debian's split headers packages, /lib/modules/R/build and plain kernel trees. */
#include "input/tree.h"
#include "util/fs.h"
#include "util/report.h"
#include "util/str.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Dies, naming the permission as the cause, when PATH (in the tree rooted at ROOT) exists
 * but the user cannot read it, or a folder above it cannot be searched. Without this, a
 * tree extracted by another user read as missing: "neither there nor beside it", "the tree
 * is incomplete". (Root reads everything: access() answers for the real user.)
 */
static void refuse_unreadable(const char *path, const char *root, const char *given)
{
	struct stat st;

	if (stat(path, &st)) {
		if (errno != EACCES)
			return;	/* missing: the caller says so */
	} else if (!access(path, S_ISDIR(st.st_mode) ? R_OK | X_OK : R_OK) || errno != EACCES) {
		return;
	}
	die("--kdir %s: %s cannot be read (permission denied); give the user running kabigen read access to the "
	    "tree (chmod -R a+rX %s) or run as its owner", given, path, root);
}

static char *path_join(const char *a, const char *b)
{
	return xasprintf("%s/%s", a, b);
}

static char *dir_name(const char *p)
{
	char *copy = xstrdup(p), *d = xstrdup(dirname(copy));

	free(copy);
	return d;
}

static char *base_name(const char *p)
{
	char *copy = xstrdup(p), *b = xstrdup(basename(copy));

	free(copy);
	return b;
}

/*
 * Packages may be extracted anywhere, but they name each other by absolute paths
 * (/usr/src/linux-headers-R-common, build -> /usr/src/...). When such a path does not
 * exist, look for it under the root the given path was extracted into: the part of
 * FROM before "/usr/src/" or "/lib/modules/".
 */
static char *reroot(const char *from, const char *abs_target)
{
	static const char *const anchors[] = { "/usr/src/", "/lib/modules/", "/usr/lib/modules/", NULL };
	char *try;

	if (abs_target[0] != '/' || fs_is_dir(abs_target))
		return xstrdup(abs_target);
	for (const char *const *a = anchors; *a; a++) {
		const char *at = strstr(from, *a);

		if (!at || at == from)
			continue;
		try = xasprintf("%.*s%s", (int)(at - from), from, abs_target);
		if (fs_is_dir(try))
			return try;
		free(try);
	}
	/* Extracted flat, side by side: the sibling with the same name. */
	{
		char *parent = dir_name(from), *name = base_name(abs_target);

		try = path_join(parent, name);
		free(parent);
		free(name);
		if (fs_is_dir(try))
			return try;
		free(try);
	}
	return NULL;
}

/* Resolves DIR, following a dangling absolute symlink (lib/modules/R/build) into its extraction root. */
static char *resolve_dir(const char *dir)
{
	char buf[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	char *r;
	int err;

	if (realpath(dir, buf) && fs_is_dir(buf))
		return xstrdup(buf);
	err = errno;
	n = readlink(dir, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		if ((r = reroot(dir, link)) && realpath(r, buf)) {
			free(r);
			return xstrdup(buf);
		}
		free(r);
		die("--kdir %s: it links to %s, which does not exist here nor under the folder it was "
		    "extracted into; extract the matching linux-headers packages", dir, link);
	}
	die("--kdir %s: %s; pass an extracted linux-headers-* folder or a kernel tree after 'make prepare'",
	    dir, err ? strerror(err) : "not a folder");
}

/* The lines of a small tree file (Makefile fragments, version files): NULL when it is missing. */
static char **tree_lines(const char *file, size_t *n)
{
	char *text = read_text(file, "headers file", 1), *cursor = text, *line, **v = NULL;

	*n = 0;
	if (!text)
		return NULL;
	while ((line = line_next(&cursor))) {
		if (!*line)
			continue;
		line[strcspn(line, "\r")] = '\0';
		v = xgrow(v, *n, sizeof(*v));
		v[(*n)++] = xstrdup(line);
	}
	free(text);
	return v;
}

/* The value of "[override] KEY [:]= VALUE" in a Makefile fragment, or NULL. */
static char *make_var(const char *file, const char *key)
{
	size_t n_lines, klen = strlen(key);
	char **lines = tree_lines(file, &n_lines), *val = NULL;

	for (size_t i = 0; !val && i < n_lines; i++) {
		char *p = lines[i];

		if (starts_with(p, "override "))
			p += strlen("override ");
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, key, klen) || (p[klen] != ' ' && p[klen] != '=' && p[klen] != ':' && p[klen] != '\t'))
			continue;
		p += klen;
		while (*p == ' ' || *p == '\t' || *p == ':' || *p == '?')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		for (size_t n = strlen(p); n && isspace((unsigned char)p[n - 1]); n--)
			p[n - 1] = '\0';
		val = xstrdup(p);
	}
	strv_free(lines, n_lines);
	return val;
}

/* The folder named by the first "include PATH/Makefile" line of FILE, or NULL. */
static char *included_tree(const char *file)
{
	size_t n_lines;
	char **lines = tree_lines(file, &n_lines), *found = NULL;

	for (size_t i = 0; !found && i < n_lines; i++) {
		const char *path;
		size_t n;

		if (skip_prefix(lines[i], "include ", &path) && strip_suffix(path, "/Makefile", &n) && n)
			found = xasprintf("%.*s", (int)n, path);
	}
	strv_free(lines, n_lines);
	return found;
}

/* The only arch/NAME/include/generated folder of BUILD: the arch a plain tree was prepared for. */
static char *prepared_arch(const char *build)
{
	char *archdir = path_join(build, "arch"), *found = NULL;
	struct dirent *de;
	DIR *d = opendir(archdir);

	if (d) {
		while ((de = readdir(d))) {
			char *gen;

			if (de->d_name[0] == '.')
				continue;
			gen = xasprintf("%s/%s/include/generated", archdir, de->d_name);
			if (fs_is_dir(gen)) {
				if (found)
					die("%s: more than one arch/*/include/generated (%s, %s); run 'make mrproper' "
					    "and prepare the tree for one arch", build, found, de->d_name);
				found = xstrdup(de->d_name);
			}
			free(gen);
		}
		closedir(d);
	}
	free(archdir);
	return found;
}

static char *read_first_line(const char *file)
{
	size_t n_lines;
	char **lines = tree_lines(file, &n_lines), *v = n_lines ? xstrdup(lines[0]) : NULL;

	strv_free(lines, n_lines);
	return v;
}

static void detect_debian(struct ktree *t, const char *given)
{
	char *vars = path_join(t->build, ".kernelvariables");
	char *makefile = path_join(t->build, "Makefile");
	char *inc = included_tree(makefile);

	t->kind = "debian split headers";
	t->kernel_arch = make_var(vars, "ARCH");
	t->arch_origin = xasprintf("%s", vars);
	t->release = make_var(vars, "KERNELRELEASE");
	if (!t->kernel_arch)
		die("%s: names no ARCH; the headers package looks damaged, extract it again", vars);
	if (inc) {
		/* make reads a relative include from the folder it runs in: the tree's own. */
		char *abs = inc[0] == '/' ? xstrdup(inc) : path_join(t->build, inc);
		char *src = reroot(t->build, abs);

		t->source = src ? realpath(src, NULL) : NULL;
		if (!t->source) {
			char *parent = dir_name(t->build), *name = base_name(abs), *sibling = path_join(parent, name);

			/* Where reroot looked: the path the Makefile names, and beside the tree. */
			refuse_unreadable(abs, abs, given);
			refuse_unreadable(sibling, sibling, given);
			free(sibling);
			free(name);
			free(parent);
		}
		if (!t->source)
			die("--kdir %s: its Makefile includes %s/Makefile, which is neither there nor beside it; "
			    "extract the matching linux-headers-*-common package next to it", given, inc);
		free(src);
		free(abs);
		free(inc);
	} else {
		t->source = xstrdup(t->build);
	}
	free(vars);
	free(makefile);
}

/* Dies when PATH, or anything below it (a folder), is a FIFO, a device or a socket. */
static void refuse_special(const char *path, const char *given, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (stat(path, &st))
		return;	/* missing: the checks that need it say so */
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		die("--kdir %s: %s is %s where a header should be; the tree is damaged: extract or prepare it "
		    "again", given, path, report_file_kind(st.st_mode));
	if (!S_ISDIR(st.st_mode) || depth > 8 || !(d = opendir(path)))
		return;
	while ((de = readdir(d))) {
		char *child;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (de->d_type != DT_UNKNOWN && de->d_type != DT_DIR && de->d_type != DT_LNK && de->d_type != DT_FIFO &&
		     de->d_type != DT_CHR && de->d_type != DT_BLK && de->d_type != DT_SOCK))
			continue;
		child = path_join(path, de->d_name);
		refuse_special(child, given, depth + 1);
		free(child);
	}
	closedir(d);
}

/*
 * libclang reads a FIFO until a writer comes and a device until memory runs out: the files a
 * build writes (include/generated, arch/ARCH/include/generated) and the ones kabigen includes
 * first are checked before anything is parsed. (The package's own headers, some 15,000 files,
 * are not walked on every run.)
 */
static void refuse_special_files(const struct ktree *t, const char *given)
{
	static const char *const source_files[] = { "include/linux/kconfig.h", "include/linux/compiler_types.h",
						    "include/linux/compiler-version.h", "include/linux/module.h" };
	char *p;

	p = path_join(t->build, "include/generated");
	refuse_special(p, given, 0);
	free(p);
	if (t->kernel_arch) {
		p = xasprintf("%s/arch/%s/include/generated", t->build, t->kernel_arch);
		refuse_special(p, given, 0);
		free(p);
	}
	for (size_t i = 0; i < sizeof(source_files) / sizeof(source_files[0]); i++) {
		p = path_join(t->source, source_files[i]);
		refuse_special(p, given, 0);
		free(p);
	}
}

/*
 * Dies when PATH (the tree's build or source folder) holds a character an #include line
 * cannot carry: clang turns each -include FILE into '#include "FILE"' in its predefines, so a
 * newline or a double quote there made every run fail with "the headers fail to parse:
 * expected \"FILENAME\"", which pointed at --arch instead.
 */
static void refuse_unincludable(const char *path, const char *given)
{
	const char *bad = strpbrk(path, "\n\r\"");

	if (bad)
		die("--kdir %s: the tree's path %s holds a %s, which clang cannot pass to -include (it writes an "
		    "#include line); move the tree to a path without one", given, path,
		    *bad == '"' ? "double quote" : *bad == '\n' ? "newline" : "carriage return");
}

struct ktree *tree_detect(const char *dir)
{
	struct ktree *t = xcalloc(1, sizeof(*t));
	char *p, *autoconf;

	t->build = resolve_dir(dir);
	p = path_join(t->build, ".kernelvariables");
	if (is_file(p)) {
		detect_debian(t, dir);
	} else {
		char *src = path_join(t->build, "source");

		t->source = realpath(src, NULL);
		t->kind = t->source && strcmp(t->source, t->build) ? "kernel build tree (O=)" : "kernel tree";
		if (!t->source)
			t->source = xstrdup(t->build);
		free(src);
		t->kernel_arch = prepared_arch(t->build);
		t->arch_origin = xasprintf("%s/arch/%s/include/generated", t->build,
					   t->kernel_arch ? t->kernel_arch : "*");
		src = path_join(t->build, "include/config/kernel.release");
		t->release = read_first_line(src);
		free(src);
	}
	free(p);
	refuse_unincludable(t->build, dir);
	refuse_unincludable(t->source, dir);
	refuse_special_files(t, dir);
	refuse_unreadable(t->build, t->build, dir);
	refuse_unreadable(t->source, t->source, dir);
	autoconf = path_join(t->build, "include/generated/autoconf.h");
	refuse_unreadable(autoconf, t->build, dir);
	if (!is_file(autoconf))
		die("--kdir %s: no include/generated/autoconf.h in %s; pass an extracted linux-headers-* "
		    "folder, /lib/modules/R/build, or a kernel tree after 'make prepare'", dir, t->build);
	t->autoconf = autoconf;
	if (!t->kernel_arch)
		die("--kdir %s: cannot tell which arch the tree was prepared for (no arch/*/include/generated); "
		    "run 'make ARCH=... prepare' in it", dir);
	p = xasprintf("%s/arch/%s/include", t->source, t->kernel_arch);
	refuse_unreadable(p, t->source, dir);
	if (!fs_is_dir(p))
		die("--kdir %s: %s is missing; the tree is incomplete (for Debian, extract linux-headers-*-common too)",
		    dir, p);
	free(p);
	p = path_join(t->source, "include/linux/module.h");
	refuse_unreadable(p, t->source, dir);
	if (!is_file(p))
		die("--kdir %s: %s is missing; the tree is incomplete (for Debian, extract linux-headers-*-common too)",
		    dir, p);
	free(p);
	t->build_rel = base_name(t->build);
	t->source_rel = base_name(t->source);
	return t;
}

void tree_free(struct ktree *t)
{
	if (!t)
		return;
	free(t->build);
	free(t->source);
	free(t->kernel_arch);
	free(t->arch_origin);
	free(t->release);
	free(t->autoconf);
	free(t->overlay);
	free(t->build_rel);
	free(t->source_rel);
	free(t);
}
