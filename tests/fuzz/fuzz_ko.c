/* fuzz_ko.c: check-ko's reading path: decompression (xz, zstd, gzip) and the module's ELF with libelf. */
#include "fuzz.h"
#include "ko.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Any machine, class and byte order; __versions entries of 64 bytes, as on every 64-bit arch. */
	FUZZ_GUARDED(ko_free(ko_read_buffer("fuzz.ko", data, size, 0, 0, 0, 64)));
	return 0;
}
