/*
 * test_fixtures.c: the model and the C emitter on one small C fixture per layout feature.
 *
 * For each fixture and each architecture, kabigen's extraction and emitter run on the
 * fixture, then the emitted header and the fixture itself are both parsed with libclang
 * for the target, and every struct of the set must have the same size, alignment, and
 * flattened members (bit offset, size, bitfield width) in both; every enumerator the
 * same value. The expected layout is the fixture's own, never a number written here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <clang-c/Index.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit.h"
#include "clang/extract.h"
#include "input/kset.h"
#include "model/layout.h"
#include "util/report.h"
#include "fixture.h"

static const char *const targets[] = { "x86_64-linux-gnu", "aarch64-linux-gnu", "riscv64-linux-gnu",
				       "loongarch64-linux-gnu" };

/* ---- an independent reading of a layout, straight from libclang ---- */

struct layout {
	char text[16384];	/* "path@bitoffset:size:width\n" per member, in order */
	long long size, align;
};

struct walk {
	struct layout *l;
	char prefix[128];
	unsigned long long base;
};

static enum CXVisitorResult add_field(CXCursor c, CXClientData data)
{
	struct walk *w = data;
	CXType t = clang_getCanonicalType(clang_getCursorType(c));
	CXString s = clang_getCursorSpelling(c);
	unsigned long long off = w->base + (unsigned long long)clang_Cursor_getOffsetOfField(c);
	char line[512];

	if (t.kind == CXType_Record && clang_Cursor_isAnonymousRecordDecl(clang_getTypeDeclaration(t))) {
		struct walk inner = *w;

		inner.base = off;
		clang_Type_visitFields(t, add_field, &inner);
	} else {
		snprintf(line, sizeof(line), "%s%s@%llu:%lld:%d\n", w->prefix, clang_getCString(s), off,
			 t.kind == CXType_IncompleteArray ? 0 : clang_Type_getSizeOf(t),
			 clang_Cursor_isBitField(c) ? clang_getFieldDeclBitWidth(c) : -1);
		strncat(w->l->text, line, sizeof(w->l->text) - strlen(w->l->text) - 1);
	}
	clang_disposeString(s);
	return CXVisit_Continue;
}

struct find {
	const char *name;
	enum CXCursorKind kind;
	CXCursor found;
	int ok;
};

static enum CXChildVisitResult find_decl(CXCursor c, CXCursor parent, CXClientData data)
{
	struct find *f = data;
	CXString s = clang_getCursorSpelling(c);

	(void)parent;
	if (clang_getCursorKind(c) == f->kind && clang_isCursorDefinition(c) && !strcmp(clang_getCString(s), f->name)) {
		f->found = c;
		f->ok = 1;
	}
	clang_disposeString(s);
	return CXChildVisit_Continue;
}

static CXTranslationUnit parse_text(CXIndex idx, const char *name, const char *text, const char *target)
{
	const char *args[] = { "-target", target, "-std=gnu11", "-ffreestanding", "-I", FIXTURES_DIR };
	struct CXUnsavedFile uf = { name, text, strlen(text) };
	CXTranslationUnit tu = clang_parseTranslationUnit(idx, name, args, 6, &uf, 1, 0);

	assert_non_null(tu);
	for (unsigned i = 0; i < clang_getNumDiagnostics(tu); i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);

		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
			CXString s = clang_formatDiagnostic(d, clang_defaultDiagnosticDisplayOptions());

			fail_msg("%s does not compile for %s: %s", name, target, clang_getCString(s));
		}
		clang_disposeDiagnostic(d);
	}
	return tu;
}

static CXCursor must_find(CXTranslationUnit tu, const char *name, enum CXCursorKind kind)
{
	struct find f = { name, kind, clang_getNullCursor(), 0 };

	clang_visitChildren(clang_getTranslationUnitCursor(tu), find_decl, &f);
	if (!f.ok)
		fail_msg("no definition of %s", name);
	return f.found;
}

static void read_layout(CXTranslationUnit tu, const char *name, struct layout *l)
{
	CXType t = clang_getCursorType(must_find(tu, name, CXCursor_StructDecl));
	struct walk w = { l, "", 0 };

	memset(l, 0, sizeof(*l));
	l->size = clang_Type_getSizeOf(t);
	l->align = clang_Type_getAlignOf(t);
	clang_Type_visitFields(t, add_field, &w);
}

static enum CXChildVisitResult add_enumerator(CXCursor c, CXCursor parent, CXClientData data)
{
	char *text = data, line[256];
	CXString s = clang_getCursorSpelling(c);

	(void)parent;
	snprintf(line, sizeof(line), "%s=%lld/%llu\n", clang_getCString(s), clang_getEnumConstantDeclValue(c),
		 clang_getEnumConstantDeclUnsignedValue(c));
	strncat(text, line, 4095 - strlen(text));
	clang_disposeString(s);
	return CXChildVisit_Continue;
}

/* ---- running kabigen's stages on a fixture ---- */

struct run {
	struct kset *set;
	struct kabi_model *model;
	char *fixture_text, *header;
};

static void run_kabigen(const char *fixture, const char *target, struct run *r)
{
	char *c_path = xasprintf("%s/%s.c", FIXTURES_DIR, fixture);

	r->model = fixture_model(fixture, target, &r->set);
	r->fixture_text = fixture_read_file(c_path);
	r->header = emit_c_header(r->model);
	free(c_path);
}

static void run_free(struct run *r)
{
	kabi_model_free(r->model);
	kset_free(r->set);
	free(r->fixture_text);
	free(r->header);
}

/* The emitted header and the fixture agree on every struct and enum of the set. */
static void check_fixture(const char *fixture, void (*extra)(const struct run *, const char *target))
{
	for (size_t ti = 0; ti < sizeof(targets) / sizeof(targets[0]); ti++) {
		const char *target = targets[ti];
		CXIndex idx = clang_createIndex(0, 0);
		CXTranslationUnit orig, gen;
		struct run r = { 0 };
		static struct layout a, b;

		run_kabigen(fixture, target, &r);
		orig = parse_text(idx, "fixture.c", r.fixture_text, target);
		gen = parse_text(idx, "kabi.h", r.header, target);
		for (size_t i = 0; i < r.set->n_structs; i++) {
			read_layout(orig, r.set->structs[i].name, &a);
			read_layout(gen, r.set->structs[i].name, &b);
			assert_int_equal(a.size, b.size);
			assert_int_equal(a.align, b.align);
			assert_string_equal(a.text, b.text);
			assert_true(strlen(a.text) > 0);
		}
		for (size_t i = 0; i < r.set->n_enums; i++) {
			char ea[4096] = "", eb[4096] = "";

			clang_visitChildren(must_find(orig, r.set->enums[i], CXCursor_EnumDecl), add_enumerator, ea);
			clang_visitChildren(must_find(gen, r.set->enums[i], CXCursor_EnumDecl), add_enumerator, eb);
			assert_string_equal(ea, eb);
		}
		if (extra)
			extra(&r, target);
		clang_disposeTranslationUnit(orig);
		clang_disposeTranslationUnit(gen);
		clang_disposeIndex(idx);
		run_free(&r);
	}
}

static const struct kabi_member *member(const struct kabi_record *r, const char *name)
{
	for (size_t i = 0; i < r->n_members; i++)
		if (r->members[i].name && !strcmp(r->members[i].name, name))
			return &r->members[i];
	fail_msg("no member %s", name);
	return NULL;
}

/* ---- per-feature checks on top of the layout comparison ---- */

static void bitfields_extra(const struct run *r, const char *target)
{
	const struct kabi_record *rec = kabi_model_find_record(r->model, "flags");
	size_t unnamed = 0;

	(void)target;
	assert_int_equal(member(rec, "a")->bit_width, 3);
	assert_int_equal(member(rec, "f")->bit_width, 40);
	assert_int_equal(member(rec, "after")->bit_width, KABI_NOT_BITFIELD);
	for (size_t i = 0; i < rec->n_members; i++)
		unnamed += !rec->members[i].name;
	assert_int_equal(unnamed, 2);	/* int : 0 and unsigned char : 2 are kept */
	assert_non_null(strstr(r->header, ": 0;"));
}

static void anonymous_extra(const struct run *r, const char *target)
{
	const struct kabi_record *rec = kabi_model_find_record(r->model, "node");

	(void)target;
	assert_null(rec->members[1].name);	/* the anonymous union stays anonymous */
	assert_non_null(rec->members[1].type->record);
	assert_true(rec->members[1].type->record->is_union);
	assert_int_equal(member(rec, "refs")->type->kind, KT_OPAQUE);	/* typedef of an anonymous struct */
	assert_int_equal(member(rec, "point")->type->kind, KT_RECORD);
	/* offsetof reaches members of anonymous records by their own names. */
	assert_non_null(strstr(r->header, "__builtin_offsetof(struct node, ll)"));
	assert_non_null(strstr(r->header, "__builtin_offsetof(struct node, point.y)"));
}

static void packed_extra(const struct run *r, const char *target)
{
	(void)target;
	assert_true(kabi_model_find_record(r->model, "wire")->packed);
	assert_true(member(kabi_model_find_record(r->model, "mixed"), "i")->packed_attr);
	assert_non_null(strstr(r->header, "} __attribute__((packed));"));
}

static void aligned_extra(const struct run *r, const char *target)
{
	const struct kabi_record *rec = kabi_model_find_record(r->model, "cached");

	(void)target;
	assert_int_equal(rec->align_attr, rec->align);	/* more than any member needs */
	assert_true(member(rec, "l")->align_attr > member(rec, "l")->type->align);
	assert_true(member(rec, "after")->align_attr > member(rec, "after")->type->align);
}

static void flexible_extra(const struct run *r, const char *target)
{
	(void)target;
	assert_int_equal(member(kabi_model_find_record(r->model, "table"), "entries")->type->count, -1);
	assert_int_equal(member(kabi_model_find_record(r->model, "blobs"), "items")->type->kind, KT_OPAQUE);
	assert_non_null(strstr(r->header, "unsigned long entries[];"));
	assert_non_null(strstr(r->header, "unsigned char items[]"));
}

static void arrays_extra(const struct run *r, const char *target)
{
	const struct kabi_record *bag = kabi_model_find_record(r->model, "bag");
	const struct kabi_member *items = member(bag, "items");

	(void)target;
	assert_int_equal(items->type->kind, KT_ARRAY);
	assert_ptr_equal(items->type->target->record, kabi_model_find_record(r->model, "item"));
	assert_int_equal(member(bag, "others")->type->kind, KT_OPAQUE);
	/* item is contained by value, so it is defined before bag. */
	assert_true(strstr(r->header, "struct item {") < strstr(r->header, "struct bag {"));
	assert_non_null(strstr(r->header, "int (*hook)(struct bag *, const char *, ...);"));
	assert_non_null(strstr(r->header, "void (*table[2])(void);"));
	assert_non_null(strstr(r->header, "const struct item *(*find)(int);"));
}

struct string_var {
	const char *name;
	char value[256];
};

static enum CXChildVisitResult eval_string_var(CXCursor c, CXCursor parent, CXClientData data)
{
	struct string_var *v = data;
	CXString s = clang_getCursorSpelling(c);

	(void)parent;
	if (clang_getCursorKind(c) == CXCursor_VarDecl && !strcmp(clang_getCString(s), v->name)) {
		CXEvalResult ev = clang_Cursor_Evaluate(c);

		assert_non_null(ev);
		snprintf(v->value, sizeof(v->value), "%s", clang_EvalResult_getAsStr(ev));
		clang_EvalResult_dispose(ev);
	}
	clang_disposeString(s);
	return CXChildVisit_Continue;
}

/*
 * The header's constants and strings against the fixture's own: one unit captures the
 * fixture's values and types, forgets the fixture's macros, takes the header's #defines
 * and asserts both agree; the strings are compared byte for byte through libclang.
 */
static void enums_extra(const struct run *r, const char *target)
{
	struct strbuf tu = { 0 };
	CXIndex idx = clang_createIndex(0, 0);
	CXTranslationUnit t;
	struct string_var fv = { "f_greeting", "" }, gv = { "g_greeting", "" };
	const char *line;

	sb_addf(&tu, "#include \"enums.c\"\n"
		     "enum { F_ANON = ANON_CONSTANT, F_MACRO = MACRO_CONSTANT, F_NEG = NEGATIVE_CONSTANT };\n"
		     "typedef __typeof__(MACRO_CONSTANT) f_macro_t;\n"
		     "typedef __typeof__(NEGATIVE_CONSTANT) f_neg_t;\n"
		     "static const char f_greeting[] = GREETING;\n"
		     "#undef MACRO_CONSTANT\n#undef NEGATIVE_CONSTANT\n#undef GREETING\n");
	for (line = r->header; (line = strstr(line, "\n#define ")); line++) {
		size_t n = strcspn(line + 1, "\n");

		/* Not the guard, nor the C++ spellings (#define _Bool bool) under #ifdef __cplusplus. */
		if (strncmp(line + 1, "#define KABIGEN_KABI_H", 22) && line[9] != '_')
			sb_addf(&tu, "%.*s\n", (int)n, line + 1);
	}
	sb_adds(&tu, "_Static_assert(ANON_CONSTANT == F_ANON, \"anon\");\n"
		     "_Static_assert(MACRO_CONSTANT == F_MACRO, \"macro\");\n"
		     "_Static_assert(NEGATIVE_CONSTANT == F_NEG, \"negative\");\n"
		     "_Static_assert(__builtin_types_compatible_p(__typeof__(MACRO_CONSTANT), f_macro_t), \"type\");\n"
		     "_Static_assert(__builtin_types_compatible_p(__typeof__(NEGATIVE_CONSTANT), f_neg_t), \"type\");\n"
		     "static const char g_greeting[] = KABI_GREETING;\n");
	t = parse_text(idx, "constants.c", tu.buf, target);
	clang_visitChildren(clang_getTranslationUnitCursor(t), eval_string_var, &fv);
	clang_visitChildren(clang_getTranslationUnitCursor(t), eval_string_var, &gv);
	assert_true(strlen(fv.value) > 0);
	assert_string_equal(fv.value, gv.value);
	assert_int_equal(r->model->n_constants, 3);
	clang_disposeTranslationUnit(t);
	clang_disposeIndex(idx);
	sb_release(&tu);
}

/*
 * Conditions that test what the headers define, and definitions the set supplies only
 * where the headers lack them: on every target, each struct kabigen kept has the
 * fixture's layout (own_sym, which only the set defines, the set's), and what it left
 * out is in the provenance with the reason.
 */
static void test_conditions(void **state)
{
	static const char *const omitted[] = {
		"the set's definition of struct public_sym: the headers define it",
		"layout_old: !defined( struct layout_new ) is false",
		"guarded_sym: defined(FEATURE) && FEATURE > 5 is false",
		"late_type: defined(struct late_type) is false",
		"absent_kind: defined(enum absent_kind) is false",
	};
	static const char *const kept[] = { "uses", "layout_new", "public_sym" };

	(void)state;
	for (size_t ti = 0; ti < sizeof(targets) / sizeof(targets[0]); ti++) {
		const char *target = targets[ti];
		CXIndex idx = clang_createIndex(0, 0);
		CXTranslationUnit orig, gen, own;
		struct run r = { 0 };
		static struct layout a, b;

		run_kabigen("conditions", target, &r);
		orig = parse_text(idx, "fixture.c", r.fixture_text, target);
		gen = parse_text(idx, "kabi.h", r.header, target);
		own = parse_text(idx, "own.c", r.set->definitions[1].text, target);
		for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
			read_layout(orig, kept[i], &a);
			read_layout(gen, kept[i], &b);
			assert_int_equal(a.size, b.size);
			assert_string_equal(a.text, b.text);
		}
		read_layout(own, "own_sym", &a);
		read_layout(gen, "own_sym", &b);
		assert_int_equal(a.size, b.size);
		assert_string_equal(a.text, b.text);
		assert_null(kabi_model_find_record(r.model, "layout_old"));
		assert_null(kabi_model_find_record(r.model, "guarded_sym"));
		assert_null(kabi_model_find_record(r.model, "late_type"));
		assert_int_equal(r.model->n_enums, 1);
		assert_non_null(kabi_model_find_enum(r.model, "present_kind"));
		assert_int_equal(r.model->n_constants, 1);
		assert_string_equal(r.model->constants[0].name, "FEATURE");
		assert_int_equal(r.model->prov.n_omitted, sizeof(omitted) / sizeof(omitted[0]));
		for (size_t i = 0; i < r.model->prov.n_omitted; i++)
			assert_string_equal(r.model->prov.omitted[i], omitted[i]);
		clang_disposeTranslationUnit(orig);
		clang_disposeTranslationUnit(gen);
		clang_disposeTranslationUnit(own);
		clang_disposeIndex(idx);
		run_free(&r);
	}
}

static void test_bitfields(void **state) { (void)state; check_fixture("bitfields", bitfields_extra); }
static void test_anonymous(void **state) { (void)state; check_fixture("anonymous", anonymous_extra); }
static void test_packed(void **state) { (void)state; check_fixture("packed", packed_extra); }
static void test_aligned(void **state) { (void)state; check_fixture("aligned", aligned_extra); }
static void test_flexible(void **state) { (void)state; check_fixture("flexible", flexible_extra); }
static void test_arrays(void **state) { (void)state; check_fixture("arrays", arrays_extra); }
static void test_enums(void **state) { (void)state; check_fixture("enums", enums_extra); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitfields), cmocka_unit_test(test_anonymous), cmocka_unit_test(test_packed),
		cmocka_unit_test(test_aligned),	  cmocka_unit_test(test_flexible),  cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_enums),	  cmocka_unit_test(test_conditions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
