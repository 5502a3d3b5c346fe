/* ko_loader.h: a loader profile (configs/loaders/NAME.yaml): what one module loader implements. */
#ifndef KABIGEN_KO_LOADER_H
#define KABIGEN_KO_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the loader puts modules, which decides what short relocations can reach. */
enum ko_placement {
	KO_PLACE_KERNEL,	/* as Linux: modules in the top 2 GiB, within +-2 GiB of the kernel image */
	KO_PLACE_ANYWHERE,	/* anywhere in the address space: no distance to the kernel is promised */
	KO_PLACE_NEAR_KERNEL,	/* within +-2 GiB of the kernel image, but not in Linux's top 2 GiB */
};

/*
 * The layout the loader was compiled against (layout: in the file): the few offsets it reads.
 * -1 where the profile says nothing. A 'dump' or 'triple' is resolved by the caller
 * (check_ko.c), which fills the offsets from that model.
 */
struct ko_loader_layout {
	char *dump;			/* a kabigen dump (JSON), relative to the profile's folder; or NULL */
	char *triple;			/* "riscv64:6.17", resolved as --arch and --kver; or NULL */
	char *source;			/* what the offsets come from, for messages: "riscv64:6.17", "offsets" */
	int64_t module_size, init, exit;
	int64_t param_size;
	char **param_members;		/* kernel_param members the loader reads, with their offsets */
	int64_t *param_offsets;
	size_t n_param_members;
};

enum ko_symbols_from {
	KO_SYMBOLS_SYMVERS,	/* every symbol the tree's Module.symvers exports (the kernel and its modules) */
	KO_SYMBOLS_LIST,	/* only those listed (and read from files) */
};

struct ko_loader {
	char *file;
	char *name;
	char *description;
	/* The part for the triple's arch (arches: ARCH: in the file). */
	char **relocations;		/* names, resolved to numbers through the layout model */
	size_t n_relocations;
	enum ko_placement placement;
	char *placement_text;		/* as written, e.g. "anywhere (0xffff800000200000)" */
	int plt, got;			/* the loader builds a PLT / a GOT for the module */
	/* Sections: each module section is handled, ignored (loaded, its meaning unused) or refused. */
	char **handled, **ignored, **refused;
	size_t n_handled, n_ignored, n_refused;
	char **unprocessed;		/* loaded, never applied: the module runs without what they say */
	size_t n_unprocessed;
	int refuse_other;		/* a special section listed nowhere is refused (else: ignored) */
	int unprocessed_other;		/* a special section listed nowhere is unprocessed (else: ignored) */
	char **required;		/* sections it refuses a module without (arch and common lists) */
	size_t n_required;
	/* What makes it panic (crashes:), worse than a refusal. */
	char **crash_relocations;	/* relocation type names */
	size_t n_crash_relocations;
	int crash_other_relocations;	/* every type not in ->relocations ("other" in the list) */
	char **crash_sections;		/* a trailing '*' matches a prefix */
	size_t n_crash_sections;
	int has_layout;			/* layout: given */
	struct ko_loader_layout layout;
	enum ko_symbols_from symbols_from;
	char **symbols;			/* sorted, for bsearch */
	size_t n_symbols;
	int exports_ignored;		/* exports: ignored: a module's __ksymtab provides no other module anything */
};

/*
 * Reads FILE, keeping the part for ARCH (kabigen's arch name or a Debian one, with
 * ALIASES). Dies with FILE:LINE:COLUMN on a malformed profile or one that does not
 * describe ARCH.
 */
struct ko_loader *ko_loader_load(const char *file, const char *arch, char *const *aliases, size_t n_aliases);
void ko_loader_free(struct ko_loader *l);	/* accepts NULL */

/* Whether the loader provides SYMBOL (with KO_SYMBOLS_SYMVERS the caller asks Module.symvers). */
bool ko_loader_provides(const struct ko_loader *l, const char *symbol);

/* 'h' handled, 'i' ignored, 'r' refused, 'u' unprocessed, 0 not listed: how the profile treats section NAME.
 * A listed name ending in '*' matches every section that starts with what is before it. */
int ko_loader_section(const struct ko_loader *l, const char *name);

/* Whether the loader panics on a module holding section NAME. */
int ko_loader_crash_section(const struct ko_loader *l, const char *name);

#endif
