/*
 * escape.h: the one way text from the inputs (--set values, a set's 'if' conditions and
 * expressions, YAML strings, a tree's UTS_RELEASE, kernel type spellings) reaches generated
 * code, one function per target language and context. Nothing from an input is pasted raw:
 * a "*" "/" or a newline in a comment would end it and inject declarations.
 */
#ifndef KABIGEN_ESCAPE_H
#define KABIGEN_ESCAPE_H

struct strbuf;

/* Inside a C block comment: control characters become '?'; "*" "/" cannot close it and "/" "*"
 * cannot open another (which -Wcomment reports). */
void escape_c_comment(struct strbuf *sb, const char *s);
/* A C string literal, quotes included: octal escapes for control and non-ASCII bytes. */
void escape_c_string(struct strbuf *sb, const char *s);
/* Inside a Rust line comment ("// ..."): control characters (a newline would end it) become '?'. */
void escape_rust_comment(struct strbuf *sb, const char *s);
/* A Rust string literal, quotes included (UTF-8 passes through). */
void escape_rust_string(struct strbuf *sb, const char *s);
/* A Markdown code span that holds in a table cell: a backtick fence longer than any run in S,
 * '|' escaped, control characters as '?'. */
void escape_markdown(struct strbuf *sb, const char *s);
/* A JSON string literal, quotes included. */
void escape_json_string(struct strbuf *sb, const char *s);

#endif
