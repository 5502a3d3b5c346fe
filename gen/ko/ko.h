/* ko.h: one kernel module (.ko, .ko.xz, .ko.zst, .ko.gz) read with libelf into the facts check-ko judges. */
#ifndef KABIGEN_KO_H
#define KABIGEN_KO_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* One relocation type and how often the module uses it (in sections the loader relocates). */
struct ko_reloc_use {
	unsigned type;
	unsigned long count;
	unsigned long external;		/* of those, against an undefined (kernel or other module's) symbol */
};

struct ko_section {
	char *name;
	uint64_t size;
	uint64_t align;
	uint64_t flags;			/* SHF_* */
	unsigned type;			/* SHT_* */
	unsigned long n_relocs;		/* relocations that apply to it */
};

/* A relocation that lands in a section check-ko reads field by field. */
struct ko_field_reloc {
	uint64_t offset;		/* within the section */
	unsigned type;
	char *symbol;			/* the symbol's name, or the target section's for a section symbol */
	int undefined;			/* the symbol is SHN_UNDEF */
};

/* An undefined symbol the module imports. */
struct ko_import {
	char *name;
	int weak;			/* STB_WEAK: the module loads without it */
	int hidden;			/* STV_HIDDEN or STV_INTERNAL: never resolved against the kernel */
};

/* A section check-ko reads field by field: its bytes and the relocations landing in it. */
struct ko_table {
	int present;
	uint64_t size, align;
	unsigned char *data;		/* NULL for SHT_NOBITS */
	struct ko_field_reloc *relocs;	/* NULL after ko_drop_tables(), and in ->tables' __param */
	size_t n_relocs;		/* (counted there, kept in ko_module.param) */
};

struct ko_version {
	uint64_t crc;
	char *name;
};

struct ko_reloc_slot;

struct ko_module {
	char *path;
	char *error;			/* non-NULL: the file could not be read; nothing else is set */
	/* Non-NULL: Linux's loader refuses the file (kernel/module/main.c); nothing else is set
	 * but the header's machine, class and byte order. */
	char *refused;			/* the sentence */
	const char *refused_rule;	/* the rule it breaks, short: "one .gnu.linkonce.this_module" */
	int over_bound;			/* with ->error: it is over a size or memory bound, not damaged */
	unsigned machine;		/* e_machine */
	unsigned elf_class;		/* ELFCLASS32 / ELFCLASS64 */
	unsigned data;			/* ELFDATA2LSB / ELFDATA2MSB */
	char *vermagic;			/* .modinfo vermagic=, or NULL */
	char *modinfo_name;		/* .modinfo name=, or NULL */
	struct ko_section *sections;
	size_t n_sections;
	struct ko_reloc_use *relocs;	/* by type, ascending */
	size_t n_relocs;
	struct ko_reloc_slot *reloc_slots;	/* while reading: ->relocs by type (uthash) */
	struct ko_import *imports;	/* sorted by name */
	size_t n_imports;
	char **exports;			/* the symbols it exports (its __ksymtab* entries), sorted */
	size_t n_exports;
	struct ko_table this_module;	/* .gnu.linkonce.this_module */
	struct ko_table param;		/* __param */
	struct ko_table *tables;	/* ko_expect.tables, in its order (->present: the module has it); no data */
	size_t n_tables;
	struct ko_version *versions;	/* __versions, when the module has it (MODVERSIONS) */
	size_t n_versions;
	int has_versions;
};

/* What the triple expects of a module, and what to keep of it. */
struct ko_expect {
	unsigned machine, elf_class, elf_data;	/* e_machine, EI_CLASS, EI_DATA; each 0: any */
	size_t version_entry;		/* bytes of one __versions entry (modversion_info); 0: skip it */
	char *const *tables;		/* sections whose size and relocation offsets to keep (ko_module.tables) */
	size_t n_tables;
};

/*
 * The memory every module being read at once shares, whatever the number of threads: a
 * module takes what it needs as it goes (its file, its decompressed image, what is parsed
 * of it) and gives it back once judged. A module that needs more than the whole budget is
 * refused with its own verdict; one that does not fit beside the others waits, or starts
 * again alone (so the verdict never depends on the timing of the threads).
 */
struct ko_budget {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	uint64_t total, used;
	unsigned waiting_alone;		/* modules waiting to be read alone */
	int alone;			/* one is being read alone */
};

/* One module's share of a budget. */
struct ko_hold {
	struct ko_budget *budget;	/* NULL: no budget, only the per-module bound */
	uint64_t held;
	int alone;			/* read alone: the whole budget is this module's */
	int again;			/* it did not fit beside the others: read it again alone */
};

/* A budget of TOTAL bytes; TOTAL 0: the default, half of what the machine and ulimit -v allow. */
void ko_budget_init(struct ko_budget *b, uint64_t total);
void ko_budget_release(struct ko_budget *b);
/* The default budget: half of the physical memory or of what RLIMIT_AS leaves, the smaller. */
uint64_t ko_budget_default(void);
/* Gives back all H holds (and ends reading alone). */
void ko_hold_release(struct ko_hold *h);
/* Waits until H's module may be read alone (after ->again). */
void ko_hold_alone(struct ko_hold *h);

/*
 * Reads PATH (decompressing .xz, .zst and .gz by their magic, whatever the name) into a new
 * module. Never dies and is safe to call from several threads: a file that cannot be read
 * comes back with ->error set to one line naming it, as does one another arch, class or
 * byte order than E's, or over a bound (1 GiB, or HOLD's budget: ->over_bound). With HOLD
 * (may be NULL), what it reads is taken from HOLD's budget and stays held until released;
 * when it did not fit beside the other modules, ->again is set and the module is to be read
 * again after ko_hold_alone().
 */
struct ko_module *ko_read(const char *path, const struct ko_expect *e, struct ko_hold *hold);
/* The same for SIZE bytes at DATA (an ELF image or a compressed one); NAME for messages. */
struct ko_module *ko_read_buffer(const char *name, const unsigned char *data, size_t size, const struct ko_expect *e);
void ko_free(struct ko_module *m);	/* accepts NULL */
/* Frees the relocations kept of ->tables (once checked: thousands of modules wait for the
 * report); their counts stay, ->relocs becomes NULL. */
void ko_drop_tables(struct ko_module *m);

/* What ko_validate() makes of an ELF image. */
enum ko_validity {
	KO_VALID,
	KO_UNREADABLE,	/* not one the triple can read: another arch, truncated, damaged */
	KO_REFUSED,	/* a whole ELF file that breaks a rule of Linux's module loader */
};

/*
 * Checks the ELF image DATA as Linux's elf_validity_cache_copy() does before loading it
 * (ko_valid.c). Anything but KO_VALID comes with a new sentence in *TEXT (without the file's
 * name) and, for KO_REFUSED, the rule in *RULE (a static string).
 */
enum ko_validity ko_validate(const unsigned char *data, size_t size, const struct ko_expect *e, const char **rule,
			     char **text);
/* The unsigned word of WIDTH (at most 8) bytes at P, in the file's byte order (MSB: big-endian). */
uint64_t ko_word(const unsigned char *p, size_t width, int msb);
/* Bytes Linux's apply_relocate_add() writes for relocation TYPE of ELF MACHINE (0: none). */
unsigned ko_reloc_width(unsigned machine, unsigned type);

/* The section named NAME, or NULL. */
const struct ko_section *ko_find_section(const struct ko_module *m, const char *name);

#endif
