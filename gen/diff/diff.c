/* diff.c: two layout models compared, member by member and value by value; suppression files. */
#include "diff/diff.h"
#include "model/layout.h"
#include "util/report.h"
#include "util/yamldoc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- suppressions ---- */

const char *const diff_kind_names[] = { [DIFF_STRUCT] = "struct", [DIFF_ENUM] = "enum",
					[DIFF_CONSTANT] = "constant", [DIFF_STRING] = "string",
					[DIFF_LIST] = "list", [DIFF_SECTION] = "section" };

static void doc_free(void *doc)
{
	ydoc_free(doc);
}

static void suppressions_free(void *s)
{
	diff_suppressions_free(s);
}

/*
 * suppress:
 *   - struct: module          # one of struct, enum, constant, string, list
 *     members: [param_lock]   # members, enumerators or list entries; none: all of it
 *     reason: free text
 */
struct diff_suppressions *diff_suppressions_load(const char *file)
{
	static const char *const top_keys[] = { "suppress", NULL };
	static const char *const keys[] = { "struct", "enum", "constant", "string", "list", "section", "members",
					    "reason", NULL };
	struct ydoc *doc = ydoc_load(file);
	struct diff_suppressions *s = xcalloc(1, sizeof(*s));
	const struct ynode *list;

	report_hold(doc, doc_free);
	report_hold(s, suppressions_free);
	if (!doc->root)
		die("%s: the suppression file is empty; write a 'suppress:' list", file);
	ynode_check_keys(doc->root, top_keys);
	list = ynode_get(doc->root, "suppress");
	if (!list || list->kind != YNODE_SEQUENCE)
		ynode_die(doc->root,
			  "'suppress' must be a list of entries such as '{struct: module, members: [init]}'");
	s->v = xcalloc(list->n_items, sizeof(*s->v));
	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *e = list->items[i], *members, *name = NULL;
		struct diff_suppression *sp = &s->v[s->n];
		int kinds = 0;

		ynode_check_keys(e, keys);
		for (enum diff_item_kind k = DIFF_STRUCT; k <= DIFF_SECTION; k++) {
			const struct ynode *n = ynode_get(e, diff_kind_names[k]);

			if (n) {
				name = n;
				sp->kind = k;
				kinds++;
			}
		}
		if (kinds != 1)
			ynode_die(e, "each entry names one struct, enum, constant, string or list");
		members = ynode_get(e, "members");
		if (members && (sp->kind == DIFF_CONSTANT || sp->kind == DIFF_STRING || sp->kind == DIFF_SECTION))
			ynode_die(members, "'members' goes with a struct, an enum or a list");
		if (members && (members->kind != YNODE_SEQUENCE || !members->n_items))
			ynode_die(members, "'members' must be a list of names; leave it out to suppress all of it");
		if (members)
			for (size_t j = 0; j < members->n_items; j++)
				ynode_str(members->items[j], "members");
		if (ynode_get(e, "reason"))
			ynode_str(ynode_get(e, "reason"), "reason");
		sp->name = xstrdup(ynode_str(name, "the name"));
		sp->where = xasprintf("%s:%u:%u", file, name->line, name->column);
		s->n++;
		if (members) {
			sp->members = xcalloc(members->n_items, sizeof(*sp->members));
			for (size_t j = 0; j < members->n_items; j++)
				sp->members[sp->n_members++] = xstrdup(members->items[j]->scalar);
		}
	}
	report_release(s);
	report_release(doc);
	ydoc_free(doc);
	return s;
}

void diff_suppressions_free(struct diff_suppressions *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		strv_free(s->v[i].members, s->v[i].n_members);
		free(s->v[i].where);
	}
	free(s->v);
	free(s);
}

/* ---- the comparison's state ---- */

struct differ {
	const struct kabi_model *old, *new;
	const struct diff_options *opt;
	struct kabi_diff *d;
};

/* Whether --only lets NAME (of KIND) through. */
static bool wanted(const struct differ *x, enum diff_item_kind kind, const char *name)
{
	const struct diff_options *o = x->opt;
	bool loose = kind == DIFF_STRING || kind == DIFF_LIST;	/* "vermagic", "param_ops" */

	if (!o->n_only)
		return true;
	for (size_t i = 0; i < o->n_only; i++)
		if (loose ? !strcasecmp(o->only[i], name) : !strcmp(o->only[i], name))
			return true;
	return false;
}

/* Whether a suppression covers MEMBER (NULL: the whole thing) of NAME. */
static bool suppressed(const struct differ *x, enum diff_item_kind kind, const char *name, const char *member)
{
	const struct diff_suppressions *s = x->opt->suppress;

	if (!s)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		const struct diff_suppression *sp = &s->v[i];

		if (sp->kind != kind || strcmp(sp->name, name))
			continue;
		if (!sp->n_members)
			return true;
		for (size_t j = 0; member && j < sp->n_members; j++)
			if (!strcmp(sp->members[j], member))
				return true;
	}
	return false;
}

/* ---- structs ---- */

struct flat {
	char *name;
	struct diff_field f;
};

struct flats {
	struct flat *v;
	size_t n;
};

static const char *inline_spelling(const struct kabi_type *t)
{
	return t->is_union ? "union {...}" : "struct {...}";
}

/*
 * Every named member with its offset from the start of the struct. An anonymous struct or
 * union is looked through, as C does: its members are reached by their own names. A named
 * member of an inline type is listed, then its members as "name.member". Unnamed bitfields
 * are padding, not members.
 */
static void flatten(const struct kabi_record *r, const char *prefix, uint64_t base, struct flats *out)
{
	for (size_t i = 0; i < r->n_members; i++) {
		const struct kabi_member *m = &r->members[i];
		bool is_inline = m->type->kind == KT_RECORD && !m->type->name && m->type->record;
		struct flat *fl;

		if (m->name) {
			out->v = xgrow(out->v, out->n, sizeof(*out->v));
			fl = &out->v[out->n++];
			fl->name = xasprintf("%s%s", prefix, m->name);
			fl->f.type = xstrdup(m->kernel_type ? m->kernel_type
						: is_inline ? inline_spelling(m->type) : "?");
			fl->f.offset_bits = base + m->offset_bits;
			fl->f.size = m->type->size;
			fl->f.bit_width = m->bit_width;
		}
		if (is_inline) {
			char *sub = m->name ? xasprintf("%s%s.", prefix, m->name) : xstrdup(prefix);

			flatten(m->type->record, sub, base + m->offset_bits, out);
			free(sub);
		}
	}
}

static void flats_free(struct flats *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].name);
		free(f->v[i].f.type);
	}
	free(f->v);
}

static struct flat *flat_find(struct flats *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].name && !strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

/* Takes over the strings of F (the flat entry keeps NULLs). */
static struct diff_field take_field(struct flat *f)
{
	struct diff_field out = f->f;

	f->f.type = NULL;
	return out;
}

static uint64_t position(const struct diff_member *m)
{
	return m->changes & DIFF_REMOVED ? m->old.offset_bits : m->new.offset_bits;
}

/* Layout order: by offset on the side that has the member, removed ones where they were. */
static int by_position(const void *a, const void *b)
{
	const struct diff_member *x = a, *y = b;
	uint64_t px = position(x), py = position(y);

	if (px != py)
		return px < py ? -1 : 1;
	if ((x->changes & DIFF_REMOVED) != (y->changes & DIFF_REMOVED))
		return x->changes & DIFF_REMOVED ? 1 : -1;
	return strcmp(x->name, y->name);	/* union members share an offset; qsort is not stable */
}

static void add_member(struct diff_struct *s, struct diff_member *m)
{
	s->members = xgrow(s->members, s->n_members, sizeof(*s->members));
	s->members[s->n_members++] = *m;
}

static void compare_members(struct differ *x, struct diff_struct *s, const struct kabi_record *a,
			    const struct kabi_record *b)
{
	struct flats fa = { 0 }, fb = { 0 };

	flatten(a, "", 0, &fa);
	flatten(b, "", 0, &fb);
	for (size_t i = 0; i < fb.n; i++) {
		struct flat *nb = &fb.v[i], *na = flat_find(&fa, nb->name);
		struct diff_member m = { 0 };

		if (!na) {
			m.changes = DIFF_ADDED;
		} else {
			m.changes |= na->f.offset_bits != nb->f.offset_bits ? DIFF_MOVED : 0;
			m.changes |= na->f.size != nb->f.size ? DIFF_RESIZED : 0;
			m.changes |= na->f.bit_width != nb->f.bit_width ? DIFF_BITFIELD : 0;
			m.changes |= !kabi_same_spelling(na->f.type, nb->f.type) ? DIFF_RETYPED : 0;
		}
		if (m.changes && suppressed(x, DIFF_STRUCT, s->name, nb->name)) {
			x->d->n_suppressed++;
			m.changes = 0;
		}
		if (na) {
			if (m.changes)
				m.old = take_field(na);
			free(na->name);	/* matched: not removed */
			na->name = NULL;
		}
		if (!m.changes)
			continue;
		m.name = xstrdup(nb->name);
		m.new = take_field(nb);
		m.breaking = m.changes & (DIFF_MOVED | DIFF_RESIZED | DIFF_BITFIELD);
		add_member(s, &m);
	}
	for (size_t i = 0; i < fa.n; i++) {
		struct diff_member m = { 0 };

		if (!fa.v[i].name)
			continue;
		if (suppressed(x, DIFF_STRUCT, s->name, fa.v[i].name)) {
			x->d->n_suppressed++;
			continue;
		}
		m.name = xstrdup(fa.v[i].name);
		m.changes = DIFF_REMOVED;
		m.breaking = true;
		m.old = take_field(&fa.v[i]);
		add_member(s, &m);
	}
	if (s->n_members)
		qsort(s->members, s->n_members, sizeof(*s->members), by_position);
	flats_free(&fa);
	flats_free(&fb);
}

/* The reason a side's provenance gives for not having struct NAME, or NULL. */
static char *omitted_note(const struct kabi_model *m, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < m->prov.n_omitted; i++)
		if (!strncmp(m->prov.omitted[i], name, n) && m->prov.omitted[i][n] == ':')
			return xstrdup(m->prov.omitted[i]);
	return NULL;
}

static void diff_struct_free(struct diff_struct *s)
{
	for (size_t j = 0; j < s->n_members; j++) {
		free(s->members[j].name);
		free(s->members[j].old.type);
		free(s->members[j].new.type);
	}
	free(s->members);
	free(s->name);
	free(s->note);
}

static void compare_struct(struct differ *x, const char *name)
{
	const struct kabi_record *a = kabi_model_find_record(x->old, name);
	const struct kabi_record *b = kabi_model_find_record(x->new, name);
	struct diff_struct s = { 0 };

	if (!wanted(x, DIFF_STRUCT, name))
		return;
	s.name = xstrdup(name);
	s.is_union = (a ? a : b)->is_union;
	if (a) {
		s.old_size = a->size;
		s.old_align = a->align;
	}
	if (b) {
		s.new_size = b->size;
		s.new_align = b->align;
	}
	if (!b) {
		s.changes = DIFF_REMOVED;
		s.note = omitted_note(x->new, name);
	} else if (!a) {
		s.changes = DIFF_ADDED;
		s.note = omitted_note(x->old, name);
	} else {
		s.changes |= a->size != b->size ? DIFF_RESIZED : 0;
		s.changes |= a->align != b->align ? DIFF_REALIGNED : 0;
		compare_members(x, &s, a, b);
	}
	if (suppressed(x, DIFF_STRUCT, name, NULL)) {
		x->d->n_suppressed += (s.changes != 0) + s.n_members;
		diff_struct_free(&s);
		return;
	}
	s.breaking = s.changes & (DIFF_REMOVED | DIFF_RESIZED | DIFF_REALIGNED);
	for (size_t i = 0; i < s.n_members; i++)
		s.breaking |= s.members[i].breaking;
	x->d->structs = xgrow(x->d->structs, x->d->n_structs, sizeof(*x->d->structs));
	x->d->structs[x->d->n_structs++] = s;
}

/* ---- enums, constants, strings, lists ---- */

static void add_item(struct differ *x, struct diff_item *it)
{
	if (suppressed(x, (int)it->kind, it->owner ? it->owner : it->name, it->owner ? it->name : NULL)) {
		x->d->n_suppressed++;
		free(it->owner);
		free(it->name);
		free(it->old);
		free(it->new);
		free(it->old_type);
		free(it->new_type);
		return;
	}
	x->d->items = xgrow(x->d->items, x->d->n_items, sizeof(*x->d->items));
	x->d->items[x->d->n_items++] = *it;
}

static char *int_text(uint64_t bits, bool is_signed)
{
	return is_signed ? xasprintf("%" PRId64, (int64_t)bits) : xasprintf("%" PRIu64, bits);
}

static char *enum_type_text(const struct kabi_enum *e)
{
	return xasprintf("%s (%" PRIu64 " bytes)", e->int_type->name, e->int_type->size);
}

static void compare_enum(struct differ *x, const char *name)
{
	const struct kabi_enum *a = kabi_model_find_enum(x->old, name), *b = kabi_model_find_enum(x->new, name);

	x->d->n_enums++;
	if (!a || !b || a->int_type->size != b->int_type->size || a->int_type->is_signed != b->int_type->is_signed ||
	    strcmp(a->int_type->name, b->int_type->name)) {
		struct diff_item it = { .kind = DIFF_ENUM, .owner = xstrdup(name) };

		it.changes = !a ? DIFF_ADDED : !b ? DIFF_REMOVED : DIFF_RETYPED;
		/* Gone: a loader built for OLD uses its values. Resized: it is a member's size. */
		it.breaking = !b || (a && a->int_type->size != b->int_type->size);
		it.old_type = a ? enum_type_text(a) : NULL;
		it.new_type = b ? enum_type_text(b) : NULL;
		add_item(x, &it);
		if (!a || !b)
			return;
	}
	for (size_t i = 0; i < b->n_values; i++) {
		const struct kabi_enumerator *vb = &b->values[i], *va = kabi_enum_find_value(a, vb->name);
		struct diff_item v = { .kind = DIFF_ENUM, .numeric = true };

		v.old = va ? int_text((uint64_t)va->value, a->int_type->is_signed) : NULL;
		v.new = int_text((uint64_t)vb->value, b->int_type->is_signed);
		if (va && !strcmp(v.old, v.new)) {
			free(v.old);
			free(v.new);
			continue;
		}
		v.owner = xstrdup(name);
		v.name = xstrdup(vb->name);
		v.changes = va ? DIFF_VALUE : DIFF_ADDED;
		v.breaking = va != NULL;
		add_item(x, &v);
	}
	/* A value only OLD has is not used by modules built for NEW: a change, not a break. */
	for (size_t i = 0; i < a->n_values; i++) {
		struct diff_item v = { .kind = DIFF_ENUM, .changes = DIFF_REMOVED, .numeric = true };

		if (kabi_enum_find_value(b, a->values[i].name))
			continue;
		v.owner = xstrdup(name);
		v.name = xstrdup(a->values[i].name);
		v.old = int_text((uint64_t)a->values[i].value, a->int_type->is_signed);
		add_item(x, &v);
	}
}

static void compare_constant(struct differ *x, const char *name)
{
	const struct kabi_constant *a = kabi_model_find_constant(x->old, name), *b = kabi_model_find_constant(x->new, name);
	struct diff_item it = { .kind = DIFF_CONSTANT, .numeric = true };

	x->d->n_constants++;
	it.old = a ? int_text(a->value, a->is_signed) : NULL;
	it.new = b ? int_text(b->value, b->is_signed) : NULL;
	it.old_type = a ? xstrdup(a->c_type) : NULL;
	it.new_type = b ? xstrdup(b->c_type) : NULL;
	if (!a || !b)
		it.changes = a ? DIFF_REMOVED : DIFF_ADDED;
	else
		it.changes = (strcmp(it.old, it.new) ? DIFF_VALUE : 0) |
			     (strcmp(a->c_type, b->c_type) ? DIFF_RETYPED : 0);
	/* A relocation type the old kernel did not define is one its loader cannot apply. */
	it.breaking = (it.changes & DIFF_VALUE) || (!a && b->group && !strcmp(b->group, "RELOC"));
	if (!it.changes) {
		free(it.old);
		free(it.new);
		free(it.old_type);
		free(it.new_type);
		return;
	}
	it.name = xstrdup(name);
	add_item(x, &it);
}

static void compare_string(struct differ *x, const char *name)
{
	const struct kabi_string *a = kabi_model_find_string(x->old, name), *b = kabi_model_find_string(x->new, name);
	struct diff_item it = { .kind = DIFF_STRING };

	x->d->n_strings++;
	if (a && b && !strcmp(a->value, b->value))
		return;
	it.name = xstrdup(name);
	it.changes = !a ? DIFF_ADDED : !b ? DIFF_REMOVED : DIFF_VALUE;
	/* vermagic is what the loader checks every module against. */
	it.breaking = !strcmp(name, "VERMAGIC") && a;
	it.old = a ? xstrdup(a->value) : NULL;
	it.new = b ? xstrdup(b->value) : NULL;
	add_item(x, &it);
}

static bool list_has(const struct kabi_name_list *l, const char *item)
{
	for (size_t i = 0; l && i < l->n_items; i++)
		if (!strcmp(l->items[i], item))
			return true;
	return false;
}

static void compare_list(struct differ *x, const char *name)
{
	const struct kabi_name_list *a = kabi_model_find_list(x->old, name), *b = kabi_model_find_list(x->new, name);

	x->d->n_lists++;
	if (!a || !b) {
		struct diff_item it = { .kind = DIFF_LIST, .owner = xstrdup(name),
					.changes = a ? DIFF_REMOVED : DIFF_ADDED };

		add_item(x, &it);
	}
	/* Each name NEW declares is one a module for NEW may use: OLD's loader must provide it. */
	for (size_t i = 0; b && i < b->n_items; i++) {
		struct diff_item it = { .kind = DIFF_LIST, .changes = DIFF_ADDED, .breaking = true };

		if (list_has(a, b->items[i]))
			continue;
		it.owner = xstrdup(name);
		it.name = xstrdup(b->items[i]);
		add_item(x, &it);
	}
	for (size_t i = 0; a && i < a->n_items; i++) {
		struct diff_item it = { .kind = DIFF_LIST, .changes = DIFF_REMOVED };

		if (list_has(b, a->items[i]))
			continue;
		it.owner = xstrdup(name);
		it.name = xstrdup(a->items[i]);
		add_item(x, &it);
	}
}

/* ---- names on either side, each once, OLD's order first ---- */

struct names {
	const char **v;
	size_t n;
};

static void names_add(struct names *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], name))
			return;
	ns->v = xgrow(ns->v, ns->n, sizeof(*ns->v));
	ns->v[ns->n++] = name;
}

/* A special section in one line: what a loader must agree with. */
static char *section_text(const struct kabi_section *s)
{
	struct strbuf sb = { 0 };

	sb_addf(&sb, "%s, %" PRIu64 " bytes", s->type, s->size);
	if (s->elements)
		sb_addf(&sb, ", %s%s%s", s->elements, s->count ? "/" : "", s->count ? s->count : "");
	sb_addf(&sb, ", %s, offsets", s->reloc);
	for (size_t i = 0; i < s->n_offsets; i++)
		sb_addf(&sb, " %" PRIu64, s->offsets[i]);
	return sb.buf;
}

static void compare_section(struct differ *x, const char *name)
{
	const struct kabi_section *a = kabi_model_find_section(x->old, name), *b = kabi_model_find_section(x->new, name);
	struct diff_item it = { .kind = DIFF_SECTION };

	x->d->n_sections++;
	it.old = a ? section_text(a) : NULL;
	it.new = b ? section_text(b) : NULL;
	if (!a || !b)
		it.changes = a ? DIFF_REMOVED : DIFF_ADDED;
	else if (strcmp(it.old, it.new))
		it.changes = DIFF_VALUE;
	/* A section the old loader does not know, or whose entries it would misread. */
	it.breaking = it.changes & (DIFF_ADDED | DIFF_VALUE);
	if (!it.changes) {
		free(it.old);
		free(it.new);
		return;
	}
	it.name = xstrdup(name);
	add_item(x, &it);
}

/* Names of KIND in M, appended to NS. */
static void model_names(const struct kabi_model *m, enum diff_item_kind kind, struct names *ns)
{
	switch (kind) {
	case DIFF_STRUCT:
		for (size_t i = 0; i < m->n_order; i++)
			names_add(ns, m->order[i]->name);
		break;
	case DIFF_ENUM:
		for (size_t i = 0; i < m->n_enums; i++)
			names_add(ns, m->enum_order[i]->name);
		break;
	case DIFF_CONSTANT:
		for (size_t i = 0; i < m->n_constants; i++)
			names_add(ns, m->constants[i].name);
		break;
	case DIFF_STRING:
		for (size_t i = 0; i < m->n_strings; i++)
			names_add(ns, m->strings[i].name);
		break;
	case DIFF_LIST:
		for (size_t i = 0; i < m->n_lists; i++)
			names_add(ns, m->lists[i].name);
		break;
	case DIFF_SECTION:
		for (size_t i = 0; i < m->n_sections; i++)
			names_add(ns, m->sections[i].name);
		break;
	}
}

static void both_names(const struct differ *x, enum diff_item_kind kind, struct names *ns)
{
	model_names(x->old, kind, ns);
	model_names(x->new, kind, ns);
}

/* Whether either side has member MEMBER of NAME (a struct, enum or list). */
static bool has_member(const struct kabi_model *m, const struct diff_suppression *sp, const char *member)
{
	if (sp->kind == DIFF_STRUCT) {
		const struct kabi_record *r = kabi_model_find_record(m, sp->name);
		struct flats f = { 0 };
		bool found;

		if (!r)
			return false;
		flatten(r, "", 0, &f);
		found = flat_find(&f, member) != NULL;
		flats_free(&f);
		return found;
	}
	if (sp->kind == DIFF_ENUM) {
		const struct kabi_enum *e = kabi_model_find_enum(m, sp->name);

		return e && kabi_enum_find_value(e, member);
	}
	return list_has(kabi_model_find_list(m, sp->name), member);
}

static void check_suppressions(struct differ *x)
{
	const struct diff_suppressions *s = x->opt->suppress;
	struct kabi_diff *d = x->d;

	for (size_t i = 0; s && i < s->n; i++) {
		const struct diff_suppression *sp = &s->v[i];
		const char *what = diff_kind_names[sp->kind];
		struct names ns = { 0 };
		bool found = false;

		both_names(x, sp->kind, &ns);
		for (size_t j = 0; j < ns.n; j++)
			found |= !strcmp(ns.v[j], sp->name);
		free(ns.v);
		if (!found) {
			d->unmatched = xgrow(d->unmatched, d->n_unmatched, sizeof(*d->unmatched));
			d->unmatched[d->n_unmatched++] = xasprintf("%s: %s %s", sp->where, what, sp->name);
			continue;
		}
		for (size_t j = 0; j < sp->n_members; j++) {
			if (has_member(x->old, sp, sp->members[j]) || has_member(x->new, sp, sp->members[j]))
				continue;
			d->unmatched = xgrow(d->unmatched, d->n_unmatched, sizeof(*d->unmatched));
			d->unmatched[d->n_unmatched++] = xasprintf("%s: %s %s has no member %s", sp->where, what,
								   sp->name, sp->members[j]);
		}
	}
}

const char *diff_unknown_only(const struct kabi_model *old, const struct kabi_model *new,
			      const struct diff_options *opt)
{
	struct differ x = { .old = old, .new = new, .opt = opt };

	for (size_t i = 0; i < opt->n_only; i++) {
		bool found = false;

		for (enum diff_item_kind kind = DIFF_STRUCT; kind <= DIFF_SECTION && !found; kind++) {
			struct names ns = { 0 };

			both_names(&x, kind, &ns);
			for (size_t j = 0; j < ns.n && !found; j++)
				found = kind == DIFF_STRING || kind == DIFF_LIST ? !strcasecmp(ns.v[j], opt->only[i])
										 : !strcmp(ns.v[j], opt->only[i]);
			free(ns.v);
		}
		if (!found)
			return opt->only[i];
	}
	return NULL;
}

static void side_fill(struct diff_side *s, const char *input, const struct kabi_model *m)
{
	s->input = input ? xstrdup(input) : NULL;
	s->arch = m->prov.arch ? xstrdup(m->prov.arch) : NULL;
	s->release = m->prov.release ? xstrdup(m->prov.release) : NULL;
	s->flavour = m->prov.flavour ? xstrdup(m->prov.flavour) : NULL;
	s->target = m->prov.clang_target ? xstrdup(m->prov.clang_target) : NULL;
}

struct kabi_diff *diff_models(const struct kabi_model *old, const struct kabi_model *new,
			      const struct diff_options *opt)
{
	struct kabi_diff *d = xcalloc(1, sizeof(*d));
	struct differ x = { .old = old, .new = new, .opt = opt, .d = d };
	void (*const compare_item[])(struct differ *, const char *) = {
		[DIFF_ENUM] = compare_enum, [DIFF_CONSTANT] = compare_constant,
		[DIFF_STRING] = compare_string, [DIFF_LIST] = compare_list, [DIFF_SECTION] = compare_section,
	};
	struct names ns = { 0 };
	bool changes = false, breaking = false;

	side_fill(&d->old, opt->old_input, old);
	side_fill(&d->new, opt->new_input, new);
	both_names(&x, DIFF_STRUCT, &ns);
	for (size_t i = 0; i < ns.n; i++)
		compare_struct(&x, ns.v[i]);
	for (enum diff_item_kind kind = DIFF_ENUM; kind <= DIFF_SECTION; kind++) {
		ns.n = 0;
		both_names(&x, kind, &ns);
		for (size_t i = 0; i < ns.n; i++)
			if (wanted(&x, kind, ns.v[i]))
				compare_item[kind](&x, ns.v[i]);
	}
	free(ns.v);
	check_suppressions(&x);

	for (size_t i = 0; i < d->n_structs; i++) {
		changes |= d->structs[i].changes || d->structs[i].n_members;
		breaking |= d->structs[i].breaking;
	}
	for (size_t i = 0; i < d->n_items; i++) {
		changes = true;
		breaking |= d->items[i].breaking;
	}
	d->verdict = (changes ? DIFF_EXIT_CHANGES : 0) | (breaking ? DIFF_EXIT_BREAKING : 0);
	return d;
}

static void side_free(struct diff_side *s)
{
	free(s->input);
	free(s->arch);
	free(s->release);
	free(s->flavour);
	free(s->target);
}

void diff_free(struct kabi_diff *d)
{
	if (!d)
		return;
	side_free(&d->old);
	side_free(&d->new);
	for (size_t i = 0; i < d->n_structs; i++)
		diff_struct_free(&d->structs[i]);
	free(d->structs);
	for (size_t i = 0; i < d->n_items; i++) {
		struct diff_item *it = &d->items[i];

		free(it->owner);
		free(it->name);
		free(it->old);
		free(it->new);
		free(it->old_type);
		free(it->new_type);
	}
	free(d->items);
	strv_free(d->unmatched, d->n_unmatched);
	free(d);
}
