/* escape.c: text from the inputs made safe for each kind of output kabigen writes (see escape.h). */
#include "util/escape.h"
#include "util/report.h"

#include <string.h>

/*
 * The length of the well-formed UTF-8 sequence at P (Unicode 15, table 3-7: no overlong
 * form, no surrogate, nothing beyond U+10FFFF), or 0 if P does not start one. A NUL ends
 * the string, so no check reads past it.
 */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return p[1] >= 0x80 && p[1] <= 0xbf ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		unsigned char lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;

		return p[1] >= lo && p[1] <= hi && p[2] >= 0x80 && p[2] <= 0xbf ? 3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		unsigned char lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;

		return p[1] >= lo && p[1] <= hi && p[2] >= 0x80 && p[2] <= 0xbf && p[3] >= 0x80 && p[3] <= 0xbf ? 4
														 : 0;
	}
	return 0;
}

/* The code point of the valid UTF-8 sequence at P of length N. */
static unsigned utf8_code(const unsigned char *p, size_t n)
{
	unsigned c = n == 1 ? p[0] : p[0] & (0x7f >> n);

	for (size_t i = 1; i < n; i++)
		c = c << 6 | (p[i] & 0x3f);
	return c;
}

/* Characters a terminal acts on rather than shows: C0, DEL, C1, and the bidirectional
 * embeddings, overrides and isolates that reorder what a line appears to say. */
static int is_control(unsigned c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

void escape_text(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);
		unsigned c = n ? utf8_code(p, n) : 0;

		if (!n) {
			sb_addf(sb, "\\x%02x", *p++);
			continue;
		}
		if (c == '\\')
			sb_adds(sb, "\\\\");	/* an input's "\x1b" is not an escaped ESC */
		else if (!is_control(c))
			sb_add(sb, p, n);
		else if (c == '\n' || c == '\r' || c == '\t')
			sb_adds(sb, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t");
		else if (c >= 0x2000)
			sb_addf(sb, "\\u%04x", c);
		else
			for (size_t i = 0; i < n; i++)
				sb_addf(sb, "\\x%02x", p[i]);
		p += n;
	}
}

void escape_c_comment(struct strbuf *sb, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			sb_adds(sb, "?");
		else if ((*p == '*' && p[1] == '/') || (*p == '/' && p[1] == '*'))
			sb_add(sb, *p == '*' ? "* " : "/ ", 2);	/* "* /" cannot end the comment, nor "/ *" nest */
		else
			sb_add(sb, p, 1);
	}
}

void escape_c_string(struct strbuf *sb, const char *s)
{
	sb_adds(sb, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addf(sb, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			sb_addf(sb, "\\%03o", *p);
		else
			sb_add(sb, p, 1);
	}
	sb_adds(sb, "\"");
}

int escape_is_utf8(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);

		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

/* rustc reads a source file as UTF-8 and refuses any other byte, even in a comment. */
void escape_rust_comment(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);

		if (!n)
			sb_addf(sb, "\\x%02x", *p);
		else if (*p < 0x20 || *p == 0x7f)
			sb_adds(sb, "?");
		else
			sb_add(sb, p, n);
		p += n ? n : 1;
	}
}

void escape_rust_string(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	sb_adds(sb, "\"");
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\')
			sb_addf(sb, "\\%c", *p);
		else if (!n)
			sb_adds(sb, "\\u{fffd}");	/* a str holds UTF-8 alone: escape_rust_bytes for the bytes */
		else if (*p < 0x20 || *p == 0x7f)
			sb_addf(sb, "\\x%02x", *p);
		else
			sb_add(sb, p, n);	/* UTF-8 passes through */
		p += n ? n : 1;
	}
	sb_adds(sb, "\"");
}

void escape_rust_bytes(struct strbuf *sb, const char *s)
{
	sb_adds(sb, "b\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addf(sb, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)	/* a byte string literal is ASCII, \xNN for the rest */
			sb_addf(sb, "\\x%02x", *p);
		else
			sb_add(sb, p, 1);
	}
	sb_adds(sb, "\"");
}

void escape_markdown(struct strbuf *sb, const char *s)
{
	struct strbuf shown = { 0 };
	size_t longest = 0, run = 0;
	int pad;

	escape_text(&shown, s);
	s = shown.buf ? shown.buf : "";
	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	/* A span that starts or ends with a backtick needs a space inside the fence. */
	pad = shown.len && (s[0] == '`' || s[shown.len - 1] == '`');
	for (size_t i = 0; i <= longest; i++)
		sb_adds(sb, "`");
	if (pad)
		sb_adds(sb, " ");
	for (const char *p = s; *p; p++)
		sb_add(sb, *p == '|' ? "\\|" : p, *p == '|' ? 2 : 1);	/* GFM tables: even in a span */
	if (pad)
		sb_adds(sb, " ");
	for (size_t i = 0; i <= longest; i++)
		sb_adds(sb, "`");
	sb_release(&shown);
}

void escape_markdown_prose(struct strbuf *sb, const char *s)
{
	struct strbuf shown = { 0 };

	escape_text(&shown, s);
	for (const char *p = shown.buf ? shown.buf : ""; *p; p++) {
		/* CommonMark: any ASCII punctuation may be backslash-escaped; these are the ones it acts on. */
		if (strchr("\\`*_[]<>|#!~&", *p))
			sb_adds(sb, "\\");
		sb_add(sb, p, 1);
	}
	sb_release(&shown);
}

void escape_json_string(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	sb_adds(sb, "\"");
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\')
			sb_addf(sb, "\\%c", *p);
		else if (*p == '\n')
			sb_adds(sb, "\\n");
		else if (*p == '\t')
			sb_adds(sb, "\\t");
		else if (*p < 0x20 || *p == 0x7f || !n)	/* libyaml refuses control characters raw */
			sb_addf(sb, "\\u%04x", *p);	/* !n: a byte that is no UTF-8, as escape.h says */
		else
			sb_add(sb, p, n);
		p += n ? n : 1;
	}
	sb_adds(sb, "\"");
}
