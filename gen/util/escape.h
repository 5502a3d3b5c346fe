/*
 * escape.h: the one way text from the inputs reaches what kabigen writes, one function per
 * output kind and context. Inputs are untrusted: a module's .modinfo, a layout dump, a
 * profile, a path given on the command line, a tree's UTS_RELEASE, a kernel type spelling.
 * Pasted raw, a newline forges a line of a report or a message, ESC moves the terminal's
 * cursor or clears it, a byte that is not UTF-8 makes JSON invalid, and "*" "/" ends a
 * generated comment. Reports (gen/ko/ko_report.c, gen/diff/diff_report.c), messages
 * (report.c's die, warn, usage_die) and emitters (gen/emit/) all go through here.
 */
#ifndef KABIGEN_ESCAPE_H
#define KABIGEN_ESCAPE_H

struct strbuf;

/*
 * Plain text for a terminal or a log: \n, \r and \t as those two characters, other control
 * characters (C0, DEL, and C1 in UTF-8) and bytes that are not UTF-8 as \xNN (ESC: \x1b),
 * and the Unicode controls that reorder a line on screen (U+202A..U+202E, U+2066..U+2069)
 * as \uNNNN, and a backslash as two, so that every escape is unambiguous (an input's
 * four characters "\x1b" show as "\\x1b"). Valid UTF-8 passes through. The result is one
 * line. Escape once: text shown again would show its backslashes doubled.
 */
void escape_text(struct strbuf *sb, const char *s);
/* Inside a C block comment: control characters become '?'; "*" "/" cannot close it and "/" "*"
 * cannot open another (which -Wcomment reports). */
void escape_c_comment(struct strbuf *sb, const char *s);
/* A C string literal, quotes included: octal escapes for control and non-ASCII bytes. */
void escape_c_string(struct strbuf *sb, const char *s);
/* Inside a Rust line comment ("// ..."): control characters (a newline would end it) become '?',
 * bytes that are not UTF-8 (which rustc refuses anywhere in a file) \xNN. */
void escape_rust_comment(struct strbuf *sb, const char *s);
/* A Rust string literal, quotes included (UTF-8 passes through). A str holds UTF-8 alone: a
 * byte that is not UTF-8 becomes U+FFFD; where the bytes matter, escape_is_utf8() chooses
 * escape_rust_bytes(). */
void escape_rust_string(struct strbuf *sb, const char *s);
/* A Rust byte string literal (b"..."), quotes included: every byte kept, \xNN for control
 * characters and bytes above ASCII. */
void escape_rust_bytes(struct strbuf *sb, const char *s);
/* Whether S is well-formed UTF-8 throughout. */
int escape_is_utf8(const char *s);
/* A Markdown code span that holds in a table cell: S as escape_text shows it, in a backtick
 * fence longer than any run in S, '|' escaped. */
void escape_markdown(struct strbuf *sb, const char *s);
/* Markdown prose (a list item, a heading): S as escape_text shows it, with every ASCII
 * punctuation character Markdown gives a meaning backslash-escaped, so it renders as written. */
void escape_markdown_prose(struct strbuf *sb, const char *s);
/*
 * A JSON string literal, quotes included, always valid UTF-8 (RFC 8259): '"', '\' and control
 * characters escaped, valid UTF-8 copied. A byte that is not part of valid UTF-8 becomes
 * \u00XX with XX the byte (as Latin-1 would read it). This is reversible: kabigen never
 * escapes a valid UTF-8 sequence above ASCII, so in its output \u0080..\u00ff always stands
 * for one raw byte, and a character U+0080..U+00FF is written as its UTF-8 bytes (a C1
 * control among them: valid JSON, which YAML readers such as libyaml refuse raw).
 */
void escape_json_string(struct strbuf *sb, const char *s);

#endif
