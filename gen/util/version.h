/* version.h: Debian's version ordering, the one kabigen uses for packages and releases. */
#ifndef KABIGEN_VERSION_H
#define KABIGEN_VERSION_H

/*
 * <0, 0 or >0 as A sorts before, with or after B in Debian's order ([EPOCH:]UPSTREAM[-REVISION],
 * deb-version(7)): what 'dpkg --compare-versions' says, without starting dpkg. Releases such as
 * 7.2.13+deb14 are ordered the same way.
 */
int version_compare(const char *a, const char *b);

#endif
