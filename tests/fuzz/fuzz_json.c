/* fuzz_json.c: the layout dump reader that 'kabigen diff' uses, and the emitters on what it accepts. */
#include "emit/emit.h"
#include "fuzz.h"
#include "model/layout.h"
#include "model/layout_read.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kabi_model *volatile m = NULL;

	FUZZ_GUARDED(m = layout_read_json_buffer("fuzz.json", (const char *)data, size));
	/* A dump the reader accepts must be one every emitter can write. */
	if (m) {
		free(emit_json(m));
		free(emit_c_header(m));
		kabi_model_free(m);
	}
	return 0;
}
