/* layout.h: the layout model, what clang computed for one triple; emitters read only this. */
#ifndef KABIGEN_LAYOUT_H
#define KABIGEN_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uthash.h>

/*
 * The layout dump's name and schema (kabi.json: emit_json writes it, layout_read.h reads
 * it back). SCHEMA grows when a reader of the previous one would misread a dump;
 * docs/kabigen-layout.5.scd documents it.
 */
#define KABI_LAYOUT_FORMAT "kabigen-layout"
/* 2: constants carry kernel_type, expr and group; triple.constant_sources. 3: sections. */
#define KABI_LAYOUT_SCHEMA 3

enum kabi_type_kind {
	KT_VOID,
	KT_INT,		/* any integer type, char included; name is its C spelling */
	KT_BOOL,
	KT_FLOAT,
	KT_POINTER,	/* target */
	KT_ARRAY,	/* target, count (-1: flexible array member) */
	KT_FUNC,	/* target is the return type; params, variadic */
	KT_RECORD,	/* struct or union: named (name), or defined inline (record) */
	KT_ENUM,	/* an enum of the set, by name */
	KT_OPAQUE,	/* a type outside the set: only its size and alignment are kept */
};

#define KABI_TYPE_KINDS (KT_OPAQUE + 1)
/* The kinds as the layout dump spells them ("struct" also stands for a union there). */
extern const char *const kabi_type_kind_names[KABI_TYPE_KINDS];

/* Whether two spellings of a type are the same but for white space: "char[56]", "char [56]". */
bool kabi_same_spelling(const char *a, const char *b);

struct kabi_record;

struct kabi_type {
	enum kabi_type_kind kind;
	bool is_const;
	bool is_signed;		/* KT_INT */
	bool is_union;		/* KT_RECORD */
	uint64_t size;		/* bytes; 0 where the type has no size (void, function, flexible array) */
	uint32_t align;		/* bytes */
	char *name;		/* KT_INT/KT_FLOAT: C spelling; KT_RECORD/KT_ENUM: tag; KT_OPAQUE: kernel spelling */
	struct kabi_type *target;
	int64_t count;
	struct kabi_type **params;
	size_t n_params;
	bool variadic;
	struct kabi_record *record;	/* KT_RECORD: the definition, when the set has it or it is anonymous */
};

#define KABI_NOT_BITFIELD (-1)

struct kabi_member {
	char *name;		/* NULL: an anonymous struct or union, or an unnamed bitfield */
	struct kabi_type *type;
	char *kernel_type;	/* how the kernel spells the type, e.g. "u32", "struct mutex" */
	uint64_t offset_bits;	/* from the start of the enclosing record */
	int bit_width;		/* KABI_NOT_BITFIELD unless a bitfield */
	/* Filled by layout_infer_attrs(): what the emitted member needs to land at offset_bits. */
	uint32_t align_attr;	/* aligned(N) on the member; 0 for none */
	bool packed_attr;	/* packed on the member */
};

struct kabi_record {
	char *name;		/* NULL for an anonymous record */
	bool is_union;
	bool packed;		/* the definition carries __attribute__((packed)) */
	uint64_t size;
	uint32_t align;
	struct kabi_member *members;
	size_t n_members;
	uint32_t align_attr;	/* filled by layout_infer_attrs(): aligned(N) on the record */
	bool in_set;		/* a struct the set asked for (named records only) */
	UT_hash_handle hh;	/* model->records, by name */
};

struct kabi_enumerator {
	char *name;
	int64_t value;		/* read as unsigned when the enum's type is unsigned */
};

struct kabi_enum {
	char *name;
	struct kabi_type *int_type;
	struct kabi_enumerator *values;
	size_t n_values;
	UT_hash_handle hh;	/* model->enums, by name */
};

/*
 * A constant clang evaluated. The set names most by their kernel name (MODULE_NAME_LEN);
 * a prefix (`{prefix: R_RISCV_, group: RELOC}`) brings every macro of the headers that
 * starts with it, emitted as KABI_R_RISCV_64 and so on, and the ELF facts are expressions
 * under names of their own (KABI_EM_MACHINE is ELF_ARCH). What the headers do not define
 * is not here: prov.constant_sources and prov.omitted say so.
 *
 * For a loader or checker: the relocation types of this triple are the constants of group
 * "RELOC" (kabi_model_group(m, "RELOC", &n)), each c->expr its kernel name (R_RISCV_64)
 * and c->value its number; the ELF header facts are kabi_model_find_constant(m, NAME) with
 * NAME one of KABI_EM_MACHINE, KABI_ELF_CLASS, KABI_ELF_DATA (group "ELF").
 */
struct kabi_constant {
	char *name;		/* as emitted */
	uint64_t value;		/* two's complement bits when is_signed */
	bool is_signed;
	uint32_t size;		/* bytes of the constant's C type */
	char *c_type;		/* e.g. "unsigned long" */
	char *kernel_type;	/* the type the set converted it to, as written (Elf64_Word), or NULL */
	char *expr;		/* what clang evaluated when that is not NAME (ELF_ARCH, R_RISCV_64), or NULL */
	char *group;		/* the set's group (RELOC, ELF), or NULL */
};

struct kabi_string {
	char *name;		/* emitted as KABI_<name> */
	char *value;
};

struct kabi_name_list {
	char *name;		/* emitted as KABI_<name>(X) */
	char *type;		/* e.g. "struct kernel_param_ops" */
	char **items;
	size_t n_items;
};

/*
 * A special section of a module, as this triple's loader must know it: Linux's
 * find_module_sections() points a struct module field at its entries and counts them
 * (`__param`: struct kernel_param entries, mod->kp, mod->num_kp). The element type is the
 * pointee of that field as clang sees it in this configuration (or the set's C type for
 * sections only arch code reads, such as x86's .return_sites), so a configuration without
 * the field has no such section here (prov.omitted says why). offsets[] are the byte offsets
 * in one element where a scalar or pointer member starts: where relocations may land.
 *
 * For a loader or checker: m->sections[0 .. m->n_sections), or kabi_model_find_section().
 */
struct kabi_section {
	char *name;		/* the ELF section name */
	char *type;		/* the element type, clang's canonical spelling ("struct kernel_param") */
	uint64_t size;		/* bytes of one element; the section is a whole number of them */
	uint32_t align;
	char *elements;		/* the struct module member pointing at the entries, or NULL */
	char *count;		/* the struct module member counting them, or NULL */
	char *reloc;		/* how entries are relocated: absolute, pc-relative, mixed, none */
	uint64_t *offsets;
	size_t n_offsets;
};

struct kabi_provenance {
	char *kabigen_version;
	char *arch;		/* kabigen's name, e.g. riscv64 */
	char *kernel_arch;	/* e.g. riscv */
	char *clang_target;
	char *release;		/* UTS_RELEASE */
	char *set_name;
	char **inputs;		/* package-relative paths of the trees read */
	size_t n_inputs;
	char *autoconf_path;	/* package-relative, or what it was generated from */
	char *autoconf_sha256;
	char *flavour;		/* the configuration flavour fetched with --kver, or NULL */
	char *kconfig;		/* "FILE sha256 HEX" of a --kconfig .config, or NULL */
	char **overrides;	/* --set CONFIG_X=V, in order */
	size_t n_overrides;
	char **omitted;		/* structs and constant prefixes of the set that this configuration does not have, with why */
	size_t n_omitted;
	char **constant_sources;	/* per prefix: "R_RISCV_*: 64 macros of arch/riscv/include/uapi/asm/elf.h" */
	size_t n_constant_sources;
};

struct kabi_model {
	struct kabi_provenance prov;
	struct kabi_record *records;	/* uthash by name: every named record of the set */
	struct kabi_record **order;	/* the set's structs, in the set's order */
	size_t n_order;
	struct kabi_enum *enums;	/* uthash by name */
	struct kabi_enum **enum_order;
	size_t n_enums;
	struct kabi_constant *constants;
	size_t n_constants;
	struct kabi_string *strings;
	size_t n_strings;
	struct kabi_name_list *lists;
	size_t n_lists;
	struct kabi_section *sections;	/* in the set's order */
	size_t n_sections;
	/* Every file the translation unit read, as clang opened it: for --depfile and the
	 * result cache. Not part of the layout: emitters never print it. */
	char **read_files;
	char **read_digests;	/* of the bytes clang read of each (cache_digest()); NULL if unknown */
	long long (*read_stamps)[3];	/* its size and mtime where they prove those bytes, else -1 (cache.h) */
	size_t n_read_files;
	/* Every type and anonymous record allocated, for kabi_model_free(). */
	struct kabi_type **all_types;
	size_t n_all_types;
	struct kabi_record **anon_records;
	size_t n_anon_records;
};

struct kabi_model *kabi_model_new(void);
void kabi_model_free(struct kabi_model *m);	/* accepts NULL */

/* Allocation owned by the model. */
struct kabi_type *kabi_type_new(struct kabi_model *m, enum kabi_type_kind kind);
struct kabi_record *kabi_record_new(struct kabi_model *m, const char *name);
void kabi_record_add_member(struct kabi_record *r, const struct kabi_member *mem);
struct kabi_record *kabi_model_find_record(const struct kabi_model *m, const char *name);
struct kabi_enum *kabi_model_add_enum(struct kabi_model *m, const char *name, struct kabi_type *int_type);
struct kabi_enum *kabi_model_find_enum(const struct kabi_model *m, const char *name);
/* The enumerator of E named NAME, or NULL. */
const struct kabi_enumerator *kabi_enum_find_value(const struct kabi_enum *e, const char *name);
/* The constant emitted as NAME, or NULL. */
const struct kabi_constant *kabi_model_find_constant(const struct kabi_model *m, const char *name);
/* The string emitted as KABI_<NAME>, or NULL. */
const struct kabi_string *kabi_model_find_string(const struct kabi_model *m, const char *name);
/* The name list emitted as KABI_<NAME>(X), or NULL. */
const struct kabi_name_list *kabi_model_find_list(const struct kabi_model *m, const char *name);
/* The section named NAME, or NULL. */
const struct kabi_section *kabi_model_find_section(const struct kabi_model *m, const char *name);
/* The distinct groups of the constants, in model order: a new array of *N strings (strv_free()). */
char **kabi_model_group_names(const struct kabi_model *m, size_t *n);
/* The constants of GROUP in model order: a new array (free() it) of *N pointers into M. */
const struct kabi_constant **kabi_model_group(const struct kabi_model *m, const char *group, size_t *n);

/*
 * Works out which alignment and packing attributes an emitted definition needs so that
 * a compiler laying it out from scratch puts every member where clang put it. Member
 * types are emitted with their natural alignment, except opaque types (byte arrays),
 * which get their original alignment back. Returns 0, or -1 with *why set to the
 * member that cannot be placed (the layout cannot be expressed with attributes).
 */
int layout_infer_attrs(struct kabi_record *r, const char **why);

/*
 * The named records to define, in an order where a record contained by value (directly,
 * in an array, or inside an anonymous member) comes before its container: the set's
 * order otherwise. Returns a new array of *N records.
 */
const struct kabi_record **layout_definition_order(const struct kabi_model *m, size_t *n);

/* The alignment the emitter must request on member M of R (0: none). */
uint32_t layout_member_align(const struct kabi_record *r, const struct kabi_member *m);

#endif
