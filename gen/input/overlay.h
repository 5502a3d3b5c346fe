/* overlay.h: --kconfig and --set, as a private folder of generated headers that shadows the tree's. */
#ifndef KABIGEN_OVERLAY_H
#define KABIGEN_OVERLAY_H

#include <stddef.h>

struct arch_profile;
struct ktree;
struct kabi_provenance;

/*
 * Writes the autoconf.h of KCONFIG (a .config file, or NULL for the tree's own
 * configuration) with SETS on top into $cache/overlays/SHA/include/generated/, regenerates
 * there the generated headers computed from the configuration that C headers use
 * (bounds.h), and points T at the overlay. Records the .config and SETS in PV. The tree
 * and the cache's packages are never modified. Does nothing without KCONFIG and SETS.
 */
void overlay_apply(struct ktree *t, const struct arch_profile *p, const char *kconfig, char *const *sets,
		   size_t n_sets, struct kabi_provenance *pv);

#endif
