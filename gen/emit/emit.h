/* emit.h: emitters, each a pure function of the layout model (no libclang here). */
#ifndef KABIGEN_EMIT_H
#define KABIGEN_EMIT_H

struct kabi_model;

/* The self-contained C header: kernel names, exact layouts, _Static_assert checks. New string. */
char *emit_c_header(const struct kabi_model *m);

/* The Rust module (#![no_std]-ready, #[repr(C)], const assertions), from the same model. New string. */
char *emit_rust(const struct kabi_model *m);

/* For emitters: the provenance lines every output starts with, each line opened by PREFIX
 * (" * " in a C comment, "// " in Rust). */
struct strbuf;
struct kabi_provenance;
void emit_provenance(struct strbuf *sb, const struct kabi_provenance *p, const char *prefix);

/*
 * The layout dump (kabi.json): the whole model as JSON, which layout_read.h reads back into
 * the same model. SCHEMA grows when a reader of the previous one would misread a dump;
 * README.md documents it. New string.
 */
#define KABI_LAYOUT_FORMAT "kabigen-layout"
/* 2: constants carry kernel_type, expr and group; triple.constant_sources. 3: sections. */
#define KABI_LAYOUT_SCHEMA 3
char *emit_json(const struct kabi_model *m);

/* Appends S as a JSON string literal (also used by the diff reports). */
void json_add_string(struct strbuf *sb, const char *s);
/* Appends '"KEY": VALUE' (VALUE a JSON string), after ", " unless *FIRST; nothing if VALUE is NULL. */
void json_add_key_string(struct strbuf *sb, const char *key, const char *value, int *first);

#endif
