/* outfile.c: atomic writes (temporary file, fsync, rename). */
#include "outfile.h"
#include "fs.h"
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

int outfile_try_write(const char *path, const char *data, size_t len, int flags, char **why)
{
	char *dcopy, *dir, *bcopy, *base, *target = NULL, *stale;
	int fd, err = 0;
	size_t done = 0;
	struct stat st;

	*why = NULL;
	/* A symbolic link is written through: its target gets the new bytes, the link stays. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (!(target = realpath(path, NULL))) {
			*why = xasprintf("is a symbolic link to a file that does not exist (%s)", strerror(errno));
			return -1;
		}
		path = target;
	}
	dcopy = xstrdup(path);
	dir = dirname(dcopy);
	bcopy = xstrdup(path);
	base = basename(bcopy);
	/* Renaming over /dev/full or a folder would replace it: only regular files are written. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		*why = xstrdup("exists and is not a regular file");
		goto out;
	}
	if ((flags & OUTFILE_MKDIRS) && fs_mkdirs(dir, why))
		goto out;
	/* What a write of this file killed an hour ago or more left beside it. */
	stale = xasprintf(".%s.", base);
	fs_remove_stale(dir, stale, 3600);
	free(stale);
	pending = xasprintf("%s/.%s.XXXXXX", dir, base);
	fd = mkstemp(pending);
	if (fd < 0) {
		*why = xasprintf("cannot write into %s: %s", dir, strerror(errno));
		free(pending);
		pending = NULL;
		goto out;
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
	if (!err && !(flags & OUTFILE_NO_SYNC) && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(pending, path))
		err = errno;
	if (err) {
		*why = xasprintf("cannot write: %s", strerror(err));
		unlink(pending);
	}
	free(pending);
	pending = NULL;
out:
	free(dcopy);
	free(bcopy);
	free(target);
	return *why ? -1 : 0;
}

void outfile_write(const char *path, const char *data, size_t len, int make_dirs)
{
	char *why;

	if (outfile_try_write(path, data, len, make_dirs ? OUTFILE_MKDIRS : 0, &why))
		die("%s: %s; nothing was written; choose a writable file path with -o", path, why);
}

int outfile_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > 255 || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '/')
			return 0;
	return 1;
}
