/* profile.h: an architecture profile (configs/arch/NAME.yaml), the first part of a triple. */
#ifndef KABIGEN_PROFILE_H
#define KABIGEN_PROFILE_H

#include <stddef.h>

struct arch_profile {
	char *file;		/* the YAML file it came from */
	char *name;		/* kabigen's name: x86_64, arm64, riscv64, loongarch64 */
	char **aliases;
	size_t n_aliases;
	char *debian_arch;	/* amd64, arm64, riscv64, loong64 */
	char *kernel_arch;	/* the folder under arch/: x86, arm64, riscv, loongarch */
	char *clang_target;	/* e.g. riscv64-linux-gnu */
	char **cflags;		/* flags of the kernel build that change parsing or layout */
	size_t n_cflags;
	/* A module compiled outside kbuild (build-ko): CLANG_TARGET unless MODULE_TARGET says
	 * otherwise, with CFLAGS, then MODULE_CFLAGS, then each of MODULE_CFLAGS_IF whose Kconfig
	 * fact (the set's KABI_CONFIG_<config>) is 1. */
	char *module_target;	/* NULL: clang_target */
	char **module_cflags;
	size_t n_module_cflags;
	struct profile_cond_flags {
		char *config;	/* X86_KERNEL_IBT: the fact KABI_CONFIG_X86_KERNEL_IBT */
		char **flags;
		size_t n_flags;
	} *module_cflags_if;
	size_t n_module_cflags_if;
	/* build-ko --loader NAME: flags REMOVE taken out, ADD put in, and LDS lines given to the
	 * linker as a second script, for a loader profile that lacks what Linux's flags assume. */
	struct profile_loader_flags {
		char *loader;
		char **remove, **add, **lds;
		size_t n_remove, n_add, n_lds;
	} *module_loaders;
	size_t n_module_loaders;
};

struct strbuf;

/*
 * The profile in CONFIGS_DIR/arch/ whose name, Debian name or alias is ARCH, or (ARCH NULL)
 * whose kernel arch folder is KERNEL_ARCH; NULL when none is. KNOWN, if given, gets the
 * names there are, for a message.
 */
struct arch_profile *profile_find(const char *configs_dir, const char *arch, const char *kernel_arch,
				  struct strbuf *known);
/* The profile in CONFIGS_DIR/arch/ whose name or alias is ARCH; dies naming the known ones. */
struct arch_profile *profile_load(const char *configs_dir, const char *arch);
/* One profile file; dies with FILE:LINE:COLUMN when it is malformed or incomplete. */
struct arch_profile *profile_read(const char *file);
void profile_free(struct arch_profile *p);	/* accepts NULL */


#endif
