/*
 * race_rename.c: an LD_PRELOAD shim for tests/cli/cache.sh. When kabigen renames its
 * output into place at RACE_OUT (after the parse, before the result cache is stored), it
 * rewrites RACE_FILE in place, same size: RACE_FROM becomes RACE_TO. This is a header
 * edited while a run parses, made deterministic.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	const char *out = getenv("RACE_OUT"), *file = getenv("RACE_FILE"), *a = getenv("RACE_FROM"),
		   *b = getenv("RACE_TO");
	int r = real(from, to);

	if (!r && out && file && a && b && strlen(a) == strlen(b) && !strcmp(to, out)) {
		static char buf[1 << 22];
		int fd = open(file, O_RDWR);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		char *hit;

		if (n > 0) {
			buf[n] = '\0';
			if ((hit = strstr(buf, a)) && pwrite(fd, b, strlen(b), hit - buf) == (ssize_t)strlen(b))
				fprintf(stderr, "race_rename: rewrote %s\n", file);
		}
		if (fd >= 0)
			close(fd);
	}
	return r;
}
