/* fuzz_yaml.c: the YAML loaders: a set file and an arch profile, from the same bytes. */
#include "fuzz.h"
#include "input/kset.h"
#include "input/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".yaml");

	FUZZ_GUARDED(kset_free(kset_load(path)));
	FUZZ_GUARDED(profile_free(profile_read(path)));
	return 0;
}
