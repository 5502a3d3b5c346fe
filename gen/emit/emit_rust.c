/* emit_rust.c: the Rust emitter: #[repr(C)] items and const assertions, core only. */
#include "emit/emit.h"
#include "util/escape.h"
#include "model/layout.h"
#include "util/report.h"
#include "util/str.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/*
 * Rust cannot put attributes on fields, so every member is placed by explicit padding
 * (`_pad_OFFSET: [u8; N]`) and the record gets only what Rust can say of a whole type:
 * repr(C), repr(packed) (alignment 1) or repr(align(N)). A member C places unaligned
 * inside a record that is itself aligned (a packed member, or packed with aligned(N))
 * is wrapped in KabiPacked<T>, a packed newtype of alignment 1. Rust also refuses a
 * repr(align) type anywhere inside a packed one (E0588), so opaque bytes of alignment up
 * to 8 get it from a zero-length array of u16/u32/u64 rather than from repr(align).
 */

/* ---- names ---- */

/* Strict and reserved words of Rust 2021 (and gen, reserved in 2024), plus "_". */
static const char *const keywords[] = {
	"_",	 "abstract", "as",	"async", "await",   "become", "box",   "break",	  "const", "continue",
	"crate", "do",	     "dyn",	"else",	 "enum",    "extern", "false", "final",	  "fn",	   "for",
	"gen",	 "if",	     "impl",	"in",	 "let",	    "loop",   "macro", "match",	  "mod",   "move",
	"mut",	 "override", "priv",	"pub",	 "ref",	    "return", "self",  "Self",	  "static", "struct",
	"super", "trait",    "true",	"try",	 "type",    "typeof", "unsafe", "unsized", "use",   "virtual",
	"where", "while",    "yield",
};

/* A C identifier as a Rust one: a keyword gets a trailing underscore (type -> type_), as bindgen does. */
static void add_ident(struct strbuf *sb, const char *name)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (!strcmp(name, keywords[i])) {
			sb_addf(sb, "%s_", name);
			return;
		}
	sb_adds(sb, name);
}

static char *ident(const char *name)
{
	struct strbuf sb = { 0 };

	add_ident(&sb, name);
	return sb.buf;
}


/*
 * The names the file declares, per namespace: C names become Rust names by rules (keywords
 * get a '_', anonymous records are named after their parent, bitfields get set_ methods),
 * and two C names can become one Rust name (struct loop and struct loop_; the bitfields x and
 * set_x; struct s's first anonymous member and a struct s__anon0). rustc would refuse the
 * file, or worse, take one for the other: each name is claimed once, or the run stops.
 */
struct rust_name {
	char *name;
	char *what;
	UT_hash_handle hh;
};

static void claim(struct rust_name **table, const char *name, const char *what)
{
	struct rust_name *n = NULL;

	HASH_FIND_STR(*table, name, n);
	if (n)
		die("the Rust file would name two things `%s`: %s and %s; leave one of them out of the set, or "
		    "use --format c, which keeps the kernel's names", name, n->what, what);
	n = xcalloc(1, sizeof(*n));
	n->name = xstrdup(name);
	n->what = xstrdup(what);
	HASH_ADD_KEYPTR(hh, *table, n->name, strlen(n->name), n);
}

static void claim_free(struct rust_name **table)
{
	struct rust_name *n, *tmp;

	HASH_ITER(hh, *table, n, tmp) {
		HASH_DEL(*table, n);
		free(n->name);
		free(n->what);
		free(n);
	}
}

/* ---- the emitter's state: what the records used, declared before them ---- */

struct rust {
	const struct kabi_model *m;
	const char *macro_prefix;	/* exported macros' names start with it: "kabi_", or a triple's in a crate */
	bool in_crate;			/* a module of 'kabigen crate': shared types come from the crate root */
	struct rust_name *types, *values, *macros;	/* the module's namespaces */
	uint64_t opaque_aligns;		/* bit k: KabiOpaque(2^k) is used */
	bool uses_packed;		/* KabiPacked<T> */
	bool uses_bitfields;		/* the kabi_bf_* helpers */
	struct strset pointees;		/* records outside the set, reached through pointers */
	struct strbuf checks;		/* const assertions, written last */
	struct strbuf reexports;	/* in a crate: `pub use` of the exported macros under their short names */
};

/* ---- type spelling ---- */

static const char *int_name(uint64_t size, bool is_signed)
{
	switch (size) {
	case 1: return is_signed ? "i8" : "u8";
	case 2: return is_signed ? "i16" : "u16";
	case 4: return is_signed ? "i32" : "u32";
	case 8: return is_signed ? "i64" : "u64";
	case 16: return is_signed ? "i128" : "u128";
	default: return NULL;
	}
}

/* Up to this alignment, KabiOpaqueN takes it from a zero-length uN array, which packed records may contain. */
#define OPAQUE_ALIGN_BY_ARRAY 8

/* Bytes with an alignment. In a packed context alignment 1 is wanted anyway, and repr(align) is refused there. */
static void add_opaque(struct rust *x, struct strbuf *sb, uint64_t size, uint32_t align, bool packed_ctx)
{
	if (align < 1 || (align & (align - 1)))
		die("an opaque type of alignment %u cannot be written in Rust; report this", align);
	if (packed_ctx && align > OPAQUE_ALIGN_BY_ARRAY) {
		sb_addf(sb, "[u8; %" PRIu64 "]", size);
		return;
	}
	x->opaque_aligns |= align;
	sb_addf(sb, "KabiOpaque%u<%" PRIu64 ">", align, size);
}

static void spell(struct rust *x, struct strbuf *sb, const struct kabi_type *t, bool packed_ctx);

/* C function pointers are nullable: Option<fn> has the same size and ABI. */
static void spell_fn(struct rust *x, struct strbuf *sb, const struct kabi_type *fn)
{
	sb_adds(sb, "Option<unsafe extern \"C\" fn(");
	for (size_t i = 0; i < fn->n_params; i++) {
		const struct kabi_type *p = fn->params[i];

		if (i)
			sb_adds(sb, ", ");
		if (p->kind == KT_ARRAY) {	/* an array parameter is a pointer */
			sb_adds(sb, p->target->is_const ? "*const " : "*mut ");
			spell(x, sb, p->target, false);
		} else {
			spell(x, sb, p, false);
		}
	}
	if (fn->variadic)
		sb_adds(sb, fn->n_params ? ", ..." : "...");
	sb_adds(sb, ")");
	if (fn->target->kind != KT_VOID) {
		sb_adds(sb, " -> ");
		spell(x, sb, fn->target, false);
	}
	sb_adds(sb, ">");
}

/* A type by its Rust spelling; anonymous records are spelled by their caller, who names them. */
static void spell(struct rust *x, struct strbuf *sb, const struct kabi_type *t, bool packed_ctx)
{
	const char *name;

	switch (t->kind) {
	case KT_VOID:
		sb_adds(sb, "core::ffi::c_void");
		return;
	case KT_INT:
		/* Plain char as core::ffi's, which CStr::from_ptr and C callbacks take (i8 or u8 by target). */
		if (t->name && !strcmp(t->name, "char") && t->size == 1) {
			sb_adds(sb, "core::ffi::c_char");
			return;
		}
		if (!(name = int_name(t->size, t->is_signed)))
			die("the %" PRIu64 "-byte integer type %s has no Rust equivalent; report this", t->size, t->name);
		sb_adds(sb, name);
		return;
	case KT_BOOL:
		sb_adds(sb, "bool");
		return;
	case KT_FLOAT:
		if (t->size == 4 || t->size == 8)
			sb_adds(sb, t->size == 4 ? "f32" : "f64");
		else	/* long double: Rust has none */
			add_opaque(x, sb, t->size, t->align, packed_ctx);
		return;
	case KT_POINTER:
		if (t->target->kind == KT_FUNC) {
			spell_fn(x, sb, t->target);
			return;
		}
		sb_adds(sb, t->target->is_const ? "*const " : "*mut ");
		spell(x, sb, t->target, false);
		return;
	case KT_ARRAY:
		sb_adds(sb, "[");
		spell(x, sb, t->target, packed_ctx);
		sb_addf(sb, "; %" PRId64 "]", t->count < 0 ? 0 : t->count);	/* flexible: zero-length */
		return;
	case KT_FUNC:
		spell_fn(x, sb, t);
		return;
	case KT_RECORD:
		if (!t->name)
			die("an anonymous record outside a member cannot be named in Rust; report this");
		if (!t->record && !kabi_model_find_record(x->m, t->name))
			strset_add(&x->pointees, t->name);
		add_ident(sb, t->name);
		return;
	case KT_ENUM:
		add_ident(sb, t->name);
		return;
	case KT_OPAQUE:
		add_opaque(x, sb, t->count < 0 ? 0 : t->size, t->align, packed_ctx);
		return;
	}
}

/* ---- where each member goes ---- */

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static bool is_bitfield(const struct kabi_member *m)
{
	return m->bit_width != KABI_NOT_BITFIELD;
}

static bool is_anon_record(const struct kabi_type *t)
{
	return t->kind == KT_RECORD && !t->name;
}

/* The alignment of the Rust type spelled for T, outside packed contexts: the same as C's for every kind. */
static uint32_t rust_align(const struct kabi_type *t)
{
	while (t->kind == KT_ARRAY)
		t = t->target;
	if (t->kind == KT_RECORD && t->record)
		return t->record->align;
	return t->align ? t->align : 1;
}

/* A member a field of its own Rust type cannot hold: misaligned, or more aligned than its record. */
static bool misplaced(const struct kabi_record *r, const struct kabi_member *m)
{
	uint32_t a = rust_align(m->type);

	return !is_bitfield(m) && ((m->offset_bits / 8) % a || a > r->align);
}

/* repr(C, packed): the record has alignment 1 and a member its type would move. */
static bool record_packed(const struct kabi_record *r)
{
	if (r->align != 1)
		return false;
	for (size_t i = 0; i < r->n_members; i++)
		if (misplaced(r, &r->members[i]))
			return true;
	return false;
}

/* repr(align(N)): more alignment than the record's fields give it (0: none). */
static uint32_t record_align_attr(const struct kabi_record *r)
{
	uint32_t max = 1;

	if (record_packed(r))
		return 0;
	for (size_t i = 0; i < r->n_members; i++) {
		const struct kabi_member *m = &r->members[i];

		if (!is_bitfield(m) && !misplaced(r, m) && rust_align(m->type) > max)
			max = rust_align(m->type);
	}
	return r->align > max ? r->align : 0;
}

static bool record_of(const struct kabi_type *t)
{
	while (t->kind == KT_ARRAY)
		t = t->target;
	return t->kind == KT_RECORD && t->record;
}

/* Whether the Rust type of T holds a repr(align) type, which Rust refuses inside a packed one. */
static bool has_repr_align(const struct kabi_type *t)
{
	while (t->kind == KT_ARRAY)
		t = t->target;
	if (t->kind == KT_OPAQUE || (t->kind == KT_FLOAT && t->size != 4 && t->size != 8))
		return t->align > OPAQUE_ALIGN_BY_ARRAY;
	if (t->kind != KT_RECORD || !t->record)
		return false;
	if (record_align_attr(t->record))
		return true;
	if (record_packed(t->record))
		return false;	/* its members are in a packed context: checked when it is planned */
	for (size_t i = 0; i < t->record->n_members; i++) {
		const struct kabi_member *m = &t->record->members[i];

		if (!misplaced(t->record, m) && has_repr_align(m->type))
			return true;
	}
	return false;
}

enum field_kind { F_MEMBER, F_BITS, F_PAD };

struct field {
	enum field_kind kind;
	size_t first, end;	/* F_MEMBER: members[first]; F_BITS: the bitfields of members[first..end) */
	uint64_t offset, size;	/* bytes */
	bool wrapped;		/* F_MEMBER in KabiPacked<T> */
	char *name;
	char *anon_type;	/* F_MEMBER of an anonymous record type: the name given to that type */
};

struct plan {
	const char *name;	/* the Rust type */
	bool packed;		/* repr(C, packed) */
	uint32_t align;		/* repr(align(N)), 0 for none */
	struct field *f;
	size_t n;
};

static struct field *plan_add(struct plan *p, enum field_kind kind, uint64_t offset, uint64_t size)
{
	struct field *f;

	p->f = xgrow(p->f, p->n, sizeof(*p->f));
	f = &p->f[p->n++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->offset = offset;
	f->size = size;
	if (kind == F_PAD)
		f->name = xasprintf("_pad_%" PRIu64, offset);
	else if (kind == F_BITS)
		f->name = xasprintf("_bf_%" PRIu64, offset);
	return f;
}

/* The bytes a run of bitfields covers; zero-width bitfields only move the next one. */
static bool bits_span(const struct kabi_record *r, size_t first, size_t end, uint64_t *lo, uint64_t *hi)
{
	bool any = false;

	for (size_t i = first; i < end; i++) {
		const struct kabi_member *m = &r->members[i];

		if (!is_bitfield(m) || m->bit_width <= 0)
			continue;
		if (m->bit_width > 64)
			die("struct %s: the %d-bit bitfield %s is wider than Rust's accessors (64 bits); report this",
			    r->name ? r->name : "(anonymous)", m->bit_width, m->name ? m->name : "(unnamed)");
		if (!any || m->offset_bits / 8 < *lo)
			*lo = m->offset_bits / 8;
		if (!any || (m->offset_bits + (uint64_t)m->bit_width + 7) / 8 > *hi)
			*hi = (m->offset_bits + (uint64_t)m->bit_width + 7) / 8;
		any = true;
	}
	return any;
}

/*
 * Lays the fields out as rustc will (repr(C): each at the next multiple of its alignment)
 * and inserts padding wherever that falls short of clang's offset. Example: x86_64's
 * struct module has init at 304 (ends at 312) and mem[] at 320, aligned(64) in C:
 * `_pad_312: [u8; 8]` goes between them, and repr(align(64)) on the record.
 * One loop, kept whole (83 lines): the running offset, the union's one bitfield storage and
 * the anonymous-member counter carry from member to member, and the checks that make it die
 * read best next to the placement they guard.
 */
static void plan_record(const struct kabi_record *r, const char *name, const char *base, struct plan *p)
{
	const char *what = r->name ? r->name : name;
	uint64_t cur = 0, end;
	unsigned anon = 0;
	bool bits_done = false;

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->packed = record_packed(r);
	p->align = record_align_attr(r);
	for (size_t i = 0; i < r->n_members; i++) {
		const struct kabi_member *m = &r->members[i];
		uint64_t at = m->offset_bits / 8, natural, lo = 0, hi = 0;
		uint32_t a;
		struct field *f;
		size_t j;

		if (is_bitfield(m)) {
			/* Consecutive bitfields share one storage; in a union, all of them share one at 0. */
			if (r->is_union) {
				if (bits_done)
					continue;
				bits_done = true;
				j = r->n_members;
			} else {
				for (j = i; j < r->n_members && is_bitfield(&r->members[j]); j++)
					;
			}
			if (!bits_span(r, i, j, &lo, &hi)) {
				if (!r->is_union)
					i = j - 1;
				continue;
			}
			at = r->is_union ? 0 : lo;
			a = 1;
		} else {
			bool packed_ctx = p->packed || misplaced(r, m);

			j = i + 1;
			a = packed_ctx ? 1 : rust_align(m->type);
			/* Opaque bytes drop their alignment there; a record cannot. */
			if (packed_ctx && record_of(m->type) && has_repr_align(m->type))
				die("struct %s: member %s is packed but its type is over-aligned, which Rust cannot "
				    "express (E0588); report this", what, m->name ? m->name : "(anonymous)");
		}
		natural = r->is_union ? 0 : align_up(cur, a);
		if (natural > at)
			die("struct %s: member %s cannot be placed at offset %" PRIu64 " in Rust; report this", what,
			    m->name ? m->name : "(anonymous)", at);
		if (natural < at)
			plan_add(p, F_PAD, cur, at - cur);
		if (is_bitfield(m)) {
			f = plan_add(p, F_BITS, at, hi - at);
			f->first = i;
			f->end = j;
			if (!r->is_union)
				i = j - 1;
		} else {
			f = plan_add(p, F_MEMBER, at, m->type->size);
			f->first = i;
			f->wrapped = !p->packed && misplaced(r, m);
			if (is_anon_record(m->type) && m->name) {
				f->anon_type = xasprintf("%s__%s", base, m->name);
				f->name = ident(m->name);
			} else if (is_anon_record(m->type)) {
				f->anon_type = xasprintf("%s__anon%u", base, anon);
				f->name = xasprintf("__anon%u", anon++);
			} else if (m->name) {
				f->name = ident(m->name);
			} else {
				die("struct %s: an unnamed member that is not a record; report this", what);
			}
		}
		end = f->offset + f->size;
		if (r->is_union ? end > cur : true)
			cur = end;
	}
	/* The record's alignment is r->align: its fields give it, or repr(align) does. */
	end = align_up(cur, p->packed ? 1 : r->align);
	if (end > r->size)
		die("struct %s: Rust would make it %" PRIu64 " bytes, clang %" PRIu64 "; report this", what, end, r->size);
	if (end < r->size)
		plan_add(p, F_PAD, r->is_union ? 0 : cur, r->size - (r->is_union ? 0 : cur));
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->f[i].name);
		free(p->f[i].anon_type);
	}
	free(p->f);
}

/* ---- records ---- */

static void add_member_comment(struct strbuf *sb, const struct kabi_record *r, const struct field *f)
{
	sb_addf(sb, " // %5" PRIu64 " %5" PRIu64, f->offset, f->size);
	if (f->kind == F_BITS) {
		for (size_t i = f->first; i < f->end; i++)
			if (is_bitfield(&r->members[i]))
				sb_addf(sb, " %s:%d", r->members[i].name ? r->members[i].name : "",
					r->members[i].bit_width);
	} else if (f->kind == F_MEMBER && r->members[f->first].kernel_type) {
		sb_adds(sb, " ");
		escape_rust_comment(sb, r->members[f->first].kernel_type);
	}
	if (f->wrapped)
		sb_adds(sb, " (packed)");
	sb_adds(sb, "\n");
}

/* The same as documentation, the C spelling in code quotes (rustdoc would take char[56] for a link). */
static void add_member_doc(struct strbuf *sb, const struct kabi_record *r, const struct field *f)
{
	sb_addf(sb, "    /// Offset %" PRIu64 ", size %" PRIu64, f->offset, f->size);
	if (f->kind == F_BITS) {
		sb_adds(sb, ": bitfields `");
		for (size_t i = f->first; i < f->end; i++)
			if (is_bitfield(&r->members[i]))
				sb_addf(sb, " %s:%d", r->members[i].name ? r->members[i].name : "",
					r->members[i].bit_width);
		sb_adds(sb, " `");
	} else if (f->kind == F_MEMBER && r->members[f->first].kernel_type) {
		sb_adds(sb, ": `");
		escape_rust_comment(sb, r->members[f->first].kernel_type);
		sb_adds(sb, "`");
	} else if (f->kind == F_PAD) {
		sb_adds(sb, ": padding");
	}
	sb_adds(sb, f->wrapped ? " (packed)\n" : "\n");
}

static void spell_field(struct rust *x, struct strbuf *sb, const struct plan *p, const struct kabi_record *r,
			const struct field *f)
{
	const struct kabi_member *m = &r->members[f->first];

	if (f->kind != F_MEMBER) {
		sb_addf(sb, "[u8; %" PRIu64 "]", f->size);
		return;
	}
	if (f->wrapped) {
		x->uses_packed = true;
		sb_adds(sb, "KabiPacked<");
	}
	if (f->anon_type)
		sb_adds(sb, f->anon_type);
	else
		spell(x, sb, m->type, p->packed || f->wrapped);
	if (f->wrapped)
		sb_adds(sb, ">");
}

/* The reader and writer of TYPE's member NAME (KIND): NAME (a keyword gets its '_') and set_NAME. */
static void claim_method(struct rust_name **methods, const char *type, const char *name, const char *kind)
{
	char *getter = ident(name), *setter = xasprintf("set_%s", name);
	char *what_get = xasprintf("the reader of %s %s of %s", kind, name, type);
	char *what_set = xasprintf("the writer of %s %s of %s", kind, name, type);

	claim(methods, getter, what_get);
	claim(methods, setter, what_set);
	free(what_set);
	free(what_get);
	free(setter);
	free(getter);
}

/*
 * Bitfields: one getter and one setter per named field, reading bit by bit from the
 * storage (little-endian bit order, as on every kabigen target; the offsets are clang's).
 */
static void emit_accessors(struct rust *x, struct strbuf *sb, const struct kabi_record *r, const struct plan *p,
			   struct rust_name **methods)
{
	bool any = false;

	for (size_t k = 0; k < p->n; k++) {
		const struct field *f = &p->f[k];

		if (f->kind != F_BITS)
			continue;
		for (size_t i = f->first; i < f->end; i++) {
			const struct kabi_member *m = &r->members[i];
			const struct kabi_type *t = m->type;
			struct strbuf ty = { 0 };
			const char *ref = r->is_union ? "unsafe { &self." : "&self.", *close = r->is_union ? " }" : "";
			uint64_t bit = m->offset_bits - f->offset * 8;
			bool is_signed = t->is_signed;

			if (!is_bitfield(m) || !m->name)
				continue;
			if (t->kind == KT_ENUM) {
				const struct kabi_enum *e = kabi_model_find_enum(x->m, t->name);

				is_signed = e && e->int_type->is_signed;
			}
			if (!any)
				sb_addf(sb, "#[allow(non_snake_case, dead_code)]\nimpl %s {\n", p->name);
			any = true;
			x->uses_bitfields = true;
			claim_method(methods, p->name, m->name, "the bitfield");
			spell(x, &ty, t, false);
			sb_addf(sb, "    /// Reads the bitfield `%s` (%d bits).\n    pub const fn ", m->name, m->bit_width);
			add_ident(sb, m->name);
			if (t->kind == KT_BOOL)
				sb_addf(sb, "(&self) -> bool { kabi_bf_get(%s%s%s, %" PRIu64 ", %d) != 0 }\n", ref, f->name,
					close, bit, m->bit_width);
			else
				sb_addf(sb, "(&self) -> %s { kabi_bf_%s(%s%s%s, %" PRIu64 ", %d) as %s }\n", ty.buf,
					is_signed ? "sget" : "get", ref, f->name, close, bit, m->bit_width, ty.buf);
			sb_addf(sb, "    /// Writes the bitfield `%s`.\n", m->name);
			sb_addf(sb, "    pub const fn set_%s(&mut self, v: %s) { kabi_bf_set(%s%s%s, %" PRIu64
				", %d, v as u64) }\n", m->name, ty.buf, r->is_union ? "unsafe { &mut self." : "&mut self.",
				f->name, close, bit, m->bit_width);
			sb_release(&ty);
		}
	}
	if (any)
		sb_adds(sb, "}\n");
	sb_adds(sb, "\n");
}

/*
 * Members of anonymous structs and unions, reached as C reaches them: kp.arg() rather than
 * kp.__anon0.arg. Reading a union's member is unsafe (the caller knows which one is live);
 * writing a Copy member is not.
 */
static void emit_anon_accessors(struct rust *x, struct strbuf *sb, const struct kabi_record *r, const struct plan *p,
				struct rust_name **methods)
{
	struct strset seen = { 0 };
	bool any = false;

	for (size_t k = 0; k < p->n; k++) {
		const struct field *f = &p->f[k];
		const struct kabi_record *sub;
		struct plan sp;

		if (f->kind != F_MEMBER || !f->anon_type || r->members[f->first].name)
			continue;
		sub = r->members[f->first].type->record;
		plan_record(sub, f->anon_type, f->anon_type, &sp);
		for (size_t j = 0; j < sp.n; j++) {
			const struct field *g = &sp.f[j];
			const struct kabi_member *m = &sub->members[g->first];
			bool unsafe_read = r->is_union || sub->is_union;
			struct strbuf ty = { 0 };
			size_t before = seen.n;

			if (g->kind != F_MEMBER || g->anon_type || !m->name)
				continue;
			strset_add(&seen, g->name);
			if (seen.n == before)
				continue;	/* two anonymous members with a member of the same name: leave both */
			if (!any)
				sb_addf(sb, "#[allow(non_snake_case, dead_code)]\nimpl %s {\n", p->name);
			any = true;
			claim_method(methods, p->name, m->name, "the anonymous record's member");
			spell_field(x, &ty, &sp, sub, g);
			sb_addf(sb, "    /// Reads `%s` of the anonymous %s `%s`.\n", m->name, sub->is_union ? "union" : "struct",
				f->name);
			if (unsafe_read)
				sb_adds(sb, "    ///\n    /// # Safety\n    /// The union's live member must be this one.\n"
					    "    pub unsafe fn ");
			else
				sb_adds(sb, "    pub fn ");
			sb_addf(sb, "%s(&self) -> %s { %sself.%s.%s%s }\n", g->name, ty.buf, unsafe_read ? "unsafe { " : "",
				f->name, g->name, unsafe_read ? " }" : "");
			sb_addf(sb, "    /// Writes `%s` of the anonymous %s `%s`.\n", m->name, sub->is_union ? "union" : "struct",
				f->name);
			sb_addf(sb, "    pub fn set_%s(&mut self, v: %s) { self.%s.%s = v; }\n", m->name, ty.buf, f->name,
				g->name);
			sb_release(&ty);
		}
		plan_free(&sp);
	}
	if (any)
		sb_adds(sb, "}\n\n");
	strv_free(seen.v, seen.n);
}

/*
 * ZEROED and Default: every byte zero, as a loader builds a `module` or a `kernel_param`
 * before filling it. Sound for every type kabigen spells (integers, bool, raw pointers,
 * Option<fn>, byte arrays, unions of those); rustc's const evaluation would refuse the
 * constant if one were not.
 */
static void emit_zeroed(struct strbuf *sb, const char *name, struct rust_name **methods)
{
	claim(methods, "ZEROED", "the all-zero value");
	sb_addf(sb, "#[allow(dead_code)]\nimpl %s {\n"
		    "    /// Every byte zero: null pointers, `None` callbacks, zero numbers.\n"
		    "    pub const ZEROED: Self = unsafe { core::mem::zeroed() };\n}\n"
		    "impl Default for %s {\n    fn default() -> Self {\n        Self::ZEROED\n    }\n}\n", name, name);
}

/*
 * One record, then the anonymous records inside it, each a named type. Its checks go to
 * x->checks: size, alignment, and each field's offset from the top record, summed
 * through anonymous members (`offset_of!(kernel_param, __anon0) + offset_of!(kernel_param__anon0, arg)`).
 */
static void emit_record(struct rust *x, struct strbuf *sb, const struct kabi_record *r, const char *name,
			const char *base, const char *prefix, uint64_t base_off)
{
	struct rust_name *fields = NULL, *methods = NULL;
	struct plan p;
	char *what = r->name ? xasprintf("%s %s", r->is_union ? "union" : "struct", r->name)
			     : xasprintf("the anonymous %s kabigen names after the record holding it", r->is_union ? "union" : "struct");

	plan_record(r, name, base, &p);
	claim(&x->types, name, what);
	for (size_t i = 0; i < p.n; i++) {
		char *field = xasprintf("a field of %s", what);

		claim(&fields, p.f[i].name, field);
		free(field);
	}
	claim_free(&fields);
	free(what);
	if (r->name)
		sb_addf(sb, "/// `%s %s`: size %" PRIu64 ", align %u, laid out as clang computed it.\n",
			r->is_union ? "union" : "struct", r->name, r->size, r->align);
	else
		sb_addf(sb, "/// An anonymous %s inside `%s`: size %" PRIu64 ", align %u.\n",
			r->is_union ? "union" : "struct", base, r->size, r->align);
	if (p.packed)
		sb_adds(sb, "#[repr(C, packed)]\n");
	else if (p.align)
		sb_addf(sb, "#[repr(C, align(%u))]\n", p.align);
	else
		sb_adds(sb, "#[repr(C)]\n");
	sb_addf(sb, "#[derive(Clone, Copy)]\n#[allow(non_camel_case_types, non_snake_case, dead_code)]\npub %s %s {",
		r->is_union ? "union" : "struct", name);
	if (r->name && strcmp(r->name, name))
		sb_addf(sb, " // %s %s", r->is_union ? "union" : "struct", r->name);
	sb_adds(sb, "\n");
	for (size_t i = 0; i < p.n; i++) {
		/* The member comment again as documentation: offset, size, the kernel's type. */
		add_member_doc(sb, r, &p.f[i]);
		sb_addf(sb, "    pub %s: ", p.f[i].name);
		spell_field(x, sb, &p, r, &p.f[i]);
		sb_adds(sb, ",");
		add_member_comment(sb, r, &p.f[i]);
	}
	sb_addf(sb, "} // size %" PRIu64 ", align %u\n", r->size, r->align);
	emit_zeroed(sb, name, &methods);
	emit_accessors(x, sb, r, &p, &methods);
	emit_anon_accessors(x, sb, r, &p, &methods);
	claim_free(&methods);

	sb_addf(&x->checks, "const _: () = assert!(core::mem::size_of::<%s>() == %" PRIu64 ");\n", name, r->size);
	sb_addf(&x->checks, "const _: () = assert!(core::mem::align_of::<%s>() == %u);\n", name, r->align);
	for (size_t i = 0; i < p.n; i++) {
		const struct field *f = &p.f[i];

		if (f->kind == F_PAD)
			continue;
		sb_addf(&x->checks, "const _: () = assert!(%score::mem::offset_of!(%s, %s) == %" PRIu64 ");\n", prefix,
			name, f->name, base_off + f->offset);
	}
	for (size_t i = 0; i < p.n; i++) {
		const struct field *f = &p.f[i];
		char *sub_prefix;

		if (!f->anon_type)
			continue;
		sub_prefix = xasprintf("%score::mem::offset_of!(%s, %s) + ", prefix, name, f->name);
		emit_record(x, sb, r->members[f->first].type->record, f->anon_type, f->anon_type, sub_prefix,
			    base_off + f->offset);
		free(sub_prefix);
	}
	plan_free(&p);
}

/* ---- constants, strings and helpers ---- */

static const char allow_const[] = "#[allow(non_upper_case_globals, dead_code)]\n";

static void add_str_const(struct rust *x, struct strbuf *sb, const char *name, const char *value)
{
	char *rname = xasprintf("KABI_%s", name), *what = xasprintf("the string %s", name);

	claim(&x->values, rname, what);
	free(what);
	free(rname);
	/* A tree's strings are bytes (a LOCALVERSION in Latin-1): a str cannot hold those. */
	if (escape_is_utf8(value)) {
		sb_addf(sb, "/// The string %s of this triple.\n%spub const KABI_%s: &str = ", name, allow_const, name);
		escape_rust_string(sb, value);
	} else {
		sb_addf(sb, "/// The string %s of this triple: its bytes, which are not UTF-8.\n%spub const KABI_%s: &[u8] = ",
			name, allow_const, name);
		escape_rust_bytes(sb, value);
	}
	sb_adds(sb, ";\n");
}

/* An integer literal for a Rust integer type of SIZE bytes. */
static void add_int_literal(struct strbuf *sb, uint64_t bits, bool is_signed, uint32_t size)
{
	if (is_signed && (int64_t)bits == INT64_MIN)
		sb_adds(sb, size == 16 ? "i64::MIN as i128" : "i64::MIN");
	else if (is_signed)
		sb_addf(sb, "%" PRId64, (int64_t)bits);
	else
		sb_addf(sb, "%" PRIu64, bits);
}

static void emit_preamble(struct rust *x, struct strbuf *sb)
{
	const struct kabi_model *m = x->m;
	const struct kabi_provenance *p = &m->prov;

	emit_title(sb, p, "// ", "kabi.rs", escape_rust_comment);
	sb_adds(sb, "//\n");
	emit_provenance(sb, p, "// ", escape_rust_comment);
	sb_adds(sb, "//\n"
		    "// Every struct is laid out as clang computed it for this target from these headers;\n"
		    "// the const assertions at the end refuse to compile if rustc lays one out differently.\n"
		    "// Only `core` is used, and each item carries its own #[allow] (no inner attributes), so\n"
		    "// this file is a crate root as it is, or goes in a module: mod kabi { include!(\"kabi.rs\"); }\n"
		    "// C's char is core::ffi::c_char; every struct has ZEROED and Default (all bytes zero);\n"
		    "// members of an anonymous struct or union are reached by methods named after them, as C\n"
		    "// reaches them (kp.arg(), kp.set_arg(p)); the relocation types are the enum Reloc.\n\n");
	add_str_const(x, sb, "ARCH", p->arch);
	add_str_const(x, sb, "KERNEL_ARCH", p->kernel_arch);
	add_str_const(x, sb, "TARGET", p->clang_target);
	for (size_t i = 0; i < m->n_strings; i++)
		add_str_const(x, sb, m->strings[i].name, m->strings[i].value);
	sb_adds(sb, "\n");
}

/*
 * A macro's first lines. Exported (#[macro_export]), so a crate that include!s kabi.rs can
 * re-export it; exported macros live at the crate root, so a module of 'kabigen crate'
 * names its own after the triple (kabi_riscv64_v7_2_generic_reloc) and re-exports it
 * under the short name, which x->reexports collects.
 */
static void add_macro_start(struct rust *x, struct strbuf *sb, const char *lower)
{
	sb_addf(sb, "#[macro_export]\n%smacro_rules! %s%s {\n    ($m:ident) => {\n        $m! {\n",
		x->in_crate ? "#[doc(hidden)]\n" : "", x->macro_prefix, lower);
	if (x->in_crate)
		sb_addf(&x->reexports, "#[doc(inline)]\npub use crate::%s%s as kabi_%s;\n", x->macro_prefix, lower, lower);
}

/* What a group or list of NAME declares: the slice KABI_NAME and the macro kabi_LOWER. */
static void claim_group(struct rust *x, const char *name, const char *lower, const char *kind)
{
	char *slice = xasprintf("KABI_%s", name), *macro = xasprintf("kabi_%s", lower);
	char *what = xasprintf("%s %s", kind, name);

	claim(&x->values, slice, what);
	claim(&x->macros, macro, what);
	free(what);
	free(macro);
	free(slice);
}

/* The #[allow] of a constant NAME: dead_code (a binary may use few), and the case lint only where it applies. */
static const char *allow_for(const char *name)
{
	for (const char *c = name; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			return allow_const;
	return "#[allow(dead_code)]\n";
}

/* A Kconfig fact (group CONFIG, IS_ENABLED(CONFIG_X), 0 or 1): a bool in Rust. */
static bool is_kconfig_fact(const struct kabi_constant *c)
{
	return c->group && !strcmp(c->group, "CONFIG") && c->expr && !strncmp(c->expr, "IS_ENABLED(", 11) &&
	       c->value <= 1;
}

static const char *kernel_name(const struct kabi_constant *c)
{
	return c->expr ? c->expr : c->name;
}

/* The first constant of G before index J with J's value, or NULL: J is then an alias. */
static const struct kabi_constant *alias_of(const struct kabi_constant **g, size_t j)
{
	for (size_t k = 0; k < j; k++)
		if (g[k]->value == g[j]->value)
			return g[k];
	return NULL;
}

/*
 * The relocation types as a loader matches on them: an enum with the kernel's names
 * (R_RISCV_64), converted from the ELF number with TryFrom and printed by name. A name
 * that repeats another's number (an alias) becomes an associated constant, since one
 * number can be one variant only.
 */
static void emit_reloc_enum(struct rust *x, struct strbuf *sb, const struct kabi_constant **g, size_t n,
			    const char *type)
{
	bool any_alias = false;

	claim(&x->types, "Reloc", "the enum of relocation types");
	sb_addf(sb, "/// A relocation type of %s by the kernel's name: `Reloc::try_from(r_info as u32)`\n"
		    "/// (ELF64_R_TYPE), `.name()`, or `{}` in a message.\n"
		    "#[repr(%s)]\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\n"
		    "#[allow(non_camel_case_types, dead_code)]\npub enum Reloc {\n", x->m->prov.arch ? x->m->prov.arch : "this arch",
		type);
	for (size_t j = 0; j < n; j++) {
		if (alias_of(g, j)) {
			any_alias = true;
			continue;
		}
		sb_adds(sb, "    /// `");
		escape_rust_comment(sb, kernel_name(g[j]));
		sb_adds(sb, "`\n    ");
		add_ident(sb, kernel_name(g[j]));
		sb_adds(sb, " = ");
		add_int_literal(sb, g[j]->value, g[j]->is_signed, g[j]->size);
		sb_adds(sb, ",\n");
	}
	sb_adds(sb, "}\n\n#[allow(non_upper_case_globals, dead_code)]\nimpl Reloc {\n");
	for (size_t j = 0; any_alias && j < n; j++) {
		const struct kabi_constant *first = alias_of(g, j);

		if (!first)
			continue;
		sb_adds(sb, "    /// `");
		escape_rust_comment(sb, kernel_name(g[j]));
		sb_adds(sb, "`: the same number as `");
		escape_rust_comment(sb, kernel_name(first));
		sb_adds(sb, "`.\n    pub const ");
		add_ident(sb, kernel_name(g[j]));
		sb_adds(sb, ": Reloc = Reloc::");
		add_ident(sb, kernel_name(first));
		sb_adds(sb, ";\n");
	}
	/* By the slice of the same constants rather than a match arm per type: half the bytes. */
	sb_addf(sb, "    /// The type numbered V, or None when the headers name none.\n"
		    "    pub const fn from_number(v: %s) -> Option<Self> {\n        let mut i = 0;\n"
		    "        while i < KABI_RELOC.len() {\n            if KABI_RELOC[i].0 == v {\n"
		    "                // SAFETY: every number of KABI_RELOC is one of Reloc's.\n"
		    "                return Some(unsafe { core::mem::transmute::<%s, Reloc>(v) });\n            }\n"
		    "            i += 1;\n        }\n        None\n    }\n"
		    "    /// The kernel's name of the type: \"R_RISCV_64\".\n"
		    "    pub const fn name(self) -> &'static str {\n        let mut i = 0;\n"
		    "        while KABI_RELOC[i].0 != self as %s {\n            i += 1;\n        }\n"
		    "        KABI_RELOC[i].1\n    }\n}\n\n", type, type, type);
	sb_addf(sb, "impl TryFrom<%s> for Reloc {\n    type Error = %s;\n"
		    "    /// The type numbered V; Err(V) when the headers name none.\n"
		    "    fn try_from(v: %s) -> Result<Self, %s> {\n        Self::from_number(v).ok_or(v)\n    }\n}\n\n"
		    "impl core::fmt::Display for Reloc {\n"
		    "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n"
		    "        f.write_str(self.name())\n    }\n}\n\n", type, type, type, type);
}

/*
 * Each group of constants as a slice of (value, kernel name) and as a macro that hands the
 * whole list to the caller's macro at once, so it can stamp out match arms or items:
 *   macro_rules! arms { ($(($c:ident, $n:literal)),*) => { ... } }  kabi_reloc!(arms);
 */
static void emit_groups(struct rust *x, struct strbuf *sb)
{
	const struct kabi_model *m = x->m;
	size_t n_groups;
	char **groups = kabi_model_group_names(m, &n_groups);

	for (size_t i = 0; i < n_groups; i++) {
		size_t n;
		const struct kabi_constant **g = kabi_model_group(m, groups[i], &n);
		const char *type = is_kconfig_fact(g[0]) ? "bool" : int_name(g[0]->size, g[0]->is_signed);
		char *lower = xstrdup(groups[i]);

		for (size_t j = 1; j < n; j++)
			if ((is_kconfig_fact(g[j]) ? "bool" : int_name(g[j]->size, g[j]->is_signed)) != type)
				type = NULL;
		for (char *c = lower; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		claim_group(x, groups[i], lower, "the group");
		sb_addf(sb, "/// The constants of the group %s: (value, kernel name) each.\n%spub const KABI_%s: &[(%s, &str)] = &[\n",
			groups[i], allow_const, groups[i], type ? type : "i128");
		for (size_t j = 0; j < n; j++) {
			sb_adds(sb, "    (");
			add_ident(sb, g[j]->name);
			if (!type)
				sb_adds(sb, " as i128");
			sb_adds(sb, ", ");
			escape_rust_string(sb, g[j]->expr ? g[j]->expr : g[j]->name);
			sb_adds(sb, "),\n");
		}
		sb_addf(sb, "];\n/// Hands the group %s to macro M at once: M!((NAME, \"KERNEL_NAME\"), ...).\n", groups[i]);
		add_macro_start(x, sb, lower);
		for (size_t j = 0; j < n; j++) {
			sb_adds(sb, "            (");
			add_ident(sb, g[j]->name);
			sb_adds(sb, ", ");
			escape_rust_string(sb, g[j]->expr ? g[j]->expr : g[j]->name);
			sb_addf(sb, ")%s\n", j + 1 < n ? "," : "");
		}
		sb_adds(sb, "        }\n    };\n}\n\n");
		if (!strcmp(groups[i], "RELOC") && type && strcmp(type, "bool") && strcmp(type, "i128") && strcmp(type, "u128"))
			emit_reloc_enum(x, sb, g, n, type);
		free(lower);
		free(g);
	}
	strv_free(groups, n_groups);
}

static void emit_constants_and_enums(struct rust *x, struct strbuf *sb)
{
	const struct kabi_model *m = x->m;

	for (size_t i = 0; i < m->n_constants; i++) {
		const struct kabi_constant *c = &m->constants[i];
		/* A size (the set's type size_t) is what Rust indexes and sizes arrays with. */
		const char *type = is_kconfig_fact(c) ? "bool"
				   : c->kernel_type && !strcmp(c->kernel_type, "size_t") ? "usize"
				   : int_name(c->size, c->is_signed);

		if (!type)
			die("the constant %s has the %u-byte type %s, which Rust lacks; report this", c->name, c->size,
			    c->c_type);
		{
			char *rname = ident(c->name), *what = xasprintf("the constant %s", c->name);

			claim(&x->values, rname, what);
			free(what);
			free(rname);
		}
		/* Three short lines each: LoongArch's 120-odd relocation types alone are 250 constants. */
		sb_adds(sb, "/// `");
		escape_rust_comment(sb, c->expr ? c->expr : c->name);
		sb_adds(sb, "`: ");
		if (c->kernel_type) {
			escape_rust_comment(sb, c->kernel_type);
			sb_adds(sb, " (");
		}
		escape_rust_comment(sb, c->c_type);
		sb_adds(sb, c->kernel_type ? ")" : "");
		sb_addf(sb, ", as clang evaluated it.\n%spub const ", allow_for(c->name));
		add_ident(sb, c->name);
		sb_addf(sb, ": %s = ", type);
		if (is_kconfig_fact(c))
			sb_adds(sb, c->value ? "true" : "false");
		else
			add_int_literal(sb, c->value, c->is_signed, c->size);
		sb_adds(sb, ";\n");
	}
	if (m->n_constants)
		sb_adds(sb, "\n");
	emit_groups(x, sb);
	for (size_t i = 0; i < m->n_enums; i++) {
		const struct kabi_enum *e = m->enum_order[i];
		const char *type = int_name(e->int_type->size, e->int_type->is_signed);
		char *name = ident(e->name);

		if (!type)
			die("enum %s has the %" PRIu64 "-byte type %s, which Rust lacks; report this", e->name,
			    e->int_type->size, e->int_type->name);
		{
			char *what = xasprintf("enum %s", e->name);

			claim(&x->types, name, what);
			free(what);
		}
		sb_addf(sb, "/// `enum %s`, whose values are the constants below.\n", e->name);
		sb_addf(sb, "#[allow(non_camel_case_types, dead_code)]\npub type %s = %s; // enum %s: %s\n", name, type,
			e->name, e->int_type->name);
		for (size_t j = 0; j < e->n_values; j++) {
			char *rname = ident(e->values[j].name), *what = xasprintf("the value %s of enum %s",
										 e->values[j].name, e->name);

			claim(&x->values, rname, what);
			free(what);
			free(rname);
			sb_addf(sb, "/// A value of `enum %s`.\n%spub const ", e->name, allow_const);
			add_ident(sb, e->values[j].name);
			sb_addf(sb, ": %s = ", name);
			add_int_literal(sb, (uint64_t)e->values[j].value, e->int_type->is_signed,
					(uint32_t)e->int_type->size);
			sb_adds(sb, ";\n");
		}
		sb_adds(sb, "\n");
		free(name);
	}
}

static void emit_lists(struct rust *x, struct strbuf *sb)
{
	const struct kabi_model *m = x->m;

	for (size_t i = 0; i < m->n_lists; i++) {
		const struct kabi_name_list *l = &m->lists[i];
		char *lower = xstrdup(l->name);

		for (char *c = lower; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		claim_group(x, l->name, lower, "the list");

		/* The type comes from the set file: escaped, like every input text in a comment. */
		sb_adds(sb, "// Every ");
		escape_rust_comment(sb, l->type);
		sb_adds(sb, " the headers declare extern: the loader provides each.\n/// The names of every `");
		escape_rust_comment(sb, l->type);
		sb_addf(sb, "` the headers declare extern.\n%spub const KABI_%s: &[&str] = &[\n", allow_const, l->name);
		for (size_t j = 0; j < l->n_items; j++) {
			sb_adds(sb, "    ");
			escape_rust_string(sb, l->items[j]);
			sb_adds(sb, ",\n");
		}
		sb_adds(sb, "];\n");
		/* The same names as identifiers, for a loader to stamp out its statics:
		 * macro_rules! ops { ($($n:ident),*) => { $(#[no_mangle] pub static $n: kernel_param_ops = ...;)* } } */
		sb_adds(sb, "/// Hands the `");
		escape_rust_comment(sb, l->type);
		sb_adds(sb, "` names to macro M as identifiers at once: M!(name, ...).\n");
		add_macro_start(x, sb, lower);
		for (size_t j = 0; j < l->n_items; j++) {
			sb_adds(sb, "            ");
			add_ident(sb, l->items[j]);
			sb_addf(sb, "%s\n", j + 1 < l->n_items ? "," : "");
		}
		sb_adds(sb, "        }\n    };\n}\n\n");
		free(lower);
	}
}

/* The section table's types: in kabi.rs, or once at the root of a crate of triples. */
static const char rust_section_type[] =
	"/// How the entries of a special section are relocated.\n"
	"#[derive(Clone, Copy, Debug, PartialEq, Eq)]\n#[allow(dead_code)]\npub enum KabiSectionReloc {\n"
	"    /// Absolute addresses (R_*_64).\n    Absolute,\n"
	"    /// 32-bit offsets from the entry (PREL32).\n    PcRelative,\n"
	"    /// Both, member by member.\n    Mixed,\n"
	"    /// No relocations.\n    None,\n}\n\n"
	"/// A special section of a module and what the kernel makes of it.\n"
	"#[derive(Clone, Copy, Debug)]\n#[allow(dead_code)]\npub struct KabiSection {\n"
	"    /// The ELF section name.\n    pub name: &'static str,\n"
	"    /// The element type, as clang spells it in C.\n    pub elem_type: &'static str,\n"
	"    /// Bytes of one element: the section is a whole number of them.\n    pub size: usize,\n"
	"    /// The `module` member the kernel points at the entries.\n"
	"    pub elements: Option<&'static str>,\n"
	"    /// The `module` member counting them.\n    pub count: Option<&'static str>,\n"
	"    /// How entries are relocated.\n    pub reloc: KabiSectionReloc,\n"
	"    /// Where each member of an element starts: where its relocations land.\n"
	"    pub offsets: &'static [usize],\n}\n\n";

const char *emit_rust_section_type(void)
{
	return rust_section_type;
}

/* The set's reloc word (kset.c allows these four) as KabiSectionReloc's variant. */
static const char *section_reloc_variant(const char *reloc)
{
	if (!strcmp(reloc, "absolute"))
		return "Absolute";
	if (!strcmp(reloc, "pc-relative"))
		return "PcRelative";
	if (!strcmp(reloc, "mixed"))
		return "Mixed";
	if (!strcmp(reloc, "none"))
		return "None";
	die("a section's relocation form '%s' has no Rust name; report this", reloc);
}

static void add_option_string(struct strbuf *sb, const char *s)
{
	if (!s) {
		sb_adds(sb, "None");
		return;
	}
	sb_adds(sb, "Some(");
	escape_rust_string(sb, s);
	sb_adds(sb, ")");
}

/* The special sections: a table a loader can search, and the same as a macro's input. */
static void emit_sections(struct rust *x, struct strbuf *sb)
{
	const struct kabi_model *m = x->m;

	if (!m->n_sections)
		return;
	claim(&x->types, "KabiSection", "the type of the section table");
	claim(&x->types, "KabiSectionReloc", "the type of how a section's entries are relocated");
	claim(&x->values, "KABI_SECTIONS", "the section table");
	claim(&x->macros, "kabi_sections", "the section table");
	if (x->in_crate)
		sb_adds(sb, "pub use crate::{KabiSection, KabiSectionReloc};\n\n");
	else
		sb_adds(sb, rust_section_type);
	sb_adds(sb, "/// The special sections of a module for this triple.\n#[allow(dead_code)]\n"
		    "pub const KABI_SECTIONS: &[KabiSection] = &[\n");
	for (size_t i = 0; i < m->n_sections; i++) {
		const struct kabi_section *sec = &m->sections[i];

		sb_adds(sb, "    KabiSection { name: ");
		escape_rust_string(sb, sec->name);
		sb_adds(sb, ", elem_type: ");
		escape_rust_string(sb, sec->type);
		sb_addf(sb, ", size: %" PRIu64 ", elements: ", sec->size);
		add_option_string(sb, sec->elements);
		sb_adds(sb, ", count: ");
		add_option_string(sb, sec->count);
		sb_addf(sb, ", reloc: KabiSectionReloc::%s, offsets: &[", section_reloc_variant(sec->reloc));
		for (size_t j = 0; j < sec->n_offsets; j++)
			sb_addf(sb, "%s%" PRIu64, j ? ", " : "", sec->offsets[j]);
		sb_adds(sb, "] },\n");
	}
	sb_adds(sb, "];\n/// Hands the sections to macro M at once: M!((NAME, SIZE, ELEMENTS, COUNT, RELOC, [OFFSET, ...]), ...).\n");
	add_macro_start(x, sb, "sections");
	for (size_t i = 0; i < m->n_sections; i++) {
		const struct kabi_section *sec = &m->sections[i];

		sb_adds(sb, "            (");
		escape_rust_string(sb, sec->name);
		sb_addf(sb, ", %" PRIu64 ", ", sec->size);
		escape_rust_string(sb, sec->elements ? sec->elements : "");
		sb_adds(sb, ", ");
		escape_rust_string(sb, sec->count ? sec->count : "");
		sb_adds(sb, ", ");
		escape_rust_string(sb, sec->reloc);
		sb_adds(sb, ", [");
		for (size_t j = 0; j < sec->n_offsets; j++)
			sb_addf(sb, "%s%" PRIu64, j ? ", " : "", sec->offsets[j]);
		sb_addf(sb, "])%s\n", i + 1 < m->n_sections ? "," : "");
	}
	sb_adds(sb, "        }\n    };\n}\n\n");
}

static void emit_helpers(struct strbuf *sb, struct rust *x)
{
	static const char *const by_array[] = { [2] = "u16", [4] = "u32", [8] = "u64" };

	if (x->opaque_aligns)
		sb_adds(sb, "// Bytes of a type outside the set; KabiOpaqueN keeps its alignment N.\n");
	for (uint64_t a = 1; a <= x->opaque_aligns; a <<= 1) {
		if (!(x->opaque_aligns & a))
			continue;
		if (a > OPAQUE_ALIGN_BY_ARRAY)
			sb_addf(sb, "#[repr(C, align(%" PRIu64 "))]\n", a);
		else
			sb_adds(sb, "#[repr(C)]\n");
		{
			char *type = xasprintf("KabiOpaque%" PRIu64, a);

			claim(&x->types, type, "kabigen's type for bytes of a type outside the set");
			free(type);
		}
		sb_addf(sb, "/// S bytes of a type outside the set, aligned to %" PRIu64 ".\n", a);
		sb_addf(sb, "#[derive(Clone, Copy)]\n#[allow(dead_code)]\npub struct KabiOpaque%" PRIu64 "<const S: usize> {", a);
		if (a > 1 && a <= OPAQUE_ALIGN_BY_ARRAY)
			sb_addf(sb, " /** Alignment only. */ pub _align: [%s; 0],", by_array[a]);
		sb_adds(sb, " /** The bytes. */ pub bytes: [u8; S] }\n");
	}
	if (x->opaque_aligns)
		sb_adds(sb, "\n");
	if (x->uses_packed)
		claim(&x->types, "KabiPacked", "kabigen's type for a member C places unaligned");
	if (x->uses_packed)
		sb_adds(sb, "// A member C places unaligned (a packed member of an aligned record): alignment 1.\n"
			    "/// A value C places unaligned.\n"
			    "#[repr(C, packed)]\n#[derive(Clone, Copy)]\n#[allow(dead_code)]\n"
			    "pub struct KabiPacked<T: Copy>(pub T);\n\n");
	if (x->uses_bitfields)
		sb_adds(sb, "// Bitfield storage, bit by bit, least significant first (little-endian targets).\n"
			    "#[allow(dead_code)]\n"
			    "const fn kabi_bf_get(s: &[u8], bit: usize, width: usize) -> u64 {\n"
			    "    let mut v = 0u64;\n    let mut i = 0;\n"
			    "    while i < width {\n"
			    "        v |= (((s[(bit + i) / 8] >> ((bit + i) % 8)) & 1) as u64) << i;\n"
			    "        i += 1;\n    }\n    v\n}\n"
			    "#[allow(dead_code)]\n"
			    "const fn kabi_bf_sget(s: &[u8], bit: usize, width: usize) -> i64 {\n"
			    "    ((kabi_bf_get(s, bit, width) << (64 - width)) as i64) >> (64 - width)\n}\n"
			    "#[allow(dead_code)]\n"
			    "const fn kabi_bf_set(s: &mut [u8], bit: usize, width: usize, v: u64) {\n"
			    "    let mut i = 0;\n"
			    "    while i < width {\n"
			    "        let mask = 1u8 << ((bit + i) % 8);\n"
			    "        if (v >> i) & 1 != 0 {\n            s[(bit + i) / 8] |= mask;\n"
			    "        } else {\n            s[(bit + i) / 8] &= !mask;\n        }\n"
			    "        i += 1;\n    }\n}\n\n");
	if (x->pointees.n) {
		qsort(x->pointees.v, x->pointees.n, sizeof(*x->pointees.v), cmp_str);
		sb_adds(sb, "// Records outside the set, only pointed to: opaque, never built or read in Rust.\n");
	}
	for (size_t i = 0; i < x->pointees.n; i++) {
		char *rname = ident(x->pointees.v[i]), *what = xasprintf("%s, outside the set (only pointed to)",
									x->pointees.v[i]);

		claim(&x->types, rname, what);
		free(what);
		free(rname);
		sb_addf(sb, "/// `%s`, outside the set: only pointed to.\n", x->pointees.v[i]);
		sb_adds(sb, "#[repr(C)]\n#[allow(non_camel_case_types, dead_code)]\npub struct ");
		add_ident(sb, x->pointees.v[i]);
		sb_adds(sb, " { _private: [u8; 0] }\n");
	}
	if (x->pointees.n)
		sb_adds(sb, "\n");
}

/* Whether R has a bitfield the Rust file gives accessors (emit_accessors: named ones). */
static bool has_named_bitfield(const struct kabi_record *r)
{
	for (size_t i = 0; i < r->n_members; i++)
		if (is_bitfield(&r->members[i]) && r->members[i].name)
			return true;
	return false;
}

const char *emit_rust_version(const struct kabi_model *m)
{
	size_t n_defs;
	const struct kabi_record **defs = layout_definition_order(m, &n_defs);
	bool bitfields = false;

	for (size_t i = 0; i < n_defs && !bitfields; i++)
		bitfields = has_named_bitfield(defs[i]);
	for (size_t i = 0; i < m->n_anon_records && !bitfields; i++)
		bitfields = has_named_bitfield(m->anon_records[i]);
	free(defs);
	return bitfields ? "1.83" : "1.82";
}

/* One triple's Rust: kabi.rs, or (IN_CRATE) a module of a crate of triples. */
static char *emit_rust_with(const struct kabi_model *m, const char *macro_prefix, bool in_crate)
{
	struct rust x = { .m = m, .macro_prefix = macro_prefix, .in_crate = in_crate };
	struct strbuf out = { 0 }, body = { 0 };
	size_t n_defs;
	const struct kabi_record **defs = layout_definition_order(m, &n_defs);

	/* Records first: they decide which helpers and opaque types the file declares. */
	for (size_t i = 0; i < n_defs; i++) {
		char *name = ident(defs[i]->name);

		emit_record(&x, &body, defs[i], name, defs[i]->name, "", 0);
		free(name);
	}
	free(defs);

	emit_preamble(&x, &out);
	emit_lists(&x, &out);
	emit_constants_and_enums(&x, &out);
	emit_sections(&x, &out);
	if (x.reexports.buf) {
		sb_adds(&out, "// The exported macros above, under their short names.\n");
		sb_adds(&out, x.reexports.buf);
		sb_adds(&out, "\n");
	}
	emit_helpers(&out, &x);
	if (body.buf)
		sb_adds(&out, body.buf);
	sb_adds(&out, "// Layout checks: rustc refuses this file if it lays a record out differently.\n");
	if (x.checks.buf)
		sb_adds(&out, x.checks.buf);
	sb_release(&body);
	sb_release(&x.checks);
	sb_release(&x.reexports);
	for (size_t i = 0; i < x.pointees.n; i++)
		free(x.pointees.v[i]);
	free(x.pointees.v);
	claim_free(&x.types);
	claim_free(&x.values);
	claim_free(&x.macros);
	return out.buf;
}

char *emit_rust(const struct kabi_model *m)
{
	return emit_rust_with(m, "kabi_", false);
}

char *emit_rust_module(const struct kabi_model *m, const char *macro_prefix)
{
	return emit_rust_with(m, macro_prefix, true);
}

/* ---- a triple's run-time facts, for 'kabigen crate' ---- */

/*
 * `core::mem::offset_of!` of member MEMBER of R (the Rust type TYPE_NAME, whose anonymous
 * records are named after BASE), through anonymous members as C reaches it:
 * offset_of!(kernel_param, __anon0) + offset_of!(kernel_param__anon0, arg). rustc computes
 * it from the very types the module defines, so the table cannot disagree with them.
 */
static bool add_offset_of(struct strbuf *sb, const struct kabi_record *r, const char *type_name, const char *base,
			  const char *member)
{
	struct plan p;
	bool found = false;

	plan_record(r, type_name, base, &p);
	for (size_t i = 0; i < p.n && !found; i++) {
		const struct field *f = &p.f[i];
		const struct kabi_member *m = &r->members[f->first];
		struct strbuf sub = { 0 };

		if (f->kind != F_MEMBER)
			continue;
		if (m->name && !strcmp(m->name, member)) {
			sb_addf(sb, "core::mem::offset_of!(%s, %s)", type_name, f->name);
			found = true;
		} else if (f->anon_type && !m->name &&
			   add_offset_of(&sub, m->type->record, f->anon_type, f->anon_type, member)) {
			sb_addf(sb, "core::mem::offset_of!(%s, %s) + %s", type_name, f->name, sub.buf);
			found = true;
		}
		sb_release(&sub);
	}
	plan_free(&p);
	return found;
}

/* `NAME: Some(offset)` or `NAME: None` for each member of R the Triple's layout names. */
static void add_layout(struct strbuf *sb, const struct kabi_record *r, const char *layout,
		       const char *const *members, size_t n)
{
	char *type_name = ident(r->name);

	sb_addf(sb, "    %s: crate::%s {\n        size: core::mem::size_of::<%s>(),\n"
		    "        align: core::mem::align_of::<%s>(),\n", r->name, layout, type_name, type_name);
	for (size_t i = 0; i < n; i++) {
		struct strbuf off = { 0 };
		char *field = ident(members[i]);

		if (add_offset_of(&off, r, type_name, r->name, members[i]))
			sb_addf(sb, "        %s: Some(%s),\n", field, off.buf);
		else
			sb_addf(sb, "        %s: None,\n", field);
		sb_release(&off);
		free(field);
	}
	sb_adds(sb, "    },\n");
	free(type_name);
}

static const struct kabi_record *required_record(const struct kabi_model *m, const char *name)
{
	const struct kabi_record *r = kabi_model_find_record(m, name);

	if (!r)
		die("%s: the set has no struct %s, which a crate's Triple describes; use the loader set "
		    "(configs/sets/loader.yaml), or a set that keeps module, kernel_param and kernel_param_ops",
		    m->prov.release ? m->prov.release : "a triple", name);
	return r;
}

static void add_constant_or_zero(struct strbuf *sb, const struct kabi_model *m, const char *name)
{
	sb_addf(sb, kabi_model_find_constant(m, name) ? "%s as _" : "0 /* %s: not in the headers */", name);
}

/* The member NAME of R, or NULL. */
static const struct kabi_member *find_member(const struct kabi_record *r, const char *name)
{
	for (size_t i = 0; i < r->n_members; i++)
		if (r->members[i].name && !strcmp(r->members[i].name, name))
			return &r->members[i];
	return NULL;
}

/*
 * How to set member MEMBER of a value KP of record R (Rust type TYPE_NAME) to VALUE in a
 * const initializer: `kp.arg = V;`, or through the anonymous union that holds it,
 * `kp.__anon0 = kernel_param__anon0 { arg: V };` (its accessor set_arg() is not const).
 * False when R has no such member at either level.
 */
static bool add_member_store(struct strbuf *sb, const struct kabi_record *r, const char *type_name, const char *member,
			     const char *value)
{
	struct plan p;
	bool found = false;

	plan_record(r, type_name, r->name, &p);
	for (size_t i = 0; i < p.n && !found; i++) {
		const struct field *f = &p.f[i];
		const struct kabi_member *m = &r->members[f->first];

		if (f->kind != F_MEMBER)
			continue;
		if (m->name && !strcmp(m->name, member)) {
			sb_addf(sb, "kp.%s = %s;", f->name, value);
			found = true;
		} else if (f->anon_type && !m->name && m->type->record && m->type->record->is_union &&
			   find_member(m->type->record, member)) {
			char *field = ident(member);

			sb_addf(sb, "kp.%s = $crate::PATH::%s { %s: %s };", f->name, f->anon_type, field, value);
			free(field);
			found = true;
		}
	}
	plan_free(&p);
	return found;
}

/*
 * module_param!: a parameter of a standard type, as module_param() declares one in C: a
 * `kernel_param` in __param named NAME, pointing at this module, at the kernel's
 * param_ops_TYPE (the user names it: macro_rules cannot make an identifier) and at the
 * variable; level -1 and no flags, as __module_param_call() has them for modules. Named
 * __param_VAR as in C and exported, which keeps it without #[used] (see emit_module_macros).
 */
static void emit_module_param(struct strbuf *sb, const struct kabi_model *m, const char *path, const char *prefix)
{
	const struct kabi_record *kp = kabi_model_find_record(m, "kernel_param");
	struct strbuf arg = { 0 }, body = { 0 };
	static const char *const needed[] = { "name", "mod", "ops", "perm", "level" };

	if (!kp)
		return;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (!find_member(kp, needed[i]))
			return;
	if (!add_member_store(&arg, kp, "kernel_param", "arg", "(&raw mut $var) as *mut core::ffi::c_void")) {
		sb_release(&arg);
		return;
	}
	/* The anonymous union's type path was written with a placeholder: the module's path goes there. */
	for (const char *a = arg.buf; *a; ) {
		const char *at = strstr(a, "PATH");

		if (!at) {
			sb_adds(&body, a);
			break;
		}
		sb_add(&body, a, (unsigned long)(at - a));
		sb_adds(&body, path);
		a = at + 4;
	}
	sb_addf(sb, "/// Declares the module parameter VAR (a `static mut` of a standard type) as module_param()\n"
		    "/// does: `module_param!(debug, param_ops_int, 0o644);` puts a `kernel_param` in `__param`\n"
		    "/// pointing at `__this_module` (from `this_module!`), the kernel's `param_ops_int` and `debug`.\n"
		    "#[macro_export]\n#[doc(hidden)]\nmacro_rules! %smodule_param {\n"
		    "    ($var:ident, $ops:ident, $perm:expr) => {\n        const _: () = {\n"
		    "            extern \"C\" {\n                static $ops: $crate::%s::kernel_param_ops;\n            }\n"
		    "            const NAME: &str = concat!(stringify!($var), \"\\0\");\n"
		    "            #[export_name = concat!(\"__param_\", stringify!($var))]\n"
		    "            #[link_section = \"__param\"]\n"
		    "            pub static mut PARAM: $crate::%s::kernel_param = {\n"
		    "                let mut kp = $crate::%s::kernel_param::ZEROED;\n"
		    "                kp.name = NAME.as_ptr() as *const core::ffi::c_char;\n"
		    "                kp.mod_ = &raw mut __this_module;\n"
		    "                kp.ops = &raw const $ops;\n"
		    "                kp.perm = $perm;\n                kp.level = -1;\n"
		    "                %s\n                kp\n            };\n        };\n    };\n}\n"
		    "#[doc(inline)]\npub use crate::%smodule_param as module_param;\n",
		prefix, path, path, path, body.buf, prefix);
	sb_release(&arg);
	sb_release(&body);
}

/*
 * The module side (a module built in Rust for this triple), as modpost and MODULE_INFO
 * make them for C: this_module! places `__this_module` (name, init, exit) in
 * .gnu.linkonce.this_module; modinfo! writes .modinfo with the triple's vermagic, the name,
 * retpoline=Y where the kernel has MITIGATION_RETPOLINE (modpost's NAME.mod.c writes it into
 * every module of such a kernel, Rust ones too) and the license. Exported under the triple's
 * prefix, re-exported without it.
 * No #[used] on what the kernel allocates: rustc marks such a section SHF_GNU_RETAIN
 * (0x200000), the value of the kernel's SHF_RO_AFTER_INIT, so the loader would make
 * struct module read-only after init and oops writing it. `__this_module` is kept by
 * #[no_mangle], a parameter by its export name; .modinfo keeps #[used] (the loader clears
 * its SHF_ALLOC, so its flags place nothing).
 */
static void emit_module_macros(struct strbuf *sb, const struct kabi_model *m, const char *path, const char *vermagic)
{
	const struct kabi_record *mod = kabi_model_find_record(m, "module");
	const struct kabi_member *name = mod ? find_member(mod, "name") : NULL;
	const struct kabi_constant *retpoline;
	bool retpoline_y;
	char *prefix = xasprintf("kabi_%s_", path), *c;

	for (c = prefix; (c = strstr(c, "::")); )
		memmove(c, c + 1, strlen(c));
	for (c = prefix; *c; c++)
		if (*c == ':')
			*c = '_';
	if (!name || name->type->kind != KT_ARRAY || name->type->count <= 0 || !find_member(mod, "init")) {
		free(prefix);
		return;	/* no struct module a Rust module could fill */
	}
	sb_addf(sb, "\n/// `name` of `struct module` from S, NUL-padded; S must be shorter than %" PRId64 " bytes.\n"
		    "pub const fn module_name(s: &str) -> [core::ffi::c_char; %" PRId64 "] {\n"
		    "    let b = s.as_bytes();\n    assert!(b.len() < %" PRId64 ", \"a module name shorter than MODULE_NAME_LEN\");\n"
		    "    let mut a = [0 as core::ffi::c_char; %" PRId64 "];\n    let mut i = 0;\n"
		    "    while i < b.len() {\n        a[i] = b[i] as core::ffi::c_char;\n        i += 1;\n    }\n    a\n}\n\n"
		    "/// The bytes of S as an array of N (N must be its length), for `modinfo!`.\n"
		    "pub const fn modinfo_bytes<const N: usize>(s: &str) -> [u8; N] {\n"
		    "    let b = s.as_bytes();\n    let mut a = [0u8; N];\n    let mut i = 0;\n"
		    "    while i < N {\n        a[i] = b[i];\n        i += 1;\n    }\n    a\n}\n\n",
		name->type->count, name->type->count, name->type->count, name->type->count);
	sb_addf(sb, "/// Places this triple's `struct module` as `__this_module` in `.gnu.linkonce.this_module`, as\n"
		    "/// modpost does for C: `this_module!(\"hello\", hello_init, hello_exit);` with\n"
		    "/// `unsafe extern \"C\" fn hello_init() -> i32` and `unsafe extern \"C\" fn hello_exit()`.\n"
		    "#[macro_export]\n#[doc(hidden)]\nmacro_rules! %sthis_module {\n"
		    "    ($name:expr, $init:path, $exit:path) => {\n"
		    "        /// This module's `struct module`, which the kernel takes over when it loads it.\n"
		    "        #[no_mangle]\n        #[link_section = \".gnu.linkonce.this_module\"]\n"
		    "        pub static mut __this_module: $crate::%s::module = {\n"
		    "            let mut m = $crate::%s::module::ZEROED;\n"
		    "            m.name = $crate::%s::module_name($name);\n            m.init = Some($init);\n",
		prefix, path, path, path);
	if (find_member(mod, "exit"))
		sb_adds(sb, "            m.exit = Some($exit);\n");
	else
		sb_adds(sb, "            let _ = $exit; // this configuration's modules cannot be unloaded: no exit\n");
	sb_addf(sb, "            m\n        };\n    };\n}\n#[doc(inline)]\npub use crate::%sthis_module as this_module;\n\n",
		prefix);
	retpoline = kabi_model_find_constant(m, "KABI_CONFIG_MITIGATION_RETPOLINE");
	retpoline_y = retpoline && retpoline->value;
	sb_addf(sb, "/// Writes `.modinfo` as MODULE_INFO does for C: this triple's vermagic, then NAME%s and LICENSE:\n"
		    "/// `modinfo!(\"hello\", \"GPL\");`%s\n"
		    "#[macro_export]\n#[doc(hidden)]\nmacro_rules! %smodinfo {\n"
		    "    ($name:literal, $license:literal) => {\n        const _: () = {\n"
		    "            const TEXT: &str = concat!(\"vermagic=\", ",
		retpoline_y ? ", `retpoline=Y` (the kernel has MITIGATION_RETPOLINE)" : "",
		retpoline_y ? ". Build the module with retpoline thunks, as kbuild does\n/// (rustc "
			      "`-C target-feature=+retpoline-external-thunk`)." : "", prefix);
	escape_rust_string(sb, vermagic);
	sb_addf(sb, ", \"\\0name=\", $name, %s\"\\0license=\", $license, \"\\0\");\n"
		    "            #[used]\n            #[link_section = \".modinfo\"]\n"
		    "            static MODINFO: [u8; TEXT.len()] = $crate::%s::modinfo_bytes::<{ TEXT.len() }>(TEXT);\n"
		    "        };\n    };\n}\n#[doc(inline)]\npub use crate::%smodinfo as modinfo;\n\n",
		retpoline_y ? "\"\\0retpoline=Y\", " : "", path, prefix);
	emit_module_param(sb, m, path, prefix);
	free(prefix);
}

char *emit_rust_triple(const struct kabi_model *m, const char *path)
{
	static const char *const module_members[] = { "name", "init", "exit", "args", "kp", "num_kp" };
	static const char *const param_members[] = { "name", "mod", "ops", "perm", "level", "flags", "arg" };
	static const char *const ops_members[] = { "flags", "set", "get", "free" };
	const struct kabi_provenance *p = &m->prov;
	size_t n_relocs;
	const struct kabi_constant **relocs = kabi_model_group(m, "RELOC", &n_relocs);
	struct strbuf sb = { 0 };
	const char *vermagic = NULL;

	for (size_t i = 0; i < m->n_strings; i++)
		if (!strcmp(m->strings[i].name, "VERMAGIC"))
			vermagic = m->strings[i].value;
	if (!vermagic)
		die("%s: the headers give no vermagic, by which a loader picks the triple; the set must keep the "
		    "string VERMAGIC", p->release ? p->release : "a triple");
	/* Triple's fields and modinfo!'s concat!() are str: the vermagic's bytes would be lost. */
	if (!escape_is_utf8(vermagic) || (p->release && !escape_is_utf8(p->release)))
		die("%s: the release or vermagic is not UTF-8 (\"%s\"), which a crate's Triple and modinfo! cannot "
		    "hold; nothing was written; leave the triple out of the crate ('kabigen --format rust' writes its "
		    "strings as bytes)", p->release ? p->release : "a triple", vermagic);
	sb_adds(&sb, "/// The kernel's name of relocation type V of this triple, or None.\n"
		     "fn reloc_name(v: u32) -> Option<&'static str> {\n");
	if (n_relocs)
		sb_adds(&sb, "    Reloc::from_number(v as _).map(Reloc::name)\n}\n\n");
	else
		sb_adds(&sb, "    let _ = v;\n    None\n}\n\n");
	free(relocs);
	sb_adds(&sb, "/// This triple's facts for a loader at run time (see `crate::Triple::by_vermagic`).\n"
		     "pub static TRIPLE: crate::Triple = crate::Triple {\n    path: ");
	escape_rust_string(&sb, path);
	sb_adds(&sb, ",\n    arch: ");
	escape_rust_string(&sb, p->arch ? p->arch : "");
	sb_adds(&sb, ",\n    release: ");
	escape_rust_string(&sb, p->release ? p->release : "");
	sb_adds(&sb, ",\n    vermagic: ");
	escape_rust_string(&sb, vermagic);
	sb_adds(&sb, ",\n    em_machine: ");
	add_constant_or_zero(&sb, m, "KABI_EM_MACHINE");
	sb_adds(&sb, ",\n    elf_class: ");
	add_constant_or_zero(&sb, m, "KABI_ELF_CLASS");
	sb_adds(&sb, ",\n    elf_data: ");
	add_constant_or_zero(&sb, m, "KABI_ELF_DATA");
	sb_adds(&sb, ",\n");
	add_layout(&sb, required_record(m, "module"), "ModuleLayout", module_members,
		   sizeof(module_members) / sizeof(module_members[0]));
	add_layout(&sb, required_record(m, "kernel_param"), "KernelParamLayout", param_members,
		   sizeof(param_members) / sizeof(param_members[0]));
	add_layout(&sb, required_record(m, "kernel_param_ops"), "KernelParamOpsLayout", ops_members,
		   sizeof(ops_members) / sizeof(ops_members[0]));
	sb_addf(&sb, "    sections: %s,\n    reloc_name,\n};\n", m->n_sections ? "KABI_SECTIONS" : "&[]");
	emit_module_macros(&sb, m, path, vermagic);
	return sb.buf;
}
