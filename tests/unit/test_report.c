/*
 * test_report.c: gen/util/report.c's lines as the user sees them: error() reports, counts
 * and returns -1 without exiting; note() and inform() are one line each; a progress line is
 * redrawn in place and cleared; a child's report is relayed as it is; every message's
 * inputs are escaped, a progress line's included.
 */
#include "util/report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static char *written;
static size_t written_len;
static FILE *messages;

static int open_stream(void **state)
{
	(void)state;
	messages = open_memstream(&written, &written_len);
	report_set_stream(messages);
	return messages ? 0 : -1;
}

static int close_stream(void **state)
{
	(void)state;
	report_set_stream(NULL);
	fclose(messages);
	free(written);
	written = NULL;
	return 0;
}

/* What the messages so far came to (report.c flushes each one). */
static const char *said(void)
{
	return written ? written : "";
}

static void test_error_counts(void **state)
{
	unsigned before = report_error_count();

	(void)state;
	assert_int_equal(error("%s: cannot read it", "a.ko"), -1);
	assert_int_equal(error("b.ko: not ELF"), -1);
	assert_int_equal(report_error_count(), before + 2);
	assert_string_equal(said(), "kabigen: error: a.ko: cannot read it\nkabigen: error: b.ko: not ELF\n");
}

static void test_note_inform_warn(void **state)
{
	(void)state;
	note("%zu modules", (size_t)3);
	inform("wrote %s", "kabi.h");
	warn("x\ny");
	assert_string_equal(said(), "kabigen: note: 3 modules\nkabigen: wrote kabi.h\nkabigen: warning: x\\ny\n");
}

static void test_redraw(void **state)
{
	(void)state;
	report_redraw("%s %d/%d (%s)", "triples done", 1, 2, "sid\x1b[2J");
	report_redraw(NULL);
	assert_string_equal(said(), "\rkabigen: triples done 1/2 (sid\\x1b[2J)\033[K\r\033[K");
}

static void test_relay(void **state)
{
	(void)state;
	report_relay("m.ko: FAIL\n  struct module: size 1280, the triple's 1344\n");
	assert_string_equal(said(), "m.ko: FAIL\n  struct module: size 1280, the triple's 1344\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_error_counts, open_stream, close_stream),
		cmocka_unit_test_setup_teardown(test_note_inform_warn, open_stream, close_stream),
		cmocka_unit_test_setup_teardown(test_redraw, open_stream, close_stream),
		cmocka_unit_test_setup_teardown(test_relay, open_stream, close_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
