/*
 * ko_facts.h: what check-ko needs from the layout model about ELF itself: the triple's
 * e_machine and class, its relocation types by name, and its table sections. The model
 * takes these from the tree's own headers; check-ko never types a relocation number or a
 * section table, it asks here.
 */
#ifndef KABIGEN_KO_FACTS_H
#define KABIGEN_KO_FACTS_H

#include <stddef.h>
#include <stdint.h>

struct kabi_model;
struct kabi_record;

struct ko_facts {
	const struct kabi_model *model;		/* borrowed */
	unsigned machine;			/* e_machine; 0 when unknown */
	unsigned elf_class;			/* ELFCLASS64 / ELFCLASS32; 0 when unknown */
	const char *reloc_prefix;		/* "R_X86_64_", ...: how the triple's relocation names start */
	/* From the model: the records and values check-ko compares modules with (NULL: absent). */
	const struct kabi_record *module, *kernel_param, *modversion_info;
	const char *vermagic;
	char **param_ops;
	size_t n_param_ops;
};

/* Fills F from M (which must outlive F). */
void ko_facts_init(struct ko_facts *f, const struct kabi_model *m);

/* The name of relocation TYPE in this triple ("R_X86_64_32S"), or NULL when the model does not say. */
const char *ko_reloc_name(const struct ko_facts *f, unsigned type);
/* The number of relocation NAME; 0 and *TYPE set, or -1 when the model has no such constant. */
int ko_reloc_number(const struct ko_facts *f, const char *name, unsigned *type);
/* Whether the model has the triple's relocation constants at all. */
int ko_facts_have_relocs(const struct ko_facts *f);

/* "aarch64" for EM_AARCH64 and so on, for messages; "an unknown arch" otherwise. */
const char *ko_machine_name(unsigned machine);

/* The byte offset of member NAME of R (searching anonymous members too), or -1. */
int64_t ko_member_offset(const struct kabi_record *r, const char *name);

#endif
