/* overlay.h: --kconfig and --set, as a private folder of generated headers that shadows the tree's. */
#ifndef KABIGEN_OVERLAY_H
#define KABIGEN_OVERLAY_H

#include <stddef.h>

struct ktree;

/*
 * Writes the autoconf.h of KCONFIG (a .config file, or NULL for the tree's own
 * configuration) with SETS (--set CONFIG_X=V) on top into $cache/overlays/SHA/include/generated/
 * and points T at the overlay; the tree and the cache's packages are never modified. The
 * generated headers computed from the configuration (bounds.h) need clang: the caller
 * regenerates them (clang/bounds.h). Call it only with KCONFIG or SETS. Returns KCONFIG's
 * provenance, "FILE sha256 HEX" (new string), or NULL without KCONFIG.
 */
char *overlay_apply(struct ktree *t, const char *kconfig, char *const *sets, size_t n_sets);

#endif
