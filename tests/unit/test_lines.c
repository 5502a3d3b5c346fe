/*
 * test_lines.c: the one line reader (line_next) and number parser (scan_u64, parse_u64,
 * parse_i64) of str.h that every line format kabigen reads goes through: empty lines kept
 * and counted, the last line without its '\n', and the 64-bit edges, made from <stdint.h>'s
 * limits, taken exactly or refused.
 */
#include "util/report.h"
#include "util/str.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

/* Every line of TEXT, in order, empty ones too; a '\r' is the format's to judge. */
static void test_lines(void **state)
{
	const char *want[] = { "one", "", "three\r", "", "last" };
	char text[] = "one\n\nthree\r\n\nlast", *cursor = text, *line;
	size_t n = 0;

	(void)state;
	while ((line = line_next(&cursor))) {
		assert_true(n < sizeof(want) / sizeof(*want));
		assert_string_equal(line, want[n]);
		n++;
	}
	assert_int_equal(n, sizeof(want) / sizeof(*want));
	assert_null(line_next(&cursor));	/* and stays at the end */
}

/* A final '\n' ends the last line; it does not start an empty one. Nothing: no line. */
static void test_ends(void **state)
{
	char text[] = "a\nb\n", empty[] = "", *cursor = text;

	(void)state;
	assert_string_equal(line_next(&cursor), "a");
	assert_string_equal(line_next(&cursor), "b");
	assert_null(line_next(&cursor));
	cursor = empty;
	assert_null(line_next(&cursor));
	cursor = NULL;
	assert_null(line_next(&cursor));
}

/* UINT64_MAX is read exactly; one more, or anything but bare digits, is refused. */
static void test_unsigned(void **state)
{
	char max[32], over[32], hex[32];
	uint64_t v = 0;
	const char *end;

	(void)state;
	snprintf(max, sizeof(max), "%" PRIu64, UINT64_MAX);
	snprintf(over, sizeof(over), "%" PRIu64 "0", UINT64_MAX / 10 + 1);	/* > UINT64_MAX */
	snprintf(hex, sizeof(hex), "0x%" PRIx64, UINT64_MAX);
	assert_int_equal(parse_u64(max, 10, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64(over, 10, &v), -1);
	assert_int_equal(parse_u64(hex, 16, &v), 0);	/* Module.symvers writes its CRCs as 0x... */
	assert_true(v == UINT64_MAX);
	for (const char *const *bad = (const char *const[]){ "", " 1", "+1", "-1", "1 ", "1x", "x1", NULL }; *bad; bad++)
		assert_int_equal(parse_u64(*bad, 10, &v), -1);
	end = scan_u64("12 rest", 10, &v);
	assert_non_null(end);
	assert_string_equal(end, " rest");
	assert_true(v == 12);
	assert_null(scan_u64(" 12", 10, &v));
}

/* INT64_MIN and INT64_MAX are read exactly; one past either is refused. */
static void test_signed(void **state)
{
	char min[32], max[32], below[32], above[32];
	int64_t v = 0;

	(void)state;
	snprintf(min, sizeof(min), "%" PRId64, INT64_MIN);
	snprintf(max, sizeof(max), "%" PRId64, INT64_MAX);
	snprintf(below, sizeof(below), "-%" PRIu64, (uint64_t)INT64_MAX + 2);
	snprintf(above, sizeof(above), "%" PRIu64, (uint64_t)INT64_MAX + 1);
	assert_int_equal(parse_i64(min, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(parse_i64(max, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(parse_i64(below, &v), -1);
	assert_int_equal(parse_i64(above, &v), -1);
	assert_int_equal(parse_i64("-0", &v), 0);
	assert_true(v == 0);
	for (const char *const *bad = (const char *const[]){ "", "-", "--1", "+1", " 1", "1-", NULL }; *bad; bad++)
		assert_int_equal(parse_i64(*bad, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_ends),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_signed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
