/* fs.c: folders: whether one is there, making one with its parents, removing one whole. */
#include "fs.h"
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int fs_is_dir(const char *path)
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

void fs_remove_stale(const char *dir, const char *prefix, long max_age)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		char *path;

		if (strncmp(e->d_name, prefix, strlen(prefix)) || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		/* Only what this user left, untouched for MAX_AGE: a run in progress keeps writing. */
		if (!lstat(path, &st) && st.st_uid == geteuid() && st.st_mtime < now - max_age)
			fs_remove_tree(path);
		free(path);
	}
	closedir(d);
}

char *fs_canonical(const char *path)
{
	char *real = realpath(path, NULL), *copy, *dir, *name, *cwd;

	if (real)
		return real;
	copy = xstrdup(path);
	name = strrchr(copy, '/');
	if (name) {
		*name++ = '\0';
		dir = realpath(*copy ? copy : "/", NULL);
	} else {
		name = copy;
		dir = realpath(".", NULL);
	}
	if (dir)
		real = xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", name);
	else if (path[0] == '/' || !(cwd = getcwd(NULL, 0)))
		real = xstrdup(path);
	else {
		real = xasprintf("%s/%s", cwd, path);
		free(cwd);
	}
	free(dir);
	free(copy);
	return real;
}

int fs_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
