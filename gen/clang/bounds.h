/* bounds.h: the generated header an overlay's configuration changes, computed again with clang. */
#ifndef KABIGEN_BOUNDS_H
#define KABIGEN_BOUNDS_H

struct arch_profile;
struct ktree;

/*
 * Writes T's overlay (overlay_apply made it) a bounds.h of its own: each value of the
 * build tree's include/generated/bounds.h evaluated again by clang under the overlay's
 * configuration. Does nothing for a tree without one (older kernels).
 */
void bounds_regenerate(const struct ktree *t, const struct arch_profile *p);

#endif
