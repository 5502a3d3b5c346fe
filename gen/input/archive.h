/* archive.h: kernel headers from the distribution archive (--kver, 'kabigen list'). */
#ifndef KABIGEN_ARCHIVE_H
#define KABIGEN_ARCHIVE_H

#include <stdbool.h>
#include <stdio.h>

struct arch_profile;

struct archive_request {
	const struct arch_profile *profile;
	const char *configs_dir;	/* archive.yaml is read from here */
	const char *kver;		/* 7.2, 7.2.13, or a full release such as 7.2.13+deb14-riscv64 */
	const char *flavour;		/* rt, cloud, 16k, ...; NULL or "" for the arch's generic one */
	int offline;			/* use only what is cached */
	int modules;			/* also the flavour's modules package (archive_tree.modules) */
};

struct archive_tree {
	char *kdir;		/* the extracted linux-headers-R-FLAVOUR folder */
	char *package;		/* linux-headers-R-FLAVOUR */
	char *version;		/* its Debian version */
	char *suite;
	char *flavour;		/* "generic", "rt", ... */
	char *modules;		/* with request.modules: the extracted lib/modules/R-FLAVOUR folder */
};

/* Validation before anything is started: strict patterns, no path separators or shell syntax. */
bool archive_valid_kver(const char *kver);
bool archive_valid_flavour(const char *flavour);

/*
 * Resolves the request against the archive's indexes (apt, in a private state folder in
 * the cache), downloads and extracts the headers into the cache unless they are there
 * (and with request.modules the modules package of the same release and flavour:
 * linux-modules-R-FLAVOUR, or linux-image-R-FLAVOUR-unsigned before 6.x).
 * Dies with advice when the version is not there, or naming the network or index failure.
 */
struct archive_tree *archive_fetch(const struct archive_request *rq);
void archive_tree_free(struct archive_tree *t);	/* accepts NULL */

/* Prints the versions available for the profile's arch (those matching KVER, if given). */
void archive_list(const struct archive_request *rq, FILE *out);

#endif
