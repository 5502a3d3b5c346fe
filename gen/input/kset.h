/* kset.h: a set (configs/sets/NAME.yaml): which structs, enums, constants and strings to take from the headers. */
#ifndef KABIGEN_KSET_H
#define KABIGEN_KSET_H

#include <stddef.h>

struct kset_struct {
	char *name;
	char *cond;		/* preprocessor condition, or NULL: always required */
};

struct kset_string {
	char *name;		/* emitted as KABI_<name> */
	char *expr;		/* a C string expression, usually a macro */
};

struct kset_extern {
	char *name;		/* emitted as KABI_<name>(X) */
	char *type;		/* "struct kernel_param_ops" */
};

struct kset {
	char *file;
	char *name;
	char **defines;
	size_t n_defines;
	char **includes;
	size_t n_includes;
	char *definitions;	/* C text, or NULL */
	struct kset_struct *structs;
	size_t n_structs;
	char **enums;
	size_t n_enums;
	char **constants;
	size_t n_constants;
	struct kset_string *strings;
	size_t n_strings;
	struct kset_extern *externs;
	size_t n_externs;
};

/* Reads FILE; dies with FILE:LINE:COLUMN on a malformed or incomplete set. */
struct kset *kset_load(const char *file);
void kset_free(struct kset *s);	/* accepts NULL */

#endif
