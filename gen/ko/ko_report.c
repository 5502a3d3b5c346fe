/* ko_report.c: check-ko's verdicts and summary as text, Markdown or JSON (pure functions of the results). */
#include "emit/emit.h"
#include "util/escape.h"
#include "ko/ko.h"
#include "ko/ko_check.h"
#include "ko/ko_facts.h"
#include "ko/ko_set.h"
#include "util/json.h"
#include "util/report.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* A count by name: modules with a reason, modules importing a symbol, uses of a relocation. */
struct tally {
	char *key;
	unsigned long modules;
	unsigned long uses;
	UT_hash_handle hh;
};

static struct tally *tally_bump(struct tally **t, const char *key, unsigned long uses)
{
	struct tally *e;

	HASH_FIND_STR(*t, key, e);
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->key = xstrdup(key);
		HASH_ADD_KEYPTR(hh, *t, e->key, strlen(e->key), e);
	}
	e->modules++;
	e->uses += uses;
	return e;
}

static int by_modules(const void *a, const void *b)
{
	const struct tally *x = *(struct tally *const *)a, *y = *(struct tally *const *)b;

	if (x->modules != y->modules)
		return x->modules > y->modules ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int by_uses(const void *a, const void *b)
{
	const struct tally *x = *(struct tally *const *)a, *y = *(struct tally *const *)b;

	if (x->uses != y->uses)
		return x->uses > y->uses ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The tally as an array sorted by CMP; frees nothing (tally_free does). */
static struct tally **tally_sorted(struct tally *t, int (*cmp)(const void *, const void *), size_t *n)
{
	struct tally **v = xcalloc(HASH_COUNT(t) + 1, sizeof(*v)), *e, *tmp;

	*n = 0;
	HASH_ITER(hh, t, e, tmp)
		v[(*n)++] = e;
	qsort(v, *n, sizeof(*v), cmp);
	return v;
}

static void tally_free(struct tally *t)
{
	struct tally *e, *tmp;

	HASH_ITER(hh, t, e, tmp) {
		HASH_DEL(t, e);
		free(e->key);
		free(e);
	}
}

struct summary {
	unsigned long load, fail, disagree, unreadable, refused;
	unsigned long crash;		/* the loader panics on them */
	unsigned long unprocessed;	/* of those that load, those with warnings (a section never applied) */
	struct tally **reasons, **symbols, **relocs, **sections;
	size_t n_reasons, n_symbols, n_relocs, n_sections;
	struct tally *t_reasons, *t_symbols, *t_relocs, *t_sections;
};

/* "R_X86_64_PLT32", or "type 4" when the model names no relocations. */
static char *reloc_label(const struct ko_report *r, unsigned type)
{
	const char *name = r->relocs_named ? ko_reloc_name(r->facts, type) : NULL;

	return name ? xstrdup(name) : xasprintf("type %u", type);
}

/* Whether a module that loads runs otherwise than under Linux (a KO_WARN finding). */
static int has_warning(const struct ko_result *res)
{
	for (size_t k = 0; k < res->n_findings; k++)
		if (res->findings[k].kind == KO_WARN)
			return 1;
	return 0;
}

static void summarize(const struct ko_report *r, struct summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < r->n_results; i++) {
		const struct ko_result *res = &r->results[i];
		const struct ko_module *m = res->module;
		struct tally *seen = NULL;

		if (m->error) {
			s->unreadable++;
			tally_bump(&s->t_reasons, m->over_bound ? "over a bound" : "unreadable", 1);
			continue;
		}
		s->load += !res->status;
		s->unprocessed += !res->status && has_warning(res);
		s->crash += !!(res->status & KO_CRASHES);
		s->refused += !!(res->status & KO_REFUSED_BY_LINUX);
		s->fail += !!(res->status & KO_FAILS_PROFILE);
		s->disagree += !!(res->status & KO_DISAGREES);
		for (size_t k = 0; k < res->n_findings; k++) {
			struct tally *e;

			if (res->findings[k].kind == KO_NOTE)
				continue;
			HASH_FIND_STR(seen, res->findings[k].reason, e);
			if (!e) {
				tally_bump(&seen, res->findings[k].reason, 0);
				tally_bump(&s->t_reasons, res->findings[k].reason, 1);
			}
		}
		tally_free(seen);
		for (size_t k = 0; k < m->n_imports; k++)
			tally_bump(&s->t_symbols, m->imports[k].name, 1);
		for (size_t k = 0; k < m->n_relocs; k++) {
			char *label = reloc_label(r, m->relocs[k].type);

			tally_bump(&s->t_relocs, label, m->relocs[k].count);
			free(label);
		}
		for (size_t k = 0; k < res->n_sections_special; k++) {
			char *name = xstrdup(res->sections_special[k]);

			*strrchr(name, ' ') = '\0';
			tally_bump(&s->t_sections, name, 1);
			free(name);
		}
	}
	s->reasons = tally_sorted(s->t_reasons, by_modules, &s->n_reasons);
	s->symbols = tally_sorted(s->t_symbols, by_modules, &s->n_symbols);
	s->relocs = tally_sorted(s->t_relocs, by_uses, &s->n_relocs);
	s->sections = tally_sorted(s->t_sections, by_modules, &s->n_sections);
}

static void summary_release(struct summary *s)
{
	free(s->reasons);
	free(s->symbols);
	free(s->relocs);
	free(s->sections);
	tally_free(s->t_reasons);
	tally_free(s->t_symbols);
	tally_free(s->t_relocs);
	tally_free(s->t_sections);
}

static const char *verdict(const struct ko_result *res)
{
	if (res->module->error)	/* not read: damaged, or over a size or memory bound */
		return res->module->over_bound ? "over a bound" : "unreadable";
	if (res->status & KO_CRASHES)
		return "crashes the loader";
	if (res->status & KO_REFUSED_BY_LINUX)
		return "refused by Linux";
	switch (res->status & (KO_FAILS_PROFILE | KO_DISAGREES)) {
	case 0: return has_warning(res) ? "loads, with unprocessed sections" : "loads";
	case KO_FAILS_PROFILE: return "fails the loader profile";
	case KO_DISAGREES: return "disagrees with the layouts";
	default: return "fails the loader profile and disagrees with the layouts";
	}
}

static const char *kind_word(enum ko_finding_kind k)
{
	return k == KO_LINUX ? "linux" : k == KO_FAIL ? "loader" : k == KO_MISMATCH ? "layout" : k == KO_CRASH ? "crash"
	       : k == KO_WARN ? "warning" : "note";
}

/* How many of the top entries a text or Markdown summary shows. */
#define TOP 20

static void add_relocs_line(struct strbuf *sb, const struct ko_report *r, const struct ko_module *m)
{
	for (size_t k = 0; k < m->n_relocs; k++) {
		char *label = reloc_label(r, m->relocs[k].type);

		sb_adds(sb, k ? ", " : " ");
		escape_text(sb, label);
		sb_addf(sb, " x%lu", m->relocs[k].count);
		free(label);
	}
}

/* "  COUNT  KEY", the key (a module's string) shown as text. */
static void text_count_line(struct strbuf *sb, unsigned long count, const char *key)
{
	sb_addf(sb, "  %6lu  ", count);
	escape_text(sb, key);
	sb_adds(sb, "\n");
}

char *ko_report_text(const struct ko_report *r, int verbose)
{
	struct strbuf sb = { 0 };
	struct summary s;

	summarize(r, &s);
	verbose |= r->n_results == 1;
	for (size_t i = 0; i < r->n_results; i++) {
		const struct ko_result *res = &r->results[i];
		const struct ko_module *m = res->module;

		if (m->error || (!res->status && !verbose && !has_warning(res)))
			continue;
		escape_text(&sb, m->path);
		sb_addf(&sb, ": %s\n", verdict(res));
		for (size_t k = 0; k < res->n_findings; k++) {
			if (res->findings[k].kind != KO_NOTE || verbose) {
				sb_addf(&sb, "  %s: ", kind_word(res->findings[k].kind));
				escape_text(&sb, res->findings[k].text);
				sb_adds(&sb, "\n");
			}
		}
		if (verbose) {
			sb_adds(&sb, "  relocations:");
			add_relocs_line(&sb, r, m);
			sb_adds(&sb, "\n  special sections:");
			for (size_t k = 0; k < res->n_sections_special; k++) {
				sb_adds(&sb, k ? ", " : " ");
				escape_text(&sb, res->sections_special[k]);
			}
			sb_addf(&sb, "\n  imports: %zu\n", m->n_imports);
			ko_set_module_text(&sb, r->set, i);
		}
	}
	sb_addf(&sb, "checked %zu module%s against ", r->n_results, r->n_results == 1 ? "" : "s");
	escape_text(&sb, r->target);
	sb_adds(&sb, " with loader ");
	escape_text(&sb, r->loader_name);
	sb_adds(&sb, " (");
	escape_text(&sb, r->loader_file);
	sb_adds(&sb, ")\n");
	/* Crashes first, apart from refusals; shown when the profile names what crashes it, or one did. */
	if (r->crashes_listed || s.crash)
		sb_addf(&sb, "  crash the loader: %lu\n", s.crash);
	sb_addf(&sb, "  load: %lu, fail the loader profile: %lu, disagree with the layouts: %lu, unreadable: %lu, "
		"refused by Linux: %lu\n", s.load, s.fail, s.disagree, s.unreadable, s.refused);
	if (r->unprocessed_listed || s.unprocessed)
		sb_addf(&sb, "  of those that load, with sections not applied: %lu\n", s.unprocessed);
	if (!r->symvers)
		sb_adds(&sb, "  imports not checked against the triple's exports: no Module.symvers\n");
	if (!r->relocs_named)
		sb_adds(&sb, "  relocation types not checked: the layout model names none\n");
	if (s.n_reasons) {
		sb_adds(&sb, "top reasons (modules):\n");
		for (size_t k = 0; k < s.n_reasons && k < TOP; k++)
			text_count_line(&sb, s.reasons[k]->modules, s.reasons[k]->key);
	}
	sb_addf(&sb, "symbols most needed (modules importing; %zu of %zu):\n", s.n_symbols < TOP ? s.n_symbols : TOP,
		s.n_symbols);
	for (size_t k = 0; k < s.n_symbols && k < TOP; k++)
		text_count_line(&sb, s.symbols[k]->modules, s.symbols[k]->key);
	sb_adds(&sb, "relocation types (uses, modules):\n");
	for (size_t k = 0; k < s.n_relocs; k++) {
		sb_addf(&sb, "  %9lu %6lu  ", s.relocs[k]->uses, s.relocs[k]->modules);
		escape_text(&sb, s.relocs[k]->key);
		sb_adds(&sb, "\n");
	}
	sb_adds(&sb, "special sections (modules):\n");
	for (size_t k = 0; k < s.n_sections; k++)
		text_count_line(&sb, s.sections[k]->modules, s.sections[k]->key);
	ko_set_summary_text(&sb, r->set);
	summary_release(&s);
	return sb.buf;
}

static void md_tally(struct strbuf *sb, const char *title, const char *count, struct tally **v, size_t n,
		     size_t limit, int uses)
{
	if (!n)
		return;
	sb_addf(sb, "\n## %s\n\n| %s | |\n|---:|---|\n", title, count);
	for (size_t k = 0; k < n && k < limit; k++) {
		sb_addf(sb, "| %lu | ", uses ? v[k]->uses : v[k]->modules);
		escape_markdown(sb, v[k]->key);
		sb_adds(sb, " |\n");
	}
}

enum md_group { MD_CRASH, MD_FAIL, MD_WARN };

static int md_in_group(const struct ko_result *res, enum md_group g)
{
	switch (g) {
	case MD_CRASH: return !!(res->status & KO_CRASHES);
	case MD_FAIL: return res->status && !(res->status & KO_CRASHES);
	case MD_WARN: return !res->status && has_warning(res);
	}
	return 0;
}

/* The modules of group G, each with its findings, under TITLE (nothing when there are none). */
static void md_modules(struct strbuf *sb, const struct ko_report *r, enum md_group g, const char *title)
{
	for (size_t i = 0, first = 1; i < r->n_results; i++) {
		const struct ko_result *res = &r->results[i];

		if (!md_in_group(res, g))
			continue;
		if (first)
			sb_addf(sb, "\n## %s\n", title);
		first = 0;
		sb_adds(sb, "\n### ");
		escape_markdown(sb, res->module->path);
		sb_addf(sb, ": %s\n\n", verdict(res));
		if (res->module->error) {
			sb_adds(sb, "- ");
			escape_markdown_prose(sb, res->module->error);
			sb_adds(sb, "\n");
		}
		for (size_t k = 0; k < res->n_findings; k++) {
			sb_addf(sb, "- %s: ", kind_word(res->findings[k].kind));
			escape_markdown_prose(sb, res->findings[k].text);
			sb_adds(sb, "\n");
		}
	}
}

char *ko_report_md(const struct ko_report *r)
{
	struct strbuf sb = { 0 };
	struct summary s;

	summarize(r, &s);
	sb_addf(&sb, "# check-ko: %zu module%s against ", r->n_results, r->n_results == 1 ? "" : "s");
	escape_markdown_prose(&sb, r->target);
	sb_adds(&sb, ", loader ");
	escape_markdown_prose(&sb, r->loader_name);
	sb_adds(&sb, "\n\n");
	if (r->crashes_listed || s.crash)
		sb_addf(&sb, "**Crash the loader: %lu**\n\n", s.crash);
	sb_adds(&sb, "| load | fail the loader profile | disagree with the layouts | unreadable | refused by Linux |\n"
		"|---:|---:|---:|---:|---:|\n");
	sb_addf(&sb, "| %lu | %lu | %lu | %lu | %lu |\n", s.load, s.fail, s.disagree, s.unreadable, s.refused);
	if (r->unprocessed_listed || s.unprocessed)
		sb_addf(&sb, "\nOf those that load, %lu with sections not applied.\n", s.unprocessed);
	md_tally(&sb, "Top reasons", "modules", s.reasons, s.n_reasons, TOP, 0);
	md_tally(&sb, "Symbols most needed", "modules", s.symbols, s.n_symbols, TOP, 0);
	md_tally(&sb, "Relocation types", "uses", s.relocs, s.n_relocs, SIZE_MAX, 1);
	md_tally(&sb, "Special sections", "modules", s.sections, s.n_sections, SIZE_MAX, 0);
	ko_set_summary_md(&sb, r->set);
	md_modules(&sb, r, MD_CRASH, "Modules that crash the loader");
	md_modules(&sb, r, MD_FAIL, "Modules that do not load");
	md_modules(&sb, r, MD_WARN, "Modules that load with sections not applied");
	summary_release(&s);
	return sb.buf;
}

static void json_tally(struct json *j, const char *key, struct tally **v, size_t n, int uses)
{
	json_array(j, key, JSON_LINES);
	for (size_t k = 0; k < n; k++) {
		json_object(j, NULL, JSON_SPACED);
		json_string(j, "name", v[k]->key);
		json_u64(j, "modules", v[k]->modules);
		if (uses)
			json_u64(j, "uses", v[k]->uses);
		json_end(j);
	}
	json_end(j);
}

/* One of a module's lists, on a line of its own. */
static void json_list(struct json *j, const char *key)
{
	json_break(j);
	json_array(j, key, JSON_SPACED);
}

static void json_module(struct json *j, const struct ko_report *r, const struct ko_result *res)
{
	size_t index = (size_t)(res - r->results);
	const struct ko_module *m = res->module;

	json_object(j, NULL, JSON_SPACED);
	json_string(j, "path", m->path);
	json_string(j, "verdict", verdict(res));
	if (m->error) {
		json_string(j, "error", m->error);
		json_end(j);
		return;
	}
	if (m->vermagic)
		json_string(j, "vermagic", m->vermagic);
	else
		json_null(j, "vermagic");
	json_break(j);
	json_object(j, "this_module", JSON_SPACED);
	json_u64(j, "size", m->this_module.size);
	json_u64(j, "align", m->this_module.align);
	json_end(j);
	json_list(j, "findings");
	for (size_t k = 0; k < res->n_findings; k++) {
		json_object(j, NULL, JSON_SPACED);
		json_string(j, "kind", kind_word(res->findings[k].kind));
		json_string(j, "reason", res->findings[k].reason);
		json_string(j, "text", res->findings[k].text);
		json_end(j);
	}
	json_end(j);
	json_list(j, "relocations");
	for (size_t k = 0; k < m->n_relocs; k++) {
		char *label = reloc_label(r, m->relocs[k].type);

		json_object(j, NULL, JSON_SPACED);
		json_u64(j, "type", m->relocs[k].type);
		json_string(j, "name", label);
		json_u64(j, "count", m->relocs[k].count);
		json_u64(j, "external", m->relocs[k].external);
		json_end(j);
		free(label);
	}
	json_end(j);
	json_list(j, "tables");
	for (size_t k = 0; k < m->n_tables; k++) {
		if (!m->tables[k].present)
			continue;
		json_object(j, NULL, JSON_SPACED);
		json_string(j, "name", r->facts->tables[k]);
		json_u64(j, "size", m->tables[k].size);
		json_u64(j, "relocations", m->tables[k].n_relocs);
		json_end(j);
	}
	json_end(j);
	json_list(j, "special_sections");
	for (size_t k = 0; k < res->n_sections_special; k++)
		json_string(j, NULL, res->sections_special[k]);
	json_end(j);
	json_list(j, "imports");
	for (size_t k = 0; k < m->n_imports; k++)
		json_string(j, NULL, m->imports[k].name);
	json_end(j);
	ko_set_module_json(j, r->set, index);
	json_end(j);
}

char *ko_report_json(const struct ko_report *r)
{
	struct strbuf sb = { 0 };
	struct summary s;
	struct json j;

	summarize(r, &s);
	json_start(&j, &sb);
	json_object(&j, NULL, JSON_LINES);
	json_string(&j, "target", r->target);
	json_string(&j, "loader", r->loader_name);
	json_string(&j, "loader_file", r->loader_file);
	if (r->symvers)
		json_string(&j, "symvers", r->symvers);
	else
		json_null(&j, "symvers");
	json_bool(&j, "relocations_named", r->relocs_named);
	/* The summary's counts on one line, its lists a line an item. */
	const struct { const char *key; uint64_t n; } counts[] = {
		{ "modules", r->n_results }, { "crash", s.crash }, { "load", s.load },
		{ "load_unprocessed", s.unprocessed }, { "fail_profile", s.fail }, { "disagree", s.disagree },
		{ "unreadable", s.unreadable }, { "refused", s.refused },
	};

	json_object(&j, "summary", JSON_LINES);
	for (size_t k = 0; k < sizeof(counts) / sizeof(*counts); k++) {
		if (k)
			json_join(&j);
		json_u64(&j, counts[k].key, counts[k].n);
	}
	json_tally(&j, "reasons", s.reasons, s.n_reasons, 0);
	json_tally(&j, "symbols", s.symbols, s.n_symbols, 0);
	json_tally(&j, "relocations", s.relocs, s.n_relocs, 1);
	json_tally(&j, "sections", s.sections, s.n_sections, 0);
	json_end(&j);
	ko_set_json(&j, r->set);
	json_array(&j, "modules", JSON_BLOCK);
	for (size_t i = 0; i < r->n_results; i++)
		json_module(&j, r, &r->results[i]);
	json_end(&j);
	json_end(&j);
	json_finish(&j);
	sb_adds(&sb, "\n");
	summary_release(&s);
	return sb.buf;
}
