/* kset.h: a set (configs/sets/NAME.yaml): which structs, enums, constants and strings to take from the headers. */
#ifndef KABIGEN_KSET_H
#define KABIGEN_KSET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A condition ('if' in the set file) is a C preprocessor expression evaluated by clang on
 * the tree: Kconfig symbols as in the kernel (defined(CONFIG_JUMP_LABEL)), and what the
 * headers define: defined(struct NAME), defined(union NAME), defined(enum NAME). kabigen
 * answers the latter from a first parse of the set's includes (gen/clang/extract.c).
 */
struct kset_struct {
	char *name;
	char *cond;		/* condition, or NULL: always required */
};

/* C the set supplies. With TYPE ("struct kernel_symbol") it is used only where the headers do not define TYPE. */
struct kset_definition {
	char *type;		/* or NULL */
	char *cond;		/* or NULL */
	char *text;
};

struct kset_string {
	char *name;		/* emitted as KABI_<name> */
	char *expr;		/* a C string expression, usually a macro */
};

/*
 * A constant of the set: a macro or enumerator by name (`- MODULE_NAME_LEN`), an expression
 * under a name of its own (`{name: KABI_EM_MACHINE, expr: ELF_ARCH}`), or every object-like
 * macro the translation unit defines whose name starts with a prefix (`{prefix: R_RISCV_}`),
 * each emitted as KABI_<macro> so that it never clashes with <elf.h>. `type` converts the
 * value to a C type the headers know (Elf64_Word); `group` collects constants into one list
 * (KABI_<GROUP>(X)); `if` is a condition (above), false: the constant is not wanted.
 */
struct kset_constant {
	char *name;		/* NULL for a prefix */
	char *expr;		/* what is evaluated: NAME itself when NULL */
	char *prefix;		/* NULL unless a prefix */
	char *type;		/* C type of the value, or NULL: the expression's own */
	char *group;		/* an identifier, or NULL */
	char *cond;		/* condition, or NULL */
	bool optional;		/* absent from the headers: omitted (and said so) rather than an error */
};

/*
 * A special section of a module: its ELF name, its element type (the pointee of the
 * struct module field `elements` the kernel points at it, or a C `type`), the field
 * counting the entries, and how its entries are relocated (`reloc`, from the kernel's
 * find_module_sections() and arch module.c). `if` as for structs.
 */
struct kset_section {
	char *name;
	char *elements;		/* a struct module member path (kp, dyndbg_info.descs), or NULL */
	char *count;		/* a struct module member path (num_kp), or NULL */
	char *type;		/* the element's C type when no field gives it, or NULL */
	char *reloc;		/* absolute, pc-relative, mixed or none */
	char *cond;
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
	char **include_conds;	/* parallel to includes: a condition (__has_include(<...>)), or NULL */
	size_t n_includes;
	struct kset_definition *definitions;
	size_t n_definitions;
	struct kset_struct *structs;
	size_t n_structs;
	char **enums;
	char **enum_conds;	/* parallel to enums: a condition, or NULL */
	size_t n_enums;
	struct kset_constant *constants;
	size_t n_constants;
	struct kset_string *strings;
	size_t n_strings;
	struct kset_extern *externs;
	size_t n_externs;
	struct kset_section *sections;
	size_t n_sections;
};

/* Reads FILE; dies with FILE:LINE:COLUMN on a malformed or incomplete set. */
struct kset *kset_load(const char *file);
void kset_free(struct kset *s);	/* accepts NULL */

/* The macro the translation unit tests for defined(struct NAME): kabigen__type_struct_NAME. */
#define KSET_TYPE_MACRO "kabigen__type_"

/*
 * COND as the preprocessor reads it: each defined(struct NAME) becomes
 * defined(kabigen__type_struct_NAME), a macro kabigen defines where the headers define
 * the type. New string.
 */
char *kset_cond_to_c(const char *cond);

#endif
