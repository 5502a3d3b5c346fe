/* layout.c: the layout model's storage, and the attributes that reproduce a layout. */
#include "model/layout.h"
#include "util/report.h"

#include <stdlib.h>
#include <string.h>

const char *const kabi_type_kind_names[KABI_TYPE_KINDS] = {
	[KT_VOID] = "void", [KT_INT] = "int", [KT_BOOL] = "bool", [KT_FLOAT] = "float",
	[KT_POINTER] = "pointer", [KT_ARRAY] = "array", [KT_FUNC] = "func", [KT_RECORD] = "struct",
	[KT_ENUM] = "enum", [KT_OPAQUE] = "opaque",
};

bool kabi_same_spelling(const char *a, const char *b)
{
	for (;; a++, b++) {
		while (*a == ' ')
			a++;
		while (*b == ' ')
			b++;
		if (*a != *b)
			return false;
		if (!*a)
			return true;
	}
}

struct kabi_model *kabi_model_new(void)
{
	return xcalloc(1, sizeof(struct kabi_model));
}

static void record_free(struct kabi_record *r)
{
	for (size_t i = 0; i < r->n_members; i++) {
		free(r->members[i].name);
		free(r->members[i].kernel_type);
	}
	free(r->members);
	free(r->name);
	free(r);
}

void kabi_model_free(struct kabi_model *m)
{
	struct kabi_record *r, *rtmp;
	struct kabi_enum *e, *etmp;
	struct kabi_provenance *p;

	if (!m)
		return;
	HASH_ITER(hh, m->records, r, rtmp) {
		HASH_DEL(m->records, r);
		record_free(r);
	}
	for (size_t i = 0; i < m->n_anon_records; i++)
		record_free(m->anon_records[i]);
	free(m->anon_records);
	free(m->order);
	HASH_ITER(hh, m->enums, e, etmp) {
		HASH_DEL(m->enums, e);
		for (size_t i = 0; i < e->n_values; i++)
			free(e->values[i].name);
		free(e->values);
		free(e->name);
		free(e);
	}
	free(m->enum_order);
	for (size_t i = 0; i < m->n_constants; i++) {
		free(m->constants[i].name);
		free(m->constants[i].c_type);
		free(m->constants[i].kernel_type);
		free(m->constants[i].expr);
		free(m->constants[i].group);
	}
	free(m->constants);
	for (size_t i = 0; i < m->n_strings; i++) {
		free(m->strings[i].name);
		free(m->strings[i].value);
	}
	free(m->strings);
	for (size_t i = 0; i < m->n_sections; i++) {
		free(m->sections[i].name);
		free(m->sections[i].type);
		free(m->sections[i].elements);
		free(m->sections[i].count);
		free(m->sections[i].reloc);
		free(m->sections[i].offsets);
	}
	free(m->sections);
	for (size_t i = 0; i < m->n_lists; i++) {
		free(m->lists[i].name);
		free(m->lists[i].type);
		strv_free(m->lists[i].items, m->lists[i].n_items);
	}
	free(m->lists);
	for (size_t i = 0; i < m->n_all_types; i++) {
		free(m->all_types[i]->name);
		free(m->all_types[i]->params);
		free(m->all_types[i]);
	}
	free(m->all_types);
	strv_free(m->read_files, m->n_read_files);
	strv_free(m->read_digests, m->n_read_files);
	free(m->read_stamps);
	p = &m->prov;
	free(p->kabigen_version);
	free(p->arch);
	free(p->kernel_arch);
	free(p->clang_target);
	free(p->release);
	free(p->set_name);
	strv_free(p->inputs, p->n_inputs);
	free(p->autoconf_path);
	free(p->autoconf_sha256);
	free(p->flavour);
	free(p->kconfig);
	strv_free(p->overrides, p->n_overrides);
	strv_free(p->omitted, p->n_omitted);
	strv_free(p->constant_sources, p->n_constant_sources);
	free(m);
}

struct kabi_type *kabi_type_new(struct kabi_model *m, enum kabi_type_kind kind)
{
	struct kabi_type *t = xcalloc(1, sizeof(*t));

	t->kind = kind;
	m->all_types = xgrow(m->all_types, m->n_all_types, sizeof(*m->all_types));
	m->all_types[m->n_all_types++] = t;
	return t;
}

struct kabi_record *kabi_record_new(struct kabi_model *m, const char *name)
{
	struct kabi_record *r = xcalloc(1, sizeof(*r));

	if (name) {
		r->name = xstrdup(name);
		HASH_ADD_KEYPTR(hh, m->records, r->name, strlen(r->name), r);
	} else {
		m->anon_records = xgrow(m->anon_records, m->n_anon_records, sizeof(*m->anon_records));
		m->anon_records[m->n_anon_records++] = r;
	}
	return r;
}

void kabi_record_add_member(struct kabi_record *r, const struct kabi_member *mem)
{
	r->members = xgrow(r->members, r->n_members, sizeof(*r->members));
	r->members[r->n_members++] = *mem;
}

struct kabi_record *kabi_model_find_record(const struct kabi_model *m, const char *name)
{
	struct kabi_record *r = NULL;

	HASH_FIND_STR(m->records, name, r);
	return r;
}

struct kabi_enum *kabi_model_add_enum(struct kabi_model *m, const char *name, struct kabi_type *int_type)
{
	struct kabi_enum *e = xcalloc(1, sizeof(*e));

	e->name = xstrdup(name);
	e->int_type = int_type;
	HASH_ADD_KEYPTR(hh, m->enums, e->name, strlen(e->name), e);
	m->enum_order = xgrow(m->enum_order, m->n_enums, sizeof(*m->enum_order));
	m->enum_order[m->n_enums++] = e;
	return e;
}

struct kabi_enum *kabi_model_find_enum(const struct kabi_model *m, const char *name)
{
	struct kabi_enum *e = NULL;

	HASH_FIND_STR(m->enums, name, e);
	return e;
}

const struct kabi_enumerator *kabi_enum_find_value(const struct kabi_enum *e, const char *name)
{
	for (size_t i = 0; i < e->n_values; i++)
		if (!strcmp(e->values[i].name, name))
			return &e->values[i];
	return NULL;
}

struct order {
	const struct kabi_record **seen, **out;
	size_t n_seen, n_out;
};

static void order_add(struct order *o, const struct kabi_record *r);

static void order_dependencies(struct order *o, const struct kabi_type *t)
{
	while (t->kind == KT_ARRAY)
		t = t->target;
	if (t->kind != KT_RECORD || !t->record)
		return;
	if (t->name) {
		order_add(o, t->record);
		return;
	}
	for (size_t i = 0; i < t->record->n_members; i++)
		order_dependencies(o, t->record->members[i].type);
}

/* Depth first: a record is placed after everything it contains by value. */
static void order_add(struct order *o, const struct kabi_record *r)
{
	for (size_t i = 0; i < o->n_seen; i++)
		if (o->seen[i] == r)
			return;
	o->seen = xgrow(o->seen, o->n_seen, sizeof(*o->seen));
	o->seen[o->n_seen++] = r;
	for (size_t i = 0; i < r->n_members; i++)
		order_dependencies(o, r->members[i].type);
	o->out = xgrow(o->out, o->n_out, sizeof(*o->out));
	o->out[o->n_out++] = r;
}

const struct kabi_record **layout_definition_order(const struct kabi_model *m, size_t *n)
{
	struct order o = { 0 };

	for (size_t i = 0; i < m->n_order; i++)
		order_add(&o, m->order[i]);
	free(o.seen);
	*n = o.n_out;
	return o.out;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return a ? (x + a - 1) / a * a : x;
}

/* Alignment of the member's type as the emitter writes it, before any attribute. */
static uint32_t natural_align(const struct kabi_member *m)
{
	const struct kabi_type *t = m->type;

	if (t->kind == KT_RECORD && t->record)
		return t->record->align;
	return t->align ? t->align : 1;
}

/* Bytes the emitted member occupies (0 for a flexible array). */
static uint64_t emitted_size(const struct kabi_member *m)
{
	return m->type->size;
}

uint32_t layout_member_align(const struct kabi_record *r, const struct kabi_member *m)
{
	uint32_t a = m->align_attr;

	/* An opaque byte array has alignment 1: give back the original type's. */
	if (m->type->kind == KT_OPAQUE && !r->packed && !m->packed_attr && m->type->align > a)
		a = m->type->align;
	return a > 1 ? a : 0;
}

/*
 * Lays the members out the way a C compiler would and compares with clang's offsets.
 * A member clang put later than the natural place had an aligned(N) attribute (N
 * unknown, at most the record's alignment): aligned(min(R, lowest set bit of the
 * offset)) puts it at the same place. A member put earlier was packed. Bitfields are
 * placed by the ABI's own rules from the same declarations, so they only move the end.
 * Example: struct module ends "} ____cacheline_aligned;": no member needs more than 8,
 * clang says 64, so the record gets aligned(64).
 */
int layout_infer_attrs(struct kabi_record *r, const char **why)
{
	uint64_t end_bits = 0, end;
	uint32_t max_align = 1;

	for (size_t i = 0; i < r->n_members; i++) {
		struct kabi_member *m = &r->members[i];
		uint64_t natural, actual = m->offset_bits / 8;
		uint32_t base;

		if (m->type->kind == KT_RECORD && m->type->record && !m->type->record->name &&
		    layout_infer_attrs(m->type->record, why))
			return -1;
		m->align_attr = 0;
		m->packed_attr = false;
		base = r->packed ? 1 : natural_align(m);
		if (m->bit_width != KABI_NOT_BITFIELD) {
			uint64_t e = m->offset_bits + (uint64_t)m->bit_width;

			if (e > end_bits)
				end_bits = e;
			if (m->name && base > max_align)
				max_align = base;
			continue;
		}
		if (r->is_union) {
			if (base > max_align)
				max_align = base;
			if (emitted_size(m) * 8 > end_bits)
				end_bits = emitted_size(m) * 8;
			continue;
		}
		end = (end_bits + 7) / 8;
		natural = align_up(end, base);
		if (actual < natural) {
			m->packed_attr = true;
			base = 1;
			natural = end;
			if (actual < end) {
				*why = m->name ? m->name : "(anonymous member)";
				return -1;
			}
		}
		if (actual > natural) {
			uint64_t low = actual ? (actual & -actual) : r->align;

			m->align_attr = (uint32_t)(low < r->align ? low : r->align);
			if (align_up(end, m->align_attr) != actual) {
				*why = m->name ? m->name : "(anonymous member)";
				return -1;
			}
		}
		if (m->align_attr > base)
			base = m->align_attr;
		if (base > max_align)
			max_align = base;
		end_bits = (actual + emitted_size(m)) * 8;
	}
	if (r->align > max_align)
		r->align_attr = r->align;
	else if (r->align < max_align) {
		*why = "(record alignment)";
		return -1;
	}
	if (align_up((end_bits + 7) / 8, r->align) != r->size) {
		*why = "(record size)";
		return -1;
	}
	return 0;
}

const struct kabi_constant *kabi_model_find_constant(const struct kabi_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_constants; i++)
		if (!strcmp(m->constants[i].name, name))
			return &m->constants[i];
	return NULL;
}

const struct kabi_constant **kabi_model_group(const struct kabi_model *m, const char *group, size_t *n)
{
	const struct kabi_constant **v = xcalloc(m->n_constants ? m->n_constants : 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < m->n_constants; i++)
		if (m->constants[i].group && !strcmp(m->constants[i].group, group))
			v[(*n)++] = &m->constants[i];
	return v;
}

char **kabi_model_group_names(const struct kabi_model *m, size_t *n)
{
	struct strset groups = { 0 };

	for (size_t i = 0; i < m->n_constants; i++)
		if (m->constants[i].group)
			strset_add(&groups, m->constants[i].group);
	*n = groups.n;
	return groups.v;
}

const struct kabi_string *kabi_model_find_string(const struct kabi_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_strings; i++)
		if (!strcmp(m->strings[i].name, name))
			return &m->strings[i];
	return NULL;
}

const struct kabi_name_list *kabi_model_find_list(const struct kabi_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_lists; i++)
		if (!strcmp(m->lists[i].name, name))
			return &m->lists[i];
	return NULL;
}

const struct kabi_section *kabi_model_find_section(const struct kabi_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_sections; i++)
		if (!strcmp(m->sections[i].name, name))
			return &m->sections[i];
	return NULL;
}
