/* diff.h: two layout models compared for a module loader, and the reports of what changed. */
#ifndef KABIGEN_DIFF_H
#define KABIGEN_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kabi_model;

/* Exit status bits, as abidiff's: changes, and changes that break a loader built for OLD. */
enum diff_exit {
	DIFF_EXIT_CHANGES = 4,
	DIFF_EXIT_BREAKING = 8,
};

/* What happened to a struct, member or value; a member that stayed can have several. */
enum diff_change {
	DIFF_ADDED = 1 << 0,	/* only NEW has it */
	DIFF_REMOVED = 1 << 1,	/* only OLD has it */
	DIFF_MOVED = 1 << 2,	/* member: another offset */
	DIFF_RESIZED = 1 << 3,	/* member or struct: another size */
	DIFF_RETYPED = 1 << 4,	/* member or constant: the kernel spells its type differently */
	DIFF_BITFIELD = 1 << 5,	/* member: another bitfield width, or a bitfield on one side only */
	DIFF_REALIGNED = 1 << 6,	/* struct: another alignment */
	DIFF_VALUE = 1 << 7,	/* enumerator, constant or string: another value; enum: another type */
};

/* One side of a member, flattened: members of anonymous structs and unions under their own names. */
struct diff_field {
	char *type;		/* the kernel's spelling; "struct {...}" or "union {...}" for an inline one */
	uint64_t offset_bits;	/* from the start of the struct */
	uint64_t size;		/* bytes of its type */
	int bit_width;		/* KABI_NOT_BITFIELD unless a bitfield */
};

struct diff_member {
	char *name;		/* "init"; "arg" inside an anonymous union; "point.x" inside a named inline one */
	unsigned changes;	/* enum diff_change */
	bool breaking;
	struct diff_field old, new;	/* old is unset for DIFF_ADDED, new for DIFF_REMOVED */
};

struct diff_struct {
	char *name;
	bool is_union;
	unsigned changes;	/* DIFF_ADDED, DIFF_REMOVED, DIFF_RESIZED, DIFF_REALIGNED of the struct itself */
	bool breaking;		/* itself or any member */
	uint64_t old_size, new_size;
	uint32_t old_align, new_align;
	char *note;		/* why one side lacks it (the set's condition), or NULL */
	struct diff_member *members;	/* the changed ones, in layout order */
	size_t n_members;
};

/*
 * What a name names. DIFF_STRUCT is for --only and suppressions: a struct's changes are a
 * struct_diff, never a diff_item.
 */
enum diff_item_kind { DIFF_STRUCT, DIFF_ENUM, DIFF_CONSTANT, DIFF_STRING, DIFF_LIST, DIFF_SECTION };
/* Each kind's word in the reports and the suppression files: "struct", "enum", ... */
extern const char *const diff_kind_names[];

/* A changed enum, enumerator, constant, string, list entry, or special section. */
struct diff_item {
	enum diff_item_kind kind;
	char *owner;		/* the enum or list; NULL for constants and strings */
	char *name;		/* enumerator, constant, string or list entry; NULL for a whole enum or list */
	unsigned changes;	/* DIFF_ADDED, DIFF_REMOVED, DIFF_VALUE, DIFF_RETYPED */
	bool breaking;
	bool numeric;		/* old and new are decimal integers */
	char *old, *new;	/* values as text, NULL where that side has none */
	char *old_type, *new_type;	/* constants: C types; enums: integer types */
};

struct diff_side {
	char *input;		/* what was given: a file, a folder, or ARCH:KVER[:FLAVOUR] */
	char *arch, *release, *flavour, *target;	/* from the model; NULL where unknown */
};

struct kabi_diff {
	struct diff_side old, new;
	struct diff_struct *structs;	/* every struct compared, changed or not */
	size_t n_structs;
	struct diff_item *items;	/* only the changes */
	size_t n_items;
	size_t n_enums, n_constants, n_strings, n_lists, n_sections;	/* how many were compared */
	size_t n_suppressed;		/* changes a suppression left out */
	char **unmatched;		/* suppressions that name nothing on either side ("FILE:L:C: what") */
	size_t n_unmatched;
	unsigned verdict;		/* 0, or DIFF_EXIT_CHANGES, with DIFF_EXIT_BREAKING */
};

/* A suppression file (YAML): changes to leave out of the report and the verdict. */
struct diff_suppression {
	enum diff_item_kind kind;	/* what NAME is */
	char *name;
	char **members;		/* members, enumerators or list entries; none: all of it */
	size_t n_members;
	char *where;		/* FILE:LINE:COLUMN of the entry */
};

struct diff_suppressions {
	struct diff_suppression *v;
	size_t n;
};

/* Reads FILE; dies with FILE:LINE:COLUMN on anything malformed. */
struct diff_suppressions *diff_suppressions_load(const char *file);
void diff_suppressions_free(struct diff_suppressions *s);	/* accepts NULL */

struct diff_options {
	const char *old_input, *new_input;	/* for the reports */
	char *const *only;	/* names of structs, enums, constants, strings or lists; none: all */
	size_t n_only;
	const struct diff_suppressions *suppress;	/* or NULL */
};

/*
 * Compares OLD with NEW. Breaking (for a loader built for OLD that loads modules built
 * for NEW): a struct that is gone, or changed size or alignment; a member removed, moved,
 * resized or given another bitfield width; an enumerator or constant with another value;
 * another vermagic (the string VERMAGIC); an entry NEW's lists have that OLD's lack (a
 * param_ops the loader does not provide); a relocation type (a constant of the group RELOC)
 * only NEW defines; a special section only NEW has, or whose element (type, size, member
 * offsets, relocation form, struct module members) changed. Everything else that differs
 * is a change.
 * The models are only read; the result owns copies.
 */
struct kabi_diff *diff_models(const struct kabi_model *old, const struct kabi_model *new,
			      const struct diff_options *opt);
void diff_free(struct kabi_diff *d);	/* accepts NULL */

/* The first name of OPT->only that neither model has, or NULL. */
const char *diff_unknown_only(const struct kabi_model *old, const struct kabi_model *new,
			      const struct diff_options *opt);

/* Reports, each a pure function of the diff. New strings. */
char *diff_report_text(const struct kabi_diff *d);	/* a summary line per struct, then details */
char *diff_report_md(const struct kabi_diff *d);	/* tables, for a pull request or release notes */
char *diff_report_json(const struct kabi_diff *d);	/* for tools; docs/diff.md documents it */

#define KABI_DIFF_FORMAT "kabigen-diff"
#define KABI_DIFF_SCHEMA 1

#endif
