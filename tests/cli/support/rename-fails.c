/*
 * rename-fails.c: an LD_PRELOAD shim for the tests: rename() onto a path that starts with
 * RENAME_FAILS_UNDER fails with EIO, as when a folder is taken away in the middle of a run.
 * It reaches the last step of a write of several files, after every file was written. And
 * renameat2(RENAME_EXCHANGE) onto a path that starts with NO_EXCHANGE_UNDER fails with
 * EINVAL, as on a file system that cannot exchange files (vfat, many FUSE ones).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether PATH starts with the value of the environment variable VAR (set and not empty). */
static int under(const char *var, const char *path)
{
	const char *prefix = getenv(var);

	return prefix && *prefix && !strncmp(path, prefix, strlen(prefix));
}

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");

	if (under("RENAME_FAILS_UNDER", to)) {
		errno = EIO;
		return -1;
	}
	return real(from, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned int flags)
{
	int (*real)(int, const char *, int, const char *, unsigned int) =
		(int (*)(int, const char *, int, const char *, unsigned int))dlsym(RTLD_NEXT, "renameat2");

	if ((flags & RENAME_EXCHANGE) && under("NO_EXCHANGE_UNDER", to)) {
		errno = EINVAL;
		return -1;
	}
	return real(fromfd, from, tofd, to, flags);
}
