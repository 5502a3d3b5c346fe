/*
 * test_cache.c: cache_keys.c's keys (equal inputs, equal keys; any input changed, or another
 * kind, another key) and the entry's kind (stored as one kind, found as no other), in a
 * fresh cache folder, with the repository's own set and profiles as the hashed files.
 */
#include "util/cache.h"
#include "util/cache_keys.h"
#include "util/fs.h"
#include "util/report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static char root[] = "/tmp/kabigen-test-cache-XXXXXX";

/* Each key of KEYS differs from every other: N new strings, freed. */
static void assert_all_differ(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(strlen(keys[i]), 64);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(keys[i], keys[k]))
				fail_msg("keys %zu and %zu are both %s", k, i, keys[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
}

static void assert_same(char *a, char *b)
{
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static char *configs(const char *rel)
{
	return xasprintf("%s/configs/%s", SOURCE_DIR, rel);
}

/* A copy of FILE in ROOT with one more line: the same name's other content. */
static char *changed_copy(const char *file)
{
	size_t len;
	char *text = read_file(file, &len), *copy = xasprintf("%s/changed.yaml", root);
	FILE *f = fopen(copy, "w");

	assert_non_null(text);
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fputs("# one more line\n", f);
	assert_int_equal(fclose(f), 0);
	free(text);
	return copy;
}

static void test_result_key(void **state)
{
	char *args[] = { "-target", "riscv64-linux-gnu", "-nostdinc" }, *other_args[] = { "-target", "riscv64-linux-gnu" };
	char *joined[] = { "-targetriscv64-linux-gnu", "-nostdinc" }, *sets[] = { "CONFIG_SMP=y" };
	char *set = configs("sets/loader.yaml"), *profile = configs("arch/riscv64.yaml");
	char *other_profile = configs("arch/arm64.yaml"), *changed = changed_copy(set);
	struct cache_result_inputs base = { .format = "model", .set_file = set, .profile_file = profile, .args = args,
					    .n_args = 3, .unit = "#include <linux/module.h>\n" };
	struct cache_result_inputs v[9];
	char *keys[10];
	size_t n = 0;

	struct cache_result_inputs same = base;
	char *same_args[] = { xstrdup(args[0]), xstrdup(args[1]), xstrdup(args[2]) }, *same_unit = xstrdup(base.unit);

	(void)state;
	/* Equal inputs in other memory: the same key. */
	same.args = same_args, same.unit = same_unit;
	assert_same(cache_key_result(&base), cache_key_result(&same));
	for (size_t i = 0; i < 3; i++)
		free(same_args[i]);
	free(same_unit);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		v[i] = base;
	v[0].format = "c";
	v[1].set_file = changed;	/* the set's content, not its name */
	v[2].profile_file = other_profile;
	v[3].args = other_args, v[3].n_args = 2;
	v[4].args = joined, v[4].n_args = 2;	/* the same bytes framed otherwise */
	v[5].unit = "#include <linux/module.h>\n#include <linux/fs.h>\n";
	v[6].flavour = "rt";
	v[7].kconfig = "k.config sha256 0";
	v[8].overrides = sets, v[8].n_overrides = 1;
	keys[n++] = cache_key_result(&base);
	for (size_t i = 0; i < 9; i++)
		keys[n++] = cache_key_result(&v[i]);
	assert_all_differ(keys, n);
	free(set), free(profile), free(other_profile), free(changed);
}

static void test_other_keys(void **state)
{
	char *args[] = { "-target", "riscv64-linux-gnu" }, *other[] = { "-target", "aarch64-linux-gnu" };
	char *pch = cache_key_pch(args, 2, "head", 4), *keys[16];
	size_t n = 0;

	(void)state;
	assert_same(cache_key_proof("struct a;\n", args, 2), cache_key_proof("struct a;\n", args, 2));
	assert_same(cache_key_answers("riscv64-linux-gnu", "unit"), cache_key_answers("riscv64-linux-gnu", "unit"));
	assert_same(cache_key_pch(args, 2, "head", 4), cache_key_pch(args, 2, "head", 4));
	assert_same(cache_key_pch_entry(pch, CACHE_PCH_SEEN), cache_key_pch_entry(pch, CACHE_PCH_SEEN));
	/* Each input of each kind, and the kinds among themselves on the same strings. */
	keys[n++] = cache_key_proof("struct a;\n", args, 2);
	keys[n++] = cache_key_proof("struct b;\n", args, 2);
	keys[n++] = cache_key_proof("struct a;\n", other, 2);
	keys[n++] = cache_key_answers("riscv64-linux-gnu", "unit");
	keys[n++] = cache_key_answers("aarch64-linux-gnu", "unit");
	keys[n++] = cache_key_answers(NULL, "unit");
	keys[n++] = cache_key_answers("riscv64-linux-gnu", "unit2");
	keys[n++] = cache_key_pch(args, 2, "head", 4);
	keys[n++] = cache_key_pch(args, 2, "head", 3);
	keys[n++] = cache_key_pch(other, 2, "head", 4);
	keys[n++] = cache_key_pch_entry(pch, CACHE_PCH_INVENTORY);
	keys[n++] = cache_key_pch_entry(pch, CACHE_PCH_SEEN);
	keys[n++] = cache_key_pch_entry(keys[0], CACHE_PCH_INVENTORY);
	keys[n++] = cache_key_answers("-target", "riscv64-linux-gnu");
	keys[n++] = cache_key_proof("unit", NULL, 0);
	keys[n++] = cache_key_pch(NULL, 0, "unit", 4);
	assert_all_differ(keys, n);
	free(pch);
}

/* Stores one entry of each kind, under one key each, and looks each up as every kind. */
static void test_kind(void **state)
{
	char *keys[CACHE_N_KINDS];

	(void)state;
	for (enum cache_kind k = 0; k < CACHE_N_KINDS; k++) {
		keys[k] = xasprintf("%064x", (unsigned)k + 1);
		cache_store(k, keys[k], k == CACHE_RESULT ? "7.2.13+deb14-riscv64" : NULL, cache_kind_names[k],
			    strlen(cache_kind_names[k]), NULL, NULL, NULL, 0);
	}
	for (enum cache_kind stored = 0; stored < CACHE_N_KINDS; stored++)
		for (enum cache_kind asked = 0; asked < CACHE_N_KINDS; asked++) {
			struct cache_entry e;
			int hit = !cache_lookup(asked, keys[stored], &e);

			if (hit != (asked == stored))
				fail_msg("an entry stored as %s, looked up as %s: %s", cache_kind_names[stored],
					 cache_kind_names[asked], hit ? "a hit" : "a miss");
			if (!hit)
				continue;
			assert_int_equal(e.kind, stored);
			assert_string_equal(e.text, cache_kind_names[stored]);
			if (stored == CACHE_RESULT)
				assert_string_equal(e.release, "7.2.13+deb14-riscv64");
			else
				assert_null(e.release);
			cache_entry_free(&e);
		}
	for (enum cache_kind k = 0; k < CACHE_N_KINDS; k++)
		free(keys[k]);
}

/* A result names its release and no other kind does: anything else is not stored. */
static void test_kind_release(void **state)
{
	char *result = xasprintf("%064x", 100u), *proof = xasprintf("%064x", 101u);
	struct cache_entry e;

	(void)state;
	cache_store(CACHE_RESULT, result, NULL, "x", 1, NULL, NULL, NULL, 0);
	cache_store(CACHE_PROOF, proof, "7.2.13+deb14-riscv64", "x", 1, NULL, NULL, NULL, 0);
	for (enum cache_kind k = 0; k < CACHE_N_KINDS; k++) {
		assert_int_equal(cache_lookup(k, result, &e), -1);
		assert_int_equal(cache_lookup(k, proof, &e), -1);
	}
	free(result);
	free(proof);
}

/* The kind is a line of the entry, which the reader gives back and the writer writes again. */
static void test_kind_format(void **state)
{
	for (enum cache_kind k = 0; k < CACHE_N_KINDS; k++) {
		struct cache_entry e = { .kind = k, .release = k == CACHE_RESULT ? "r" : NULL, .text = "t", .len = 1 }, back;
		size_t len, again_len;
		char *bytes = cache_entry_format("k", &e, &len), *line = xasprintf("\nkind %s\n", cache_kind_names[k]), *again;

		(void)state;
		assert_non_null(strstr(bytes, line));
		assert_int_equal(cache_entry_parse(bytes, len, "k", &back), 0);
		assert_int_equal(back.kind, k);
		again = cache_entry_format("k", &back, &again_len);
		assert_int_equal(again_len, len);
		assert_memory_equal(again, bytes, len);
		cache_entry_free(&back);
		free(again);
		free(line);
		free(bytes);
	}
}

/* An entry kabigen wrote before kinds (format 3, "release answers") is a miss, then replaced. */
static void test_format_3(void **state)
{
	char *key = xasprintf("%064x", 200u), *path = xasprintf("%s/kabigen/results/%s", root, key), *v4, *v3;
	struct cache_entry e = { .kind = CACHE_ANSWERS, .text = "answers", .len = 7 };
	const char *kind_line;
	size_t len;
	FILE *f;

	(void)state;
	cache_store(CACHE_ANSWERS, key, NULL, e.text, e.len, NULL, NULL, NULL, 0);
	assert_int_equal(cache_lookup(CACHE_ANSWERS, key, &e), 0);
	cache_entry_free(&e);
	/* The same entry as format 3 wrote it: the magic's number, and the kind in the release line. */
	assert_non_null(v4 = read_file(path, &len));
	assert_non_null(kind_line = strstr(v4, "kind answers\n"));
	assert_non_null(strstr(v4, "kabigen result 4\n"));
	v3 = xasprintf("kabigen result 3\n%.*srelease answers\n%s", (int)(kind_line - v4 - strlen("kabigen result 4\n")),
		       v4 + strlen("kabigen result 4\n"), kind_line + strlen("kind answers\n"));
	assert_non_null(f = fopen(path, "w"));
	fputs(v3, f);
	assert_int_equal(fclose(f), 0);
	for (enum cache_kind k = 0; k < CACHE_N_KINDS; k++)
		assert_int_equal(cache_lookup(k, key, &e), -1);
	cache_store(CACHE_ANSWERS, key, NULL, "answers", 7, NULL, NULL, NULL, 0);
	assert_int_equal(cache_lookup(CACHE_ANSWERS, key, &e), 0);
	cache_entry_free(&e);
	free(v3);
	free(v4);
	free(path);
	free(key);
}

static int setup(void **state)
{
	(void)state;
	return !mkdtemp(root) || setenv("XDG_CACHE_HOME", root, 1);
}

static int teardown(void **state)
{
	(void)state;
	fs_remove_tree(root);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_key),
		cmocka_unit_test(test_other_keys),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_kind_release),
		cmocka_unit_test(test_kind_format),
		cmocka_unit_test(test_format_3),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
