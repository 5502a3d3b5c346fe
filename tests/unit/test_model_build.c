/*
 * test_model_build.c: a real tree's model as gen/build/model_build.c makes it: the provenance
 * (the tree's own UTS_RELEASE, autoconf.h's sha256 as sha256sum gives it, the command line's
 * flavour taken over), and the model the result cache keeps as a result under its key, read
 * back instead of parsing. usage: test_model_build KDIR (a fetched Debian headers tree).
 */
#include "util/cache.h"
#include "util/child.h"
#include "emit/emit.h"
#include "util/fs.h"
#include "input/kset.h"
#include "model/layout.h"
#include "build/model_build.h"
#include "input/profile.h"
#include "util/report.h"
#include "input/tree.h"
#include "clang/tu.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static char root[] = "/tmp/kabigen-test-model-build-XXXXXX";
static const char *kdir;
static struct ktree *tree;
static struct arch_profile *profile;
static char *set_file;

/* The UTS_RELEASE the tree's include/generated/utsrelease.h defines, as the test reads it. */
static char *uts_release(void)
{
	char *path = xasprintf("%s/include/generated/utsrelease.h", tree->build), *text, *q;
	const char *p;
	size_t len;

	assert_non_null(text = read_file(path, &len));
	assert_non_null(p = strstr(text, "#define UTS_RELEASE \""));
	p += strlen("#define UTS_RELEASE \"");
	assert_non_null(q = strchr(p, '"'));
	*q = '\0';
	p = xstrdup(p);
	free(text);
	free(path);
	return (char *)p;
}

/* sha256sum's digest of PATH: another program's reading of the file. */
static char *sha256sum(const char *path)
{
	char *argv[] = { "sha256sum", (char *)path, NULL }, *out = NULL, *digest;

	assert_int_equal(child_run(argv, NULL, CHILD_CAPTURE, &out, NULL), 0);
	digest = xasprintf("%.*s", (int)strcspn(out, " "), out);
	free(out);
	return digest;
}

static void test_provenance(void **state)
{
	struct kabi_provenance cli = { .flavour = xstrdup("test-flavour") };
	struct kabi_model *m = build_tree_model(profile, tree, set_file, &cli, false);
	char *release = uts_release(), *digest = sha256sum(tree->autoconf);

	(void)state;
	/* The command line's strings are the model's now. */
	assert_null(cli.flavour);
	assert_string_equal(m->prov.flavour, "test-flavour");
	assert_string_equal(m->prov.release, release);
	assert_string_equal(m->prov.autoconf_sha256, digest);
	assert_string_equal(m->prov.arch, profile->name);
	assert_string_equal(m->prov.clang_target, profile->clang_target);
	assert_string_equal(m->prov.inputs[0], tree->build_rel);
	assert_int_equal(m->prov.n_inputs, strcmp(tree->build, tree->source) ? 2 : 1);
	if (m->prov.n_inputs == 2)
		assert_string_equal(m->prov.inputs[1], tree->source_rel);
	assert_true(m->n_read_files > 0);
	kabi_model_free(m);
	free(release);
	free(digest);
}

/* One string of TEXT replaced by another (each found once at least): a new string. */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);

	assert_non_null(at);
	return xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static void test_cached_model(void **state)
{
	struct kset *set = kset_load(set_file);
	struct tu *tu = tu_build(profile, tree, set, KABIGEN_CLANG_RESOURCE_DIR);
	struct kabi_provenance cli = { .flavour = xstrdup("test-flavour") }, again = { .flavour = xstrdup("test-flavour") };
	char *key = build_result_key("model", profile, set, tu, &cli), *dump, *forged, *back;
	struct kabi_model *m = build_model(profile, tree, set, tu, &cli, true), *m2;
	struct cache_entry e;

	(void)state;
	/* The parsed model is in the cache as a result under its key, as its JSON dump, and as no other kind. */
	dump = emit_json(m);
	assert_int_equal(cache_lookup(CACHE_RESULT, key, &e), 0);
	assert_string_equal(e.text, dump);
	assert_string_equal(e.release, m->prov.release);
	assert_int_equal(e.n_files, m->n_read_files);
	cache_entry_free(&e);
	for (enum cache_kind k = 0; k < CACHE_N_KINDS; k++)
		if (k != CACHE_RESULT)
			assert_int_equal(cache_lookup(k, key, &e), -1);
	/* A second model of the same key is the entry read back, not a parse: a forged entry shows it. */
	forged = replaced(dump, "\"test-flavour\"", "\"read-back\"");
	cache_store(CACHE_RESULT, key, m->prov.release, forged, strlen(forged), m->read_files, m->read_digests,
		    m->read_stamps, m->n_read_files);
	m2 = build_model(profile, tree, set, tu, &again, true);
	assert_null(again.flavour);
	assert_string_equal(m2->prov.flavour, "read-back");
	back = emit_json(m2);
	assert_string_equal(back, forged);
	assert_int_equal(m2->n_read_files, m->n_read_files);
	free(back);
	free(forged);
	free(dump);
	free(key);
	kabi_model_free(m2);
	kabi_model_free(m);
	tu_free(tu);
	kset_free(set);
}

static void test_parse_advice(void **state)
{
	char *overrides[] = { "CONFIG_SMP=n", "CONFIG_64BIT=y" }, *advice;
	struct kabi_provenance none = { 0 }, both = { .kconfig = "k.config sha256 0", .overrides = overrides,
						      .n_overrides = 2 };

	(void)state;
	assert_null(build_parse_advice(&none));
	advice = build_parse_advice(&both);
	assert_non_null(strstr(advice, "--kconfig k.config with --set CONFIG_SMP=n, --set CONFIG_64BIT=y,"));
	free(advice);
}

static int setup(void **state)
{
	char *configs = xasprintf("%s/configs", SOURCE_DIR);

	(void)state;
	if (!mkdtemp(root) || setenv("XDG_CACHE_HOME", root, 1))
		return -1;
	tree = tree_detect(kdir);
	profile = profile_find(configs, NULL, tree->kernel_arch, NULL);
	set_file = xasprintf("%s/sets/loader.yaml", configs);
	free(configs);
	return !profile;
}

static int teardown(void **state)
{
	(void)state;
	fs_remove_tree(root);
	tree_free(tree);
	profile_free(profile);
	free(set_file);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_advice),
		cmocka_unit_test(test_provenance),
		cmocka_unit_test(test_cached_model),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test_model_build KDIR\n");
		return 2;
	}
	kdir = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
