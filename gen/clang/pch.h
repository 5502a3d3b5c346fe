/*
 * pch.h: a tree's headers parsed once and kept precompiled. The part of a set's unit before
 * TU_MARK_SET (its defines and includes: "the head") is the same for every set that
 * includes the same headers, and it is nearly all of a parse: 0.2 s, against 0.01 s for the
 * set's own part after a precompiled head. So the second time a head is parsed, kabigen
 * saves it with clang_saveTranslationUnit() into the cache ($cache/pch/KEY.pch), with the
 * inventory a later parse cannot see without reading the whole of it back (every tag
 * defined, every enumerator, extern and object-like macro) in a result-cache entry whose
 * manifest is the head's files: a later parse with the same head, for any set and any format,
 * reads only the set's part. (The first parse of a head does not save: that costs as
 * much as a second parse, and most heads are parsed once.)
 */
#ifndef KABIGEN_PCH_H
#define KABIGEN_PCH_H

#include <clang-c/Index.h>
#include <stdbool.h>
#include <stddef.h>

/* The head's inventory: what it defines, in the order clang met it. */
struct head_inventory {
	char **tags;		/* struct, union and enum definitions with a name */
	char *tag_kinds;	/* parallel: 's', 'u' or 'e' */
	size_t n_tags;
	char **enumerators;
	size_t n_enumerators;
	char **extern_names;	/* objects of a named struct or union type declared extern */
	char **extern_types;	/* parallel: "struct kernel_param_ops" */
	size_t n_externs;
	char **macros;		/* object-like macros */
	size_t *macro_files;	/* parallel: an index into files_rel, or PCH_NO_FILE */
	size_t n_macros;
	char **files_rel;	/* tree-relative names of the files macros were defined in */
	size_t n_files_rel;
};
#define PCH_NO_FILE ((size_t)-1)

struct pch {
	char *path;		/* the precompiled head */
	struct head_inventory inventory;
	char **files;		/* the files the head read and the digests of what clang read */
	char **digests;
	long long (*stamps)[3];	/* and the stamps that prove those bytes, or -1s (cache.h) */
	size_t n_files;
};

/*
 * KEY's precompiled head (KEY from cache_key_pch(): libclang, the arguments and the head's
 * text), if the cache holds it whole and every file it read is unchanged.
 */
bool pch_open(const char *key, struct pch *p);
/* Whether the head KEY was parsed before (without being saved); marks it so. */
bool pch_seen_before(const char *key);
/*
 * Parses HEAD (HEAD_LEN bytes; the unit's first part) with ARGS in IDX (the caller's, to
 * dispose) and saves it under KEY: true and *P, or false when it cannot (a parse error,
 * which the caller's own parse then reports; a cache that cannot be written, which only
 * warns).
 */
bool pch_build(CXIndex idx, const char *key, const char *head, size_t head_len, char *const *args, size_t n_args,
	       struct pch *p);
void pch_free(struct pch *p);	/* accepts a zeroed one */
/* Removes KEY's precompiled head: clang refused it (a header changed, another libclang). */
void pch_discard(const char *key);

/* The head's tag NAME: 's', 'u' or 'e', or 0 when the head defines none. */
char head_tag_kind(const struct head_inventory *f, const char *name);
bool head_has_enumerator(const struct head_inventory *f, const char *name);

/*
 * The inventory as the cache keeps it, with the .pch's SIZE and DIGEST: text, and read back
 * (every count, name and index checked; false, with F zeroed, for anything else). For the
 * store and its fuzzer.
 */
char *pch_inventory_format(const struct head_inventory *f, long long size, const char *digest);
bool pch_inventory_parse(const char *text, size_t len, struct head_inventory *f, long long *size, char *digest);
void pch_inventory_free(struct head_inventory *f);	/* accepts a zeroed one */

#endif
