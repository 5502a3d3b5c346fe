/* kset.c: reads and checks a set file. */
#include "input/kset.h"
#include "util/report.h"
#include "util/str.h"
#include "util/yamldoc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Names end up in C (and shell-quoted flags): keep them identifiers. */
static void check_ident(const struct ynode *n, const char *s, const char *what)
{
	if (!*s || isdigit((unsigned char)*s))
		ynode_die(n, "%s '%s' is not a C identifier", what, s);
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			ynode_die(n, "%s '%s' is not a C identifier", what, s);
}

static int is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Rewrites each defined(struct NAME), defined(union NAME) or defined(enum NAME) of COND
 * into defined(kabigen__type_struct_NAME). Returns NULL, with *BAD pointing at the
 * place, when a type test is malformed.
 */
static char *cond_translate(const char *cond, const char **bad)
{
	static const char *const kinds[] = { "struct", "union", "enum" };
	struct strbuf sb = { 0 };
	const char *p = cond;

	sb_adds(&sb, "");
	while (*p) {
		const char *q, *kind = NULL, *name;
		size_t klen = 0, nlen;

		if (strncmp(p, "defined", 7) || (p > cond && is_ident_char(p[-1])) || is_ident_char(p[7])) {
			sb_addf(&sb, "%c", *p++);
			continue;
		}
		q = skip_space(p + 7);
		if (*q == '(')
			q = skip_space(q + 1);
		for (size_t i = 0; i < 3 && !kind; i++)
			if (!strncmp(q, kinds[i], strlen(kinds[i])) && !is_ident_char(q[strlen(kinds[i])]))
				kind = kinds[i], klen = strlen(kinds[i]);
		if (!kind) {
			sb_adds(&sb, "defined");
			p += 7;
			continue;
		}
		if (*skip_space(p + 7) != '(') {
			*bad = p;
			free(sb.buf);
			return NULL;
		}
		name = skip_space(q + klen);
		for (nlen = 0; is_ident_char(name[nlen]); nlen++)
			;
		q = skip_space(name + nlen);
		if (!nlen || isdigit((unsigned char)*name) || *q != ')') {
			*bad = p;
			free(sb.buf);
			return NULL;
		}
		sb_addf(&sb, "defined(" KSET_TYPE_MACRO "%s_%.*s)", kind, (int)nlen, name);
		p = q + 1;
	}
	return sb.buf;
}

char *kset_cond_to_c(const char *cond)
{
	const char *bad;
	char *c = cond_translate(cond, &bad);

	return c ? c : xstrdup(cond);	/* kset_load() has refused malformed ones */
}

/* A condition from the set file, checked: its type tests must be well-formed. New string. */
static char *cond_of(const struct ynode *n)
{
	const char *text = ynode_str(n, "if"), *bad;
	char *c;

	for (const char *p = text; *p; p++)
		if (*p == '\n')
			ynode_die(n, "a condition ('if') must be one line");
	if (!*skip_space(text))
		ynode_die(n, "a condition ('if') must not be empty");
	if (!(c = cond_translate(text, &bad)))
		ynode_die(n, "malformed type test at '%.30s' in '%s'; write defined(struct NAME), defined(union NAME) "
			  "or defined(enum NAME)", bad, text);
	free(c);
	return xstrdup(text);
}

/*
 * A list of names, each a C identifier or {name: IDENT, if: CONDITION}; all checked before
 * anything is allocated, so that a die() leaks nothing. *CONDS is parallel to the result.
 */
static char **item_list(const struct ynode *root, const char *key, char ***conds, size_t *count)
{
	static const char *const keys[] = { "name", "if", NULL };
	const struct ynode *n = ynode_get(root, key);
	char **v;

	*count = 0;
	*conds = NULL;
	if (!n)
		return NULL;
	if (n->kind == YNODE_SCALAR) {
		check_ident(n, n->scalar, key);
		v = ynode_strv(n, key, count);
		*conds = xcalloc(1, sizeof(char *));
		return v;
	}
	if (n->kind != YNODE_SEQUENCE)
		ynode_die(n, "%s must be a list", key);
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i], *name = it;

		if (it->kind == YNODE_MAPPING) {
			ynode_check_keys(it, keys);
			if (!(name = ynode_get(it, "name")))
				ynode_die(it, "each of %s needs a 'name'", key);
			if (ynode_get(it, "if"))
				free(cond_of(ynode_get(it, "if")));
		}
		check_ident(name, ynode_str(name, key), key);
		for (size_t j = 0; j < i; j++) {
			const struct ynode *o = n->items[j];

			if (o->kind == YNODE_MAPPING)
				o = ynode_get(o, "name");
			if (!strcmp(o->scalar, name->scalar))
				ynode_die(name, "%s lists %s twice", key, name->scalar);
		}
	}
	v = xcalloc(n->n_items ? n->n_items : 1, sizeof(char *));
	*conds = xcalloc(n->n_items ? n->n_items : 1, sizeof(char *));
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i];

		if (it->kind == YNODE_MAPPING) {
			if (ynode_get(it, "if"))
				(*conds)[i] = cond_of(ynode_get(it, "if"));
			it = ynode_get(it, "name");
		}
		v[i] = xstrdup(it->scalar);
	}
	*count = n->n_items;
	return v;
}

static char **ident_list(const struct ynode *root, const char *key, size_t *count)
{
	const struct ynode *n = ynode_get(root, key);

	*count = 0;
	if (!n)
		return NULL;
	/* Checked before anything is allocated: a die() here leaks nothing. */
	if (n->kind == YNODE_SCALAR)
		check_ident(n, n->scalar, key);
	for (size_t i = 0; n->kind == YNODE_SEQUENCE && i < n->n_items; i++)
		check_ident(n->items[i], ynode_str(n->items[i], key), key);
	return ynode_strv(n, key, count);
}

/* Type names a definition may carry: "struct NAME", "union NAME" or "enum NAME". */
static void check_type(const struct ynode *n, const char *type)
{
	const char *name = NULL;

	if (!strncmp(type, "struct ", 7))
		name = type + 7;
	else if (!strncmp(type, "union ", 6))
		name = type + 6;
	else if (!strncmp(type, "enum ", 5))
		name = type + 5;
	if (!name)
		ynode_die(n, "type '%s' must be 'struct NAME', 'union NAME' or 'enum NAME'", type);
	check_ident(n, name, "type name");
}

/*
 * 'definitions': C text used as it is, or a list of {type, if, c}: each item is used only
 * where the headers do not define its type, and where its condition holds.
 */
static void parse_definitions(struct kset *s, const struct ynode *n)
{
	static const char *const keys[] = { "type", "if", "c", NULL };

	if (n->kind == YNODE_SCALAR) {
		s->definitions = xcalloc(1, sizeof(*s->definitions));
		s->definitions[0].text = xstrdup(n->scalar);
		s->n_definitions = 1;
		return;
	}
	if (n->kind != YNODE_SEQUENCE)
		ynode_die(n, "definitions must be C text or a list of {type, if, c}");
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i];

		if (it->kind != YNODE_MAPPING)
			ynode_die(it, "each of definitions is {type: struct NAME, if: CONDITION, c: TEXT}");
		ynode_check_keys(it, keys);
		if (!ynode_get(it, "c"))
			ynode_die(it, "a definition needs its C text under 'c'");
		ynode_str(ynode_get(it, "c"), "c");
		if (ynode_get(it, "type"))
			check_type(ynode_get(it, "type"), ynode_str(ynode_get(it, "type"), "type"));
		if (ynode_get(it, "if"))
			free(cond_of(ynode_get(it, "if")));
	}
	s->definitions = xcalloc(n->n_items ? n->n_items : 1, sizeof(*s->definitions));
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i];
		struct kset_definition *d = &s->definitions[i];

		d->text = xstrdup(ynode_get(it, "c")->scalar);
		if (ynode_get(it, "type"))
			d->type = xstrdup(ynode_get(it, "type")->scalar);
		if (ynode_get(it, "if"))
			d->cond = cond_of(ynode_get(it, "if"));
	}
	s->n_definitions = n->n_items;
}

static void parse_structs(struct kset *s, const struct ynode *n)
{
	static const char *const keys[] = { "name", "if", NULL };

	if (n->kind != YNODE_SEQUENCE)
		ynode_die(n, "structs must be a list");
	s->structs = xcalloc(n->n_items, sizeof(*s->structs));
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i], *name = it, *cond = NULL;

		s->n_structs = i + 1;	/* counted first, so that kset_free() frees a half-read entry */
		if (it->kind == YNODE_MAPPING) {
			ynode_check_keys(it, keys);
			name = ynode_get(it, "name");
			cond = ynode_get(it, "if");
			if (!name)
				ynode_die(it, "a struct needs a name");
		}
		s->structs[i].name = xstrdup(ynode_str(name, "struct name"));
		check_ident(name, s->structs[i].name, "struct name");
		if (cond)
			s->structs[i].cond = cond_of(cond);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->structs[j].name, s->structs[i].name))
				ynode_die(name, "struct %s is listed twice", s->structs[i].name);
	}
}

/* A list of {name: IDENT, KEY: text} mappings, checked whole before anything is allocated. */
static void parse_pairs(const struct ynode *n, const char *what, const char *key,
			char ***names, char ***values, size_t *count)
{
	const char *const keys[] = { "name", key, NULL };

	if (n->kind != YNODE_SEQUENCE)
		ynode_die(n, "%s must be a list", what);
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i], *name, *val;

		ynode_check_keys(it, keys);
		name = ynode_get(it, "name");
		val = ynode_get(it, key);
		if (!name || !val)
			ynode_die(it, "each of %s needs 'name' and '%s'", what, key);
		check_ident(name, ynode_str(name, "name"), "name");
		ynode_str(val, key);
	}
	*names = xcalloc(n->n_items, sizeof(char *));
	*values = xcalloc(n->n_items, sizeof(char *));
	for (size_t i = 0; i < n->n_items; i++) {
		(*names)[i] = xstrdup(ynode_get(n->items[i], "name")->scalar);
		(*values)[i] = xstrdup(ynode_get(n->items[i], key)->scalar);
	}
	*count = n->n_items;
}

/* Prefixes become C names too (KABI_<macro>): identifier characters only. */
static void parse_constants(struct kset *s, const struct ynode *n)
{
	static const char *const keys[] = { "name", "expr", "prefix", "type", "group", "if", "optional", NULL };

	if (n->kind != YNODE_SEQUENCE)
		ynode_die(n, "constants must be a list");
	s->constants = xcalloc(n->n_items ? n->n_items : 1, sizeof(*s->constants));
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i], *v;
		struct kset_constant *c = &s->constants[i];

		s->n_constants = i + 1;	/* counted first, so that kset_free() frees a half-read entry */
		if (it->kind != YNODE_MAPPING) {
			check_ident(it, ynode_str(it, "constant"), "constant");
			c->name = xstrdup(it->scalar);
			continue;
		}
		ynode_check_keys(it, keys);
		if (!ynode_get(it, "name") == !ynode_get(it, "prefix"))
			ynode_die(it, "a constant needs either 'name' or 'prefix'");
		if (ynode_get(it, "prefix") && ynode_get(it, "expr"))
			ynode_die(it, "a 'prefix' takes every macro it starts; it has no 'expr'");
		if ((v = ynode_get(it, "name"))) {
			check_ident(v, ynode_str(v, "name"), "constant");
			c->name = xstrdup(v->scalar);
		}
		if ((v = ynode_get(it, "prefix"))) {
			check_ident(v, ynode_str(v, "prefix"), "prefix");
			c->prefix = xstrdup(v->scalar);
		}
		if ((v = ynode_get(it, "group"))) {
			check_ident(v, ynode_str(v, "group"), "group");
			c->group = xstrdup(v->scalar);
		}
		if ((v = ynode_get(it, "expr")))
			c->expr = xstrdup(ynode_str(v, "expr"));
		if ((v = ynode_get(it, "type")))
			c->type = xstrdup(ynode_str(v, "type"));
		if ((v = ynode_get(it, "if")))
			c->cond = cond_of(v);
		c->optional = ynode_opt_bool(it, "optional", 0);
	}
	for (size_t i = 0; i < s->n_constants; i++)
		for (size_t j = 0; j < i; j++) {
			const char *a = s->constants[i].name ? s->constants[i].name : s->constants[i].prefix;
			const char *b = s->constants[j].name ? s->constants[j].name : s->constants[j].prefix;

			if (!strcmp(a, b))
				ynode_die(n->items[i], "constant %s is listed twice", a);
		}
}

static void check_path(const struct ynode *n, const char *s, const char *what)
{
	char *copy = xstrdup(s), *save = NULL;
	const char *bad = NULL;

	if (!*s || s[strlen(s) - 1] == '.')
		bad = s;
	for (char *part = strtok_r(copy, ".", &save); part && !bad; part = strtok_r(NULL, ".", &save))
		if (!*part || isdigit((unsigned char)*part) || strspn(part, "abcdefghijklmnopqrstuvwxyz"
						   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(part))
			bad = s;
	free(copy);
	if (bad)
		ynode_die(n, "%s '%s' is not a struct module member path such as kp or dyndbg_info.descs", what, s);
}

static void parse_sections(struct kset *s, const struct ynode *n)
{
	static const char *const keys[] = { "name", "elements", "count", "type", "reloc", "if", NULL };
	static const char *const forms[] = { "absolute", "pc-relative", "mixed", "none", NULL };

	if (n->kind != YNODE_SEQUENCE)
		ynode_die(n, "sections must be a list");
	s->sections = xcalloc(n->n_items ? n->n_items : 1, sizeof(*s->sections));
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i], *v;
		struct kset_section *sec = &s->sections[i];
		size_t f;

		s->n_sections = i + 1;	/* counted first, so that kset_free() frees a half-read entry */
		if (it->kind != YNODE_MAPPING)
			ynode_die(it, "a section is {name, elements or type, count, reloc, if}");
		ynode_check_keys(it, keys);
		if (!(v = ynode_get(it, "name")))
			ynode_die(it, "a section needs a name");
		sec->name = xstrdup(ynode_str(v, "name"));
		if (!ynode_get(it, "elements") == !ynode_get(it, "type"))
			ynode_die(it, "section %s needs either 'elements' (a struct module member) or 'type'", sec->name);
		if ((v = ynode_get(it, "elements"))) {
			check_path(v, ynode_str(v, "elements"), "elements");
			sec->elements = xstrdup(v->scalar);
		}
		if ((v = ynode_get(it, "count"))) {
			check_path(v, ynode_str(v, "count"), "count");
			sec->count = xstrdup(v->scalar);
		}
		if ((v = ynode_get(it, "type")))
			sec->type = xstrdup(ynode_str(v, "type"));
		if (!(v = ynode_get(it, "reloc")))
			ynode_die(it, "section %s needs 'reloc': absolute, pc-relative, mixed or none", sec->name);
		for (f = 0; forms[f] && strcmp(forms[f], ynode_str(v, "reloc")); f++)
			;
		if (!forms[f])
			ynode_die(v, "reloc '%s' is none of absolute, pc-relative, mixed, none", v->scalar);
		sec->reloc = xstrdup(v->scalar);
		if ((v = ynode_get(it, "if")))
			sec->cond = cond_of(v);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->sections[j].name, sec->name) && !sec->cond && !s->sections[j].cond)
				ynode_die(it, "section %s is listed twice without an 'if'", sec->name);
	}
}

/* 'includes': header paths, or {path, if} for a header only some kernels have. */
static void parse_includes(struct kset *s, const struct ynode *n)
{
	static const char *const keys[] = { "path", "if", NULL };

	if (n->kind == YNODE_SCALAR) {
		s->includes = ynode_strv(n, "includes", &s->n_includes);
		s->include_conds = xcalloc(1, sizeof(char *));
		return;
	}
	if (n->kind != YNODE_SEQUENCE)
		ynode_die(n, "includes must be a list");
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i];

		if (it->kind != YNODE_MAPPING) {
			ynode_str(it, "include");
			continue;
		}
		ynode_check_keys(it, keys);
		if (!ynode_get(it, "path"))
			ynode_die(it, "an include needs a 'path'");
		ynode_str(ynode_get(it, "path"), "path");
		if (ynode_get(it, "if"))
			free(cond_of(ynode_get(it, "if")));
	}
	s->includes = xcalloc(n->n_items ? n->n_items : 1, sizeof(char *));
	s->include_conds = xcalloc(n->n_items ? n->n_items : 1, sizeof(char *));
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i];

		if (it->kind == YNODE_MAPPING) {
			if (ynode_get(it, "if"))
				s->include_conds[i] = cond_of(ynode_get(it, "if"));
			it = ynode_get(it, "path");
		}
		s->includes[i] = xstrdup(it->scalar);
	}
	s->n_includes = n->n_items;
}

static void set_free(void *s)
{
	kset_free(s);
}

static void doc_free(void *doc)
{
	ydoc_free(doc);
}

struct kset *kset_load(const char *file)
{
	static const char *const keys[] = { "name", "defines", "includes", "definitions", "structs",
					    "enums", "constants", "strings", "externs", "sections", NULL };
	struct ydoc *doc = ydoc_load(file);
	struct kset *s = xcalloc(1, sizeof(*s));
	const struct ynode *n;
	char **names, **values;
	size_t count;

	report_hold(doc, doc_free);
	report_hold(s, set_free);
	if (!doc->root)
		die("%s: the set file is empty; it needs at least 'name', 'includes' and 'structs'", file);
	ynode_check_keys(doc->root, keys);
	s->file = xstrdup(file);
	if (!(n = ynode_get(doc->root, "name")))
		ynode_die(doc->root, "the set needs a 'name'");
	s->name = xstrdup(ynode_str(n, "name"));
	check_ident(n, s->name, "set name");
	s->defines = ident_list(doc->root, "defines", &s->n_defines);
	if (!(n = ynode_get(doc->root, "includes")))
		ynode_die(doc->root, "the set needs 'includes': the headers that define its structs");
	parse_includes(s, n);
	if ((n = ynode_get(doc->root, "definitions")))
		parse_definitions(s, n);
	if (!(n = ynode_get(doc->root, "structs")))
		ynode_die(doc->root, "the set needs 'structs'");
	parse_structs(s, n);
	s->enums = item_list(doc->root, "enums", &s->enum_conds, &s->n_enums);
	if ((n = ynode_get(doc->root, "constants")))
		parse_constants(s, n);
	if ((n = ynode_get(doc->root, "strings"))) {
		parse_pairs(n, "strings", "expr", &names, &values, &count);
		s->strings = xcalloc(count ? count : 1, sizeof(*s->strings));
		for (size_t i = 0; i < count; i++)
			s->strings[i] = (struct kset_string){ names[i], values[i] };
		s->n_strings = count;
		free(names);
		free(values);
	}
	if ((n = ynode_get(doc->root, "externs"))) {
		parse_pairs(n, "externs", "type", &names, &values, &count);
		s->externs = xcalloc(count ? count : 1, sizeof(*s->externs));
		for (size_t i = 0; i < count; i++)
			s->externs[i] = (struct kset_extern){ names[i], values[i] };
		s->n_externs = count;
		free(names);
		free(values);
		for (size_t i = 0; i < count; i++)
			if (!starts_with(s->externs[i].type, "struct ") && !starts_with(s->externs[i].type, "union "))
				ynode_die(n->items[i], "externs type '%s' must be 'struct NAME' or 'union NAME'",
					  s->externs[i].type);
	}
	if ((n = ynode_get(doc->root, "sections")))
		parse_sections(s, n);
	report_release(s);
	report_release(doc);
	ydoc_free(doc);
	return s;
}

void kset_free(struct kset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_structs; i++) {
		free(s->structs[i].name);
		free(s->structs[i].cond);
	}
	free(s->structs);
	for (size_t i = 0; i < s->n_strings; i++) {
		free(s->strings[i].name);
		free(s->strings[i].expr);
	}
	free(s->strings);
	for (size_t i = 0; i < s->n_externs; i++) {
		free(s->externs[i].name);
		free(s->externs[i].type);
	}
	free(s->externs);
	for (size_t i = 0; i < s->n_constants; i++) {
		free(s->constants[i].name);
		free(s->constants[i].expr);
		free(s->constants[i].prefix);
		free(s->constants[i].type);
		free(s->constants[i].group);
		free(s->constants[i].cond);
	}
	free(s->constants);
	for (size_t i = 0; i < s->n_sections; i++) {
		free(s->sections[i].name);
		free(s->sections[i].elements);
		free(s->sections[i].count);
		free(s->sections[i].type);
		free(s->sections[i].reloc);
		free(s->sections[i].cond);
	}
	free(s->sections);
	strv_free(s->defines, s->n_defines);
	strv_free(s->includes, s->n_includes);
	strv_free(s->include_conds, s->n_includes);
	strv_free(s->enums, s->n_enums);
	strv_free(s->enum_conds, s->n_enums);
	for (size_t i = 0; i < s->n_definitions; i++) {
		free(s->definitions[i].type);
		free(s->definitions[i].cond);
		free(s->definitions[i].text);
	}
	free(s->definitions);
	free(s->file);
	free(s->name);
	free(s);
}
