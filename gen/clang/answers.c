/* answers.c: the questions a set's unit asks of the headers, the unit with their answers, and their text. */
#include "clang/answers.h"
#include "input/kset.h"
#include "util/report.h"
#include "util/str.h"
#include "clang/tu.h"

#include <stdlib.h>
#include <string.h>

static bool is_ident_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Every kabigen__type_KIND_NAME the set's part of UNIT (from TU_MARK_SET on) tests, once each. */
static void find_type_tests(const char *unit, struct answers *a)
{
	const char *mark = strstr(unit, TU_MARK_SET);
	const size_t plen = strlen(KSET_TYPE_MACRO);

	for (const char *p = mark ? strstr(mark, KSET_TYPE_MACRO) : NULL; p; p = strstr(p + plen, KSET_TYPE_MACRO)) {
		const char *n = p + plen;
		size_t len = 0, i;

		while (is_ident_char(n[len]))
			len++;
		for (i = 0; i < a->n_types && (strlen(a->types[i]) != len || strncmp(a->types[i], n, len)); i++)
			;
		if (i < a->n_types)
			continue;
		a->types = xrealloc(a->types, (a->n_types + 1) * sizeof(*a->types));
		a->defined = xrealloc(a->defined, (a->n_types + 1) * sizeof(*a->defined));
		a->types[a->n_types] = xasprintf("%.*s", (int)len, n);
		a->defined[a->n_types++] = false;
	}
}

void answers_init(struct answers *a, const struct kset *set, const char *unit)
{
	memset(a, 0, sizeof(*a));
	find_type_tests(unit, a);
	a->n_constants = set->n_constants;
	a->prefixes = xcalloc(set->n_constants ? set->n_constants : 1, sizeof(*a->prefixes));
	for (size_t i = 0; i < set->n_constants; i++)
		a->n_prefixes += set->constants[i].prefix != NULL;
}

static void prefix_clear(struct prefix_macros *pm)
{
	strv_free(pm->names, pm->n_names);
	free(pm->file);
	memset(pm, 0, sizeof(*pm));
}

void answers_clear(struct answers *a)
{
	for (size_t i = 0; i < a->n_types; i++)
		a->defined[i] = false;
	for (size_t i = 0; i < a->n_constants; i++)
		prefix_clear(&a->prefixes[i]);
}

void answers_free(struct answers *a)
{
	if (a->prefixes)
		answers_clear(a);
	strv_free(a->types, a->n_types);
	free(a->defined);
	free(a->prefixes);
	memset(a, 0, sizeof(*a));
}

bool answers_needed(const struct answers *a)
{
	return a->n_types > 0 || a->n_prefixes > 0;
}

static bool same_str(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

bool answers_equal(const struct answers *a, const struct answers *b)
{
	if (a->n_types != b->n_types || a->n_constants != b->n_constants)
		return false;
	for (size_t i = 0; i < a->n_types; i++)
		if (strcmp(a->types[i], b->types[i]) || a->defined[i] != b->defined[i])
			return false;
	for (size_t i = 0; i < a->n_constants; i++) {
		const struct prefix_macros *x = &a->prefixes[i], *y = &b->prefixes[i];

		if (x->n_names != y->n_names || !same_str(x->file, y->file))
			return false;
		for (size_t j = 0; j < x->n_names; j++)
			if (strcmp(x->names[j], y->names[j]))
				return false;
	}
	return true;
}

void answers_move(struct answers *to, struct answers *from)
{
	answers_clear(to);
	for (size_t i = 0; i < to->n_types && i < from->n_types; i++)
		to->defined[i] = from->defined[i];
	for (size_t i = 0; i < to->n_constants && i < from->n_constants; i++) {
		to->prefixes[i] = from->prefixes[i];
		memset(&from->prefixes[i], 0, sizeof(from->prefixes[i]));
	}
	answers_clear(from);
}

void answers_add_macro(struct answers *a, size_t i, const char *name, const char *file)
{
	struct prefix_macros *pm = &a->prefixes[i];

	for (size_t j = 0; j < pm->n_names; j++)
		if (!strcmp(pm->names[j], name))
			return;	/* defined again (or after an #undef): one constant */
	pm->names = xgrow(pm->names, pm->n_names, sizeof(*pm->names));
	pm->names[pm->n_names++] = xstrdup(name);
	if (!pm->file && file)
		pm->file = xstrdup(file);
}

char *answers_unit(const char *unit, const struct kset *set, const struct answers *a, bool set_part_only)
{
	const char *mark = strstr(unit, TU_MARK_SET);
	struct strbuf sb = { 0 };
	bool any_prefix = false;

	if (!mark)
		die("the translation unit has no mark where the set's part begins; report this");
	if (!set_part_only)
		sb_add(&sb, unit, (size_t)(mark - unit));
	sb_adds(&sb, TU_MARK_SET);
	if (a->n_types) {
		sb_adds(&sb, "/* What the headers above define, of the types the set tests (kabigen parsed them "
			     "first). */\n");
		for (size_t i = 0; i < a->n_types; i++)
			if (a->defined[i])
				sb_addf(&sb, "#define " KSET_TYPE_MACRO "%s 1\n", a->types[i]);
	}
	sb_adds(&sb, mark + strlen(TU_MARK_SET));
	for (size_t i = 0; i < set->n_constants; i++) {
		const struct kset_constant *k = &set->constants[i];
		const struct prefix_macros *pm = &a->prefixes[i];

		if (!k->prefix)
			continue;
		if (!any_prefix)
			sb_adds(&sb, "\n/* The macros of the set's prefixes, found by a first parse. */\n");
		any_prefix = true;
		if (k->cond)
			tu_add_if(&sb, k->cond);
		sb_addf(&sb, "typedef int " TU_PROBE_HAS "%s;\n", k->prefix);
		for (size_t j = 0; j < pm->n_names; j++) {
			char *name = xasprintf("KABI_%s", pm->names[j]);

			sb_addf(&sb, "#ifdef %s\n", pm->names[j]);
			tu_add_const_probe(&sb, name, pm->names[j], k->type);
			sb_adds(&sb, "#endif\n");
			free(name);
		}
		if (k->cond)
			sb_adds(&sb, "#endif\n");
	}
	return sb.buf;
}

/*
 *	types N
 *	NAME 0|1				N lines, the questions in order
 *	prefix I COUNT FILE|-			for each constant I that is a prefix, in order
 *	NAME					COUNT lines
 */
char *answers_format(const struct answers *a)
{
	struct strbuf sb = { 0 };

	sb_addf(&sb, "types %zu\n", a->n_types);
	for (size_t i = 0; i < a->n_types; i++)
		sb_addf(&sb, "%s %d\n", a->types[i], a->defined[i] ? 1 : 0);
	for (size_t i = 0; i < a->n_constants; i++) {
		const struct prefix_macros *pm = &a->prefixes[i];

		sb_addf(&sb, "prefix %zu %zu %s\n", i, pm->n_names, pm->file ? pm->file : "-");
		for (size_t j = 0; j < pm->n_names; j++)
			sb_addf(&sb, "%s\n", pm->names[j]);
	}
	return sb.buf;
}

/* The next line of [*P, END) without its '\n' (which must be there), as a new string; NULL at a NUL. */
static char *take_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	char *line;

	if (!nl || memchr(*p, '\0', (size_t)(nl - *p)))
		return NULL;
	line = xasprintf("%.*s", (int)(nl - *p), *p);
	*p = nl + 1;
	return line;
}

/* A decimal without sign or leading zero, below LIMIT, ending at END_CH; advances *S. */
static bool take_count(const char **s, char end_ch, size_t limit, size_t *out)
{
	const char *p = *s;
	size_t v = 0;

	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (size_t)(*p - '0');
		if (v >= limit)
			return false;
	}
	if (*p != end_ch)
		return false;
	*out = v;
	*s = p + (end_ch != '\0');
	return true;
}

static bool parse_into(const char **p, const char *end, struct answers *a)
{
	char *line = take_line(p, end);
	const char *s;
	size_t n = 0;
	bool ok = line && skip_prefix(line, "types ", &s) && take_count(&s, '\0', 1000000, &n) && n == a->n_types;

	free(line);
	for (size_t i = 0; ok && i < a->n_types; i++) {
		size_t len = strlen(a->types[i]);

		line = take_line(p, end);
		ok = line && !strncmp(line, a->types[i], len) && line[len] == ' ' &&
		     (!strcmp(line + len + 1, "0") || !strcmp(line + len + 1, "1"));
		if (ok)
			a->defined[i] = line[len + 1] == '1';
		free(line);
	}
	for (size_t i = 0; ok && i < a->n_constants; i++) {
		size_t index, count;

		line = take_line(p, end);
		s = line;
		ok = line && skip_prefix(line, "prefix ", &s) && take_count(&s, ' ', a->n_constants, &index) &&
		     index == i && take_count(&s, ' ', (size_t)(end - *p) / 2 + 1, &count) &&
		     (!strcmp(s, "-") || is_printable_word(s));
		if (ok && strcmp(s, "-"))
			a->prefixes[i].file = xstrdup(s);
		free(line);
		for (size_t j = 0; ok && j < count; j++) {
			line = take_line(p, end);
			ok = line && tu_is_ident(line);
			if (ok)
				answers_add_macro(a, i, line, NULL);
			ok = ok && a->prefixes[i].n_names == j + 1;	/* no name twice */
			free(line);
		}
	}
	return ok && *p == end;
}

int answers_parse(const char *text, size_t len, struct answers *a)
{
	struct answers b = { 0 };
	const char *p = text;

	/* Parsed into a copy of the questions, so that a damaged text changes nothing. */
	b.n_types = a->n_types;
	b.types = xcalloc(a->n_types ? a->n_types : 1, sizeof(*b.types));
	b.defined = xcalloc(a->n_types ? a->n_types : 1, sizeof(*b.defined));
	for (size_t i = 0; i < a->n_types; i++)
		b.types[i] = xstrdup(a->types[i]);
	b.n_constants = a->n_constants;
	b.n_prefixes = a->n_prefixes;
	b.prefixes = xcalloc(a->n_constants ? a->n_constants : 1, sizeof(*b.prefixes));
	if (!parse_into(&p, text + len, &b)) {
		answers_free(&b);
		return -1;
	}
	answers_move(a, &b);
	answers_free(&b);
	return 0;
}
