/* extract_impl.h: what extract.c and parse_answered.c share (not for other files). */
#ifndef KABIGEN_EXTRACT_IMPL_H
#define KABIGEN_EXTRACT_IMPL_H

#include "clang/answers.h"
#include "clang/pch.h"
#include "util/report.h"

#include <clang-c/Index.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* A top-level declaration by name. */
struct decl {
	char *name;
	CXCursor cursor;
	UT_hash_handle hh;
};

struct extract {
	struct kabi_model *m;
	const struct kset *set;
	const char *origin;
	const char *advice;	/* what to check when the headers fail to parse (NULL: the default) */
	struct decl *records;	/* struct and union definitions, by tag */
	struct decl *enums;	/* enum definitions, by tag */
	struct decl *probes;	/* kabigen__* declarations of the translation unit */
	struct decl *wanted;	/* the set's structs this configuration has */
	struct decl *wanted_enums;
	struct decl *enumerators;	/* enumerators the set lists as constants */
	struct decl *read;	/* the files in the model's read_files, by name */
	struct kabi_name_list *lists;	/* parallel to set->externs */
	struct answers *ans;	/* what the unit asked of the headers, answered */
	struct pch pch;		/* the precompiled head the unit was parsed after (path NULL: none) */
	char *unit;		/* the text parsed */
	bool use_cache;
	long long started;	/* when the first parse began: file stamps older than it prove content */
	CXIndex idx;
	CXTranslationUnit tu;
};

/* A libclang string as a new C string (the CXString disposed). */
static inline char *cx_take(CXString s)
{
	char *d = xstrdup(clang_getCString(s) ? clang_getCString(s) : "");

	clang_disposeString(s);
	return d;
}

/* NAME's entry in TABLE is C (a later definition wins). */
static inline void decl_put(struct decl **table, const char *name, CXCursor c)
{
	struct decl *d = NULL;

	HASH_FIND_STR(*table, name, d);
	if (d) {
		d->cursor = c;	/* a later definition wins; C allows only one anyway */
		return;
	}
	d = xcalloc(1, sizeof(*d));
	d->name = xstrdup(name);
	d->cursor = c;
	HASH_ADD_KEYPTR(hh, *table, d->name, strlen(d->name), d);
}

static inline struct decl *decl_get(struct decl *table, const char *name)
{
	struct decl *d = NULL;

	HASH_FIND_STR(table, name, d);
	return d;
}

static inline void decl_free_all(struct decl **table)
{
	struct decl *d, *tmp;

	HASH_ITER(hh, *table, d, tmp) {
		HASH_DEL(*table, d);
		free(d->name);
		free(d);
	}
}

/* An anonymous struct, union or enum (or a member of that type with no name). */
static inline int is_anonymous(CXCursor decl)
{
	return clang_Cursor_isAnonymous(decl) || clang_Cursor_isAnonymousRecordDecl(decl);
}

/* ---- extract.c: libclang started, a unit parsed, its errors ---- */

/* A new index (every use of libclang starts with one: the first clears the include environment). */
CXIndex extract_new_index(int exclude_declarations_from_pch);
/* TEXT parsed as FILE_NAME with ARGS and OPTIONS (function bodies skipped); dies naming ORIGIN if clang cannot start. */
CXTranslationUnit extract_parse_with(CXIndex idx, const char *file_name, const char *text, char *const *args,
				     size_t n_args, const char *origin, unsigned options);
/* Dies on the first error of TU, with file and line, how many there are, and ADVICE (NULL: the default). */
void extract_die_on_errors(CXTranslationUnit tu, const char *origin, const char *advice);

/* ---- parse_answered.c: how the unit is parsed ---- */

/*
 * Parses TEXT (FILE_NAME) with its questions to the headers answered and proven, into x->tu
 * (x->idx its index, x->unit the text parsed, x->pch the precompiled head it followed).
 */
void parse_answered(struct extract *x, const char *file_name, const char *text, char *const *args, size_t n_args,
		    bool use_cache);

#endif
