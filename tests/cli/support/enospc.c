/*
 * enospc.c: an LD_PRELOAD shim for the tests: every write() to a file whose path starts
 * with ENOSPC_UNDER (and holds ENOSPC_CONTAINING, if set) fails with ENOSPC, as on a full
 * disk. It follows kabigen into its children (apt, dpkg-deb, tar), which write with write().
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t n)
{
	ssize_t (*real)(int, const void *, size_t) = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	const char *under = getenv("ENOSPC_UNDER"), *containing = getenv("ENOSPC_CONTAINING");
	char link[64], path[4096];
	ssize_t len;

	if (under && *under) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, path, sizeof(path) - 1);
		if (len > 0) {
			path[len] = '\0';
			if (!strncmp(path, under, strlen(under)) && (!containing || strstr(path, containing))) {
				errno = ENOSPC;
				return -1;
			}
		}
	}
	return real(fd, buf, n);
}
