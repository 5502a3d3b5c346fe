/* extracted.h: what kabigen extracted from a package, listed then, and proven before each use. */
#ifndef KABIGEN_EXTRACTED_H
#define KABIGEN_EXTRACTED_H

#include <stddef.h>

/*
 * Lists what DIR/root holds (its files, links and folders, with their stamps) into
 * DIR/.complete, with NEEDS (N_NEEDS "PACKAGE VERSION" strings: the trees of trees/ that
 * DIR's links lead into). Every regular file is read and checked against MD5SUMS, the
 * packages' own md5sums ("DIGEST  PATH" lines; NULL when they have none), and every path
 * those list must be there. 0, or -1 with *WHY (new string) naming the first difference.
 */
int extracted_seal(const char *dir, const char *md5sums, char *const *needs, size_t n_needs, char **why);

enum extracted_state {
	EXTRACTED_ABSENT,	/* no DIR/.complete: never whole */
	EXTRACTED_PROVEN,	/* DIR/root holds what its list says */
	EXTRACTED_DAMAGED,	/* *WHY names the first difference, or the list's own problem */
};

/*
 * Whether DIR/root still holds what DIR/.complete lists: each entry's stamp (size,
 * modification and change times, inode: a write changes the change time, which no user
 * can set back) is compared, and only an entry whose stamp changed is read again (its MD5,
 * a link's target, a folder's names). A list whose stamps were stale and whose content
 * holds is written again with the new stamps. With PROVEN, *NEEDS and *N_NEEDS (may be
 * NULL) receive the list's "PACKAGE VERSION" strings; the caller frees them (strv_free).
 */
enum extracted_state extracted_check(const char *dir, char **why, char ***needs, size_t *n_needs);

#endif
