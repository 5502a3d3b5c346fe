/* extract.c: a parsed translation unit into the layout model: libclang's types into kabigen's. */
#include "clang/extract.h"
#include "clang/extract_impl.h"
#include "clang/answers.h"
#include "util/cache.h"
#include "input/kset.h"
#include "clang/parse_heap.h"
#include "clang/pch.h"
#include "model/layout.h"
#include "util/report.h"
#include "util/str.h"
#include "clang/tu.h"

#include <clang-c/Index.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uthash.h>

/* ---- types ---- */

static const char *scalar_spelling(enum CXTypeKind k, int *is_signed, enum kabi_type_kind *kind)
{
	*kind = KT_INT;
	*is_signed = 0;
	switch (k) {
	case CXType_Bool: *kind = KT_BOOL; return "_Bool";
	case CXType_Char_U: return "char";
	case CXType_Char_S: *is_signed = 1; return "char";
	case CXType_UChar: return "unsigned char";
	case CXType_SChar: *is_signed = 1; return "signed char";
	case CXType_UShort: return "unsigned short";
	case CXType_Short: *is_signed = 1; return "short";
	case CXType_UInt: return "unsigned int";
	case CXType_Int: *is_signed = 1; return "int";
	case CXType_ULong: return "unsigned long";
	case CXType_Long: *is_signed = 1; return "long";
	case CXType_ULongLong: return "unsigned long long";
	case CXType_LongLong: *is_signed = 1; return "long long";
	case CXType_UInt128: return "unsigned __int128";
	case CXType_Int128: *is_signed = 1; return "__int128";
	case CXType_Float: *kind = KT_FLOAT; *is_signed = 1; return "float";
	case CXType_Double: *kind = KT_FLOAT; *is_signed = 1; return "double";
	case CXType_LongDouble: *kind = KT_FLOAT; *is_signed = 1; return "long double";
	default: return NULL;
	}
}

static void set_layout(struct kabi_type *t, CXType ct)
{
	long long size = clang_Type_getSizeOf(ct), align = clang_Type_getAlignOf(ct);

	t->size = size > 0 ? (uint64_t)size : 0;
	t->align = align > 0 ? (uint32_t)align : 1;
}

static struct kabi_type *scalar_type(struct extract *x, CXType ct)
{
	enum kabi_type_kind kind;
	int is_signed;
	const char *s = scalar_spelling(ct.kind, &is_signed, &kind);
	struct kabi_type *t;

	if (!s)
		return NULL;
	t = kabi_type_new(x->m, kind);
	t->name = xstrdup(s);
	t->is_signed = is_signed;
	t->is_const = clang_isConstQualifiedType(ct);
	set_layout(t, ct);
	return t;
}

static struct kabi_record *convert_record(struct extract *x, CXCursor decl, const char *name);

static struct kabi_type *enum_type(struct extract *x, CXCursor decl, CXType ct)
{
	char *name = cx_take(clang_getCursorSpelling(decl));
	struct kabi_type *t;

	if (!is_anonymous(decl) && decl_get(x->wanted_enums, name)) {
		t = kabi_type_new(x->m, KT_ENUM);
		t->name = name;
		t->is_const = clang_isConstQualifiedType(ct);
		set_layout(t, ct);
		return t;
	}
	free(name);
	t = scalar_type(x, clang_getCanonicalType(clang_getEnumDeclIntegerType(decl)));
	t->is_const = clang_isConstQualifiedType(ct);
	return t;
}

/* A type seen through a pointer (or in a prototype): only its spelling matters. */
static struct kabi_type *convert_pointee(struct extract *x, CXType t)
{
	CXType ct = clang_getCanonicalType(t);
	CXCursor decl = clang_getTypeDeclaration(ct);
	struct kabi_type *r;

	switch (ct.kind) {
	case CXType_Record:
		if (is_anonymous(decl))
			break;
		r = kabi_type_new(x->m, KT_RECORD);
		r->name = cx_take(clang_getCursorSpelling(decl));
		r->is_union = clang_getCursorKind(decl) == CXCursor_UnionDecl;
		r->is_const = clang_isConstQualifiedType(ct);
		return r;
	case CXType_Enum:
		return enum_type(x, decl, ct);
	case CXType_Pointer:
		r = kabi_type_new(x->m, KT_POINTER);
		r->target = convert_pointee(x, clang_getPointeeType(ct));
		r->is_const = clang_isConstQualifiedType(ct);
		set_layout(r, ct);
		return r;
	case CXType_FunctionProto:
	case CXType_FunctionNoProto: {
		int n = clang_getNumArgTypes(ct);

		r = kabi_type_new(x->m, KT_FUNC);
		r->target = convert_pointee(x, clang_getResultType(ct));
		r->variadic = ct.kind == CXType_FunctionNoProto || clang_isFunctionTypeVariadic(ct);
		r->n_params = n > 0 ? (size_t)n : 0;
		r->params = xcalloc(r->n_params, sizeof(*r->params));
		for (int i = 0; i < n; i++)
			r->params[i] = convert_pointee(x, clang_getArgType(ct, (unsigned)i));
		return r;
	}
	case CXType_ConstantArray:
	case CXType_IncompleteArray:
		r = kabi_type_new(x->m, KT_ARRAY);
		r->target = convert_pointee(x, clang_getArrayElementType(ct));
		r->count = ct.kind == CXType_ConstantArray ? clang_getArraySize(ct) : -1;
		set_layout(r, ct);
		return r;
	case CXType_Void:
		r = kabi_type_new(x->m, KT_VOID);
		r->is_const = clang_isConstQualifiedType(ct);
		return r;
	default:
		if ((r = scalar_type(x, ct)))
			return r;
		break;
	}
	/* Unnamed records and exotic types cannot be spelled: point to void. */
	r = kabi_type_new(x->m, KT_VOID);
	r->is_const = clang_isConstQualifiedType(ct);
	return r;
}

static struct kabi_type *opaque_type(struct extract *x, CXType t)
{
	struct kabi_type *o = kabi_type_new(x->m, KT_OPAQUE);

	o->name = cx_take(clang_getTypeSpelling(t));
	set_layout(o, clang_getCanonicalType(t));
	return o;
}

/* Strips "struct" elaboration: what the declaration wrote, typedef or record. */
static CXType written_type(CXType t)
{
	while (t.kind == CXType_Elaborated)
		t = clang_Type_getNamedType(t);
	return t;
}

/*
 * A member's type. Records the set has stay records; anonymous records are converted
 * inline; every other record, typedef'd struct or vector becomes opaque bytes.
 */
static struct kabi_type *convert_member_type(struct extract *x, CXType t, int inline_ok)
{
	CXType ct = clang_getCanonicalType(t), wt = written_type(t);
	CXCursor decl = clang_getTypeDeclaration(ct);
	struct kabi_type *r, *elem;

	switch (ct.kind) {
	case CXType_Record: {
		char *name;

		if (is_anonymous(decl)) {
			if (!inline_ok || wt.kind == CXType_Typedef)
				return opaque_type(x, t);
			r = kabi_type_new(x->m, KT_RECORD);
			r->record = convert_record(x, decl, NULL);
			r->is_union = r->record->is_union;
			set_layout(r, ct);
			return r;
		}
		name = cx_take(clang_getCursorSpelling(decl));
		if (!decl_get(x->wanted, name)) {
			free(name);
			return opaque_type(x, t);
		}
		r = kabi_type_new(x->m, KT_RECORD);
		r->name = name;
		r->record = convert_record(x, decl, name);
		r->is_union = r->record->is_union;
		r->is_const = clang_isConstQualifiedType(ct);
		set_layout(r, ct);
		return r;
	}
	case CXType_Enum:
		return enum_type(x, decl, ct);
	case CXType_Pointer:
		return convert_pointee(x, ct);
	case CXType_ConstantArray:
	case CXType_IncompleteArray:
		elem = convert_member_type(x, clang_getArrayElementType(ct), 0);
		if (elem->kind == KT_OPAQUE) {
			r = opaque_type(x, t);
			r->align = elem->align;
			r->count = ct.kind == CXType_IncompleteArray ? -1 : 0;
			return r;
		}
		r = kabi_type_new(x->m, KT_ARRAY);
		r->target = elem;
		r->count = ct.kind == CXType_ConstantArray ? clang_getArraySize(ct) : -1;
		set_layout(r, ct);
		return r;
	default:
		if ((r = scalar_type(x, ct)))
			return r;
		return opaque_type(x, t);
	}
}

/* ---- records ---- */

struct field_walk {
	struct extract *x;
	struct kabi_record *r;
};

static enum CXVisitorResult visit_field(CXCursor c, CXClientData data)
{
	struct field_walk *w = data;
	struct kabi_member mem = { 0 };
	CXType t = clang_getCursorType(c);
	CXCursor tdecl = clang_getTypeDeclaration(clang_getCanonicalType(t));
	char *name = cx_take(clang_getCursorSpelling(c));
	long long off = clang_Cursor_getOffsetOfField(c);
	/*
	 * A member without a name of its own: a C11 anonymous struct or union, or a tagged
	 * struct embedded with -fms-extensions. (libclang spells the former "union X::(anonymous at ...)".)
	 */
	int anonymous_member = clang_getCanonicalType(t).kind == CXType_Record &&
			       (!*name || clang_Cursor_isAnonymousRecordDecl(tdecl));

	if (off < 0)
		die("%s: cannot compute the offset of %s.%s (libclang error %lld); the headers do not "
		    "define a complete layout for this configuration", w->x->origin,
		    w->r->name ? w->r->name : "(anonymous)", name, off);
	if (anonymous_member || !*name) {
		free(name);
		name = NULL;
	}
	mem.name = name;
	mem.offset_bits = (uint64_t)off;
	mem.bit_width = clang_Cursor_isBitField(c) ? clang_getFieldDeclBitWidth(c) : KABI_NOT_BITFIELD;
	if (anonymous_member) {
		/* Members of an embedded tagged struct are reached by name too: inline it. */
		mem.type = kabi_type_new(w->x->m, KT_RECORD);
		mem.type->record = convert_record(w->x, tdecl, NULL);
		mem.type->is_union = mem.type->record->is_union;
		set_layout(mem.type, clang_getCanonicalType(t));
		if (!is_anonymous(tdecl))
			mem.kernel_type = cx_take(clang_getTypeSpelling(t));
	} else {
		mem.type = convert_member_type(w->x, t, 1);
		if (!(mem.type->kind == KT_RECORD && !mem.type->name))
			mem.kernel_type = cx_take(clang_getTypeSpelling(t));
	}
	kabi_record_add_member(w->r, &mem);
	return CXVisit_Continue;
}

static enum CXChildVisitResult find_packed(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	if (clang_getCursorKind(c) == CXCursor_PackedAttr) {
		*(int *)data = 1;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Continue;
}

static struct kabi_record *convert_record(struct extract *x, CXCursor decl, const char *name)
{
	struct kabi_record *r = name ? kabi_model_find_record(x->m, name) : NULL;
	CXType t = clang_getCursorType(decl);
	struct field_walk w;
	long long size, align;
	int packed = 0;
	const char *why;

	if (r)
		return r;
	decl = clang_getCursorDefinition(decl);
	size = clang_Type_getSizeOf(t);
	align = clang_Type_getAlignOf(t);
	if (size < 0 || align < 0)
		die("%s: struct %s has no complete definition in this configuration (libclang error %lld); "
		    "remove it from the set or give it an 'if' condition", x->origin, name ? name : "(anonymous)",
		    size < 0 ? size : align);
	r = kabi_record_new(x->m, name);
	r->is_union = clang_getCursorKind(decl) == CXCursor_UnionDecl;
	r->size = (uint64_t)size;
	r->align = (uint32_t)align;
	clang_visitChildren(decl, find_packed, &packed);
	r->packed = packed;
	w.x = x;
	w.r = r;
	clang_Type_visitFields(t, visit_field, &w);
	if (name && layout_infer_attrs(r, &why))
		die("%s: the layout of struct %s (at %s) cannot be written as C with attributes; report this "
		    "with the kernel version", x->origin, name, why);
	return r;
}

/* ---- the translation unit ---- */

/* Constants may be enumerators (often of anonymous enums) rather than macros. */
static enum CXChildVisitResult index_enumerators(CXCursor c, CXCursor parent, CXClientData data)
{
	struct extract *x = data;
	char *name;

	(void)parent;
	if (clang_getCursorKind(c) != CXCursor_EnumConstantDecl)
		return CXChildVisit_Continue;
	name = cx_take(clang_getCursorSpelling(c));
	for (size_t i = 0; i < x->set->n_constants; i++) {
		const struct kset_constant *k = &x->set->constants[i];

		if (k->name && !k->expr && !strcmp(k->name, name))
			decl_put(&x->enumerators, name, c);
	}
	free(name);
	return CXChildVisit_Continue;
}

/* NAME at the end of list L, unless it is there (an extern may be declared again). */
static void name_list_add(struct kabi_name_list *l, const char *name)
{
	for (size_t j = 0; j < l->n_items; j++)
		if (!strcmp(l->items[j], name))
			return;
	l->items = xgrow(l->items, l->n_items, sizeof(*l->items));
	l->items[l->n_items++] = xstrdup(name);
}

static enum CXChildVisitResult index_top(CXCursor c, CXCursor parent, CXClientData data)
{
	struct extract *x = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	char *name;

	(void)parent;
	switch (k) {
	case CXCursor_EnumDecl:
		if (x->set->n_constants && clang_isCursorDefinition(c))
			clang_visitChildren(c, index_enumerators, x);
		/* fall through */
	case CXCursor_StructDecl:
	case CXCursor_UnionDecl:
		if (!clang_isCursorDefinition(c) || is_anonymous(c))
			return CXChildVisit_Continue;
		name = cx_take(clang_getCursorSpelling(c));
		decl_put(k == CXCursor_EnumDecl ? &x->enums : &x->records, name, c);
		free(name);
		return CXChildVisit_Continue;
	case CXCursor_TypedefDecl:
	case CXCursor_VarDecl:
		break;
	default:
		return CXChildVisit_Continue;
	}
	name = cx_take(clang_getCursorSpelling(c));
	if (starts_with(name, "kabigen__")) {
		decl_put(&x->probes, name, c);
	} else if (k == CXCursor_VarDecl && clang_Cursor_getStorageClass(c) == CX_SC_Extern) {
		CXType ct = clang_getCanonicalType(clang_getCursorType(c));
		CXCursor tdecl = clang_getTypeDeclaration(ct);

		if (ct.kind == CXType_Record && !is_anonymous(tdecl)) {
			char *tname = cx_take(clang_getCursorSpelling(tdecl));
			char *full = xasprintf("%s %s", clang_getCursorKind(tdecl) == CXCursor_UnionDecl ? "union" : "struct",
					       tname);

			for (size_t i = 0; i < x->set->n_externs; i++)
				if (!strcmp(x->set->externs[i].type, full))
					name_list_add(&x->lists[i], name);
			free(tname);
			free(full);
		}
	}
	free(name);
	return CXChildVisit_Continue;
}

/* What to check when the headers fail to parse, unless the request says otherwise. */
#define DEFAULT_ADVICE "check that --arch matches the tree and that the tree is complete"

void extract_die_on_errors(CXTranslationUnit tu, const char *origin, const char *advice)
{
	unsigned n = clang_getNumDiagnostics(tu), errors = 0;
	char *first = NULL;

	for (unsigned i = 0; i < n; i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);
		enum CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(d);

		if (sev >= CXDiagnostic_Error) {
			if (!first)
				first = cx_take(clang_formatDiagnostic(d, CXDiagnostic_DisplaySourceLocation |
									  CXDiagnostic_DisplayColumn));
			errors++;
		}
		clang_disposeDiagnostic(d);
	}
	if (first)
		die("%s: the headers fail to parse: %s (%u error%s in all); %s", origin, first, errors,
		    errors == 1 ? "" : "s", advice ? advice : DEFAULT_ADVICE);
}

static struct decl *probe(struct extract *x, const char *prefix, const char *name)
{
	char *full = xasprintf("%s%s", prefix, name);
	struct decl *d = decl_get(x->probes, full);

	free(full);
	return d;
}

static char *eval_string(struct extract *x, struct decl *d, const char *what)
{
	CXEvalResult ev = clang_Cursor_Evaluate(d->cursor);
	char *s;

	if (!ev || clang_EvalResult_getKind(ev) != CXEval_StrLiteral)
		die("%s: %s does not evaluate to a string literal; check the set's 'strings'", x->origin, what);
	s = xstrdup(clang_EvalResult_getAsStr(ev));
	clang_EvalResult_dispose(ev);
	return s;
}

static void add_note(char ***v, size_t *n, char *owned)
{
	*v = xgrow(*v, *n, sizeof(**v));
	(*v)[(*n)++] = owned;
}

/* One constant: PROBE_NAME's probe or, for a bare name, the enumerator NAME. */
static void take_constant(struct extract *x, const struct kset_constant *k, const char *name, const char *expr)
{
	struct decl *macro = probe(x, TU_PROBE_CONST, name);
	struct decl *d = macro ? macro : decl_get(x->enumerators, name);
	struct kabi_constant *c = &x->m->constants[x->m->n_constants];
	CXEvalResult ev = NULL;
	enum kabi_type_kind kind;
	int is_signed;
	const char *spelling;
	CXType ct;

	if (!d && (k->cond || k->prefix))
		return;	/* its condition is false for this configuration, or an #undef'd macro */
	if (!d && k->optional) {
		add_note(&x->m->prov.omitted, &x->m->prov.n_omitted,
			 xasprintf("%s: neither a macro nor an enumerator in these headers", name));
		return;
	}
	if (!d)
		die("%s: the constant %s of the set is neither a macro nor an enumerator in these headers; "
		    "remove it from %s", x->origin, expr, x->set->file);
	ct = clang_getCanonicalType(clang_getCursorType(d->cursor));
	spelling = scalar_spelling(ct.kind, &is_signed, &kind);
	if (macro && (!(ev = clang_Cursor_Evaluate(d->cursor)) || clang_EvalResult_getKind(ev) != CXEval_Int))
		spelling = NULL;
	if (!spelling || kind != KT_INT)
		die("%s: the constant %s is not an integer constant expression; remove it from %s",
		    x->origin, expr, x->set->file);
	c->name = xstrdup(name);
	c->is_signed = is_signed;
	c->size = (uint32_t)clang_Type_getSizeOf(ct);
	c->c_type = xstrdup(spelling);
	c->kernel_type = k->type && strcmp(k->type, spelling) ? xstrdup(k->type) : NULL;
	c->expr = strcmp(expr, name) ? xstrdup(expr) : NULL;
	c->group = k->group ? xstrdup(k->group) : NULL;
	if (!macro)
		c->value = is_signed ? (uint64_t)clang_getEnumConstantDeclValue(d->cursor)
				     : clang_getEnumConstantDeclUnsignedValue(d->cursor);
	else if (clang_EvalResult_isUnsignedInt(ev))
		c->value = clang_EvalResult_getAsUnsigned(ev);
	else
		c->value = (uint64_t)clang_EvalResult_getAsLongLong(ev);
	if (ev)
		clang_EvalResult_dispose(ev);
	x->m->n_constants++;
}


static void take_constants(struct extract *x)
{
	const struct kset *s = x->set;
	struct kabi_provenance *p = &x->m->prov;
	size_t room = 0;

	for (size_t i = 0; i < s->n_constants; i++)
		room += s->constants[i].prefix ? x->ans->prefixes[i].n_names : 1;
	x->m->constants = xcalloc(room ? room : 1, sizeof(*x->m->constants));
	for (size_t i = 0; i < s->n_constants; i++) {
		const struct kset_constant *k = &s->constants[i];
		const struct prefix_macros *pm = &x->ans->prefixes[i];
		size_t before = x->m->n_constants;
		char *name;

		if (!k->prefix) {
			take_constant(x, k, k->name, k->expr ? k->expr : k->name);
			continue;
		}
		for (size_t j = 0; j < pm->n_names; j++) {
			name = xasprintf("KABI_%s", pm->names[j]);
			take_constant(x, k, name, pm->names[j]);
			free(name);
		}
		if (x->m->n_constants > before)
			add_note(&p->constant_sources, &p->n_constant_sources,
				 xasprintf("%s*: %zu macro%s of %s", k->prefix, x->m->n_constants - before,
					   x->m->n_constants - before == 1 ? "" : "s", pm->file));
		else if (probe(x, TU_PROBE_HAS, k->prefix))
			add_note(&p->omitted, &p->n_omitted,
				 xasprintf("%s*: these headers define no such macro", k->prefix));
	}
}

static enum CXChildVisitResult collect_enumerators(CXCursor c, CXCursor parent, CXClientData data)
{
	struct kabi_enum *e = data;

	(void)parent;
	if (clang_getCursorKind(c) != CXCursor_EnumConstantDecl)
		return CXChildVisit_Continue;
	e->values = xgrow(e->values, e->n_values, sizeof(*e->values));
	e->values[e->n_values].name = cx_take(clang_getCursorSpelling(c));
	e->values[e->n_values].value = e->int_type->is_signed
					       ? clang_getEnumConstantDeclValue(c)
					       : (int64_t)clang_getEnumConstantDeclUnsignedValue(c);
	e->n_values++;
	return CXChildVisit_Continue;
}

/* Whether the set's item NAME is in this configuration; where not, the header says why. */
static int item_present(struct extract *x, const char *name, const char *cond, const char *probe_prefix)
{
	struct kabi_provenance *p = &x->m->prov;

	if (!cond || probe(x, probe_prefix, name))
		return 1;
	add_note(&p->omitted, &p->n_omitted, xasprintf("%s: %s is false", name, cond));
	return 0;
}

static void take_enums(struct extract *x)
{
	for (size_t i = 0; i < x->set->n_enums; i++) {
		const char *name = x->set->enums[i];
		struct decl *d = decl_get(x->enums, name);
		struct kabi_enum *e;

		if (!decl_get(x->wanted_enums, name))
			continue;
		if (!d)
			die("%s: enum %s of the set is not defined by the headers; remove it from %s or give it an "
			    "'if' condition", x->origin, name, x->set->file);
		e = kabi_model_add_enum(x->m, name,
					scalar_type(x, clang_getCanonicalType(clang_getEnumDeclIntegerType(d->cursor))));
		clang_visitChildren(d->cursor, collect_enumerators, e);
	}
}

static void take_structs(struct extract *x)
{
	const struct kset *s = x->set;

	/* First decide which structs this configuration has: members link to them. */
	for (size_t i = 0; i < s->n_structs; i++) {
		const struct kset_struct *ss = &s->structs[i];
		struct decl *d = decl_get(x->records, ss->name);

		if (!item_present(x, ss->name, ss->cond, TU_PROBE_HAS))
			continue;
		if (!d)
			die("%s: struct %s of the set is not defined by these headers; remove it from %s or give it "
			    "an 'if' condition", x->origin, ss->name, s->file);
		decl_put(&x->wanted, ss->name, d->cursor);
	}
	for (size_t i = 0; i < s->n_enums; i++)
		if (item_present(x, s->enums[i], s->enum_conds[i], TU_PROBE_IF_ENUM))
			decl_put(&x->wanted_enums, s->enums[i], clang_getNullCursor());
	for (size_t i = 0; i < s->n_structs; i++) {
		struct decl *d = decl_get(x->wanted, s->structs[i].name);
		struct kabi_record *r;

		if (!d)
			continue;
		r = convert_record(x, d->cursor, d->name);
		r->in_set = true;
		x->m->order = xgrow(x->m->order, x->m->n_order, sizeof(*x->m->order));
		x->m->order[x->m->n_order++] = r;
	}
}

/* ---- special sections ---- */

struct field_find {
	const char *name;
	CXType type;
	int found;
};

/* A named field of a record, looked for through anonymous members too (C11 lets one name it directly). */
static enum CXVisitorResult find_field(CXCursor c, CXClientData data)
{
	struct field_find *f = data;
	char *name = cx_take(clang_getCursorSpelling(c));
	CXType t = clang_getCanonicalType(clang_getCursorType(c));

	if (!strcmp(name, f->name)) {
		f->type = clang_getCursorType(c);
		f->found = 1;
	} else if (t.kind == CXType_Record && (!*name || clang_Cursor_isAnonymousRecordDecl(clang_getTypeDeclaration(t)))) {
		clang_Type_visitFields(t, find_field, f);
	}
	free(name);
	return f->found ? CXVisit_Break : CXVisit_Continue;
}

/* The type of member PATH ("dyndbg_info.descs") of record type T; 0 when it has none. */
static int member_type(CXType t, const char *path, CXType *out)
{
	char *copy = xstrdup(path), *save = NULL;
	int ok = 1;

	for (char *part = strtok_r(copy, ".", &save); part && ok; part = strtok_r(NULL, ".", &save)) {
		struct field_find f = { part, { 0 }, 0 };

		t = clang_getCanonicalType(t);
		if (t.kind != CXType_Record) {
			ok = 0;
			break;
		}
		clang_Type_visitFields(t, find_field, &f);
		ok = f.found;
		t = f.type;
	}
	free(copy);
	*out = t;
	return ok;
}

struct offset_walk {
	uint64_t base;
	uint64_t **v;
	size_t *n;
};

static void collect_offsets(CXType t, uint64_t base, uint64_t **v, size_t *n);

static enum CXVisitorResult offset_field(CXCursor c, CXClientData data)
{
	struct offset_walk *w = data;
	long long bits = clang_Cursor_getOffsetOfField(c);

	if (bits >= 0 && !clang_Cursor_isBitField(c))
		collect_offsets(clang_getCursorType(c), w->base + (uint64_t)bits / 8, w->v, w->n);
	return CXVisit_Continue;
}

/* The byte offsets where each scalar or pointer of type T starts, T placed at BASE. */
static void collect_offsets(CXType t, uint64_t base, uint64_t **v, size_t *n)
{
	t = clang_getCanonicalType(t);
	if (t.kind == CXType_Record) {
		struct offset_walk w = { base, v, n };

		clang_Type_visitFields(t, offset_field, &w);
		return;
	}
	if (t.kind == CXType_ConstantArray) {
		CXType e = clang_getArrayElementType(t);
		long long count = clang_getArraySize(t), size = clang_Type_getSizeOf(e);

		/* Arrays of bytes hold no pointer: their first byte stands for them. */
		for (long long i = 0; i < count && size > 1; i++)
			collect_offsets(e, base + (uint64_t)(i * size), v, n);
		if (size <= 1 && count > 0)
			collect_offsets(e, base, v, n);
		return;
	}
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == base)
			return;
	*v = xgrow(*v, *n, sizeof(**v));
	(*v)[(*n)++] = base;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The element type of section K (index IDX in the set) in this configuration, into *T; or
 * why it is left out (new string). MODULE: struct module's definition, or NULL.
 */
static char *section_type(struct extract *x, const struct kset_section *k, const char *idx, struct decl *module,
			  CXType *t)
{
	CXType count_type;

	if (!probe(x, TU_PROBE_SECTION, idx))
		return xasprintf("%s: %s is false", k->name, k->cond);
	if (k->type) {
		*t = clang_getTypedefDeclUnderlyingType(probe(x, TU_PROBE_SECTYPE, idx)->cursor);
	} else {
		if (!module)
			die("%s: section %s names the struct module member %s, but the headers define no struct "
			    "module; check %s", x->origin, k->name, k->elements, x->set->file);
		if (!member_type(clang_getCursorType(module->cursor), k->elements, t) ||
		    clang_getCanonicalType(*t).kind != CXType_Pointer)
			return xasprintf("%s: struct module has no pointer %s in this configuration", k->name,
					 k->elements);
		*t = clang_getPointeeType(clang_getCanonicalType(*t));
	}
	if (k->count && (!module || !member_type(clang_getCursorType(module->cursor), k->count, &count_type)))
		return xasprintf("%s: struct module has no %s in this configuration", k->name, k->count);
	*t = clang_getUnqualifiedType(clang_getCanonicalType(*t));
	return NULL;
}

/* SEC: the set's section K of element type T, with the offsets of its pointers (at least one). */
static void fill_section(struct extract *x, struct kabi_section *sec, const struct kset_section *k, CXType t)
{
	long long size = clang_Type_getSizeOf(t), align = clang_Type_getAlignOf(t);

	if (t.kind == CXType_Void)
		size = align = 1;	/* bytes: what find_module_sections() passes as their size */
	if (size <= 0 || align <= 0)
		die("%s: the element type of section %s has no size in this configuration (libclang error "
		    "%lld); check %s", x->origin, k->name, size, x->set->file);
	sec->name = xstrdup(k->name);
	sec->type = t.kind == CXType_Void ? xstrdup("void") : cx_take(clang_getTypeSpelling(t));
	sec->size = (uint64_t)size;
	sec->align = (uint32_t)align;
	sec->elements = k->elements ? xstrdup(k->elements) : NULL;
	sec->count = k->count ? xstrdup(k->count) : NULL;
	sec->reloc = xstrdup(k->reloc);
	collect_offsets(t, 0, &sec->offsets, &sec->n_offsets);
	if (!sec->n_offsets) {
		sec->offsets = xcalloc(1, sizeof(*sec->offsets));
		sec->n_offsets = 1;
	}
	qsort(sec->offsets, sec->n_offsets, sizeof(*sec->offsets), cmp_u64);
}

/* Why a section is missing (WHY[i], taken), once, unless another entry of the same name gave it. */
static void note_missing_sections(struct extract *x, char **why)
{
	const struct kset *s = x->set;
	struct kabi_provenance *p = &x->m->prov;

	for (size_t i = 0; i < s->n_sections; i++) {
		size_t j;

		for (j = 0; j < i && (!why[j] || strcmp(s->sections[j].name, s->sections[i].name)); j++)
			;
		if (why[i] && j == i && !kabi_model_find_section(x->m, s->sections[i].name))
			add_note(&p->omitted, &p->n_omitted, why[i]);
		else
			free(why[i]);
	}
}

static void take_sections(struct extract *x)
{
	const struct kset *s = x->set;
	struct decl *module = decl_get(x->records, "module");
	char **why = xcalloc(s->n_sections ? s->n_sections : 1, sizeof(*why));

	x->m->sections = xcalloc(s->n_sections ? s->n_sections : 1, sizeof(*x->m->sections));
	for (size_t i = 0; i < s->n_sections; i++) {
		char idx[32];
		CXType t;

		snprintf(idx, sizeof(idx), "%zu", i);
		why[i] = section_type(x, &s->sections[i], idx, module, &t);
		if (!why[i])
			fill_section(x, &x->m->sections[x->m->n_sections++], &s->sections[i], t);
	}
	note_missing_sections(x, why);
	free(why);
}

/*
 * FILE in the model's list of files read, once, with the DIGEST of what clang read of it (or
 * NULL) and the STAMP that proves it (or NULL: -1s).
 */
static void add_read_file(struct extract *x, const char *file, const char *digest, const long long stamp[3])
{
	struct kabi_model *m = x->m;

	if (decl_get(x->read, file))
		return;
	decl_put(&x->read, file, clang_getNullCursor());
	m->read_files = xrealloc(m->read_files, (m->n_read_files + 1) * sizeof(*m->read_files));
	m->read_digests = xrealloc(m->read_digests, (m->n_read_files + 1) * sizeof(*m->read_digests));
	m->read_stamps = xrealloc(m->read_stamps, (m->n_read_files + 1) * sizeof(*m->read_stamps));
	m->read_digests[m->n_read_files] = digest ? xstrdup(digest) : NULL;
	for (int k = 0; k < 3; k++)
		m->read_stamps[m->n_read_files][k] = stamp ? stamp[k] : -1;
	m->read_files[m->n_read_files++] = xstrdup(file);
}

/*
 * Each file clang read, once, in the order it was first included. For the result cache, the
 * digest of the bytes clang parsed (its own buffer, not the file as it is now: a header
 * rewritten while the parse ran must not vouch for this result) and, where it proves them,
 * the file's stamp: a stat now against what clang saw, so that storing the result reads no
 * header again. Neither under --no-cache.
 */
static void add_inclusion(CXFile file, CXSourceLocation *stack, unsigned depth, CXClientData data)
{
	struct extract *x = data;
	char *name = cx_take(clang_getFileName(file));
	char digest[CACHE_DIGEST_LEN];
	long long stamp[3];

	(void)stack;
	(void)depth;
	/* The translation unit itself lives in memory: it has no path of its own. */
	if (name[0] == '/' && !x->use_cache) {
		add_read_file(x, name, NULL, NULL);
	} else if (name[0] == '/') {
		if (cache_digest_read(name, (long long)clang_getFileTime(file), x->started, digest, stamp)) {
			size_t size = 0;
			const char *bytes = clang_getFileContents(x->tu, file, &size);

			stamp[0] = stamp[1] = stamp[2] = -1;
			if (bytes)
				cache_digest(bytes, size, digest);
			else
				digest[0] = '\0';
		}
		add_read_file(x, name, digest[0] ? digest : NULL, stamp);
	}
	free(name);
}

/*
 * Every use of libclang starts with an index. Linked in directly (the sanitizer build has no
 * engine.c), libclang counts as loaded from its first use, as the engine library does.
 */
static bool libclang_used;

CXIndex extract_new_index(int exclude_declarations_from_pch)
{
	if (!libclang_used) {
		trace("libclang's first use in this run");
		tu_clear_include_env("kabigen's parse",
				     "the headers come from the kernel tree with the arch profile's flags alone");
	}
	libclang_used = true;
	parse_heap_prepare();
	return clang_createIndex(exclude_declarations_from_pch, 0);
}

bool extract_engine_loaded(void)
{
	return libclang_used;
}

CXTranslationUnit extract_parse_with(CXIndex idx, const char *file_name, const char *text, char *const *args,
				     size_t n_args, const char *origin, unsigned options)
{
	struct CXUnsavedFile uf = { file_name, text, (unsigned long)strlen(text) };
	CXTranslationUnit tu = NULL;
	enum CXErrorCode ec;

	ec = clang_parseTranslationUnit2(idx, file_name, (const char *const *)args, (int)n_args, &uf, 1,
					 CXTranslationUnit_SkipFunctionBodies | options, &tu);
	if (ec != CXError_Success || !tu)
		die("%s: libclang could not start parsing (error %d); check the arch profile's cflags", origin,
		    (int)ec);
	return tu;
}

static CXTranslationUnit parse(CXIndex idx, const char *file_name, const char *text, char *const *args,
			       size_t n_args, const char *origin)
{
	return extract_parse_with(idx, file_name, text, args, n_args, origin, 0);
}

/* The set's definitions of types the headers define themselves are left out: say so. */
static void note_replaced_definitions(struct extract *x)
{
	struct kabi_provenance *p = &x->m->prov;

	for (size_t i = 0; i < x->set->n_definitions; i++) {
		const char *type = x->set->definitions[i].type;
		char *name;

		if (!type)
			continue;
		name = xstrdup(type);
		*strchr(name, ' ') = '_';
		for (size_t j = 0; j < x->ans->n_types; j++) {
			if (strcmp(x->ans->types[j], name) || !x->ans->defined[j])
				continue;
			add_note(&p->omitted, &p->n_omitted,
				 xasprintf("the set's definition of %s: the headers define it", type));
		}
		free(name);
	}
}

/* The cursor a typedef probe names: the definition of its type. */
static CXCursor probed_definition(struct decl *probe)
{
	CXType t = clang_getCanonicalType(clang_getTypedefDeclUnderlyingType(probe->cursor));

	return clang_getCursorDefinition(clang_getTypeDeclaration(t));
}

static enum CXChildVisitResult find_reference(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	if (clang_getCursorKind(c) == CXCursor_DeclRefExpr) {
		*(CXCursor *)data = clang_getCursorReferenced(c);
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

/* After a precompiled head, before the walk: the head's externs (they come first, as in a whole unit). */
static void take_head_externs(struct extract *x)
{
	const struct head_inventory *f = &x->pch.inventory;

	for (size_t i = 0; i < x->set->n_externs; i++)
		for (size_t j = 0; j < f->n_externs; j++)
			if (!strcmp(f->extern_types[j], x->set->externs[i].type))
				name_list_add(&x->lists[i], f->extern_names[j]);
	for (size_t i = 0; i < x->pch.n_files; i++)
		add_read_file(x, x->pch.files[i], x->pch.digests[i], x->pch.stamps[i]);
}

/* After a precompiled head and the walk: the definitions and enumerators its probes reach. */
static void take_head_definitions(struct extract *x)
{
	struct decl *d, *tmp;

	HASH_ITER(hh, x->probes, d, tmp) {
		const char *name;
		CXCursor c;

		if (skip_prefix(d->name, TU_PROBE_WANT_ENUM, &name) && !decl_get(x->enums, name)) {
			c = probed_definition(d);
			if (!clang_Cursor_isNull(c))
				decl_put(&x->enums, name, c);
		} else if (skip_prefix(d->name, TU_PROBE_WANT, &name) && !decl_get(x->records, name)) {
			c = probed_definition(d);
			if (!clang_Cursor_isNull(c))
				decl_put(&x->records, name, c);
		} else if (skip_prefix(d->name, TU_PROBE_ENUMREF, &name)) {
			c = clang_getNullCursor();
			clang_visitChildren(d->cursor, find_reference, &c);
			if (clang_getCursorKind(c) == CXCursor_EnumConstantDecl)
				decl_put(&x->enumerators, name, c);
		}
	}
}

static void extract_free(struct extract *x)
{
	decl_free_all(&x->records);
	decl_free_all(&x->enums);
	decl_free_all(&x->probes);
	decl_free_all(&x->wanted);
	decl_free_all(&x->wanted_enums);
	decl_free_all(&x->enumerators);
	decl_free_all(&x->read);
	answers_free(x->ans);
	pch_free(&x->pch);
	free(x->unit);
	if (x->tu)
		clang_disposeTranslationUnit(x->tu);
	if (x->idx)
		clang_disposeIndex(x->idx);
}

struct kabi_model *extract_model(const struct extract_request *rq)
{
	const struct kset *set = rq->set;
	const char *origin = rq->origin;
	struct extract x = { 0 };
	struct answers ans;
	struct decl *rel;

	x.m = kabi_model_new();
	x.set = set;
	x.origin = origin;
	x.advice = rq->advice;
	x.ans = &ans;
	x.use_cache = rq->use_cache;
	x.started = (long long)time(NULL);
	answers_init(&ans, set, rq->text);
	parse_answered(&x, rq->file_name, rq->text, rq->args, rq->n_args, rq->use_cache);
	note_replaced_definitions(&x);
	x.lists = xcalloc(set->n_externs, sizeof(*x.lists));
	if (x.pch.path)
		take_head_externs(&x);
	clang_getInclusions(x.tu, add_inclusion, &x);
	clang_visitChildren(clang_getTranslationUnitCursor(x.tu), index_top, &x);
	if (x.pch.path)
		take_head_definitions(&x);

	take_structs(&x);
	take_enums(&x);
	take_constants(&x);
	take_sections(&x);
	if ((rel = decl_get(x.probes, TU_PROBE_RELEASE)))
		x.m->prov.release = eval_string(&x, rel, "UTS_RELEASE");
	x.m->strings = xcalloc(set->n_strings, sizeof(*x.m->strings));
	for (size_t i = 0; i < set->n_strings; i++) {
		struct decl *d = probe(&x, TU_PROBE_STRING, set->strings[i].name);

		if (!d)
			die("%s: the string %s of the set was not parsed; check %s", origin, set->strings[i].name,
			    set->file);
		x.m->strings[i].name = xstrdup(set->strings[i].name);
		x.m->strings[i].value = eval_string(&x, d, set->strings[i].expr);
		x.m->n_strings++;
	}
	for (size_t i = 0; i < set->n_externs; i++) {
		x.lists[i].name = xstrdup(set->externs[i].name);
		x.lists[i].type = xstrdup(set->externs[i].type);
		if (!x.lists[i].n_items)
			die("%s: the headers declare no extern %s (the set's '%s' list); check %s", origin,
			    set->externs[i].type, set->externs[i].name, set->file);
	}
	x.m->lists = x.lists;
	x.m->n_lists = set->n_externs;
	extract_free(&x);
	return x.m;
}

char *extract_resolve(const struct extract_request *rq)
{
	struct extract x = { 0 };
	struct answers ans;
	char *unit;

	x.m = kabi_model_new();
	x.set = rq->set;
	x.origin = rq->origin;
	x.advice = rq->advice;
	x.ans = &ans;
	answers_init(&ans, rq->set, rq->text);
	parse_answered(&x, rq->file_name, rq->text, rq->args, rq->n_args, false);
	unit = x.unit;
	x.unit = NULL;
	extract_free(&x);
	kabi_model_free(x.m);
	return unit;
}

char *extract_check_compiles(const char *file_name, const char *text, char *const *args, size_t n_args)
{
	CXIndex idx = extract_new_index(0);
	CXTranslationUnit tu = parse(idx, file_name, text, args, n_args, file_name);
	unsigned n = clang_getNumDiagnostics(tu);
	char *first = NULL;

	for (unsigned i = 0; i < n && !first; i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);

		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Warning)
			first = cx_take(clang_formatDiagnostic(d, CXDiagnostic_DisplaySourceLocation |
								      CXDiagnostic_DisplayColumn));
		clang_disposeDiagnostic(d);
	}
	clang_disposeTranslationUnit(tu);
	clang_disposeIndex(idx);
	return first;
}

struct eval_walk {
	char *const *names;
	long long *values;
	int *found;
	size_t n;
};

static enum CXChildVisitResult eval_var(CXCursor c, CXCursor parent, CXClientData data)
{
	struct eval_walk *w = data;
	char *name;

	(void)parent;
	if (clang_getCursorKind(c) != CXCursor_VarDecl)
		return CXChildVisit_Continue;
	name = cx_take(clang_getCursorSpelling(c));
	for (size_t i = 0; i < w->n; i++) {
		CXEvalResult ev;

		if (strncmp(name, TU_PROBE_CONST, strlen(TU_PROBE_CONST)) ||
		    strcmp(name + strlen(TU_PROBE_CONST), w->names[i]))
			continue;
		ev = clang_Cursor_Evaluate(c);
		if (ev && clang_EvalResult_getKind(ev) == CXEval_Int) {
			w->values[i] = clang_EvalResult_getAsLongLong(ev);
			w->found[i] = 1;
		}
		if (ev)
			clang_EvalResult_dispose(ev);
	}
	free(name);
	return CXChildVisit_Continue;
}

void extract_eval_ints(const char *file_name, const char *text, char *const *args, size_t n_args,
		       const char *origin, char *const *names, long long *values, size_t n)
{
	CXIndex idx = extract_new_index(0);
	CXTranslationUnit tu = parse(idx, file_name, text, args, n_args, origin);
	struct eval_walk w = { .names = names, .values = values, .found = xcalloc(n, sizeof(int)), .n = n };

	extract_die_on_errors(tu, origin, "the configuration kabigen wrote from --kconfig and --set does not parse; "
		      "check those symbols (their dependencies are not resolved)");
	clang_visitChildren(clang_getTranslationUnitCursor(tu), eval_var, &w);
	for (size_t i = 0; i < n; i++)
		if (!w.found[i])
			die("%s: %s does not evaluate to an integer constant for this configuration", origin, names[i]);
	free(w.found);
	clang_disposeTranslationUnit(tu);
	clang_disposeIndex(idx);
}

/* What the executable looks up in libkabigen-engine.so (the only symbol it exports). */
static void engine_attach(void (*host_unwind)(void), void (*host_cache_warn)(const char *why))
{
	report_set_cleanup(host_unwind);
	cache_set_warn_hook(host_cache_warn);
}

__attribute__((visibility("default"))) const struct extract_engine kabigen_extract_engine = {
	.attach = engine_attach,
	.model = extract_model,
	.check_compiles = extract_check_compiles,
	.eval_ints = extract_eval_ints,
	.resolve = extract_resolve,
};
