/* fs.c: folders: whether one is there, and making one with its parents. */
#include "fs.h"
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
