/* layout_read.c: kabi.json back into a layout model, through libyaml (JSON is YAML). */
#include "model/layout_read.h"
#include "model/layout.h"
#include "util/report.h"
#include "util/str.h"
#include "util/yamldoc.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * libyaml hands every scalar over as text, so 64-bit values are parsed here with
 * parse_u64/parse_i64 (str.h) and come back exactly; a JSON reader that goes through double would
 * not. The dump never writes null (absent keys mean "none"), because a scalar's quoting
 * is not kept and "null" could be a name.
 */

/* No kernel object is a terabyte: beyond this, a size is damage (and sizes * 8 cannot wrap). */
#define KABI_MAX_SIZE ((uint64_t)1 << 40)

static const struct ynode *need(const struct ynode *map, const char *key)
{
	const struct ynode *n = ynode_get(map, key);

	if (!n)
		ynode_die(map, "'%s' is missing; the dump is incomplete", key);
	return n;
}

static uint64_t to_u64(const struct ynode *n, const char *what)
{
	const char *s = ynode_str(n, what);
	uint64_t v;

	if (!isdigit((unsigned char)s[0]))
		ynode_die(n, "%s must be a whole number, not '%s'", what, s);
	if (parse_u64(s, 10, &v))
		ynode_die(n, "%s '%s' is not a 64-bit whole number", what, s);
	return v;
}

static int64_t to_i64(const struct ynode *n, const char *what)
{
	const char *s = ynode_str(n, what);
	int64_t v;

	if (!isdigit((unsigned char)s[s[0] == '-']))
		ynode_die(n, "%s must be a whole number, not '%s'", what, s);
	if (parse_i64(s, &v))
		ynode_die(n, "%s '%s' is not a 64-bit whole number", what, s);
	return v;
}

static uint32_t to_u32(const struct ynode *n, const char *what)
{
	uint64_t v = to_u64(n, what);

	if (v > UINT32_MAX)
		ynode_die(n, "%s %" PRIu64 " is too large", what, v);
	return (uint32_t)v;
}

static uint64_t opt_u64(const struct ynode *map, const char *key)
{
	const struct ynode *n = ynode_get(map, key);

	return n ? to_u64(n, key) : 0;
}

static char *opt_str(const struct ynode *map, const char *key)
{
	const struct ynode *n = ynode_get(map, key);

	return n ? xstrdup(ynode_str(n, key)) : NULL;
}

static const struct ynode *seq(const struct ynode *n, const char *what)
{
	if (n->kind != YNODE_SEQUENCE)
		ynode_die(n, "%s must be a list", what);
	return n;
}

static char **read_strv(const struct ynode *n, const char *what, size_t *count)
{
	char **v;

	seq(n, what);
	for (size_t i = 0; i < n->n_items; i++)
		ynode_str(n->items[i], what);
	*count = n->n_items;
	if (!n->n_items)
		return NULL;
	v = xcalloc(n->n_items, sizeof(*v));
	for (size_t i = 0; i < n->n_items; i++)
		v[i] = xstrdup(n->items[i]->scalar);
	return v;
}

/* ---- duplicates ---- */

static int name_node_cmp(const void *a, const void *b)
{
	const struct ynode *x = *(struct ynode *const *)a, *y = *(struct ynode *const *)b;
	int c = strcmp(x->scalar, y->scalar);

	if (c)
		return c;
	return x->line != y->line ? (x->line < y->line ? -1 : 1) : (x->column > y->column) - (x->column < y->column);
}

/*
 * Dies when two items of LIST have the same name: the KEY of each mapping, or each item
 * itself when KEY is NULL (a list's names). A dump written by kabigen never repeats one;
 * read as it was, the second copy silently replaced the first (check-ko judged by it) or
 * was never compared ('diff' said "No changes"). WHAT names the items ("constant",
 * "enumerator"), OWNER_KIND and OWNER (or NULL) what holds them ("enum", "mod_state"); the
 * message gives the line of the first copy.
 */
static void refuse_duplicates(const struct ynode *list, const char *key, const char *what, const char *owner_kind,
			      const char *owner)
{
	const struct ynode **names = xcalloc(list->n_items + 1, sizeof(*names));
	size_t n = 0;

	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *name = key ? ynode_get(list->items[i], key) : list->items[i];

		if (name && name->kind == YNODE_SCALAR)
			names[n++] = name;
	}
	qsort(names, n, sizeof(*names), name_node_cmp);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(names[i - 1]->scalar, names[i]->scalar)) {
			const struct ynode *first = names[i - 1], *again = names[i];

			free(names);
			ynode_die(again, "%s %s%s%s%s%s is given twice (first at line %u); a dump holds each once: write it "
				  "again with 'kabigen --format json'", what, again->scalar, owner_kind ? " of " : "",
				  owner_kind ? owner_kind : "", owner ? " " : "", owner ? owner : "", first->line);
		}
	}
	free(names);
}

/* ---- types and records ---- */


static void read_members(struct kabi_model *m, struct kabi_record *r, const struct ynode *list);
static struct kabi_type *read_type(struct kabi_model *m, const struct ynode *n, bool by_value);

/* N's "kind" (a union is a record); *NAME is how the dump spells it. */
static enum kabi_type_kind read_kind(const struct ynode *n, bool *is_union, const char **name)
{
	const struct ynode *kind_node = need(n, "kind");
	size_t k;

	*name = ynode_str(kind_node, "kind");
	*is_union = !strcmp(*name, "union");
	if (*is_union)
		return KT_RECORD;
	for (k = 0; k < KABI_TYPE_KINDS; k++)
		if (!strcmp(kabi_type_kind_names[k], *name))
			return (enum kabi_type_kind)k;
	ynode_die(kind_node, "unknown type kind '%s'", *name);
}

/* What T refers to: the target of a pointer, array or function, its parameters, the members
 * of an anonymous record, or the named record a member contains by value. */
static void read_referents(struct kabi_model *m, const struct ynode *n, struct kabi_type *t, const char *kind_name,
			   bool by_value)
{
	const struct ynode *target = ynode_get(n, "target"), *params = ynode_get(n, "params");
	const struct ynode *members = ynode_get(n, "members");
	enum kabi_type_kind kind = t->kind;

	if (kind == KT_POINTER || kind == KT_ARRAY || kind == KT_FUNC) {
		if (!target)
			ynode_die(n, "a type of kind %s needs a 'target'", kind_name);
		t->target = read_type(m, target, kind == KT_ARRAY && by_value);
		if (kind == KT_ARRAY && t->count > 0 && t->target->size &&
		    (uint64_t)t->count > t->size / t->target->size)
			ynode_die(n, "an array of %" PRId64 " elements of %" PRIu64 " bytes does not fit its size %" PRIu64,
				  t->count, t->target->size, t->size);
	} else if (target) {
		ynode_die(target, "a type of kind %s has no 'target'", kind_name);
	}
	if (kind == KT_FUNC && params) {
		seq(params, "params");
		t->n_params = params->n_items;
		t->params = xcalloc(t->n_params, sizeof(*t->params));
		for (size_t i = 0; i < t->n_params; i++)
			t->params[i] = read_type(m, params->items[i], false);
	} else if (params || kind == KT_FUNC) {
		ynode_die(n, "'params' goes with kind func, and func needs it");
	}
	if (kind == KT_RECORD && !t->name) {
		if (!members)
			ynode_die(n, "an anonymous %s needs its 'members'", kind_name);
		t->record = kabi_record_new(m, NULL);
		t->record->is_union = t->is_union;
		t->record->packed = ynode_opt_bool(n, "packed", 0);
		t->record->size = t->size;
		t->record->align = t->align;
		read_members(m, t->record, members);
	} else if (members || ynode_get(n, "packed")) {
		ynode_die(n, "only an anonymous struct or union has 'members' here; a named one is in \"structs\"");
	} else if (kind == KT_RECORD && by_value) {
		t->record = kabi_model_find_record(m, t->name);
		if (!t->record)
			ynode_die(n, "%s %s is contained by value, but \"structs\" does not define it", kind_name,
				  t->name);
	}
}

/*
 * BY_VALUE: the type is stored in its container (a member, or an array of them), not
 * reached through a pointer or a prototype. Only there does a named record stand for
 * the definition in "structs", as extract.c links it.
 */
static struct kabi_type *read_type(struct kabi_model *m, const struct ynode *n, bool by_value)
{
	static const char *const keys[] = { "kind", "const", "name", "signed", "size", "align", "count", "target",
					    "params", "variadic", "packed", "members", NULL };
	enum kabi_type_kind kind;
	const char *kind_name;
	bool is_union;
	struct kabi_type *t;

	ynode_check_keys(n, keys);
	kind = read_kind(n, &is_union, &kind_name);
	t = kabi_type_new(m, kind);
	t->is_union = is_union;
	t->is_const = ynode_opt_bool(n, "const", 0);
	t->name = opt_str(n, "name");
	if (kind == KT_INT || kind == KT_BOOL || kind == KT_FLOAT)
		t->is_signed = ynode_opt_bool(n, "signed", 0);
	t->size = opt_u64(n, "size");
	if (t->size > KABI_MAX_SIZE)
		ynode_die(n, "size %" PRIu64 " is larger than any kernel object", t->size);
	t->align = ynode_get(n, "align") ? to_u32(ynode_get(n, "align"), "align") : 0;
	if (t->align & (t->align - 1))
		ynode_die(n, "align %" PRIu32 " is not a power of two", t->align);
	if (ynode_get(n, "count"))
		t->count = to_i64(ynode_get(n, "count"), "count");
	else if (kind == KT_ARRAY)
		ynode_die(n, "an array type needs a 'count'");
	if (t->count < -1)
		ynode_die(n, "count %" PRId64 " is negative (-1 is a flexible array)", t->count);
	t->variadic = ynode_opt_bool(n, "variadic", 0);
	if (!t->name && (kind == KT_INT || kind == KT_BOOL || kind == KT_FLOAT || kind == KT_ENUM || kind == KT_OPAQUE))
		ynode_die(n, "a type of kind %s needs a 'name'", kind_name);
	read_referents(m, n, t, kind_name, by_value);
	return t;
}

static void read_members(struct kabi_model *m, struct kabi_record *r, const struct ynode *list)
{
	static const char *const keys[] = { "name", "offset_bits", "size", "bit_width", "type", "ctype", NULL };

	seq(list, "members");
	refuse_duplicates(list, "name", "member", r->name ? (r->is_union ? "union" : "struct")
							: "an anonymous struct or union", r->name);
	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *n = list->items[i], *bw;
		struct kabi_member mem = { 0 };
		uint64_t size;

		ynode_check_keys(n, keys);
		mem.offset_bits = to_u64(need(n, "offset_bits"), "offset_bits");
		size = to_u64(need(n, "size"), "size");
		mem.bit_width = KABI_NOT_BITFIELD;
		if ((bw = ynode_get(n, "bit_width"))) {
			uint64_t w = to_u64(bw, "bit_width");

			if (w > 128)
				ynode_die(bw, "bit_width %" PRIu64 " is wider than any integer", w);
			mem.bit_width = (int)w;
		}
		mem.type = read_type(m, need(n, "ctype"), true);
		if (size != mem.type->size)
			ynode_die(n, "size %" PRIu64 " disagrees with its ctype's %" PRIu64, size, mem.type->size);
		/* Sizes are at most KABI_MAX_SIZE, so these sums cannot wrap. */
		if (mem.offset_bits > KABI_MAX_SIZE * 8 ||
		    mem.offset_bits + (mem.bit_width == KABI_NOT_BITFIELD ? size * 8 : (uint64_t)mem.bit_width) >
			    r->size * 8)
			ynode_die(n, "the member at bit %" PRIu64 " (%" PRIu64 " bytes) lies beyond its record's %" PRIu64
				  " bytes", mem.offset_bits, size, r->size);
		/* Strings last: nothing above may die while they are not yet owned by the record. */
		mem.name = opt_str(n, "name");
		mem.kernel_type = opt_str(n, "type");
		kabi_record_add_member(r, &mem);
	}
}

/* Structs in two passes: a struct may contain one defined after it. */
static void read_structs(struct kabi_model *m, const struct ynode *list)
{
	static const char *const keys[] = { "name", "kind", "size", "align", "packed", "members", NULL };

	seq(list, "structs");
	m->order = xcalloc(list->n_items, sizeof(*m->order));
	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *n = list->items[i], *kind;
		const char *name;
		struct kabi_record *r;

		ynode_check_keys(n, keys);
		name = ynode_str(need(n, "name"), "name");
		if (kabi_model_find_record(m, name))
			ynode_die(n, "struct %s is defined twice", name);
		kind = need(n, "kind");
		if (strcmp(ynode_str(kind, "kind"), "struct") && strcmp(kind->scalar, "union"))
			ynode_die(kind, "kind must be struct or union, not '%s'", kind->scalar);
		r = kabi_record_new(m, name);
		r->is_union = !strcmp(kind->scalar, "union");
		r->size = to_u64(need(n, "size"), "size");
		r->align = to_u32(need(n, "align"), "align");
		if (r->size > KABI_MAX_SIZE || !r->align || (r->align & (r->align - 1)))
			ynode_die(n, "struct %s: size %" PRIu64 " or align %" PRIu32 " is impossible", name, r->size,
				  r->align);
		r->packed = ynode_opt_bool(n, "packed", 0);
		r->in_set = true;
		m->order[m->n_order++] = r;
	}
	for (size_t i = 0; i < list->n_items; i++) {
		const char *why;

		read_members(m, m->order[i], need(list->items[i], "members"));
		/* The attributes are derived, not stored: the same inference extract.c runs. */
		if (layout_infer_attrs(m->order[i], &why))
			ynode_die(list->items[i], "struct %s cannot be laid out as the dump says (at %s); the dump is "
				  "inconsistent", m->order[i]->name, why);
	}
}

/* ---- everything else ---- */

static void read_triple(struct kabi_provenance *p, const struct ynode *n)
{
	static const char *const keys[] = { "arch", "kernel_arch", "target", "release", "flavour", "set",
					    "autoconf", "autoconf_sha256", "kconfig", "inputs", "overrides",
					    "omitted", "constant_sources", NULL };
	const struct ynode *v;

	ynode_check_keys(n, keys);
	/* What every emitter prints is required; fuzzing found a dump without "target". */
	p->arch = xstrdup(ynode_str(need(n, "arch"), "arch"));
	p->kernel_arch = xstrdup(ynode_str(need(n, "kernel_arch"), "kernel_arch"));
	p->clang_target = xstrdup(ynode_str(need(n, "target"), "target"));
	p->release = xstrdup(ynode_str(need(n, "release"), "release"));
	p->flavour = opt_str(n, "flavour");
	p->set_name = xstrdup(ynode_str(need(n, "set"), "set"));
	p->autoconf_path = xstrdup(ynode_str(need(n, "autoconf"), "autoconf"));
	p->autoconf_sha256 = xstrdup(ynode_str(need(n, "autoconf_sha256"), "autoconf_sha256"));
	p->kconfig = opt_str(n, "kconfig");
	if ((v = ynode_get(n, "inputs")))
		p->inputs = read_strv(v, "inputs", &p->n_inputs);
	if ((v = ynode_get(n, "overrides")))
		p->overrides = read_strv(v, "overrides", &p->n_overrides);
	if ((v = ynode_get(n, "omitted")))
		p->omitted = read_strv(v, "omitted", &p->n_omitted);
	if ((v = ynode_get(n, "constant_sources")))
		p->constant_sources = read_strv(v, "constant_sources", &p->n_constant_sources);
}

static void read_strings(struct kabi_model *m, const struct ynode *n)
{
	if (n->kind != YNODE_MAPPING)
		ynode_die(n, "strings must be a mapping of names to values");
	m->strings = xcalloc(n->n_items / 2, sizeof(*m->strings));
	for (size_t i = 0; i + 1 < n->n_items; i += 2) {
		const char *name = ynode_str(n->items[i], "a string's name");
		const char *value = ynode_str(n->items[i + 1], name);

		m->strings[m->n_strings].name = xstrdup(name);
		m->strings[m->n_strings++].value = xstrdup(value);
	}
}

static void read_constants(struct kabi_model *m, const struct ynode *list)
{
	static const char *const keys[] = { "name", "value", "type", "size", "signed", "kernel_type", "expr",
					    "group", NULL };

	seq(list, "constants");
	refuse_duplicates(list, "name", "constant", NULL, NULL);
	m->constants = xcalloc(list->n_items, sizeof(*m->constants));
	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *n = list->items[i];
		struct kabi_constant *c = &m->constants[m->n_constants];

		ynode_check_keys(n, keys);
		c->is_signed = ynode_bool(need(n, "signed"), "signed");
		c->value = c->is_signed ? (uint64_t)to_i64(need(n, "value"), "value")
					: to_u64(need(n, "value"), "value");
		c->size = to_u32(need(n, "size"), "size");
		ynode_str(need(n, "name"), "name");
		ynode_str(need(n, "type"), "type");
		/* Checked before anything is allocated: a die() here leaks nothing. */
		for (const char *const *k = keys + 5; *k; k++)
			if (ynode_get(n, *k))
				ynode_str(ynode_get(n, *k), *k);
		c->name = xstrdup(need(n, "name")->scalar);
		c->c_type = xstrdup(need(n, "type")->scalar);
		c->kernel_type = opt_str(n, "kernel_type");
		c->expr = opt_str(n, "expr");
		c->group = opt_str(n, "group");
		m->n_constants++;
	}
}

/* Whether V (the bits, as read_enums stores them) is a value of integer type T. */
static bool enum_value_fits(const struct kabi_type *t, int64_t v)
{
	unsigned bits = (unsigned)t->size * 8;

	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
		return false;
	if (bits == 64)
		return true;
	if (t->is_signed)
		return v >= -((int64_t)1 << (bits - 1)) && v < ((int64_t)1 << (bits - 1));
	return (uint64_t)v < ((uint64_t)1 << bits);
}

static void read_sections(struct kabi_model *m, const struct ynode *list)
{
	static const char *const keys[] = { "name", "type", "size", "align", "elements", "count", "reloc", "offsets",
					    NULL };

	seq(list, "sections");
	refuse_duplicates(list, "name", "section", NULL, NULL);
	m->sections = xcalloc(list->n_items ? list->n_items : 1, sizeof(*m->sections));
	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *n = list->items[i], *offs;
		struct kabi_section *sec = &m->sections[m->n_sections];
		uint64_t size, *offsets;
		uint32_t align;

		/* Everything checked before anything is allocated: a die() here leaks nothing. */
		ynode_check_keys(n, keys);
		ynode_str(need(n, "name"), "name");
		ynode_str(need(n, "type"), "type");
		ynode_str(need(n, "reloc"), "reloc");
		for (const char *const *k = keys + 4; k < keys + 6; k++)
			if (ynode_get(n, *k))
				ynode_str(ynode_get(n, *k), *k);
		size = to_u64(need(n, "size"), "size");
		align = to_u32(need(n, "align"), "align");
		offs = seq(need(n, "offsets"), "offsets");
		if (!size || !offs->n_items)
			ynode_die(n, "a section's element has a size and at least one offset");
		for (size_t j = 0; j < offs->n_items; j++)
			if (to_u64(offs->items[j], "offset") >= size)
				ynode_die(offs->items[j], "an offset beyond the element's %" PRIu64 " bytes", size);
		offsets = xcalloc(offs->n_items, sizeof(*offsets));
		for (size_t j = 0; j < offs->n_items; j++)
			offsets[j] = to_u64(offs->items[j], "offset");
		sec->name = xstrdup(need(n, "name")->scalar);
		sec->type = xstrdup(need(n, "type")->scalar);
		sec->reloc = xstrdup(need(n, "reloc")->scalar);
		sec->elements = opt_str(n, "elements");
		sec->count = opt_str(n, "count");
		sec->size = size;
		sec->align = align;
		sec->offsets = offsets;
		sec->n_offsets = offs->n_items;
		m->n_sections++;
	}
}

static void read_enums(struct kabi_model *m, const struct ynode *list)
{
	static const char *const keys[] = { "name", "type", "values", NULL };
	static const char *const value_keys[] = { "name", "value", NULL };

	seq(list, "enums");
	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *n = list->items[i], *values;
		const char *name;
		struct kabi_type *int_type;
		struct kabi_enum *e;

		ynode_check_keys(n, keys);
		name = ynode_str(need(n, "name"), "name");
		if (kabi_model_find_enum(m, name))
			ynode_die(n, "enum %s is defined twice", name);
		int_type = read_type(m, need(n, "type"), false);
		if (int_type->kind != KT_INT)
			ynode_die(need(n, "type"), "the type of enum %s must be an integer type", name);
		values = seq(need(n, "values"), "values");
		for (size_t j = 0; j < values->n_items; j++)
			ynode_check_keys(values->items[j], value_keys);
		refuse_duplicates(values, "name", "enumerator", "enum", name);
		e = kabi_model_add_enum(m, name, int_type);
		e->values = xcalloc(values->n_items, sizeof(*e->values));
		for (size_t j = 0; j < values->n_items; j++) {
			const struct ynode *v = values->items[j], *value = need(v, "value");

			/* As extract.c stores them: the bits, read as unsigned when the type is. */
			e->values[j].value = int_type->is_signed ? to_i64(value, "value")
								 : (int64_t)to_u64(value, "value");
			if (!enum_value_fits(int_type, e->values[j].value))
				ynode_die(value, "enum %s: %s does not fit its %" PRIu64 "-byte %s type", name,
					  value->scalar, int_type->size, int_type->is_signed ? "signed" : "unsigned");
			e->values[j].name = xstrdup(ynode_str(need(v, "name"), "name"));
			e->n_values++;
		}
	}
}

static void read_lists(struct kabi_model *m, const struct ynode *list)
{
	static const char *const keys[] = { "name", "type", "items", NULL };

	seq(list, "lists");
	refuse_duplicates(list, "name", "list", NULL, NULL);
	m->lists = xcalloc(list->n_items, sizeof(*m->lists));
	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *n = list->items[i];
		struct kabi_name_list *l = &m->lists[m->n_lists];
		char **items;
		size_t n_items;

		ynode_check_keys(n, keys);
		ynode_str(need(n, "name"), "name");
		ynode_str(need(n, "type"), "type");
		refuse_duplicates(seq(need(n, "items"), "items"), NULL, "item", "list", need(n, "name")->scalar);
		items = read_strv(need(n, "items"), "items", &n_items);
		l->name = xstrdup(need(n, "name")->scalar);
		l->type = xstrdup(need(n, "type")->scalar);
		l->items = items;
		l->n_items = n_items;
		m->n_lists++;
	}
}

static void doc_free(void *doc)
{
	ydoc_free(doc);
}

static void model_free(void *m)
{
	kabi_model_free(m);
}

static struct kabi_model *read_doc(struct ydoc *doc)
{
	static const char *const keys[] = { "format", "schema", "kabigen", "triple", "strings", "constants",
					    "sections", "enums", "lists", "structs", NULL };
	const struct ynode *root = doc->root, *format, *schema;
	struct kabi_model *m;
	uint64_t version;

	report_hold(doc, doc_free);
	if (!root || root->kind != YNODE_MAPPING || !(format = ynode_get(root, "format")) ||
	    format->kind != YNODE_SCALAR)
		die("%s: not a kabigen layout dump (no \"format\" key); write one with 'kabigen --format json'",
		    doc->file);
	if (strcmp(format->scalar, KABI_LAYOUT_FORMAT))
		ynode_die(format, "this is a \"%s\" file, not a layout dump (\"%s\"); write one with 'kabigen "
			  "--format json'", format->scalar, KABI_LAYOUT_FORMAT);
	schema = need(root, "schema");
	version = to_u64(schema, "schema");
	/* Checked before anything else: a newer schema may have keys this one does not know. */
	if (version > KABI_LAYOUT_SCHEMA)
		ynode_die(schema, "layout schema %" PRIu64 " is newer than this kabigen reads (%d); use a newer "
			  "kabigen", version, KABI_LAYOUT_SCHEMA);
	if (version < 1)
		ynode_die(schema, "layout schema %" PRIu64 " does not exist; the first is 1", version);
	ynode_check_keys(root, keys);

	m = kabi_model_new();
	report_hold(m, model_free);
	m->prov.kabigen_version = xstrdup(ynode_str(need(root, "kabigen"), "kabigen"));
	read_triple(&m->prov, need(root, "triple"));
	read_strings(m, need(root, "strings"));
	read_constants(m, need(root, "constants"));
	if (ynode_get(root, "sections"))	/* schema 3 */
		read_sections(m, ynode_get(root, "sections"));
	read_enums(m, need(root, "enums"));
	read_lists(m, need(root, "lists"));
	read_structs(m, need(root, "structs"));
	report_release(m);
	report_release(doc);
	ydoc_free(doc);
	return m;
}

struct kabi_model *layout_read_json(const char *file)
{
	return read_doc(ydoc_load(file));
}

struct kabi_model *layout_read_json_buffer(const char *name, const char *text, size_t len)
{
	return read_doc(ydoc_load_buffer(name, text, len));
}
