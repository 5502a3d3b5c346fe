/* fs.c: folders: whether one is there, making one with its parents, removing one whole. */
#include "util/fs.h"
#include "util/report.h"
#include "util/str.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

bool fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_mkdirs(const char *dir, char **why)
{
	char *copy = xstrdup(dir);
	int err = 0;

	for (char *p = copy + 1; !err; p++) {
		int last = !*p;

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(copy, 0777) && errno != EEXIST)
			err = errno;
		if (last)
			break;
		*p = '/';
	}
	if (err)
		*why = xasprintf("cannot create the folder %s: %s", copy, strerror(err));
	free(copy);
	return err ? -1 : 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fs_remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void fs_remove_tree_free(void *path)
{
	fs_remove_tree(path);
	free(path);
}

/* "DIR/NAME" without a doubled slash at the root; new string. */
static char *join(const char *dir, const char *name)
{
	return xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", name);
}

/*
 * The absolute path ABS (a new string it takes) resolved as far as it exists: realpath() of
 * the whole, else of its folder (recursively) and its last name; a dangling link is followed
 * to where it points (at most LINKS more links: a loop ends there), "." and ".." taken as
 * mkdir -p takes them.
 */
static char *canonical(char *abs, int links)
{
	char *real, *slash, *name, *parent, target[4096];
	size_t len = strlen(abs);
	ssize_t n;

	while (len > 1 && abs[len - 1] == '/')
		abs[--len] = '\0';
	if ((real = realpath(abs, NULL))) {
		free(abs);
		return real;
	}
	slash = strrchr(abs, '/');
	if (links <= 0 || (slash == abs && !slash[1]))
		return abs;
	*slash = '\0';
	name = slash + 1;
	parent = canonical(xstrdup(*abs ? abs : "/"), links);
	if ((n = readlink(real = join(parent, name), target, sizeof(target) - 1)) > 0) {
		target[n] = '\0';
		free(real);
		real = target[0] == '/' ? xstrdup(target) : join(parent, target);
		free(parent);
		free(abs);
		return canonical(real, links - 1);
	}
	free(real);
	if (!strcmp(name, "."))
		real = xstrdup(parent);
	else if (!strcmp(name, ".."))
		real = strrchr(parent, '/') == parent ? xstrdup("/")
						      : xasprintf("%.*s", (int)(strrchr(parent, '/') - parent), parent);
	else
		real = join(parent, name);
	free(parent);
	free(abs);
	return real;
}

char *fs_canonical(const char *path)
{
	char *cwd;

	if (path[0] == '/' || !(cwd = getcwd(NULL, 0)))
		return canonical(xstrdup(path), 40);
	char *abs = join(cwd, path);

	free(cwd);
	return canonical(abs, 40);
}

bool fs_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Whether NAME is PREFIX and the six letters or digits that mkstemp() and mkdtemp() put for XXXXXX. */
static int is_temp_name(const char *name, const char *prefix)
{
	const char *p;

	if (!skip_prefix(name, prefix, &p) || strlen(p) != 6)
		return 0;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p))
			return 0;
	return 1;
}

/*
 * Removes the entries of DIR whose names start with PREFIX (with EXACT: are PREFIX and a
 * mkstemp() suffix, of TYPE), owned by this user and untouched for MAX_AGE seconds: a run in
 * progress keeps writing. Folders go with what is in them.
 */
static void remove_stale(const char *dir, const char *prefix, int exact, mode_t type, long max_age)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		char *path;

		if (exact ? !is_temp_name(e->d_name, prefix)
			  : strncmp(e->d_name, prefix, strlen(prefix)) || !strcmp(e->d_name, ".") ||
				    !strcmp(e->d_name, ".."))
			continue;
		path = join(dir, e->d_name);
		if (!lstat(path, &st) && (!exact || (st.st_mode & S_IFMT) == type) && st.st_uid == geteuid() &&
		    st.st_mtime < now - max_age) {
			if (S_ISDIR(st.st_mode))
				fs_remove_tree(path);
			else
				unlink(path);
		}
		free(path);
	}
	closedir(d);
}

void fs_remove_stale(const char *dir, const char *prefix, long max_age)
{
	remove_stale(dir, prefix, 0, 0, max_age);
}

void fs_remove_stale_temps(const char *dir, const char *prefix, mode_t type, long max_age)
{
	remove_stale(dir, prefix, 1, type, max_age);
}
