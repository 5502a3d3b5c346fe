/* tree.h: the kernel tree given with --kdir, detected from what is in it. */
#ifndef KABIGEN_TREE_H
#define KABIGEN_TREE_H

struct ktree {
	char *build;		/* objtree: include/generated, arch/ARCH/include/generated */
	char *source;		/* srctree: include/, arch/ARCH/include; the same as build for a plain tree */
	char *kernel_arch;	/* the arch/ folder this tree was configured for */
	char *arch_origin;	/* where kernel_arch was read, for messages */
	char *release;		/* KERNELRELEASE when the tree records it, else NULL */
	const char *kind;	/* "debian split headers", "kernel build tree (O=)", "kernel tree" */
	char *autoconf;		/* the autoconf.h parsed: the build tree's, or a --kconfig overlay's */
	char *overlay;		/* a folder whose include/generated/ shadows the build tree's, or NULL */
	char *build_rel;	/* build and source relative to their parent folder: provenance */
	char *source_rel;	/* without absolute paths */
};

/* Detects DIR's layout; dies with advice when DIR is not a usable kernel tree. */
struct ktree *tree_detect(const char *dir);
void tree_free(struct ktree *t);	/* accepts NULL */

#endif
