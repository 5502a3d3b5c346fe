/*
 * test_json.c: the layout dump (--format json) read back gives the same model.
 *
 * For every fixture of tests/fixtures/ on four targets: dump, read, dump again gives the
 * same bytes; the C header and the Rust module emitted from the model read back are the
 * ones emitted from the original; diffing the two models finds nothing. 64-bit values
 * (the enums fixture) come back bit for bit. A dump of a newer schema, or of another
 * format, is refused with one line. The JSON writer (json.h) lays out its three styles as
 * kabi.json and diff reports have them, and what it writes reads back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diff/diff.h"
#include "emit/emit.h"
#include "fixture.h"
#include "util/json.h"
#include "input/kset.h"
#include "model/layout.h"
#include "model/layout_read.h"
#include "util/report.h"
#include "util/yamldoc.h"

static const char *const targets[] = { "x86_64-linux-gnu", "aarch64-linux-gnu", "riscv64-linux-gnu",
				       "loongarch64-linux-gnu" };

/* Every fixture: each NAME.yaml of the fixtures folder, so that new ones are covered too. */
static char **fixture_names(size_t *n)
{
	DIR *d = opendir(FIXTURES_DIR);
	struct dirent *de;
	char **v = NULL;

	assert_non_null(d);
	*n = 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".yaml")) {
			v = xrealloc(v, (*n + 1) * sizeof(*v));
			v[(*n)++] = xasprintf("%.*s", (int)(len - 5), de->d_name);
		}
	}
	closedir(d);
	return v;
}

static void check_round_trip(const char *name, const char *target)
{
	struct kset *set;
	struct kabi_model *m = fixture_model(name, target, &set), *back;
	char *json = emit_json(m), *again, *c1, *c2, *r1, *r2;
	struct diff_options opt = { "original", "read back", NULL, 0, NULL };
	struct kabi_diff *d;

	back = layout_read_json_buffer(name, json, strlen(json));
	again = emit_json(back);
	if (strcmp(json, again))
		fail_msg("%s on %s: the dump read back dumps differently", name, target);
	c1 = emit_c_header(m);
	c2 = emit_c_header(back);
	assert_string_equal(c1, c2);
	r1 = emit_rust(m);
	r2 = emit_rust(back);
	assert_string_equal(r1, r2);
	d = diff_models(m, back, &opt);
	assert_int_equal(d->verdict, 0);
	assert_int_equal(d->n_structs, m->n_order);
	/* Every enumerator and constant, bit for bit (the JSON text alone could hide a rounding). */
	assert_int_equal(back->n_enums, m->n_enums);
	for (size_t i = 0; i < m->n_enums; i++)
		for (size_t j = 0; j < m->enum_order[i]->n_values; j++)
			assert_true(m->enum_order[i]->values[j].value == back->enum_order[i]->values[j].value);
	assert_int_equal(back->n_constants, m->n_constants);
	for (size_t i = 0; i < m->n_constants; i++)
		assert_true(m->constants[i].value == back->constants[i].value);
	diff_free(d);
	free(json);
	free(again);
	free(c1);
	free(c2);
	free(r1);
	free(r2);
	kabi_model_free(back);
	kabi_model_free(m);
	kset_free(set);
}

static void test_round_trip(void **state)
{
	size_t n;
	char **names = fixture_names(&n);

	(void)state;
	assert_true(n >= 8);
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++)
			check_round_trip(names[i], targets[t]);
	strv_free(names, n);
}

/* The enums fixture's 64-bit extremes are really in the model, so the round trip above covers them. */
static void test_64_bit_values(void **state)
{
	struct kset *set;
	struct kabi_model *m = fixture_model("enums", targets[0], &set);
	const struct kabi_enum *wide = kabi_model_find_enum(m, "wide"), *swide = kabi_model_find_enum(m, "swide");
	int top = 0, min = 0;

	(void)state;
	assert_non_null(wide);
	assert_non_null(swide);
	for (size_t i = 0; i < wide->n_values; i++)
		top |= (uint64_t)wide->values[i].value == UINT64_MAX;
	for (size_t i = 0; i < swide->n_values; i++)
		min |= swide->values[i].value == INT64_MIN;
	assert_true(top && min);
	kabi_model_free(m);
	kset_free(set);
}

/* Runs layout_read_json_buffer on TEXT in a child: its exit status, and its stderr in ERR. */
static int read_in_child(const char *text, char *err, size_t err_size)
{
	int fds[2], status;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		kabi_model_free(layout_read_json_buffer("dump.json", text, strlen(text)));
		_exit(0);
	}
	close(fds[1]);
	while (got + 1 < err_size && (n = read(fds[0], err + got, err_size - got - 1)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Replaces the first FROM in TEXT by TO. New string. */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);

	assert_non_null(at);
	return xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static void test_refusals(void **state)
{
	struct kset *set;
	struct kabi_model *m = fixture_model("anonymous", targets[0], &set);
	char *json = emit_json(m), *schema = xasprintf("\"schema\": %d,", KABI_LAYOUT_SCHEMA);
	char *newer_schema = xasprintf("\"schema\": %d,", KABI_LAYOUT_SCHEMA + 1);
	char *newer = replaced(json, schema, newer_schema);
	char *other = replaced(json, "\"" KABI_LAYOUT_FORMAT "\"", "\"" KABI_DIFF_FORMAT "\"");
	char *unknown = replaced(json, "\"triple\": {", "\"tripel\": {");
	char *truncated = xasprintf("%.*s", (int)(strlen(json) / 2), json);
	char err[4096];

	(void)state;
	assert_int_equal(read_in_child(json, err, sizeof(err)), 0);
	assert_int_equal(read_in_child(newer, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "is newer than this kabigen reads"));
	assert_int_equal(read_in_child(other, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "not a layout dump"));
	assert_int_equal(read_in_child(unknown, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "unknown key 'tripel'"));
	assert_int_equal(read_in_child(truncated, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "dump.json:"));
	/* One line each. */
	assert_int_equal(strchr(err, '\n') - err + 1, (long)strlen(err));
	free(json);
	free(schema);
	free(newer_schema);
	free(newer);
	free(other);
	free(unknown);
	free(truncated);
	kabi_model_free(m);
	kset_free(set);
}

/*
 * The writer's layout: an item a line two spaces deeper for each JSON_LINES or JSON_BLOCK
 * around it (an inline container adds no depth), empty JSON_LINES as {} and [], empty
 * JSON_BLOCK with its bracket on a line of its own, NULL strings left out; and the text
 * reads back as JSON with every value where it was put.
 */
static void test_writer(void **state)
{
	static const char want[] = "{\n"
				   "  \"name\": \"a\\\"b\",\n"
				   "  \"list\": [\n"
				   "    {\"n\": 18446744073709551615, \"i\": -9223372036854775808, \"t\": true, \"z\": null, "
				   "\"raw\": -1, \"lines\": [\n"
				   "      1,\n"
				   "      2\n"
				   "    ], \"block\": [\n"
				   "    ]}\n"
				   "  ],\n"
				   "  \"empty\": {},\n"
				   "  \"inline\": [\"x\", []]\n"
				   "}";
	struct strbuf sb = { 0 };
	struct json j;
	struct ydoc *doc;
	const struct ynode *item;

	(void)state;
	json_start(&j, &sb);
	json_object(&j, NULL, JSON_LINES);
	json_string(&j, "name", "a\"b");
	json_string(&j, "absent", NULL);
	json_array(&j, "list", JSON_LINES);
	json_object(&j, NULL, JSON_INLINE);
	json_u64(&j, "n", UINT64_MAX);
	json_i64(&j, "i", INT64_MIN);
	json_bool(&j, "t", 1);
	json_null(&j, "z");
	json_raw(&j, "raw", "-1");
	json_array(&j, "lines", JSON_LINES);
	json_u64(&j, NULL, 1);
	json_u64(&j, NULL, 2);
	json_end(&j);
	json_array(&j, "block", JSON_BLOCK);
	json_end(&j);
	json_end(&j);
	json_end(&j);
	json_object(&j, "empty", JSON_LINES);
	json_end(&j);
	json_array(&j, "inline", JSON_INLINE);
	json_string(&j, NULL, "x");
	json_array(&j, NULL, JSON_LINES);
	json_end(&j);
	json_end(&j);
	json_end(&j);
	json_finish(&j);
	assert_string_equal(sb.buf, want);

	doc = ydoc_load_buffer("writer", sb.buf, sb.len);
	assert_string_equal(ynode_str(ynode_get(doc->root, "name"), "name"), "a\"b");
	assert_null(ynode_get(doc->root, "absent"));
	item = ynode_get(doc->root, "list")->items[0];
	assert_string_equal(ynode_str(ynode_get(item, "n"), "n"), "18446744073709551615");
	assert_int_equal(ynode_get(item, "lines")->n_items, 2);
	assert_int_equal(ynode_get(item, "block")->n_items, 0);
	ydoc_free(doc);
	free(sb.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_64_bit_values),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
