/* emit_c.c: the C header emitter. */
#include "emit/emit.h"
#include "util/escape.h"
#include "model/layout.h"
#include "util/report.h"
#include "util/str.h"

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

/* ---- C++ ---- */

/* C++ keywords (C++20) that are not C keywords: a member so named is renamed in C++ only. */
static const char *const cxx_keywords[] = {
	"alignas",  "alignof",	    "and",	"and_eq",	"asm",		"bitand",	"bitor",    "bool",
	"catch",    "char8_t",	    "char16_t", "char32_t",	"class",	"co_await",	"co_return", "co_yield",
	"compl",    "concept",	    "consteval", "constexpr",	"constinit",	"const_cast",	"decltype", "delete",
	"dynamic_cast", "explicit", "export",	"false",	"friend",	"mutable",	"namespace", "new",
	"noexcept", "not",	    "not_eq",	"nullptr",	"operator",	"or",		"or_eq",    "private",
	"protected", "public",	    "reflexpr", "reinterpret_cast", "requires", "static_assert", "static_cast", "template",
	"this",	    "thread_local", "throw",	"true",		"try",		"typeid",	"typename", "using",
	"virtual",  "wchar_t",	    "xor",	"xor_eq",
};

static int is_cxx_keyword(const char *name)
{
	for (size_t i = 0; i < sizeof(cxx_keywords) / sizeof(cxx_keywords[0]); i++)
		if (!strcmp(name, cxx_keywords[i]))
			return 1;
	return 0;
}

/* A member's name in C++: a keyword gets a trailing underscore (namespace -> namespace_), as in Rust. */
static char *cxx_name(const char *name)
{
	return is_cxx_keyword(name) ? xasprintf("%s_", name) : xstrdup(name);
}

/* A member of an empty struct type: size 0 in C (GNU), but every C++ object has size 1 or more. */
static int is_empty_record_member(const struct kabi_member *m)
{
	return m->type->kind == KT_RECORD && m->type->name && m->type->record && !m->type->record->n_members &&
	       !m->type->record->size && m->bit_width == KABI_NOT_BITFIELD;
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
	if (show_type) {
		sb_adds(sb, " ");
		escape_c_comment(sb, m->kernel_type);
	}
	sb_adds(sb, " */");
	sb_release(&plain);
}

static void emit_members(struct strbuf *sb, const struct kabi_record *r, int level);

static void emit_member_as(struct strbuf *sb, const struct kabi_record *r, const struct kabi_member *m, int level,
			   const char *name)
{
	struct strbuf decl = { 0 };
	uint32_t align = layout_member_align(r, m);

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

/*
 * In C++ a member named after a C++ keyword gets a trailing underscore, and a member of an
 * empty struct type becomes a zero-length array of it (a GNU extension g++ and clang++ share):
 * it then takes no room and the members after it keep their C offsets.
 */
static void emit_member(struct strbuf *sb, const struct kabi_record *r, const struct kabi_member *m, int level)
{
	const char *name = m->name ? m->name : "";
	char *alt;

	if (!is_cxx_keyword(name) && !is_empty_record_member(m)) {
		emit_member_as(sb, r, m, level, name);
		return;
	}
	alt = cxx_name(name);
	if (is_empty_record_member(m)) {
		char *array = xasprintf("%s[0]", alt);

		free(alt);
		alt = array;
	}
	sb_adds(sb, "#ifdef __cplusplus\n");
	emit_member_as(sb, r, m, level, alt);
	sb_adds(sb, "#else\n");
	emit_member_as(sb, r, m, level, name);
	sb_adds(sb, "#endif\n");
	free(alt);
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

/* One offsetof check; where C++ names the member differently, both spellings under a guard. */
static void emit_offset_check(struct strbuf *sb, const struct kabi_record *top, const char *path,
			      const char *cxx_path, uint64_t off)
{
	const char *kw = top->is_union ? "union" : "struct";
	int guard = strcmp(path, cxx_path) != 0;

	if (guard)
		sb_addf(sb, "#ifdef __cplusplus\n_Static_assert(__builtin_offsetof(%s %s, %s) == %" PRIu64
			    ", \"%s.%s\");\n#else\n",
			kw, top->name, cxx_path, off / 8, top->name, path);
	sb_addf(sb, "_Static_assert(__builtin_offsetof(%s %s, %s) == %" PRIu64 ", \"%s.%s\");\n", kw, top->name,
		path, off / 8, top->name, path);
	if (guard)
		sb_adds(sb, "#endif\n");
}

static void emit_offset_checks(struct strbuf *sb, const struct kabi_record *top, const struct kabi_record *r,
			       const char *prefix, const char *cxx_prefix, uint64_t base_bits)
{
	for (size_t i = 0; i < r->n_members; i++) {
		const struct kabi_member *m = &r->members[i];
		uint64_t off = base_bits + m->offset_bits;
		char *cxx, *path, *cxx_path;

		/* offsetof cannot name a bitfield; its neighbours pin it down. */
		if (!m->name && !(m->type->kind == KT_RECORD && !m->type->name))
			continue;
		if (m->bit_width != KABI_NOT_BITFIELD)
			continue;
		cxx = m->name ? cxx_name(m->name) : NULL;
		path = m->name ? xasprintf("%s%s", prefix, m->name) : NULL;
		cxx_path = m->name ? xasprintf("%s%s", cxx_prefix, cxx) : NULL;
		if (m->name)
			emit_offset_check(sb, top, path, cxx_path, off);
		if (m->type->kind == KT_RECORD && !m->type->name) {
			/* Anonymous: its members are named through the container. */
			char *sub = m->name ? xasprintf("%s.", path) : xstrdup(prefix);
			char *cxx_sub = m->name ? xasprintf("%s.", cxx_path) : xstrdup(cxx_prefix);

			emit_offset_checks(sb, top, m->type->record, sub, cxx_sub, off);
			free(sub);
			free(cxx_sub);
		}
		free(cxx);
		free(path);
		free(cxx_path);
	}
}

static void emit_checks(struct strbuf *sb, const struct kabi_model *m)
{
	sb_adds(sb, "/* Layout checks: a compiler that lays these out differently refuses the header. */\n");
	for (size_t i = 0; i < m->n_order; i++) {
		const struct kabi_record *r = m->order[i];
		const char *kw = r->is_union ? "union" : "struct";

		if (!r->n_members && !r->size)
			sb_addf(sb, "#ifdef __cplusplus\n/* C++ gives every object a size of at least 1 ([intro.object]): its empty\n"
				    " * struct is size 1 where C's is 0. Members of it are zero-length arrays in C++,\n"
				    " * so the structs around them keep their C layout (checked below). */\n"
				    "_Static_assert(sizeof(%s %s) == 1, \"sizeof(%s %s) in C++\");\n#else\n",
				kw, r->name, kw, r->name);
		sb_addf(sb, "_Static_assert(sizeof(%s %s) == %" PRIu64 ", \"sizeof(%s %s)\");\n", kw, r->name, r->size,
			kw, r->name);
		if (!r->n_members && !r->size)
			sb_adds(sb, "#endif\n");
		sb_addf(sb, "_Static_assert(_Alignof(%s %s) == %u, \"_Alignof(%s %s)\");\n", kw, r->name, r->align, kw,
			r->name);
		emit_offset_checks(sb, r, r, "", "", 0);
	}
	for (size_t i = 0; i < m->n_enums; i++)
		sb_addf(sb, "_Static_assert(sizeof(enum %s) == %" PRIu64 ", \"sizeof(enum %s)\");\n",
			m->enum_order[i]->name, m->enum_order[i]->int_type->size, m->enum_order[i]->name);
	sb_adds(sb, "\n");
}

/* ---- the header ---- */

/* One provenance line: PREFIX, a label padded to 12 columns, then VALUE escaped with ESC. */
static void provenance_line(struct strbuf *sb, const char *prefix, const char *label, const char *value,
			    escape_fn esc)
{
	sb_addf(sb, "%s%-11s ", prefix, label);
	esc(sb, value);
	sb_adds(sb, "\n");
}

void emit_title(struct strbuf *sb, const struct kabi_provenance *p, const char *prefix, const char *file,
		escape_fn esc)
{
	sb_addf(sb, "%s%s: kernel ABI layouts for ", prefix, file);
	esc(sb, p->release);
	sb_adds(sb, " (");
	esc(sb, p->arch);
	sb_addf(sb, "), generated by kabigen %s. Do not edit.\n", p->kabigen_version);
}

void emit_provenance(struct strbuf *sb, const struct kabi_provenance *p, const char *prefix, escape_fn esc)
{
	struct strbuf target = { 0 };

	sb_addf(&target, "%s (arch/%s)", p->clang_target, p->kernel_arch);
	provenance_line(sb, prefix, "set:", p->set_name, esc);
	provenance_line(sb, prefix, "target:", target.buf, esc);
	sb_release(&target);
	for (size_t i = 0; i < p->n_inputs; i++)
		provenance_line(sb, prefix, i ? "" : "inputs:", p->inputs[i], esc);
	if (p->flavour)
		provenance_line(sb, prefix, "flavour:", p->flavour, esc);
	provenance_line(sb, prefix, "autoconf.h:", p->autoconf_path, esc);
	sb_addf(sb, "%s            sha256 ", prefix);
	esc(sb, p->autoconf_sha256);
	sb_adds(sb, "\n");
	if (p->kconfig)
		provenance_line(sb, prefix, ".config:", p->kconfig, esc);
	for (size_t i = 0; i < p->n_overrides; i++)
		provenance_line(sb, prefix, i ? "" : "--set:", p->overrides[i], esc);
	for (size_t i = 0; i < p->n_constant_sources; i++)
		provenance_line(sb, prefix, i ? "" : "constants:", p->constant_sources[i], esc);
	for (size_t i = 0; i < p->n_omitted; i++)
		provenance_line(sb, prefix, i ? "" : "omitted:", p->omitted[i], esc);
}

static void emit_preamble(struct strbuf *sb, const struct kabi_model *m)
{
	const struct kabi_provenance *p = &m->prov;

	sb_adds(sb, "/*\n");
	emit_title(sb, p, " * ", "kabi.h", escape_c_comment);
	sb_adds(sb, " *\n");
	emit_provenance(sb, p, " * ", escape_c_comment);
	sb_adds(sb, " *\n * Every struct is laid out as clang computed it for this target from these headers;\n"
		    " * the _Static_assert lines refuse to compile if a compiler disagrees.\n */\n"
		    "#ifndef KABIGEN_KABI_H\n#define KABIGEN_KABI_H\n\n");
	sb_adds(sb, "#ifdef __cplusplus\n"
		    "/* C++17 and later: C's spellings as C++ spells them (undone at the end), C linkage, and in\n"
		    " * C++ only: a member named after a C++ keyword gets a trailing underscore (namespace_),\n"
		    " * a member of an empty struct is a zero-length array of it (size 0, as in C). */\n"
		    "#pragma push_macro(\"_Bool\")\n#pragma push_macro(\"_Static_assert\")\n"
		    "#pragma push_macro(\"_Alignof\")\n#undef _Bool\n#undef _Static_assert\n#undef _Alignof\n"
		    "#define _Bool bool\n#define _Static_assert static_assert\n#define _Alignof alignof\n"
		    "#ifdef __clang__\n/* That an empty struct is size 1 in C++ is handled as said above. */\n"
		    "#pragma clang diagnostic push\n#pragma clang diagnostic ignored \"-Wextern-c-compat\"\n#endif\n"
		    "extern \"C\" {\n#endif\n\n");
	sb_adds(sb, "#define KABI_ARCH ");
	escape_c_string(sb, p->arch);
	sb_adds(sb, "\n#define KABI_KERNEL_ARCH ");
	escape_c_string(sb, p->kernel_arch);
	sb_adds(sb, "\n#define KABI_TARGET ");
	escape_c_string(sb, p->clang_target);
	sb_adds(sb, "\n");
	for (size_t i = 0; i < m->n_strings; i++) {
		sb_addf(sb, "#define KABI_%s ", m->strings[i].name);
		escape_c_string(sb, m->strings[i].value);
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
			escape_c_string(sb, g[j]->expr ? g[j]->expr : g[j]->name);
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
		/* The expression comes from the set file, the type from the tree: both escaped. */
		sb_adds(sb, "\t/* ");
		if (c->expr || c->kernel_type) {
			escape_c_comment(sb, c->expr ? c->expr : c->kernel_type);
			sb_adds(sb, ": ");
		}
		if (c->expr && c->kernel_type) {
			escape_c_comment(sb, c->kernel_type);
			sb_adds(sb, " (");
		}
		escape_c_comment(sb, c->c_type);
		sb_adds(sb, c->expr && c->kernel_type ? ") */\n" : " */\n");
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
		escape_c_string(sb, sec->name);
		sb_addf(sb, ", %s, %" PRIu64 ", ", sec->type, sec->size);
		escape_c_string(sb, sec->elements ? sec->elements : "");
		sb_adds(sb, ", ");
		escape_c_string(sb, sec->count ? sec->count : "");
		sb_adds(sb, ", ");
		escape_c_string(sb, sec->reloc);
		for (size_t j = 0; j < sec->n_offsets; j++)
			sb_addf(sb, ", %" PRIu64, sec->offsets[j]);
		sb_adds(sb, ")");
	}
	sb_addf(sb, "\n#define KABI_SECTIONS_COUNT %zu\n\n", m->n_sections);
}

/* Whether record NAME of M has a member called MEMBER at its top level. */
static bool has_member(const struct kabi_model *m, const char *name, const char *member)
{
	const struct kabi_record *r = kabi_model_find_record(m, name);

	for (size_t i = 0; r && i < r->n_members; i++)
		if (r->members[i].name && !strcmp(r->members[i].name, member))
			return true;
	return false;
}

/*
 * What a module built from this header alone needs besides the layouts: what <linux/module.h>,
 * <linux/moduleparam.h> and modpost's NAME.mod.c give a kbuild module. Only under
 * KBUILD_MODNAME (kbuild defines it for a module's objects; `kabigen build-ko` does too), so a
 * loader including the header gains no declaration. Emitted where the set has struct module
 * (name, init, exit), struct kernel_param and the vermagic.
 */
static void emit_module_kit(struct strbuf *sb, const struct kabi_model *m)
{
	bool has_vermagic = false, has_ops = false;

	for (size_t i = 0; i < m->n_strings; i++)
		has_vermagic |= !strcmp(m->strings[i].name, "VERMAGIC");
	for (size_t i = 0; i < m->n_lists; i++)
		has_ops |= !strcmp(m->lists[i].name, "PARAM_OPS");
	if (!has_vermagic || !has_ops || !has_member(m, "module", "name") || !has_member(m, "module", "init") ||
	    !has_member(m, "module", "exit") || !has_member(m, "kernel_param", "ops"))
		return;
	sb_adds(sb,
		"#ifdef KBUILD_MODNAME\n"
		"/*\n"
		" * A module from this header alone (compile with -DKBUILD_MODNAME='\"NAME\"', as kbuild does):\n"
		" *   KABI_THIS_MODULE(init, exit): struct module __this_module, and the .modinfo entries\n"
		" *     modpost's NAME.mod.c writes (vermagic=, name=, retpoline=Y where the kernel has\n"
		" *     MITIGATION_RETPOLINE); once per module;\n"
		" *   KABI_MODINFO(key, \"value\"): a .modinfo entry (license, author, description);\n"
		" *   KABI_MODULE_PARAM(name, type, mode): the variable NAME as a parameter, module_param()'s\n"
		" *     __param entry (type: byte, short, ushort, int, uint, long, ulong, ullong, hexint, charp,\n"
		" *     bool, invbool: param_ops_TYPE, declared below where the kernel has it).\n"
		" * The kernel's own functions are declared as it declares them; _printk takes KERN_* levels\n"
		" * spelled out (\"\\0016\" is KERN_INFO).\n"
		" */\n"
		"extern int _printk(const char *fmt, ...);\n"
		"#define KABI_DECLARE_PARAM_OPS(ops) extern const struct kernel_param_ops ops;\n"
		"KABI_PARAM_OPS(KABI_DECLARE_PARAM_OPS)\n"
		"#undef KABI_DECLARE_PARAM_OPS\n"
		"extern struct module __this_module;\n"
		"#define KABI_CONCAT_(a, b) a##b\n"
		"#define KABI_CONCAT(a, b) KABI_CONCAT_(a, b)\n"
		"/* .modinfo holds NUL-terminated \"key=value\" strings back to back: each entry aligned 1. */\n"
		"#define KABI_MODINFO(key, value) \\\n"
		"\tstatic const char KABI_CONCAT(kabi_modinfo_, __COUNTER__)[] \\\n"
		"\t\t__attribute__((section(\".modinfo\"), used, aligned(1))) = #key \"=\" value\n"
		"/* A build without retpoline thunks (build-ko --loader minimal) defines KABI_MODULE_NO_RETPOLINE. */\n"
		"#if defined(KABI_CONFIG_MITIGATION_RETPOLINE) && KABI_CONFIG_MITIGATION_RETPOLINE && \\\n"
		"\t!defined(KABI_MODULE_NO_RETPOLINE)\n"
		"#define KABI_MODINFO_RETPOLINE KABI_MODINFO(retpoline, \"Y\");\n"
		"#else\n"
		"#define KABI_MODINFO_RETPOLINE\n"
		"#endif\n"
		"/* The loader finds struct module by its section and calls init, then exit at rmmod. */\n"
		"#define KABI_THIS_MODULE(init_fn, exit_fn) \\\n"
		"\tKABI_MODINFO(vermagic, KABI_VERMAGIC); \\\n"
		"\tKABI_MODINFO(name, KBUILD_MODNAME); \\\n"
		"\tKABI_MODINFO_RETPOLINE \\\n"
		"\t__attribute__((section(\".gnu.linkonce.this_module\"), used)) struct module __this_module = { \\\n"
		"\t\t.name = KBUILD_MODNAME, .init = init_fn, .exit = exit_fn, \\\n"
		"\t}\n"
		"/* Inside a module a parameter's name has no prefix; level -1 as module_param() gives it. */\n"
		"#define KABI_MODULE_PARAM(var, type, mode) \\\n"
		"\tstatic const char kabi_param_name_##var[] = #var; \\\n"
		"\tstatic const struct kernel_param kabi_param_##var \\\n"
		"\t\t__attribute__((section(\"__param\"), used, aligned(_Alignof(struct kernel_param)))) = { \\\n"
		"\t\t.name = kabi_param_name_##var, .mod = &__this_module, .ops = &param_ops_##type, \\\n"
		"\t\t.perm = (mode), .level = -1, .flags = 0, .arg = &var, \\\n"
		"\t}; \\\n"
		"\tKABI_MODINFO(parmtype, #var \":\" #type)\n"
		"#endif /* KBUILD_MODNAME */\n\n");
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
	emit_module_kit(&sb, m);
	emit_checks(&sb, m);
	sb_adds(&sb, "#ifdef __cplusplus\n} /* extern \"C\" */\n#ifdef __clang__\n#pragma clang diagnostic pop\n#endif\n"
		     "#pragma pop_macro(\"_Alignof\")\n"
		     "#pragma pop_macro(\"_Static_assert\")\n#pragma pop_macro(\"_Bool\")\n#endif\n\n");
	sb_adds(&sb, "#endif /* KABIGEN_KABI_H */\n");
	return sb.buf;
}
