/* layout_read.h: a layout dump (kabi.json, written by emit_json) read back into a layout model. */
#ifndef KABIGEN_LAYOUT_READ_H
#define KABIGEN_LAYOUT_READ_H

#include <stddef.h>

struct kabi_model;

/*
 * Reads FILE into a new model equal to the one that was dumped: emit_json() of it gives
 * the same bytes, and so do the other emitters. Dies with FILE:LINE:COLUMN on anything
 * that is not a well-formed dump, and refuses a dump whose schema is newer than
 * KABI_LAYOUT_SCHEMA.
 */
struct kabi_model *layout_read_json(const char *file);

/* The same for LEN bytes at TEXT; NAME is what messages call it. */
struct kabi_model *layout_read_json_buffer(const char *name, const char *text, size_t len);

#endif
