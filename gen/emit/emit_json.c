/* emit_json.c: the layout model as JSON (kabi.json), complete enough to rebuild the model from. */
#include "emit/emit.h"
#include "util/json.h"
#include "model/layout.h"
#include "util/report.h"


/*
 * The text is written in one fixed key order with no timestamps, so a dump is a stable
 * function of the model: a struct member per line keeps 'git diff' of two dumps readable.
 * Keys whose value is the default (false, 0, absent) are left out; the schema is
 * documented in docs/kabigen-layout.5.scd, and layout_read.c is its reader.
 */

static void add_strv(struct json *j, const char *key, char *const *v, size_t n)
{
	json_array(j, key, JSON_INLINE);
	for (size_t i = 0; i < n; i++)
		json_string(j, NULL, v[i]);
	json_end(j);
}

static void add_members(struct json *j, const struct kabi_record *r);

/* A type on one line, except an inline (anonymous) record, whose members get a line each. */
static void add_type(struct json *j, const char *key, const struct kabi_type *t)
{
	int scalar = t->kind == KT_INT || t->kind == KT_BOOL || t->kind == KT_FLOAT;

	json_object(j, key, JSON_INLINE);
	json_string(j, "kind", t->kind == KT_RECORD && t->is_union ? "union" : kabi_type_kind_names[t->kind]);
	if (t->is_const)
		json_bool(j, "const", 1);
	json_string(j, "name", t->name);
	if (scalar)
		json_bool(j, "signed", t->is_signed);
	if (t->size)
		json_u64(j, "size", t->size);
	if (t->align)
		json_u64(j, "align", t->align);
	if (t->kind == KT_ARRAY || (t->kind == KT_OPAQUE && t->count))
		json_i64(j, "count", t->count);
	if (t->target)
		add_type(j, "target", t->target);
	if (t->kind == KT_FUNC) {
		json_array(j, "params", JSON_INLINE);
		for (size_t i = 0; i < t->n_params; i++)
			add_type(j, NULL, t->params[i]);
		json_end(j);
	}
	if (t->variadic)
		json_bool(j, "variadic", 1);
	/* A named record is a reference to "structs"; an anonymous one is defined here. */
	if (t->kind == KT_RECORD && !t->name && t->record) {
		if (t->record->packed)
			json_bool(j, "packed", 1);
		add_members(j, t->record);
	}
	json_end(j);
}

/* "members": a member a line (the brackets on lines of their own even when there is none). */
static void add_members(struct json *j, const struct kabi_record *r)
{
	json_array(j, "members", JSON_BLOCK);
	for (size_t i = 0; i < r->n_members; i++) {
		const struct kabi_member *m = &r->members[i];

		json_object(j, NULL, JSON_INLINE);
		json_string(j, "name", m->name);
		json_u64(j, "offset_bits", m->offset_bits);
		json_u64(j, "size", m->type->size);
		if (m->bit_width != KABI_NOT_BITFIELD)
			json_i64(j, "bit_width", m->bit_width);
		json_string(j, "type", m->kernel_type);
		add_type(j, "ctype", m->type);
		json_end(j);
	}
	json_end(j);
}

static void add_triple(struct json *j, const struct kabi_provenance *p)
{
	struct {
		const char *key, *value;
	} fields[] = {
		{ "arch", p->arch }, { "kernel_arch", p->kernel_arch }, { "target", p->clang_target },
		{ "release", p->release }, { "flavour", p->flavour }, { "set", p->set_name },
		{ "autoconf", p->autoconf_path }, { "autoconf_sha256", p->autoconf_sha256 }, { "kconfig", p->kconfig },
	};

	json_object(j, "triple", JSON_LINES);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		json_string(j, fields[i].key, fields[i].value);
	add_strv(j, "inputs", p->inputs, p->n_inputs);
	add_strv(j, "overrides", p->overrides, p->n_overrides);
	add_strv(j, "omitted", p->omitted, p->n_omitted);
	if (p->n_constant_sources)
		add_strv(j, "constant_sources", p->constant_sources, p->n_constant_sources);
	json_end(j);
}

/* An integer as its C type reads it: two's complement bits shown signed when the type is. */
static void add_int(struct json *j, const char *key, uint64_t bits, int is_signed)
{
	if (is_signed)
		json_i64(j, key, (int64_t)bits);
	else
		json_u64(j, key, bits);
}

/* "strings" and "constants". */
static void add_constants(struct json *j, const struct kabi_model *m)
{
	json_object(j, "strings", JSON_LINES);
	for (size_t i = 0; i < m->n_strings; i++)
		json_string(j, m->strings[i].name, m->strings[i].value);
	json_end(j);

	json_array(j, "constants", JSON_LINES);
	for (size_t i = 0; i < m->n_constants; i++) {
		const struct kabi_constant *c = &m->constants[i];

		json_object(j, NULL, JSON_INLINE);
		json_string(j, "name", c->name);
		add_int(j, "value", c->value, c->is_signed);
		json_string(j, "type", c->c_type);
		json_u64(j, "size", c->size);
		json_bool(j, "signed", c->is_signed);
		json_string(j, "kernel_type", c->kernel_type);
		json_string(j, "expr", c->expr);
		json_string(j, "group", c->group);
		json_end(j);
	}
	json_end(j);
}

static void add_sections(struct json *j, const struct kabi_model *m)
{
	json_array(j, "sections", JSON_LINES);
	for (size_t i = 0; i < m->n_sections; i++) {
		const struct kabi_section *sec = &m->sections[i];

		json_object(j, NULL, JSON_INLINE);
		json_string(j, "name", sec->name);
		json_string(j, "type", sec->type);
		json_u64(j, "size", sec->size);
		json_u64(j, "align", sec->align);
		json_string(j, "elements", sec->elements);
		json_string(j, "count", sec->count);
		json_string(j, "reloc", sec->reloc);
		json_array(j, "offsets", JSON_INLINE);
		for (size_t k = 0; k < sec->n_offsets; k++)
			json_u64(j, NULL, sec->offsets[k]);
		json_end(j);
		json_end(j);
	}
	json_end(j);
}

/* "enums" and "lists". */
static void add_enums(struct json *j, const struct kabi_model *m)
{
	json_array(j, "enums", JSON_LINES);
	for (size_t i = 0; i < m->n_enums; i++) {
		const struct kabi_enum *e = m->enum_order[i];

		json_object(j, NULL, JSON_INLINE);
		json_string(j, "name", e->name);
		add_type(j, "type", e->int_type);
		json_array(j, "values", JSON_LINES);
		for (size_t k = 0; k < e->n_values; k++) {
			json_object(j, NULL, JSON_INLINE);
			json_string(j, "name", e->values[k].name);
			add_int(j, "value", (uint64_t)e->values[k].value, e->int_type->is_signed);
			json_end(j);
		}
		json_end(j);
		json_end(j);
	}
	json_end(j);

	json_array(j, "lists", JSON_LINES);
	for (size_t i = 0; i < m->n_lists; i++) {
		const struct kabi_name_list *l = &m->lists[i];

		json_object(j, NULL, JSON_INLINE);
		json_string(j, "name", l->name);
		json_string(j, "type", l->type);
		json_array(j, "items", JSON_LINES);
		for (size_t k = 0; k < l->n_items; k++)
			json_string(j, NULL, l->items[k]);
		json_end(j);
		json_end(j);
	}
	json_end(j);
}

char *emit_json(const struct kabi_model *m)
{
	struct strbuf sb = { 0 };
	struct json j;

	json_start(&j, &sb);
	json_object(&j, NULL, JSON_LINES);
	json_string(&j, "format", KABI_LAYOUT_FORMAT);
	json_i64(&j, "schema", KABI_LAYOUT_SCHEMA);
	json_string(&j, "kabigen", m->prov.kabigen_version);
	add_triple(&j, &m->prov);
	add_constants(&j, m);
	add_sections(&j, m);
	add_enums(&j, m);
	json_array(&j, "structs", JSON_LINES);
	for (size_t i = 0; i < m->n_order; i++) {
		const struct kabi_record *r = m->order[i];

		json_object(&j, NULL, JSON_INLINE);
		json_string(&j, "name", r->name);
		json_string(&j, "kind", r->is_union ? "union" : "struct");
		json_u64(&j, "size", r->size);
		json_u64(&j, "align", r->align);
		if (r->packed)
			json_bool(&j, "packed", 1);
		add_members(&j, r);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_finish(&j);
	sb_adds(&sb, "\n");
	return sb.buf;
}
