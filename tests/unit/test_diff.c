/*
 * test_diff.c: the diff engine on two versions of a small C file (tests/fixtures/diff_old.c
 * and diff_new.c), one kind of change per struct, on four targets.
 *
 * Each reported offset, size, bitfield width and alignment is checked against libclang's
 * own reading of the two fixture files, never against a number written here; the kinds
 * of change and the exit bits are what the fixture's comments say they are.
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
#include <unistd.h>

#include "diff/diff.h"
#include "fixture.h"
#include "input/kset.h"
#include "model/layout.h"
#include "util/report.h"
#include "util/yamldoc.h"

static const char *const targets[] = { "x86_64-linux-gnu", "aarch64-linux-gnu", "riscv64-linux-gnu",
				       "loongarch64-linux-gnu" };

/* ---- libclang's reading of a fixture file ---- */

struct side {
	CXIndex idx;
	CXTranslationUnit tu;
};

static void side_open(struct side *s, const char *file, const char *target)
{
	char *path = xasprintf("%s/%s", FIXTURES_DIR, file);
	const char *args[] = { "-target", target, "-std=gnu11" };

	s->idx = clang_createIndex(0, 0);
	s->tu = clang_parseTranslationUnit(s->idx, path, args, 3, NULL, 0, 0);
	assert_non_null(s->tu);
	free(path);
}

static void side_close(struct side *s)
{
	clang_disposeTranslationUnit(s->tu);
	clang_disposeIndex(s->idx);
}

struct find {
	const char *name;
	CXType type;
	int found;
};

static enum CXChildVisitResult find_struct(CXCursor c, CXCursor parent, CXClientData data)
{
	struct find *f = data;
	CXString s = clang_getCursorSpelling(c);

	(void)parent;
	if (clang_getCursorKind(c) == CXCursor_StructDecl && clang_isCursorDefinition(c) &&
	    !strcmp(clang_getCString(s), f->name)) {
		f->type = clang_getCursorType(c);
		f->found = 1;
	}
	clang_disposeString(s);
	return CXChildVisit_Continue;
}

static CXType struct_type(const struct side *s, const char *name)
{
	struct find f = { name, { 0 }, 0 };

	clang_visitChildren(clang_getTranslationUnitCursor(s->tu), find_struct, &f);
	assert_true(f.found);
	return f.type;
}

struct field_find {
	const char *name;
	CXCursor cursor;
	int found;
};

/* Finds the field NAME, looking into anonymous members as C does. */
static enum CXVisitorResult find_field(CXCursor c, CXClientData data)
{
	struct field_find *f = data;
	CXString s = clang_getCursorSpelling(c);
	CXType t = clang_getCanonicalType(clang_getCursorType(c));

	if (!strcmp(clang_getCString(s), f->name)) {
		f->cursor = c;
		f->found = 1;
	} else if (t.kind == CXType_Record && clang_Cursor_isAnonymousRecordDecl(clang_getTypeDeclaration(t))) {
		clang_Type_visitFields(t, find_field, f);
	}
	clang_disposeString(s);
	return f->found ? CXVisit_Break : CXVisit_Continue;
}

/* A member's place by its flattened name ("i", "point.y"), as clang lays it out. */
struct place {
	long long offset_bits, size;
	int bit_width;
};

static struct place clang_place(const struct side *s, const char *record, const char *path)
{
	CXType t = struct_type(s, record);
	char *copy = xstrdup(path), *save = NULL;
	struct place p = { 0, 0, KABI_NOT_BITFIELD };

	for (char *part = strtok_r(copy, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
		struct field_find f = { part, clang_getNullCursor(), 0 };
		long long off = clang_Type_getOffsetOf(t, part);	/* looks into anonymous members too */

		assert_true(off >= 0);
		clang_Type_visitFields(t, find_field, &f);
		assert_true(f.found);
		p.offset_bits += off;
		p.bit_width = clang_Cursor_isBitField(f.cursor) ? clang_getFieldDeclBitWidth(f.cursor)
								 : KABI_NOT_BITFIELD;
		t = clang_getCanonicalType(clang_getCursorType(f.cursor));
		p.size = clang_Type_getSizeOf(t);
	}
	free(copy);
	return p;
}

/* ---- the diff of the two fixtures ---- */

struct run {
	struct kset *set_old, *set_new;
	struct kabi_model *old, *new;
	struct side c_old, c_new;
	const char *target;
};

static void run_open(struct run *r, const char *target)
{
	r->target = target;
	r->old = fixture_model("diff_old", target, &r->set_old);
	r->new = fixture_model("diff_new", target, &r->set_new);
	side_open(&r->c_old, "diff_old.c", target);
	side_open(&r->c_new, "diff_new.c", target);
}

static void run_close(struct run *r)
{
	kabi_model_free(r->old);
	kabi_model_free(r->new);
	kset_free(r->set_old);
	kset_free(r->set_new);
	side_close(&r->c_old);
	side_close(&r->c_new);
}

static struct kabi_diff *diff_only(const struct run *r, const char *only, const struct diff_suppressions *sup)
{
	char *names[] = { (char *)only };
	struct diff_options opt = { "diff_old", "diff_new", names, only ? 1 : 0, sup };

	return diff_models(r->old, r->new, &opt);
}

static const struct diff_struct *find_struct_diff(const struct kabi_diff *d, const char *name)
{
	for (size_t i = 0; i < d->n_structs; i++)
		if (!strcmp(d->structs[i].name, name))
			return &d->structs[i];
	fail_msg("struct %s is not in the diff", name);
	return NULL;
}

static const struct diff_member *find_member(const struct diff_struct *s, const char *name)
{
	for (size_t i = 0; i < s->n_members; i++)
		if (!strcmp(s->members[i].name, name))
			return &s->members[i];
	return NULL;
}

/* Member NAME of struct RECORD has exactly CHANGES, and its two sides are where clang puts them. */
static void expect_member(const struct run *r, const struct kabi_diff *d, const char *record, const char *name,
			  unsigned changes)
{
	const struct diff_member *m = find_member(find_struct_diff(d, record), name);

	if (!m)
		fail_msg("%s: %s.%s is not reported", r->target, record, name);
	if (m->changes != changes)
		fail_msg("%s: %s.%s: changes %#x, expected %#x", r->target, record, name, m->changes, changes);
	assert_int_equal(m->breaking, !!(changes & (DIFF_MOVED | DIFF_RESIZED | DIFF_BITFIELD | DIFF_REMOVED)));
	if (!(changes & DIFF_ADDED)) {
		struct place p = clang_place(&r->c_old, record, name);

		assert_int_equal(m->old.offset_bits, p.offset_bits);
		assert_int_equal(m->old.size, p.size);
		assert_int_equal(m->old.bit_width, p.bit_width);
	}
	if (!(changes & DIFF_REMOVED)) {
		struct place p = clang_place(&r->c_new, record, name);

		assert_int_equal(m->new.offset_bits, p.offset_bits);
		assert_int_equal(m->new.size, p.size);
		assert_int_equal(m->new.bit_width, p.bit_width);
	}
	/* What the fixture changed is what clang sees changed. */
	if (!(changes & (DIFF_ADDED | DIFF_REMOVED))) {
		assert_int_equal(!!(changes & DIFF_MOVED), m->old.offset_bits != m->new.offset_bits);
		assert_int_equal(!!(changes & DIFF_RESIZED), m->old.size != m->new.size);
		assert_int_equal(!!(changes & DIFF_BITFIELD), m->old.bit_width != m->new.bit_width);
	}
}

/* The struct's own size and alignment on both sides are clang's, and flagged when they differ. */
static void expect_struct(const struct run *r, const struct kabi_diff *d, const char *record, size_t n_members)
{
	const struct diff_struct *s = find_struct_diff(d, record);
	CXType a = struct_type(&r->c_old, record), b = struct_type(&r->c_new, record);

	assert_int_equal(s->old_size, clang_Type_getSizeOf(a));
	assert_int_equal(s->new_size, clang_Type_getSizeOf(b));
	assert_int_equal(s->old_align, clang_Type_getAlignOf(a));
	assert_int_equal(s->new_align, clang_Type_getAlignOf(b));
	assert_int_equal(!!(s->changes & DIFF_RESIZED), s->old_size != s->new_size);
	assert_int_equal(!!(s->changes & DIFF_REALIGNED), s->old_align != s->new_align);
	if (s->n_members != n_members)
		fail_msg("%s: struct %s: %zu members reported, expected %zu", r->target, record, s->n_members,
			 n_members);
}

static const struct diff_item *find_item(const struct kabi_diff *d, enum diff_item_kind kind, const char *owner,
					 const char *name)
{
	for (size_t i = 0; i < d->n_items; i++) {
		const struct diff_item *it = &d->items[i];

		if (it->kind == kind && (owner ? it->owner && !strcmp(it->owner, owner) : !it->owner) &&
		    (name ? it->name && !strcmp(it->name, name) : !it->name))
			return it;
	}
	return NULL;
}

static void check_structs(const struct run *r)
{
	struct kabi_diff *d = diff_only(r, NULL, NULL);

	expect_struct(r, d, "same", 0);
	expect_struct(r, d, "moved", 2);
	expect_member(r, d, "moved", "a", DIFF_MOVED);
	expect_member(r, d, "moved", "b", DIFF_MOVED);
	expect_struct(r, d, "resized", 1);
	expect_member(r, d, "resized", "b", DIFF_RESIZED | DIFF_RETYPED);
	expect_struct(r, d, "retyped", 1);
	expect_member(r, d, "retyped", "a", DIFF_RETYPED);
	expect_struct(r, d, "added", 1);
	expect_member(r, d, "added", "c", DIFF_ADDED);
	expect_struct(r, d, "removed", 1);
	expect_member(r, d, "removed", "b", DIFF_REMOVED);
	expect_struct(r, d, "bits", 2);
	expect_member(r, d, "bits", "a", DIFF_BITFIELD);
	expect_member(r, d, "bits", "b", DIFF_MOVED);
	/* Members of the anonymous union under their own names; the named inline struct's under "point.". */
	expect_struct(r, d, "anon", 4);
	expect_member(r, d, "anon", "i", DIFF_RESIZED | DIFF_RETYPED);
	expect_member(r, d, "anon", "point", DIFF_RESIZED);
	expect_member(r, d, "anon", "point.x", DIFF_RESIZED | DIFF_RETYPED);
	expect_member(r, d, "anon", "point.y", DIFF_MOVED);
	expect_struct(r, d, "realigned", 0);
	assert_true(find_struct_diff(d, "realigned")->changes & DIFF_REALIGNED);
	assert_int_equal(find_struct_diff(d, "gone")->changes, DIFF_REMOVED);
	assert_true(find_struct_diff(d, "gone")->breaking);
	assert_int_equal(find_struct_diff(d, "fresh")->changes, DIFF_ADDED);
	assert_false(find_struct_diff(d, "fresh")->breaking);
	/* Layout order: by offset. */
	assert_string_equal(find_struct_diff(d, "moved")->members[0].name, "b");
	assert_false(find_struct_diff(d, "same")->breaking);
	assert_false(find_struct_diff(d, "retyped")->breaking);
	assert_false(find_struct_diff(d, "added")->breaking);
	assert_true(find_struct_diff(d, "moved")->breaking);
	assert_int_equal(d->verdict, DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING);
	diff_free(d);
}

static void check_items(const struct run *r)
{
	struct kabi_diff *d = diff_only(r, NULL, NULL);
	const struct diff_item *it;
	const struct kabi_enum *eo = kabi_model_find_enum(r->old, "colour");
	const struct kabi_enum *en = kabi_model_find_enum(r->new, "colour");
	char *want;

	/* GREEN and BLUE swapped places: their values changed; WHITE is new. */
	for (size_t i = 0; i < eo->n_values; i++) {
		for (size_t j = 0; j < en->n_values; j++) {
			if (strcmp(eo->values[i].name, en->values[j].name))
				continue;
			it = find_item(d, DIFF_ENUM, "colour", eo->values[i].name);
			if (eo->values[i].value == en->values[j].value) {
				assert_null(it);
				continue;
			}
			assert_non_null(it);
			assert_int_equal(it->changes, DIFF_VALUE);
			assert_true(it->breaking);
			want = xasprintf("%lld", (long long)en->values[j].value);
			assert_string_equal(it->new, want);
			free(want);
		}
	}
	assert_non_null(find_item(d, DIFF_ENUM, "colour", "GREEN"));
	it = find_item(d, DIFF_ENUM, "colour", "WHITE");
	assert_non_null(it);
	assert_int_equal(it->changes, DIFF_ADDED);
	assert_false(it->breaking);
	it = find_item(d, DIFF_CONSTANT, NULL, "LIMIT");
	assert_non_null(it);
	assert_int_equal(it->changes, DIFF_VALUE);
	assert_true(it->breaking);
	assert_null(find_item(d, DIFF_CONSTANT, NULL, "STAYS"));
	it = find_item(d, DIFF_STRING, NULL, "VERMAGIC");
	assert_non_null(it);
	assert_true(it->breaking);
	assert_string_equal(it->old, r->old->strings[0].value);
	assert_string_equal(it->new, r->new->strings[0].value);
	it = find_item(d, DIFF_LIST, "OPS", "ops_c");
	assert_non_null(it);
	assert_int_equal(it->changes, DIFF_ADDED);
	assert_true(it->breaking);	/* a loader built for OLD does not provide it */
	it = find_item(d, DIFF_LIST, "OPS", "ops_b");
	assert_non_null(it);
	assert_int_equal(it->changes, DIFF_REMOVED);
	assert_false(it->breaking);
	assert_null(find_item(d, DIFF_LIST, "OPS", "ops_a"));
	diff_free(d);
}

/* The exit bits of one kind of change at a time, through --only. */
static void check_verdicts(const struct run *r)
{
	static const struct {
		const char *only;
		unsigned verdict;
	} cases[] = {
		{ "same", 0 },
		{ "retyped", DIFF_EXIT_CHANGES },
		{ "added", DIFF_EXIT_CHANGES },
		{ "fresh", DIFF_EXIT_CHANGES },
		{ "STAYS", 0 },
		{ "moved", DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING },
		{ "removed", DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING },
		{ "bits", DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING },
		{ "realigned", DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING },
		{ "gone", DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING },
		{ "LIMIT", DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING },
		{ "vermagic", DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING },
		{ "colour", DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING },
		{ "ops", DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING },
	};
	char *names[] = { "same", "no_such_thing" };
	struct diff_options opt = { NULL, NULL, names, 2, NULL };
	struct kabi_diff *d = diff_models(r->old, r->old, &opt);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kabi_diff *one = diff_only(r, cases[i].only, NULL);

		if (one->verdict != cases[i].verdict)
			fail_msg("%s: --only %s: verdict %u, expected %u", r->target, cases[i].only, one->verdict,
				 cases[i].verdict);
		diff_free(one);
	}
	/* A model against itself: nothing, with every struct compared. */
	assert_int_equal(d->verdict, 0);
	diff_free(d);
	opt.n_only = 0;
	d = diff_models(r->new, r->new, &opt);
	assert_int_equal(d->verdict, 0);
	assert_int_equal(d->n_structs, r->new->n_order);
	assert_int_equal(d->n_items, 0);
	diff_free(d);
	opt.n_only = 2;
	assert_string_equal(diff_unknown_only(r->old, r->new, &opt), "no_such_thing");
}

static struct diff_suppressions *suppressions(const char *yaml)
{
	char path[] = "/tmp/kabigen-test-suppress-XXXXXX";
	int fd = mkstemp(path);
	struct diff_suppressions *s;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (long)strlen(yaml));
	close(fd);
	s = diff_suppressions_load(path);
	unlink(path);
	return s;
}

static void check_suppressions(const struct run *r)
{
	struct diff_suppressions *members = suppressions("suppress:\n  - struct: resized\n    members: [b]\n"
							 "    reason: b is read through a cast\n"
							 "  - struct: bits\n    members: [a, nope]\n"
							 "  - constant: NOPE\n");
	struct diff_suppressions *whole = suppressions("suppress:\n  - struct: moved\n  - string: VERMAGIC\n"
						       "  - list: OPS\n    members: [ops_c]\n");
	struct kabi_diff *d = diff_only(r, "resized", members);

	/* b was resized's only change: suppressed, nothing is left. */
	assert_int_equal(d->verdict, 0);
	assert_int_equal(d->n_suppressed, 1);
	assert_int_equal(d->n_unmatched, 2);	/* bits.nope and NOPE */
	diff_free(d);
	d = diff_only(r, "bits", members);
	assert_int_equal(d->n_suppressed, 1);
	assert_null(find_member(find_struct_diff(d, "bits"), "a"));
	assert_non_null(find_member(find_struct_diff(d, "bits"), "b"));
	assert_int_equal(d->verdict, DIFF_EXIT_CHANGES | DIFF_EXIT_BREAKING);
	diff_free(d);
	d = diff_only(r, "moved", whole);
	assert_int_equal(d->verdict, 0);
	assert_int_equal(d->n_suppressed, 2);
	assert_int_equal(d->n_structs, 0);
	diff_free(d);
	d = diff_only(r, "vermagic", whole);
	assert_int_equal(d->verdict, 0);
	diff_free(d);
	/* ops_c is suppressed, ops_b (removed: not breaking) is left. */
	d = diff_only(r, "OPS", whole);
	assert_int_equal(d->verdict, DIFF_EXIT_CHANGES);
	diff_free(d);
	diff_suppressions_free(members);
	diff_suppressions_free(whole);
}

/* The reports: the JSON one is well-formed and agrees with the result; the others say the verdict. */
static void check_reports(const struct run *r)
{
	struct kabi_diff *d = diff_only(r, NULL, NULL), *same;
	char *text = diff_report_text(d), *md = diff_report_md(d), *json = diff_report_json(d), *exit_text;
	struct ydoc *doc = ydoc_load_buffer("diff.json", json, strlen(json));
	struct diff_options opt = { "a", "b", NULL, 0, NULL };

	exit_text = xasprintf("%u", d->verdict);
	assert_string_equal(ynode_str(ynode_get(doc->root, "exit"), "exit"), exit_text);
	assert_string_equal(ynode_str(ynode_get(doc->root, "format"), "format"), KABI_DIFF_FORMAT);
	assert_int_equal(ynode_get(doc->root, "structs")->n_items, d->n_structs);
	assert_int_equal(ynode_get(doc->root, "items")->n_items, d->n_items);
	assert_non_null(strstr(text, "point.y"));
	assert_non_null(strstr(text, "(exit 12)"));
	assert_non_null(strstr(md, "| `point.y` | moved, **breaking** |"));
	assert_non_null(strstr(md, "**Breaking** (exit 12)"));
	ydoc_free(doc);
	free(text);
	free(md);
	free(json);
	free(exit_text);
	same = diff_models(r->new, r->new, &opt);
	text = diff_report_text(same);
	assert_non_null(strstr(text, "No changes"));
	free(text);
	diff_free(same);
	diff_free(d);
}

static void for_each_target(void (*check)(const struct run *))
{
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct run r;

		run_open(&r, targets[i]);
		check(&r);
		run_close(&r);
	}
}

static void test_structs(void **state) { (void)state; for_each_target(check_structs); }
static void test_items(void **state) { (void)state; for_each_target(check_items); }
static void test_verdicts(void **state) { (void)state; for_each_target(check_verdicts); }
static void test_suppressions(void **state) { (void)state; for_each_target(check_suppressions); }
static void test_reports(void **state) { (void)state; for_each_target(check_reports); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structs),	     cmocka_unit_test(test_items),
		cmocka_unit_test(test_verdicts),     cmocka_unit_test(test_suppressions),
		cmocka_unit_test(test_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
