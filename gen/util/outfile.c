/* outfile.c: atomic writes (temporary file, fsync, rename). */
#include "outfile.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *pending;	/* the temporary file being written, for outfile_cleanup() */

void outfile_cleanup(void)
{
	if (pending) {
		unlink(pending);
		free(pending);
		pending = NULL;
	}
}

static void mkdirs_for(const char *path)
{
	char *copy = xstrdup(path), *dir = dirname(copy);

	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) && errno != EEXIST)
			die("%s: cannot create the folder %s: %s; choose another output with -o", path, dir,
			    strerror(errno));
		*p = '/';
	}
	if (mkdir(dir, 0777) && errno != EEXIST)
		die("%s: cannot create the folder %s: %s; choose another output with -o", path, dir, strerror(errno));
	free(copy);
}

void outfile_write(const char *path, const char *data, size_t len, int mkdirs)
{
	char *copy = xstrdup(path), *base = basename(copy), *dcopy = xstrdup(path), *dir = dirname(dcopy);
	int fd, err = 0;
	size_t done = 0;
	struct stat st;

	/* Renaming over /dev/full or a folder would replace it: only regular files are written. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		die("%s: exists and is not a regular file; choose a file path with -o", path);
	if (mkdirs)
		mkdirs_for(path);
	pending = xasprintf("%s/.%s.XXXXXX", dir, base);
	fd = mkstemp(pending);
	if (fd < 0) {
		err = errno;
		free(pending);
		pending = NULL;
		die("%s: cannot write into %s: %s; choose a writable output with -o", path, dir, strerror(err));
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	if (!err && fchmod(fd, 0644))
		err = errno;
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(pending, path))
		err = errno;
	if (err)
		die("%s: cannot write: %s; nothing was written", path, strerror(err));
	free(pending);
	pending = NULL;
	free(copy);
	free(dcopy);
}
