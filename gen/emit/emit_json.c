/* emit_json.c: the layout model as JSON (kabi.json), complete enough to rebuild the model from. */
#include "emit/emit.h"
#include "util/escape.h"
#include "model/layout.h"
#include "util/report.h"

#include <inttypes.h>
#include <string.h>

/*
 * The text is written in one fixed key order with no timestamps, so a dump is a stable
 * function of the model: a struct member per line keeps 'git diff' of two dumps readable.
 * Keys whose value is the default (false, 0, absent) are left out; the schema is
 * documented in docs/kabigen-layout.5.scd, and layout_read.c is its reader.
 */

static void indent(struct strbuf *sb, int level)
{
	for (int i = 0; i < level; i++)
		sb_adds(sb, "  ");
}

void json_add_key_string(struct strbuf *sb, const char *key, const char *value, int *first)
{
	if (!value)
		return;
	sb_addf(sb, "%s\"%s\": ", *first ? "" : ", ", key);
	escape_json_string(sb, value);
	*first = 0;
}

static void add_strv(struct strbuf *sb, char *const *v, size_t n)
{
	sb_adds(sb, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_adds(sb, ", ");
		escape_json_string(sb, v[i]);
	}
	sb_adds(sb, "]");
}


static void add_members(struct strbuf *sb, const struct kabi_record *r, int level);

/* A type on one line, except an inline (anonymous) record, whose members get a line each. */
static void add_type(struct strbuf *sb, const struct kabi_type *t, int level)
{
	int scalar = t->kind == KT_INT || t->kind == KT_BOOL || t->kind == KT_FLOAT;

	sb_addf(sb, "{\"kind\": \"%s\"", t->kind == KT_RECORD && t->is_union ? "union" : kabi_type_kind_names[t->kind]);
	if (t->is_const)
		sb_adds(sb, ", \"const\": true");
	if (t->name) {
		sb_adds(sb, ", \"name\": ");
		escape_json_string(sb, t->name);
	}
	if (scalar)
		sb_addf(sb, ", \"signed\": %s", t->is_signed ? "true" : "false");
	if (t->size)
		sb_addf(sb, ", \"size\": %" PRIu64, t->size);
	if (t->align)
		sb_addf(sb, ", \"align\": %u", t->align);
	if (t->kind == KT_ARRAY || (t->kind == KT_OPAQUE && t->count))
		sb_addf(sb, ", \"count\": %" PRId64, t->count);
	if (t->target) {
		sb_adds(sb, ", \"target\": ");
		add_type(sb, t->target, level);
	}
	if (t->kind == KT_FUNC) {
		sb_adds(sb, ", \"params\": [");
		for (size_t i = 0; i < t->n_params; i++) {
			if (i)
				sb_adds(sb, ", ");
			add_type(sb, t->params[i], level);
		}
		sb_adds(sb, "]");
	}
	if (t->variadic)
		sb_adds(sb, ", \"variadic\": true");
	/* A named record is a reference to "structs"; an anonymous one is defined here. */
	if (t->kind == KT_RECORD && !t->name && t->record) {
		if (t->record->packed)
			sb_adds(sb, ", \"packed\": true");
		sb_adds(sb, ", \"members\": [\n");
		add_members(sb, t->record, level + 1);
		indent(sb, level);
		sb_adds(sb, "]");
	}
	sb_adds(sb, "}");
}

static void add_members(struct strbuf *sb, const struct kabi_record *r, int level)
{
	for (size_t i = 0; i < r->n_members; i++) {
		const struct kabi_member *m = &r->members[i];
		int first = 1;

		indent(sb, level);
		sb_adds(sb, "{");
		json_add_key_string(sb, "name", m->name, &first);
		sb_addf(sb, "%s\"offset_bits\": %" PRIu64 ", \"size\": %" PRIu64, first ? "" : ", ", m->offset_bits,
			m->type->size);
		if (m->bit_width != KABI_NOT_BITFIELD)
			sb_addf(sb, ", \"bit_width\": %d", m->bit_width);
		first = 0;
		json_add_key_string(sb, "type", m->kernel_type, &first);
		sb_adds(sb, ", \"ctype\": ");
		add_type(sb, m->type, level);
		sb_addf(sb, "}%s\n", i + 1 < r->n_members ? "," : "");
	}
}

static void add_triple(struct strbuf *sb, const struct kabi_provenance *p)
{
	struct {
		const char *key, *value;
	} fields[] = {
		{ "arch", p->arch }, { "kernel_arch", p->kernel_arch }, { "target", p->clang_target },
		{ "release", p->release }, { "flavour", p->flavour }, { "set", p->set_name },
		{ "autoconf", p->autoconf_path }, { "autoconf_sha256", p->autoconf_sha256 }, { "kconfig", p->kconfig },
	};

	sb_adds(sb, "  \"triple\": {\n");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!fields[i].value)
			continue;
		sb_addf(sb, "    \"%s\": ", fields[i].key);
		escape_json_string(sb, fields[i].value);
		sb_adds(sb, ",\n");
	}
	sb_adds(sb, "    \"inputs\": ");
	add_strv(sb, p->inputs, p->n_inputs);
	sb_adds(sb, ",\n    \"overrides\": ");
	add_strv(sb, p->overrides, p->n_overrides);
	sb_adds(sb, ",\n    \"omitted\": ");
	add_strv(sb, p->omitted, p->n_omitted);
	if (p->n_constant_sources) {
		sb_adds(sb, ",\n    \"constant_sources\": ");
		add_strv(sb, p->constant_sources, p->n_constant_sources);
	}
	sb_adds(sb, "\n  },\n");
}

/* An integer as its C type reads it: two's complement bits shown signed when the type is. */
static void add_int(struct strbuf *sb, uint64_t bits, int is_signed)
{
	if (is_signed)
		sb_addf(sb, "%" PRId64, (int64_t)bits);
	else
		sb_addf(sb, "%" PRIu64, bits);
}

/* "strings" and "constants". */
static void add_constants(struct strbuf *sb, const struct kabi_model *m)
{
	int first;

	sb_adds(sb, "  \"strings\": {");
	for (size_t i = 0; i < m->n_strings; i++) {
		sb_addf(sb, "%s\n    ", i ? "," : "");
		escape_json_string(sb, m->strings[i].name);
		sb_adds(sb, ": ");
		escape_json_string(sb, m->strings[i].value);
	}
	sb_adds(sb, m->n_strings ? "\n  },\n" : "},\n");

	sb_adds(sb, "  \"constants\": [");
	for (size_t i = 0; i < m->n_constants; i++) {
		const struct kabi_constant *c = &m->constants[i];

		sb_addf(sb, "%s\n    {\"name\": ", i ? "," : "");
		escape_json_string(sb, c->name);
		sb_adds(sb, ", \"value\": ");
		add_int(sb, c->value, c->is_signed);
		sb_adds(sb, ", \"type\": ");
		escape_json_string(sb, c->c_type);
		sb_addf(sb, ", \"size\": %u, \"signed\": %s", c->size, c->is_signed ? "true" : "false");
		first = 0;
		json_add_key_string(sb, "kernel_type", c->kernel_type, &first);
		json_add_key_string(sb, "expr", c->expr, &first);
		json_add_key_string(sb, "group", c->group, &first);
		sb_adds(sb, "}");
	}
	sb_adds(sb, m->n_constants ? "\n  ],\n" : "],\n");
}

static void add_sections(struct strbuf *sb, const struct kabi_model *m)
{
	int first;

	sb_adds(sb, "  \"sections\": [");
	for (size_t i = 0; i < m->n_sections; i++) {
		const struct kabi_section *sec = &m->sections[i];

		sb_addf(sb, "%s\n    {\"name\": ", i ? "," : "");
		escape_json_string(sb, sec->name);
		sb_adds(sb, ", \"type\": ");
		escape_json_string(sb, sec->type);
		sb_addf(sb, ", \"size\": %" PRIu64 ", \"align\": %u", sec->size, sec->align);
		first = 0;
		json_add_key_string(sb, "elements", sec->elements, &first);
		json_add_key_string(sb, "count", sec->count, &first);
		json_add_key_string(sb, "reloc", sec->reloc, &first);
		sb_adds(sb, ", \"offsets\": [");
		for (size_t j = 0; j < sec->n_offsets; j++)
			sb_addf(sb, "%s%" PRIu64, j ? ", " : "", sec->offsets[j]);
		sb_adds(sb, "]}");
	}
	sb_adds(sb, m->n_sections ? "\n  ],\n" : "],\n");
}

/* "enums" and "lists". */
static void add_enums(struct strbuf *sb, const struct kabi_model *m)
{
	sb_adds(sb, "  \"enums\": [");
	for (size_t i = 0; i < m->n_enums; i++) {
		const struct kabi_enum *e = m->enum_order[i];

		sb_addf(sb, "%s\n    {\"name\": ", i ? "," : "");
		escape_json_string(sb, e->name);
		sb_adds(sb, ", \"type\": ");
		add_type(sb, e->int_type, 2);
		sb_adds(sb, ", \"values\": [");
		for (size_t j = 0; j < e->n_values; j++) {
			sb_addf(sb, "%s\n      {\"name\": ", j ? "," : "");
			escape_json_string(sb, e->values[j].name);
			sb_adds(sb, ", \"value\": ");
			add_int(sb, (uint64_t)e->values[j].value, e->int_type->is_signed);
			sb_adds(sb, "}");
		}
		sb_adds(sb, e->n_values ? "\n    ]}" : "]}");
	}
	sb_adds(sb, m->n_enums ? "\n  ],\n" : "],\n");

	sb_adds(sb, "  \"lists\": [");
	for (size_t i = 0; i < m->n_lists; i++) {
		const struct kabi_name_list *l = &m->lists[i];

		sb_addf(sb, "%s\n    {\"name\": ", i ? "," : "");
		escape_json_string(sb, l->name);
		sb_adds(sb, ", \"type\": ");
		escape_json_string(sb, l->type);
		sb_adds(sb, ", \"items\": [");
		for (size_t j = 0; j < l->n_items; j++) {
			sb_addf(sb, "%s\n      ", j ? "," : "");
			escape_json_string(sb, l->items[j]);
		}
		sb_adds(sb, l->n_items ? "\n    ]}" : "]}");
	}
	sb_adds(sb, m->n_lists ? "\n  ],\n" : "],\n");
}

static void add_values(struct strbuf *sb, const struct kabi_model *m)
{
	add_constants(sb, m);
	add_sections(sb, m);
	add_enums(sb, m);
}

char *emit_json(const struct kabi_model *m)
{
	struct strbuf sb = { 0 };

	sb_addf(&sb, "{\n  \"format\": \"%s\",\n  \"schema\": %d,\n", KABI_LAYOUT_FORMAT, KABI_LAYOUT_SCHEMA);
	if (m->prov.kabigen_version) {
		sb_adds(&sb, "  \"kabigen\": ");
		escape_json_string(&sb, m->prov.kabigen_version);
		sb_adds(&sb, ",\n");
	}
	add_triple(&sb, &m->prov);
	add_values(&sb, m);
	sb_adds(&sb, "  \"structs\": [");
	for (size_t i = 0; i < m->n_order; i++) {
		const struct kabi_record *r = m->order[i];

		sb_addf(&sb, "%s\n    {\"name\": ", i ? "," : "");
		escape_json_string(&sb, r->name);
		sb_addf(&sb, ", \"kind\": \"%s\", \"size\": %" PRIu64 ", \"align\": %u",
			r->is_union ? "union" : "struct", r->size, r->align);
		if (r->packed)
			sb_adds(&sb, ", \"packed\": true");
		sb_adds(&sb, ", \"members\": [\n");
		add_members(&sb, r, 3);
		sb_adds(&sb, "    ]}");
	}
	sb_adds(&sb, m->n_order ? "\n  ]\n}\n" : "]\n}\n");
	return sb.buf;
}
