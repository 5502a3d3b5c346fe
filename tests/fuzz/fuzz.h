/*
 * fuzz.h: what every harness shares. kabigen reports bad input with die(), which exits;
 * a harness turns that exit into a return through the cleanup hook, so that libFuzzer
 * goes on with the next input. (The memory such a path leaves behind is not freed, which
 * is why the harnesses run with -detect_leaks=0; leaks are checked on whole runs instead.)
 */
#ifndef KABIGEN_FUZZ_H
#define KABIGEN_FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

extern jmp_buf fuzz_bail;

/* Writes DATA to a private temporary file whose name ends with SUFFIX; returns its path. */
const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix);

/* Runs BODY; a die() inside it returns here instead of exiting. */
#define FUZZ_GUARDED(body)                      \
	do {                                    \
		fuzz_install();                 \
		if (!setjmp(fuzz_bail)) {       \
			body;                   \
		}                               \
	} while (0)

void fuzz_install(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
