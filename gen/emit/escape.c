/* escape.c: text from the inputs made safe for each language kabigen writes (see escape.h). */
#include "escape.h"
#include "report.h"

#include <string.h>

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

void escape_rust_comment(struct strbuf *sb, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		sb_add(sb, *p < 0x20 || *p == 0x7f ? (const unsigned char *)"?" : p, 1);
}

void escape_rust_string(struct strbuf *sb, const char *s)
{
	sb_adds(sb, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addf(sb, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			sb_addf(sb, "\\x%02x", *p);
		else
			sb_add(sb, p, 1);	/* UTF-8 passes through */
	}
	sb_adds(sb, "\"");
}

void escape_markdown(struct strbuf *sb, const char *s)
{
	size_t longest = 0, run = 0, len = strlen(s);
	int pad;

	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	/* A span that starts or ends with a backtick needs a space inside the fence. */
	pad = len && (s[0] == '`' || s[len - 1] == '`');
	for (size_t i = 0; i <= longest; i++)
		sb_adds(sb, "`");
	if (pad)
		sb_adds(sb, " ");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '|')
			sb_adds(sb, "\\|");
		else if (*p < 0x20 || *p == 0x7f)
			sb_adds(sb, "?");
		else
			sb_add(sb, p, 1);
	}
	if (pad)
		sb_adds(sb, " ");
	for (size_t i = 0; i <= longest; i++)
		sb_adds(sb, "`");
}

void escape_json_string(struct strbuf *sb, const char *s)
{
	sb_adds(sb, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addf(sb, "\\%c", *p);
		else if (*p == '\n')
			sb_adds(sb, "\\n");
		else if (*p == '\t')
			sb_adds(sb, "\\t");
		else if (*p < 0x20 || *p == 0x7f)	/* libyaml refuses these raw */
			sb_addf(sb, "\\u%04x", *p);
		else
			sb_add(sb, p, 1);
	}
	sb_adds(sb, "\"");
}
