/* fuzz_ko.c: check-ko's reading path: decompression (xz, zstd, gzip) and the module's ELF with libelf. */
#include "fuzz.h"
#include "ko/ko.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Any machine, class and byte order; __versions entries of 64 bytes, as on every 64-bit arch;
	 * two table sections kept as check-ko keeps those of the model's section table. */
	static char *const tables[] = { "__jump_table", "__ex_table" };
	const struct ko_expect e = { 0, 0, 0, 64, tables, 2 };

	FUZZ_GUARDED(ko_free(ko_read_buffer("fuzz.ko", data, size, &e)));
	return 0;
}
