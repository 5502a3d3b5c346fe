/*
 * ko_facts.h: what check-ko needs from the layout model about ELF itself: the triple's
 * e_machine, class and byte order, its relocation types by name, and the records and values
 * modules are compared with. The model takes these from the tree's own headers; check-ko
 * never types a relocation number or a machine, it asks here.
 */
#ifndef KABIGEN_KO_FACTS_H
#define KABIGEN_KO_FACTS_H

#include <stddef.h>
#include <stdint.h>

struct kabi_model;
struct kabi_record;
struct kabi_constant;
struct kabi_section;

struct ko_facts {
	const struct kabi_model *model;		/* borrowed */
	unsigned machine;			/* KABI_EM_MACHINE; 0 when the model lacks it */
	unsigned elf_class;			/* KABI_ELF_CLASS; 0 when the model lacks it */
	unsigned elf_data;			/* KABI_ELF_DATA; 0 when the model lacks it */
	const struct kabi_constant *const *relocs;	/* the RELOC group: c->expr names, c->value numbers */
	size_t n_relocs;
	/* From the model: the records and values check-ko compares modules with (NULL: absent). */
	const struct kabi_record *module, *kernel_param, *modversion_info;
	const char *vermagic;
	/* The model's section table: the special sections whose entries check-ko checks, and their
	 * names (borrowed from the model) in the same order, as ko_expect.tables wants them. */
	const struct kabi_section *const *sections;
	char **tables;
	size_t n_tables;
	char **param_ops;
	size_t n_param_ops;
};

/* Fills F from M (which must outlive F). */
void ko_facts_init(struct ko_facts *f, const struct kabi_model *m);
void ko_facts_release(struct ko_facts *f);

/* The name of relocation TYPE in this triple ("R_X86_64_32S"), or NULL when the model does not say. */
const char *ko_reloc_name(const struct ko_facts *f, unsigned type);
/* The number of relocation NAME; 0 and *TYPE set, or -1 when the model has no such constant. */
int ko_reloc_number(const struct ko_facts *f, const char *name, unsigned *type);

/* The byte offset of member NAME of R (searching anonymous members too), or -1. */
int64_t ko_member_offset(const struct kabi_record *r, const char *name);

#endif
