/*
 * ko_set.c: the modules check-ko judges together form a set, as a modules package does: one
 * module's imports are another's exports (its __ksymtab entries). Here each import is
 * resolved, the kernel first as Linux's find_symbol() searches vmlinux before the modules,
 * and the set is ordered as depmod orders modules.dep: a module after every module it needs.
 */
#include "ko/ko_set.h"
#include "util/escape.h"
#include "util/json.h"
#include "ko/ko.h"
#include "ko/ko_check.h"
#include "ko/ko_loader.h"
#include "util/report.h"
#include "util/str.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* A symbol the set exports, and its first exporter in path order. */
struct set_export {
	const char *name;	/* borrowed from the module's exports */
	size_t module;
	UT_hash_handle hh;
};

struct set_tally {
	char *name;
	unsigned long modules;
	UT_hash_handle hh;
};

static int readable(const struct ko_result *r)
{
	return !r->module->error && !r->module->refused;
}

/* A module's name as modprobe spells it: .modinfo name=, else its file's without .ko*, '-' as '_'. */
static char *module_name(const struct ko_module *m)
{
	const char *base = strrchr(m->path, '/');
	char *name, *dot;

	if (m->modinfo_name && *m->modinfo_name)
		return xstrdup(m->modinfo_name);
	name = xstrdup(base ? base + 1 : m->path);
	if ((dot = strstr(name, ".ko")))
		*dot = '\0';
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

static struct set_export *exports_index(const struct ko_result *results, size_t n)
{
	struct set_export *table = NULL, *e;

	for (size_t i = 0; i < n; i++) {
		const struct ko_module *m = results[i].module;

		for (size_t k = 0; readable(&results[i]) && k < m->n_exports; k++) {
			HASH_FIND_STR(table, m->exports[k], e);
			if (e)
				continue;
			e = xcalloc(1, sizeof(*e));
			e->name = m->exports[k];
			e->module = i;
			HASH_ADD_KEYPTR(hh, table, e->name, strlen(e->name), e);
		}
	}
	return table;
}

/* Whether the kernel provides NAME to this loader; -1 when nobody can tell. */
static int kernel_provides(const struct ko_loader *l, const struct ko_exports *x, const char *name)
{
	if (l->symbols_from == KO_SYMBOLS_LIST)
		return ko_loader_provides(l, name);
	return x ? ko_exports_owner(x, name) == 'k' : -1;
}

static void add_provider(struct ko_set *s, size_t i, size_t module, char *symbol, int weak)
{
	struct ko_provider *v = s->providers[i];

	for (size_t k = 0; k < s->n_providers[i]; k++)
		if (v[k].module == module) {
			v[k].n_symbols++;
			v[k].weak &= weak;
			return;
		}
	s->providers[i] = v = xgrow(v, s->n_providers[i], sizeof(*v));
	v[s->n_providers[i]++] = (struct ko_provider){ module, symbol, 1, weak };
}

static void tally_add(struct set_tally **t, const char *name)
{
	struct set_tally *e;

	HASH_FIND_STR(*t, name, e);
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->name = xstrdup(name);
		HASH_ADD_KEYPTR(hh, *t, e->name, strlen(e->name), e);
	}
	e->modules++;
}

static int by_importers(const void *a, const void *b)
{
	const struct ko_unprovided *x = a, *y = b;

	if (x->modules != y->modules)
		return x->modules > y->modules ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The tally as S's unprovided list; the tally is emptied. */
static void keep_unprovided(struct ko_set *s, struct set_tally *t)
{
	struct set_tally *e, *tmp;

	s->unprovided = xcalloc(HASH_COUNT(t) + 1, sizeof(*s->unprovided));
	HASH_ITER(hh, t, e, tmp) {
		HASH_DEL(t, e);
		s->unprovided[s->n_unprovided++] = (struct ko_unprovided){ e->name, e->modules };
		free(e);
	}
	qsort(s->unprovided, s->n_unprovided, sizeof(*s->unprovided), by_importers);
}

static void resolve_imports(struct ko_set *s, const struct ko_result *results, const struct set_export *index,
			    const struct ko_loader *l, const struct ko_exports *x)
{
	struct set_tally *t = NULL;

	for (size_t i = 0; i < s->n; i++) {
		const struct ko_module *m = results[i].module;

		for (size_t k = 0; readable(&results[i]) && k < m->n_imports; k++) {
			const struct ko_import *imp = &m->imports[k];
			struct set_export *e;
			int kernel = kernel_provides(l, x, imp->name);

			if (kernel == 1)
				continue;
			HASH_FIND_STR(index, imp->name, e);
			if (e && e->module != i)
				add_provider(s, i, e->module, (char *)e->name, imp->weak);
			else if (!e && kernel == 0 && !imp->weak && !(x && ko_exports_owner(x, imp->name) == 'm'))
				tally_add(&t, imp->name);
		}
	}
	keep_unprovided(s, t);
}

/* Waves in path order: each pass places every module whose providers are all placed (depmod's
 * order); what never gets placed is in a cycle, and follows in path order. */
static void order_set(struct ko_set *s, const struct ko_result *results)
{
	char *placed = xcalloc(s->n + 1, 1);
	size_t readable_n = 0;
	int progress = 1;

	s->order = xcalloc(s->n + 1, sizeof(*s->order));
	s->cyclic = xcalloc(s->n + 1, 1);
	for (size_t i = 0; i < s->n; i++)
		readable_n += readable(&results[i]);
	while (progress && s->n_order < readable_n) {
		char *wave = xcalloc(s->n + 1, 1);

		progress = 0;
		for (size_t i = 0; i < s->n; i++) {
			size_t k;

			if (placed[i] || !readable(&results[i]))
				continue;
			for (k = 0; k < s->n_providers[i] && placed[s->providers[i][k].module]; k++)
				;
			if (k == s->n_providers[i])
				wave[i] = 1;
		}
		for (size_t i = 0; i < s->n; i++)
			if (wave[i]) {
				placed[i] = 1;
				s->order[s->n_order++] = i;
				progress = 1;
			}
		free(wave);
	}
	for (size_t i = 0; i < s->n; i++)
		if (!placed[i] && readable(&results[i])) {
			s->order[s->n_order++] = i;
			s->cyclic[i] = 1;
			s->n_cycle++;
		}
	free(placed);
}

static void add_fail(struct ko_result *r, const char *reason, char *text)
{
	r->findings = xgrow(r->findings, r->n_findings, sizeof(*r->findings));
	r->findings[r->n_findings++] = (struct ko_finding){ KO_FAIL, xstrdup(reason), text, NULL };
	r->status |= KO_FAILS_PROFILE;
}

/* Lifts each "symbol X" failure the set provides, and fails what needs a module that does not load. */
static void judge_set(struct ko_set *s, struct ko_result *results, const struct set_export *index)
{
	for (size_t i = 0; i < s->n; i++) {
		struct ko_result *r = &results[i];
		size_t kept = 0;

		if (!readable(r))
			continue;
		r->status = 0;
		for (size_t k = 0; k < r->n_findings; k++) {
			struct ko_finding *f = &r->findings[k];
			const char *symbol;
			struct set_export *e = NULL;

			if (f->kind == KO_FAIL && f->unlock && skip_prefix(f->unlock, "symbol ", &symbol))
				HASH_FIND_STR(index, symbol, e);
			if (e && e->module != i) {
				free(f->reason);
				free(f->text);
				free(f->unlock);
				continue;
			}
			r->findings[kept++] = *f;
			r->status |= f->kind == KO_LINUX ? KO_REFUSED_BY_LINUX : f->kind == KO_FAIL ? KO_FAILS_PROFILE
				     : f->kind == KO_MISMATCH ? KO_DISAGREES : f->kind == KO_CRASH ? KO_CRASHES : 0;
		}
		r->n_findings = kept;
	}
	/* In load order: a provider's verdict is final before its importers'. Every provider that
	 * does not load is named, even when the module fails for its own reasons too. */
	for (size_t o = 0; o < s->n_order; o++) {
		size_t i = s->order[o];
		for (size_t k = 0; k < s->n_providers[i]; k++) {
			const struct ko_provider *p = &s->providers[i][k];

			if (!p->weak && (results[p->module].status || s->cyclic[p->module]))
				add_fail(&results[i], KO_REASON_NEEDS_MODULE,
					 xasprintf("imports %s from %s, which %s", p->first, s->names[p->module],
						   s->cyclic[p->module] ? "needs itself through a dependency cycle"
									: "does not load"));
		}
	}
}

struct ko_set *ko_set_resolve(struct ko_result *results, size_t n, const struct ko_loader *loader,
			      const struct ko_exports *exports)
{
	struct ko_set *s = xcalloc(1, sizeof(*s));
	struct set_export *index, *e, *tmp;

	s->n = n;
	s->names = xcalloc(n + 1, sizeof(*s->names));
	s->providers = xcalloc(n + 1, sizeof(*s->providers));
	s->n_providers = xcalloc(n + 1, sizeof(*s->n_providers));
	s->kernel_known = loader->symbols_from == KO_SYMBOLS_LIST || exports;
	s->exports_read = !loader->exports_ignored;
	for (size_t i = 0; i < n; i++)
		s->names[i] = readable(&results[i]) ? module_name(results[i].module) : xstrdup("");
	index = exports_index(results, n);
	resolve_imports(s, results, index, loader, exports);
	order_set(s, results);
	if (s->exports_read)
		judge_set(s, results, index);
	HASH_ITER(hh, index, e, tmp) {
		HASH_DEL(index, e);
		free(e);
	}
	return s;
}

/* How many of the symbols no module or kernel provides a text or Markdown summary shows. */
#define SET_TOP 20

void ko_set_module_text(struct strbuf *sb, const struct ko_set *s, size_t i)
{
	if (!s || !s->n_providers[i])
		return;
	sb_adds(sb, "  needs:");
	for (size_t k = 0; k < s->n_providers[i]; k++) {
		const struct ko_provider *p = &s->providers[i][k];

		sb_adds(sb, k ? ", " : " ");
		escape_text(sb, s->names[p->module]);
		sb_adds(sb, " (");
		escape_text(sb, p->first);
		if (p->n_symbols > 1)
			sb_addf(sb, " and %zu more", p->n_symbols - 1);
		sb_adds(sb, ")");
	}
	sb_adds(sb, "\n");
}

void ko_set_summary_text(struct strbuf *sb, const struct ko_set *s)
{
	if (!s)
		return;
	if (s->n_cycle)
		sb_addf(sb, "  in dependency cycles: %zu modules\n", s->n_cycle);
	if (!s->n_unprovided)
		return;
	sb_addf(sb, "symbols no module or kernel provides (modules importing; %zu of %zu):\n",
		s->n_unprovided < SET_TOP ? s->n_unprovided : SET_TOP, s->n_unprovided);
	for (size_t k = 0; k < s->n_unprovided && k < SET_TOP; k++) {
		sb_addf(sb, "  %6lu  ", s->unprovided[k].modules);
		escape_text(sb, s->unprovided[k].name);
		sb_adds(sb, "\n");
	}
}

void ko_set_summary_md(struct strbuf *sb, const struct ko_set *s)
{
	if (!s || !s->n_unprovided)
		return;
	sb_adds(sb, "\n## Symbols no module or kernel provides\n\n| modules | |\n|---:|---|\n");
	for (size_t k = 0; k < s->n_unprovided && k < SET_TOP; k++) {
		sb_addf(sb, "| %lu | ", s->unprovided[k].modules);
		escape_markdown(sb, s->unprovided[k].name);
		sb_adds(sb, " |\n");
	}
}

void ko_set_module_json(struct json *j, const struct ko_set *s, size_t i)
{
	if (!s)
		return;
	json_break(j);
	json_string(j, "name", s->names[i]);
	json_array(j, "needs", JSON_SPACED);
	for (size_t k = 0; k < s->n_providers[i]; k++) {
		const struct ko_provider *p = &s->providers[i][k];

		json_object(j, NULL, JSON_SPACED);
		json_string(j, "module", s->names[p->module]);
		json_string(j, "first", p->first);
		json_u64(j, "symbols", p->n_symbols);
		json_end(j);
	}
	json_end(j);
}

void ko_set_json(struct json *j, const struct ko_set *s)
{
	if (!s)
		return;
	json_object(j, "set", JSON_LINES);
	json_bool(j, "exports_read", s->exports_read);
	json_join(j);
	json_bool(j, "kernel_known", s->kernel_known);
	json_join(j);
	json_u64(j, "in_cycles", s->n_cycle);
	json_array(j, "load_order", JSON_LINES);
	for (size_t o = 0; o < s->n_order; o++)
		json_string(j, NULL, s->names[s->order[o]]);
	json_end(j);
	json_array(j, "unprovided", JSON_LINES);
	for (size_t k = 0; k < s->n_unprovided; k++) {
		json_object(j, NULL, JSON_SPACED);
		json_string(j, "name", s->unprovided[k].name);
		json_u64(j, "modules", s->unprovided[k].modules);
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

size_t ko_set_find(const struct ko_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *a = s->names[i], *b = name;

		while (*a && (*a == *b || (strchr("-_", *a) && *b && strchr("-_", *b)))) {
			a++;
			b++;
		}
		if (!*a && !*b && *s->names[i])
			return i;
	}
	return SIZE_MAX;
}

void ko_set_free(struct ko_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->providers[i]);
	for (size_t i = 0; i < s->n_unprovided; i++)
		free(s->unprovided[i].name);
	strv_free(s->names, s->n);
	free(s->providers);
	free(s->n_providers);
	free(s->order);
	free(s->cyclic);
	free(s->unprovided);
	free(s);
}
