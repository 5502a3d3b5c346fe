/* fuzz_kconfig.c: the .config parser and the --set checker. */
#include "fuzz.h"
#include "input/kconfig.h"
#include "util/report.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 1), *set[1];

	memcpy(text, data, size);
	text[size] = '\0';
	/* Inputs with a NUL are cut there, as reading a .config as text does. */
	FUZZ_GUARDED(free(kconfig_autoconf(text, "fuzz.config", NULL, 0)));
	set[0] = text;
	if (kconfig_valid_set(text))
		FUZZ_GUARDED(free(kconfig_autoconf("", "fuzz.config", set, 1)));
	free(text);
	return 0;
}
