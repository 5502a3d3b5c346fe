/*
 * rename-fails.c: an LD_PRELOAD shim for the tests: rename() onto a path that starts with
 * RENAME_FAILS_UNDER fails with EIO, as when a folder is taken away in the middle of a run.
 * It reaches the last step of a write of several files, after every file was written.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	const char *under = getenv("RENAME_FAILS_UNDER");

	if (under && *under && !strncmp(to, under, strlen(under))) {
		errno = EIO;
		return -1;
	}
	return real(from, to);
}
