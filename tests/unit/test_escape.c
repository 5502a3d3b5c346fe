/*
 * test_escape.c: the escapers of gen/util/escape.c on the bytes hostile inputs hold: control
 * characters, C1 and bidi controls, and every kind of ill-formed UTF-8 (overlong forms,
 * surrogates, code points past U+10FFFF, cut sequences). Text, for 20,000 random strings of
 * backslashes, escape-like letters and such bytes: undoing the escapes gives the input back.
 * Rust: nothing that is not UTF-8 in a comment or a str, every byte in a byte string. JSON, for 20,000 random strings:
 * the output is well-formed UTF-8 with no raw control character, and undoing the escapes as
 * escape.h documents gives back the input's bytes; libyaml (kabigen's reader) reads what the
 * escaper makes of bytes that are not UTF-8.
 */
#include "util/escape.h"
#include "util/report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <yaml.h>

static char *shown(void (*fn)(struct strbuf *, const char *), const char *s)
{
	struct strbuf sb = { 0 };

	fn(&sb, s);
	return sb.buf ? sb.buf : xstrdup("");
}

static void expect(void (*fn)(struct strbuf *, const char *), const char *in, const char *out)
{
	char *got = shown(fn, in);

	assert_string_equal(got, out);
	free(got);
}

static void test_text(void **state)
{
	(void)state;
	expect(escape_text, "a\nb\x1b[2J\t\r", "a\\nb\\x1b[2J\\t\\r");
	expect(escape_text, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7");
	expect(escape_text, "\x7f\xc2\x9b", "\\x7f\\xc2\\x9b");			/* DEL; CSI as C1 in UTF-8 */
	expect(escape_text, "ab\xe2\x80\xae" "cd", "ab\\u202ecd");		/* right-to-left override */
	expect(escape_text, "\xff\xfe", "\\xff\\xfe");
	expect(escape_text, "\xc0\xaf", "\\xc0\\xaf");				/* overlong '/' */
	expect(escape_text, "\xe0\x80\xaf", "\\xe0\\x80\\xaf");		/* overlong, 3 bytes */
	expect(escape_text, "\xed\xa0\x80", "\\xed\\xa0\\x80");		/* a surrogate */
	expect(escape_text, "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");	/* past U+10FFFF */
	expect(escape_text, "x\xe2\x82", "x\\xe2\\x82");			/* cut at the end */
	expect(escape_text, "back\\slash", "back\\\\slash");
	expect(escape_text, "\\x1b", "\\\\x1b");				/* four characters, not ESC */
}

/* The bytes a text from escape_text stands for, as escape.h says: every escape undone. */
static char *text_bytes(const char *t)
{
	struct strbuf sb = { 0 };

	for (const char *p = t; *p;) {
		if (*p != '\\') {
			sb_add(&sb, p++, 1);
		} else if (p[1] == 'x' || p[1] == 'u') {
			size_t digits = p[1] == 'x' ? 2 : 4;
			char hex[5] = { 0 };
			unsigned long c;

			memcpy(hex, p + 2, digits);
			c = strtoul(hex, NULL, 16);
			if (p[1] == 'x') {
				unsigned char b = (unsigned char)c;

				sb_add(&sb, &b, 1);
			} else {	/* a bidi control, U+2000 on: three bytes of UTF-8 */
				unsigned char u[3] = { (unsigned char)(0xe0 | c >> 12), (unsigned char)(0x80 | (c >> 6 & 0x3f)),
						       (unsigned char)(0x80 | (c & 0x3f)) };

				sb_add(&sb, u, 3);
			}
			p += 2 + digits;
		} else {
			assert_non_null(strchr("nrt\\", p[1]));
			sb_add(&sb, p[1] == 'n' ? "\n" : p[1] == 'r' ? "\r" : p[1] == 't' ? "\t" : "\\", 1);
			p += 2;
		}
	}
	return sb.buf ? sb.buf : xstrdup("");
}

/* Shown text says which bytes it was: undoing the escapes gives them back, whatever mix of
 * backslashes, escape-like letters, controls and broken UTF-8 the input holds. */
static void test_text_unambiguous(void **state)
{
	static const unsigned char alphabet[] = { '\\', 'x', 'u', '1', 'b', 'n', '\n', '\t', 0x1b, 0x7f, 0xff, 0xe2, 0x80,
						  0xae, 0xc2, 0x9b, 'a' };
	unsigned seed = 23;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		char in[24], *text, *back;
		size_t n = (size_t)(rand_r(&seed) % 23);

		for (size_t k = 0; k < n; k++)
			in[k] = (char)alphabet[(size_t)rand_r(&seed) % sizeof(alphabet)];
		in[n] = '\0';
		text = shown(escape_text, in);
		back = text_bytes(text);
		assert_string_equal(back, in);
		free(back);
		free(text);
	}
}

/* rustc reads a file as UTF-8: no byte that is not UTF-8 reaches a comment or a str, and a
 * byte string keeps every byte. */
static void test_rust(void **state)
{
	(void)state;
	expect(escape_rust_comment, "7.2-caf\xe9\n\xc3\xa9", "7.2-caf\\xe9?\xc3\xa9");
	expect(escape_rust_string, "caf\xe9 \"\\ \xc3\xa9\x1b", "\"caf\\u{fffd} \\\"\\\\ \xc3\xa9\\x1b\"");
	expect(escape_rust_bytes, "caf\xe9 \"\\ \xc3\xa9\x1b", "b\"caf\\xe9 \\\"\\\\ \\xc3\\xa9\\x1b\"");
	assert_true(escape_is_utf8("caf\xc3\xa9 \xe2\x82\xac"));
	assert_false(escape_is_utf8("caf\xe9"));
	assert_false(escape_is_utf8("\xed\xa0\x80"));	/* a surrogate */
}

static void test_markdown(void **state)
{
	(void)state;
	expect(escape_markdown, "a`b|c\x1b", "``a`b\\|c\\x1b``");
	expect(escape_markdown, "`x`", "`` `x` ``");
	expect(escape_markdown_prose, "*bold* `code` <b> a_b\n", "\\*bold\\* \\`code\\` \\<b\\> a\\_b\\\\n");
}

/* Whether libyaml, kabigen's JSON reader, reads TEXT (a JSON document) without an error. */
static int yaml_reads(const char *text)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int ok = 1, done = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	while (ok && !done) {
		ok = yaml_parser_parse(&p, &ev);
		if (ok) {
			done = ev.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&ev);
		}
	}
	yaml_parser_delete(&p);
	return ok;
}

/* Whether S is well-formed UTF-8 with no raw control character below 0x20 (RFC 8259),
 * decoded here by code point and range, not by escape.c's table of lead bytes. */
static int json_text_valid(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 1 : *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 0;
		unsigned c = n == 1 ? *s : *s & (0x7fu >> n);

		if (!n || *s < 0x20)
			return 0;
		for (int i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			return 0;
		s += n;
	}
	return 1;
}

/* The bytes a JSON string literal from escape_json_string stands for, as escape.h says. */
static char *json_bytes(const char *lit)
{
	struct strbuf sb = { 0 };
	const char *p = lit + 1, *end = lit + strlen(lit) - 1;

	while (p < end) {
		if (*p != '\\') {
			sb_add(&sb, p++, 1);
		} else if (p[1] == 'u') {
			char hex[5] = { p[2], p[3], p[4], p[5], 0 };
			unsigned long c = strtoul(hex, NULL, 16);
			unsigned char b = (unsigned char)c;

			assert_true(c > 0 && c <= 0xff);	/* only bytes are escaped this way */
			sb_add(&sb, &b, 1);
			p += 6;
		} else {
			sb_add(&sb, p[1] == 'n' ? "\n" : p[1] == 't' ? "\t" : p + 1, 1);
			p += 2;
		}
	}
	return sb.buf ? sb.buf : xstrdup("");
}

static void test_json_random(void **state)
{
	unsigned seed = 22;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		char in[24], *lit, *back;
		size_t n = (size_t)(rand_r(&seed) % 23);

		for (size_t k = 0; k < n; k++) {
			/* Mostly the bytes UTF-8 is made of, so that valid sequences occur too. */
			int r = rand_r(&seed);

			in[k] = (char)(r % 4 ? 0x80 + (r >> 3) % 0x78 : 1 + (r >> 3) % 0x7f);
		}
		in[n] = '\0';
		lit = shown(escape_json_string, in);
		assert_true(json_text_valid((const unsigned char *)lit));
		back = json_bytes(lit);
		assert_string_equal(back, in);
		free(back);
		free(lit);
	}
}

/* What the escaper makes of bytes that are not UTF-8, kabigen's own reader reads back. */
static void test_json_yaml(void **state)
{
	char *lit = shown(escape_json_string, "vermagic\n\x1b[2J\xff\xc0\xaf\xed\xa0\x80\x7f caf\xc3\xa9\"\\");
	char *doc = xasprintf("[%s]", lit);

	(void)state;
	assert_string_equal(lit, "\"vermagic\\n\\u001b[2J\\u00ff\\u00c0\\u00af\\u00ed\\u00a0\\u0080\\u007f caf\xc3\xa9\\\"\\\\\"");
	assert_true(yaml_reads(doc));
	free(doc);
	free(lit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_unambiguous),
		cmocka_unit_test(test_rust),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_json_random),
		cmocka_unit_test(test_json_yaml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
