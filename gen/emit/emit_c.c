/* emit_c.c: the C header emitter. */
#include "emit.h"
#include "layout.h"
#include "report.h"
#include "str.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- type spelling ---- */

static const char *tag_keyword(const struct kabi_type *t)
{
	return t->is_union ? "union" : "struct";
}

/*
 * C declarators read inside out, so a type is spelled around its declarator:
 * spell(pointer to function returning int, "f") = spell(function returning int, "(*f)")
 * = spell(int, "(*f)(void)") = "int (*f)(void)".
 */
static void spell(struct strbuf *out, const struct kabi_type *t, const char *decl)
{
	struct strbuf inner = { 0 };
	const char *base;

	switch (t->kind) {
	case KT_POINTER:
		if (t->target->kind == KT_ARRAY || t->target->kind == KT_FUNC)
			sb_addf(&inner, "(*%s%s)", t->is_const ? "const " : "", decl);
		else
			sb_addf(&inner, "*%s%s", t->is_const ? "const " : "", decl);
		spell(out, t->target, inner.buf);
		sb_release(&inner);
		return;
	case KT_ARRAY:
		if (t->count < 0)
			sb_addf(&inner, "%s[]", decl);
		else
			sb_addf(&inner, "%s[%" PRId64 "]", decl, t->count);
		spell(out, t->target, inner.buf);
		sb_release(&inner);
		return;
	case KT_FUNC:
		sb_addf(&inner, "%s(", decl);
		for (size_t i = 0; i < t->n_params; i++) {
			if (i)
				sb_adds(&inner, ", ");
			spell(&inner, t->params[i], "");
		}
		if (t->variadic && t->n_params)
			sb_adds(&inner, ", ...");
		else if (!t->variadic && !t->n_params)
			sb_adds(&inner, "void");
		sb_adds(&inner, ")");
		spell(out, t->target, inner.buf);
		sb_release(&inner);
		return;
	case KT_VOID:
		base = "void";
		break;
	case KT_RECORD:
		sb_addf(&inner, "%s %s", tag_keyword(t), t->name);
		base = inner.buf;
		break;
	case KT_ENUM:
		sb_addf(&inner, "enum %s", t->name);
		base = inner.buf;
		break;
	case KT_OPAQUE:
		base = "unsigned char";
		break;
	default:
		base = t->name;
		break;
	}
	sb_addf(out, "%s%s%s%s", t->is_const ? "const " : "", base, *decl ? " " : "", decl);
	sb_release(&inner);
}

static void add_c_string(struct strbuf *sb, const char *s)
{
	sb_adds(sb, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addf(sb, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			sb_addf(sb, "\\%03o", *p);
		else
			sb_addf(sb, "%c", *p);
	}
	sb_adds(sb, "\"");
}

/* An integer literal of the given C type. */
static void add_int_literal(struct strbuf *sb, uint64_t bits, int is_signed, uint32_t size, const char *c_type)
{
	const char *suffix = size > 4 ? (strstr(c_type, "long long") ? "LL" : "L") : "";

	if (is_signed) {
		int64_t v = (int64_t)bits;

		if (v == INT64_MIN)
			sb_addf(sb, "(-%" PRId64 "%s - 1)", INT64_MAX, suffix);
		else if (v < 0)
			sb_addf(sb, "(%" PRId64 "%s)", v, suffix);
		else
			sb_addf(sb, "%" PRId64 "%s", v, suffix);
	} else {
		sb_addf(sb, "%" PRIu64 "U%s", bits, suffix);
	}
}

/* ---- declarations ---- */

static void indent(struct strbuf *sb, int level)
{
	for (int i = 0; i < level; i++)
		sb_adds(sb, "\t");
}

static void add_record_attrs(struct strbuf *sb, const struct kabi_record *r)
{
	if (r->packed && r->align_attr)
		sb_addf(sb, " __attribute__((packed, aligned(%u)))", r->align_attr);
	else if (r->packed)
		sb_adds(sb, " __attribute__((packed))");
	else if (r->align_attr)
		sb_addf(sb, " __attribute__((aligned(%u)))", r->align_attr);
}

/* pahole's "offset size" comment, plus the kernel's own spelling where the emitted type differs. */
static void add_member_comment(struct strbuf *sb, const struct kabi_member *m)
{
	struct strbuf plain = { 0 };
	int show_type = 0;

	if (m->kernel_type) {
		if (m->type->kind != KT_OPAQUE)
			spell(&plain, m->type, "");
		show_type = !plain.buf || !kabi_same_spelling(plain.buf, m->kernel_type);
	}
	if (m->bit_width != KABI_NOT_BITFIELD)
		sb_addf(sb, "\t/* %5" PRIu64 ":%-2u %3d bits", m->offset_bits / 8, (unsigned)(m->offset_bits % 8),
			m->bit_width);
	else
		sb_addf(sb, "\t/* %5" PRIu64 " %5" PRIu64, m->offset_bits / 8, m->type->size);
	sb_addf(sb, "%s%s */", show_type ? " " : "", show_type ? m->kernel_type : "");
	sb_release(&plain);
}

static void emit_members(struct strbuf *sb, const struct kabi_record *r, int level);

static void emit_member(struct strbuf *sb, const struct kabi_record *r, const struct kabi_member *m, int level)
{
	struct strbuf decl = { 0 };
	uint32_t align = layout_member_align(r, m);
	const char *name = m->name ? m->name : "";

	indent(sb, level);
	if (m->type->kind == KT_RECORD && !m->type->name) {
		const struct kabi_record *sub = m->type->record;

		sb_addf(sb, "%s {\n", sub->is_union ? "union" : "struct");
		emit_members(sb, sub, level + 1);
		indent(sb, level);
		sb_adds(sb, "}");
		add_record_attrs(sb, sub);
		if (*name)
			sb_addf(sb, " %s", name);
	} else if (m->type->kind == KT_OPAQUE) {
		if (m->type->count < 0)
			sb_addf(&decl, "unsigned char %s[]", name);
		else
			sb_addf(&decl, "unsigned char %s[%" PRIu64 "]", name, m->type->size);
		sb_adds(sb, decl.buf);
	} else {
		spell(&decl, m->type, name);
		sb_adds(sb, decl.buf);
	}
	if (m->bit_width != KABI_NOT_BITFIELD)
		sb_addf(sb, " : %d", m->bit_width);
	if (m->packed_attr)
		sb_adds(sb, " __attribute__((packed))");
	if (align)
		sb_addf(sb, " __attribute__((aligned(%u)))", align);
	sb_adds(sb, ";");
	add_member_comment(sb, m);
	sb_adds(sb, "\n");
	sb_release(&decl);
}

static void emit_members(struct strbuf *sb, const struct kabi_record *r, int level)
{
	for (size_t i = 0; i < r->n_members; i++)
		emit_member(sb, r, &r->members[i], level);
}

static void emit_record(struct strbuf *sb, const struct kabi_record *r)
{
	/* An empty struct (riscv64's mod_arch_specific without MODULE_SECTIONS) is a GNU
	 * extension of size 0: __extension__ keeps -Wpedantic quiet about it. */
	sb_addf(sb, "%s%s %s {\n", r->n_members ? "" : "__extension__ ", r->is_union ? "union" : "struct", r->name);
	emit_members(sb, r, 1);
	sb_adds(sb, "}");
	add_record_attrs(sb, r);
	sb_addf(sb, ";\t/* size %" PRIu64 ", align %u */\n\n", r->size, r->align);
}

/* ---- forward declarations of records reached through pointers ---- */


static void collect_tags(struct strset *ns, const struct kabi_type *t)
{
	char *tag;

	if (!t)
		return;
	switch (t->kind) {
	case KT_POINTER:
	case KT_ARRAY:
		collect_tags(ns, t->target);
		return;
	case KT_FUNC:
		collect_tags(ns, t->target);
		for (size_t i = 0; i < t->n_params; i++)
			collect_tags(ns, t->params[i]);
		return;
	case KT_RECORD:
		if (t->name) {
			tag = xasprintf("%s %s", tag_keyword(t), t->name);
			strset_add(ns, tag);
			free(tag);
		} else if (t->record) {
			for (size_t i = 0; i < t->record->n_members; i++)
				collect_tags(ns, t->record->members[i].type);
		}
		return;
	default:
		return;
	}
}

/* ---- checks ---- */

static void emit_offset_checks(struct strbuf *sb, const struct kabi_record *top, const struct kabi_record *r,
			       const char *prefix, uint64_t base_bits)
{
	for (size_t i = 0; i < r->n_members; i++) {
		const struct kabi_member *m = &r->members[i];
		uint64_t off = base_bits + m->offset_bits;
		char *path;

		if (m->type->kind == KT_RECORD && !m->type->name) {
			/* Anonymous: its members are named through the container. */
			path = m->name ? xasprintf("%s%s.", prefix, m->name) : xstrdup(prefix);
			if (m->name)
				sb_addf(sb, "_Static_assert(__builtin_offsetof(%s %s, %s%s) == %" PRIu64
					    ", \"%s.%s%s\");\n",
					top->is_union ? "union" : "struct", top->name, prefix, m->name, off / 8,
					top->name, prefix, m->name);
			emit_offset_checks(sb, top, m->type->record, path, off);
			free(path);
			continue;
		}
		/* offsetof cannot name a bitfield; its neighbours pin it down. */
		if (!m->name || m->bit_width != KABI_NOT_BITFIELD)
			continue;
		sb_addf(sb, "_Static_assert(__builtin_offsetof(%s %s, %s%s) == %" PRIu64 ", \"%s.%s%s\");\n",
			top->is_union ? "union" : "struct", top->name, prefix, m->name, off / 8, top->name, prefix,
			m->name);
	}
}

static void emit_checks(struct strbuf *sb, const struct kabi_model *m)
{
	sb_adds(sb, "/* Layout checks: a compiler that lays these out differently refuses the header. */\n");
	for (size_t i = 0; i < m->n_order; i++) {
		const struct kabi_record *r = m->order[i];
		const char *kw = r->is_union ? "union" : "struct";

		sb_addf(sb, "_Static_assert(sizeof(%s %s) == %" PRIu64 ", \"sizeof(%s %s)\");\n", kw, r->name, r->size,
			kw, r->name);
		sb_addf(sb, "_Static_assert(_Alignof(%s %s) == %u, \"_Alignof(%s %s)\");\n", kw, r->name, r->align, kw,
			r->name);
		emit_offset_checks(sb, r, r, "", 0);
	}
	for (size_t i = 0; i < m->n_enums; i++)
		sb_addf(sb, "_Static_assert(sizeof(enum %s) == %" PRIu64 ", \"sizeof(enum %s)\");\n",
			m->enum_order[i]->name, m->enum_order[i]->int_type->size, m->enum_order[i]->name);
	sb_adds(sb, "\n");
}

/* ---- the header ---- */

void emit_provenance(struct strbuf *sb, const struct kabi_provenance *p, const char *prefix)
{
	sb_addf(sb, "%sset:        %s\n%starget:     %s (arch/%s)\n", prefix, p->set_name, prefix, p->clang_target,
		p->kernel_arch);
	for (size_t i = 0; i < p->n_inputs; i++)
		sb_addf(sb, "%s%-11s %s\n", prefix, i ? "" : "inputs:", p->inputs[i]);
	if (p->flavour)
		sb_addf(sb, "%sflavour:    %s\n", prefix, p->flavour);
	sb_addf(sb, "%sautoconf.h: %s\n%s            sha256 %s\n", prefix, p->autoconf_path, prefix,
		p->autoconf_sha256);
	if (p->kconfig)
		sb_addf(sb, "%s.config:    %s\n", prefix, p->kconfig);
	for (size_t i = 0; i < p->n_overrides; i++)
		sb_addf(sb, "%s%-11s %s\n", prefix, i ? "" : "--set:", p->overrides[i]);
	for (size_t i = 0; i < p->n_constant_sources; i++)
		sb_addf(sb, "%s%-11s %s\n", prefix, i ? "" : "constants:", p->constant_sources[i]);
	for (size_t i = 0; i < p->n_omitted; i++)
		sb_addf(sb, "%s%-11s %s\n", prefix, i ? "" : "omitted:", p->omitted[i]);
}

static void emit_preamble(struct strbuf *sb, const struct kabi_model *m)
{
	const struct kabi_provenance *p = &m->prov;

	sb_addf(sb, "/*\n * kabi.h: kernel ABI layouts for %s (%s), generated by kabigen %s. Do not edit.\n *\n",
		p->release, p->arch, p->kabigen_version);
	emit_provenance(sb, p, " * ");
	sb_adds(sb, " *\n * Every struct is laid out as clang computed it for this target from these headers;\n"
		    " * the _Static_assert lines refuse to compile if a compiler disagrees.\n */\n"
		    "#ifndef KABIGEN_KABI_H\n#define KABIGEN_KABI_H\n\n");
	sb_adds(sb, "#define KABI_ARCH ");
	add_c_string(sb, p->arch);
	sb_adds(sb, "\n#define KABI_KERNEL_ARCH ");
	add_c_string(sb, p->kernel_arch);
	sb_adds(sb, "\n#define KABI_TARGET ");
	add_c_string(sb, p->clang_target);
	sb_adds(sb, "\n");
	for (size_t i = 0; i < m->n_strings; i++) {
		sb_addf(sb, "#define KABI_%s ", m->strings[i].name);
		add_c_string(sb, m->strings[i].value);
		sb_adds(sb, "\n");
	}
	sb_adds(sb, "\n");
}

/*
 * Each group of constants as an X-macro, X(KABI_NAME, "KERNEL_NAME") per constant, so that a
 * loader can switch over the relocation types this kernel defines or print their names.
 */
static void emit_groups(struct strbuf *sb, const struct kabi_model *m)
{
	size_t n_groups;
	char **groups = kabi_model_group_names(m, &n_groups);

	for (size_t i = 0; i < n_groups; i++) {
		size_t n;
		const struct kabi_constant **g = kabi_model_group(m, groups[i], &n);

		sb_addf(sb, "/* The constants of the group %s: X(NAME, \"KERNEL_NAME\") each. */\n", groups[i]);
		sb_addf(sb, "#define KABI_%s(X)", groups[i]);
		for (size_t j = 0; j < n; j++) {
			sb_addf(sb, " \\\n\tX(%s, ", g[j]->name);
			add_c_string(sb, g[j]->expr ? g[j]->expr : g[j]->name);
			sb_adds(sb, ")");
		}
		sb_addf(sb, "\n#define KABI_%s_COUNT %zu\n\n", groups[i], n);
		free(g);
	}
	strv_free(groups, n_groups);
}

static void emit_constants_and_enums(struct strbuf *sb, const struct kabi_model *m)
{
	for (size_t i = 0; i < m->n_constants; i++) {
		const struct kabi_constant *c = &m->constants[i];

		sb_addf(sb, "#define %s ", c->name);
		add_int_literal(sb, c->value, c->is_signed, c->size, c->c_type);
		if (c->expr && c->kernel_type)
			sb_addf(sb, "\t/* %s: %s (%s) */\n", c->expr, c->kernel_type, c->c_type);
		else if (c->expr || c->kernel_type)
			sb_addf(sb, "\t/* %s: %s */\n", c->expr ? c->expr : c->kernel_type, c->c_type);
		else
			sb_addf(sb, "\t/* %s */\n", c->c_type);
	}
	if (m->n_constants)
		sb_adds(sb, "\n");
	emit_groups(sb, m);
	for (size_t i = 0; i < m->n_enums; i++) {
		const struct kabi_enum *e = m->enum_order[i];

		sb_addf(sb, "enum %s {\t/* %s */\n", e->name, e->int_type->name);
		for (size_t j = 0; j < e->n_values; j++) {
			sb_addf(sb, "\t%s = ", e->values[j].name);
			add_int_literal(sb, (uint64_t)e->values[j].value, e->int_type->is_signed,
					e->int_type->size, e->int_type->name);
			sb_adds(sb, ",\n");
		}
		sb_adds(sb, "};\n\n");
	}
}

static void emit_lists(struct strbuf *sb, const struct kabi_model *m)
{
	for (size_t i = 0; i < m->n_lists; i++) {
		const struct kabi_name_list *l = &m->lists[i];

		sb_addf(sb, "/* Every %s the headers declare extern: the loader provides each. */\n", l->type);
		sb_addf(sb, "#define KABI_%s(X)", l->name);
		for (size_t j = 0; j < l->n_items; j++)
			sb_addf(sb, " \\\n\tX(%s)", l->items[j]);
		sb_addf(sb, "\n#define KABI_%s_COUNT %zu\n\n", l->name, l->n_items);
	}
}

/*
 * The special sections as an X-macro. TYPE is clang's spelling of the element type (sizeof
 * works where this header defines it); SIZE is its size either way. A variadic tail keeps
 * the member offsets usable as an array initializer: (const unsigned long long[]){ __VA_ARGS__ }.
 */
static void emit_sections(struct strbuf *sb, const struct kabi_model *m)
{
	if (!m->n_sections)
		return;
	sb_adds(sb, "/*\n * The special sections of a module and what the kernel makes of them:\n"
		    " * X(NAME, TYPE, SIZE, ELEMENTS, COUNT, RELOC, OFFSET...) each. NAME is the ELF section;\n"
		    " * TYPE its element type and SIZE that type's size (the section is a whole number of\n"
		    " * elements); ELEMENTS and COUNT the struct module members the kernel points at the\n"
		    " * entries and counts them with (\"\" for none); RELOC how entries are relocated\n"
		    " * (absolute, pc-relative, mixed, none); the OFFSETs are where each member of an\n"
		    " * element starts, so where its relocations land.\n */\n"
		    "#define KABI_SECTIONS(X)");
	for (size_t i = 0; i < m->n_sections; i++) {
		const struct kabi_section *sec = &m->sections[i];

		sb_adds(sb, " \\\n\tX(");
		add_c_string(sb, sec->name);
		sb_addf(sb, ", %s, %" PRIu64 ", ", sec->type, sec->size);
		add_c_string(sb, sec->elements ? sec->elements : "");
		sb_adds(sb, ", ");
		add_c_string(sb, sec->count ? sec->count : "");
		sb_adds(sb, ", ");
		add_c_string(sb, sec->reloc);
		for (size_t j = 0; j < sec->n_offsets; j++)
			sb_addf(sb, ", %" PRIu64, sec->offsets[j]);
		sb_adds(sb, ")");
	}
	sb_addf(sb, "\n#define KABI_SECTIONS_COUNT %zu\n\n", m->n_sections);
}

char *emit_c_header(const struct kabi_model *m)
{
	struct strbuf sb = { 0 };
	struct strset tags = { 0 };
	const struct kabi_record **defs;
	size_t n_defs;

	emit_preamble(&sb, m);
	emit_constants_and_enums(&sb, m);

	for (size_t i = 0; i < m->n_order; i++) {
		const struct kabi_record *r = m->order[i];
		char *tag = xasprintf("%s %s", r->is_union ? "union" : "struct", r->name);

		strset_add(&tags, tag);
		free(tag);
		for (size_t j = 0; j < r->n_members; j++)
			collect_tags(&tags, r->members[j].type);
	}
	qsort(tags.v, tags.n, sizeof(*tags.v), cmp_str);
	sb_adds(&sb, "/* Every struct named below, declared first so that pointers to it are the same type. */\n");
	for (size_t i = 0; i < tags.n; i++) {
		sb_addf(&sb, "%s;\n", tags.v[i]);
		free(tags.v[i]);
	}
	free(tags.v);
	sb_adds(&sb, "\n");

	defs = layout_definition_order(m, &n_defs);
	for (size_t i = 0; i < n_defs; i++)
		emit_record(&sb, defs[i]);
	free(defs);

	emit_lists(&sb, m);
	emit_sections(&sb, m);
	emit_checks(&sb, m);
	sb_adds(&sb, "#endif /* KABIGEN_KABI_H */\n");
	return sb.buf;
}
