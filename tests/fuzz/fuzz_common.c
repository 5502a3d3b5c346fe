/* fuzz_common.c: the die() trap and the input file shared by the harnesses. */
#include "fuzz.h"
#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

jmp_buf fuzz_bail;

static void bail(void)
{
	longjmp(fuzz_bail, 1);
}

void fuzz_install(void)
{
	static FILE *null_stream;

	/* Millions of inputs, most of them bad: their one-line errors would fill the disk. */
	if (!null_stream)
		null_stream = fopen("/dev/null", "w");
	report_set_stream(null_stream);
	report_set_cleanup(bail);
}

const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/kabigen-fuzz-%d%s", (int)getpid(), suffix);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f)) {
		perror(path);
		abort();
	}
	return path;
}
