/* ko_set.h: the modules checked together as a set: who provides each import, and the load order. */
#ifndef KABIGEN_KO_SET_H
#define KABIGEN_KO_SET_H

#include <stddef.h>

struct ko_result;
struct ko_loader;
struct ko_exports;

/* The reason of the finding a module gets when a module it needs does not load. */
#define KO_REASON_NEEDS_MODULE "needs a module that does not load"

/* A module of the set that provides another some of its imports. */
struct ko_provider {
	size_t module;		/* its index in the results */
	char *first;		/* the first symbol (by name) it provides; borrowed from its exports */
	size_t n_symbols;
	int weak;		/* each of them is imported weak: the module loads without this one */
};

/* A symbol no module of the set or the kernel provides, and how many modules import it. */
struct ko_unprovided {
	char *name;
	unsigned long modules;
};

struct ko_set {
	size_t n;			/* modules (results) */
	char **names;			/* each module's name (.modinfo name=, else its file's) */
	struct ko_provider **providers;	/* per module, by module index */
	size_t *n_providers;
	size_t *order;			/* the readable modules, each after every module it needs */
	size_t n_order;
	size_t n_cycle;			/* of those, the last N are in dependency cycles and follow no order */
	char *cyclic;			/* per module: it needs itself, or one that does (never loads) */
	struct ko_unprovided *unprovided;	/* by importers, most first */
	size_t n_unprovided;
	int kernel_known;		/* the kernel's exports are known (a symbols list, or Module.symvers) */
	int exports_read;		/* the loader resolves imports against the set (exports: read) */
};

/*
 * Resolves each readable module's imports against the kernel (LOADER's symbols, or EXPORTS'
 * vmlinux entries; EXPORTS may be NULL) and the other modules' __ksymtab, and orders the set
 * as depmod does. When the loader reads exports, a symbol the loader lacks but a module of the
 * set exports is no failure of its own: the module needs that one, and fails only if it does
 * not load (KO_REASON_NEEDS_MODULE); RESULTS' statuses are updated.
 */
struct ko_set *ko_set_resolve(struct ko_result *results, size_t n, const struct ko_loader *loader,
			      const struct ko_exports *exports);
void ko_set_free(struct ko_set *s);	/* accepts NULL */

/* The set's part of check-ko's reports (ko_report.c); S may be NULL (nothing is written). */
struct strbuf;
struct json;
void ko_set_module_text(struct strbuf *sb, const struct ko_set *s, size_t i);	/* "  needs: ..." */
void ko_set_summary_text(struct strbuf *sb, const struct ko_set *s);
void ko_set_summary_md(struct strbuf *sb, const struct ko_set *s);
void ko_set_module_json(struct json *j, const struct ko_set *s, size_t i);	/* a module's "name" and "needs" */
void ko_set_json(struct json *j, const struct ko_set *s);	/* the "set" object */

/* The index of the module named NAME ('-' and '_' alike), or SIZE_MAX. */
size_t ko_set_find(const struct ko_set *s, const char *name);

#endif
