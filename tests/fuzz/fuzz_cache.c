/* fuzz_cache.c: the result cache's entry reader, on anything a damaged disk could hold. */
#include "util/cache.h"
#include "fuzz.h"
#include "util/outfile.h"
#include "util/report.h"

#include <stdlib.h>
#include <string.h>

/* The key the seed entries were given (real entries, with this key put in). */
#define FUZZ_KEY "0000000000000000000000000000000000000000000000000000000000000000"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cache_entry e;
	char *again;
	size_t len;

	fuzz_install();
	if (cache_entry_parse((const char *)data, size, FUZZ_KEY, &e))
		return 0;
	/* What the reader accepts is valid through and through, and is exactly what was stored. */
	if (strlen(e.text) != e.len || e.kind >= CACHE_N_KINDS ||
	    (e.kind == CACHE_RESULT ? !e.release || !outfile_name_valid(e.release) : e.release != NULL))
		abort();
	for (size_t i = 0; i < e.n_files; i++)
		if (e.files[i][0] != '/' || strlen(e.digests[i]) != CACHE_DIGEST_LEN - 1 ||
		    (e.stamps[i][0] < 0 && (e.stamps[i][1] != -1 || e.stamps[i][2] != -1)) || e.stamps[i][2] > 999999999)
			abort();
	again = cache_entry_format(FUZZ_KEY, &e, &len);
	if (len != size || memcmp(again, data, size))
		abort();
	free(again);
	cache_entry_free(&e);
	return 0;
}
