/*
 * fuzz_answers.c: the readers of what the cache keeps for a parse, on anything a damaged
 * disk could hold: a set's answers (gen/clang/answers.c) and a precompiled head's inventory
 * (gen/clang/pch.c). What either accepts must be exactly what it would have written.
 */
#include "clang/answers.h"
#include "fuzz.h"
#include "input/kset.h"
#include "clang/pch.h"
#include "util/report.h"
#include "clang/tu.h"

#include <stdlib.h>
#include <string.h>

/* The questions of a small set: two type tests, two prefixes and a constant by name. */
static void questions(struct answers *a)
{
	static struct kset_constant constants[] = {
		{ .prefix = "R_X86_64_" }, { .name = "MODULE_NAME_LEN" }, { .prefix = "SHT_" },
	};
	static struct kset set = { .constants = constants, .n_constants = 3 };
	static const char unit[] = "#include <linux/module.h>\n" TU_MARK_SET
				   "#if defined(" KSET_TYPE_MACRO "struct_module_memory)\n#endif\n"
				   "#if !defined(" KSET_TYPE_MACRO "enum_mod_mem_type)\n#endif\n";

	answers_init(a, &set, unit);
}

static void check_answers(const char *text, size_t size)
{
	struct answers a;
	char *again;

	questions(&a);
	if (!answers_parse(text, size, &a)) {
		for (size_t i = 0; i < a.n_constants; i++)
			for (size_t j = 0; j < a.prefixes[i].n_names; j++)
				if (!tu_is_ident(a.prefixes[i].names[j]))
					abort();
		again = answers_format(&a);
		if (strlen(again) != size || memcmp(again, text, size))
			abort();
		free(again);
	}
	answers_free(&a);
}

static void check_inventory(const char *text, size_t size)
{
	struct head_inventory f;
	long long pch_size;
	char digest[64], *again;

	if (!pch_inventory_parse(text, size, &f, &pch_size, digest))
		return;
	for (size_t i = 0; i < f.n_macros; i++)
		if (f.macro_files[i] != PCH_NO_FILE && f.macro_files[i] >= f.n_files_rel)
			abort();
	again = pch_inventory_format(&f, pch_size, digest);
	if (strlen(again) != size || memcmp(again, text, size))
		abort();
	free(again);
	pch_inventory_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_install();
	check_answers((const char *)data, size);
	check_inventory((const char *)data, size);
	return 0;
}
