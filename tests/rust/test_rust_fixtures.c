/*
 * test_rust_fixtures.c: the Rust emitter on one small C fixture per layout feature, through rustc.
 *
 * For each fixture and each of the four targets (all LP64 little-endian, so rustc on the
 * x86_64 host checks each), extract_model and emit_rust run on the fixture, and:
 * - the .rs compiles alone as a crate root (--crate-type lib --edition 2021 -D warnings),
 *   its own const assertions holding;
 * - a second crate include!s it in a private module (so dead code would warn) and asserts
 *   what libclang reads from the fixture itself: each struct's size and alignment, and
 *   each member's offset, reached with offset_of! through the documented names of
 *   anonymous members (__anonK) and keywords (type_);
 * - the .rs with one of its own offset assertions altered must be refused;
 * - on x86_64 (the host) every named bitfield is set through its Rust setter and through
 *   C, from the same pseudo-random values over the same starting bytes: both programs
 *   must print the same bytes, and the Rust getters must read what C reads.
 * No layout number is written here: every expectation comes from clang or C.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <clang-c/Index.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit/emit.h"
#include "clang/extract.h"
#include "input/kset.h"
#include "model/layout.h"
#include "util/report.h"
#include "util/child.h"
#include "fixture.h"


static const char *const targets[] = { "x86_64-linux-gnu", "aarch64-linux-gnu", "riscv64-linux-gnu",
				       "loongarch64-linux-gnu" };
static const char *const host_target = "x86_64-linux-gnu";
static char workdir[] = "/tmp/kabigen-rust-XXXXXX";

/* ---- files and child processes ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* Runs ARGV (no shell) with stdout and stderr into OUT; returns the exit status, -1 if killed. */
static int run(char *const argv[], const char *out)
{
	int pid = child_start(argv, out);

	assert_true(pid > 0);
	return child_wait(pid);
}

/* rustc on SRC; returns its status, and its output in *log (freed by the caller). */
static int rustc(const char *src, const char *crate_type, const char *out, char **log)
{
	char *log_path = xasprintf("%s.log", out);
	char *argv[] = { RUSTC, "--crate-type", (char *)crate_type, "--edition", "2021", "-D", "warnings",
			 "-o", (char *)out, (char *)src, NULL };
	int rc = run(argv, log_path);

	*log = fixture_read_file(log_path);
	free(log_path);
	return rc;
}

static void must_compile(const char *src, const char *crate_type, const char *out)
{
	char *log;

	if (rustc(src, crate_type, out, &log))
		fail_msg("rustc refuses %s:\n%s", src, log);
	free(log);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* ---- kabigen's stages on a fixture ---- */

struct run {
	const char *fixture, *target;
	struct kset *set;
	struct kabi_model *model;
	char *rs, *rs_path;
};

static void run_kabigen(const char *fixture, const char *target, struct run *r)
{
	r->fixture = fixture;
	r->target = target;
	r->model = fixture_model(fixture, target, &r->set);
	r->rs = emit_rust(r->model);
	r->rs_path = xasprintf("%s/%s-%s.rs", workdir, fixture, target);
	write_file(r->rs_path, r->rs);
}

static void run_free(struct run *r)
{
	kabi_model_free(r->model);
	kset_free(r->set);
	free(r->rs);
	free(r->rs_path);
}

/* ---- an independent reading of the fixture, from libclang ---- */

/* docs/rust.md's rule, written again here: a Rust keyword gets a trailing underscore. */
static const char *const keywords[] = { "as", "async", "await", "break", "const", "continue", "crate", "dyn",
					"else", "enum", "extern", "false", "fn", "for", "gen", "if", "impl", "in",
					"let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
					"Self", "static", "struct", "super", "trait", "true", "try", "type", "unsafe",
					"use", "where", "while", "yield", "abstract", "become", "box", "do", "final",
					"macro", "override", "priv", "typeof", "unsized", "virtual" };

static void add_rust_name(struct strbuf *sb, const char *name)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (!strcmp(name, keywords[i])) {
			sb_addf(sb, "%s_", name);
			return;
		}
	sb_adds(sb, name);
}

struct bitfield {
	char *holder;	/* Rust path from the struct to the record with the accessors: "", "__anon0.__anon0." */
	char *cpath;	/* C path: "lo", "ubits.ua" */
	char *name;	/* the Rust getter: "s", "type_" */
	char *raw;	/* the C name: setters are set_RAW */
	char *rtype;	/* "i32", "bool" */
};

struct walk {
	const char *rust_struct;	/* kabi::loop_ */
	struct strbuf *asserts;
	struct bitfield **bits;
	size_t *n_bits;
	char *rpath, *cpath;		/* prefixes: "__anon0.", "ubits." */
	unsigned long long base;	/* bits */
	unsigned anon;			/* unnamed anonymous members seen so far in this record */
};

static const char *rust_int(CXType t)
{
	long long size = clang_Type_getSizeOf(t);
	int is_signed;

	if (t.kind == CXType_Enum)
		return rust_int(clang_getCanonicalType(clang_getEnumDeclIntegerType(clang_getTypeDeclaration(t))));
	if (t.kind == CXType_Bool)
		return "bool";
	switch (t.kind) {
	case CXType_Char_S: case CXType_SChar: case CXType_Short: case CXType_Int: case CXType_Long:
	case CXType_LongLong:
		is_signed = 1;
		break;
	default:
		is_signed = 0;
	}
	switch (size) {
	case 1: return is_signed ? "i8" : "u8";
	case 2: return is_signed ? "i16" : "u16";
	case 4: return is_signed ? "i32" : "u32";
	default: return is_signed ? "i64" : "u64";
	}
}

static void walk_record(CXType t, struct walk *w);

static enum CXVisitorResult walk_field(CXCursor c, CXClientData data)
{
	struct walk *w = data;
	CXType t = clang_getCanonicalType(clang_getCursorType(c)), written = clang_getCursorType(c);
	CXCursor tdecl = clang_getTypeDeclaration(t);
	CXString spelling = clang_getCursorSpelling(c);
	char *name = xstrdup(clang_getCString(spelling));
	unsigned long long off = w->base + (unsigned long long)clang_Cursor_getOffsetOfField(c);
	int anonymous_member = t.kind == CXType_Record && (!*name || clang_Cursor_isAnonymousRecordDecl(tdecl));
	struct strbuf field = { 0 };
	struct walk inner = *w;

	clang_disposeString(spelling);
	while (written.kind == CXType_Elaborated)
		written = clang_Type_getNamedType(written);
	if (anonymous_member)
		sb_addf(&field, "%s__anon%u", w->rpath, w->anon++);
	else {
		sb_adds(&field, w->rpath);
		add_rust_name(&field, name);
	}
	if (clang_Cursor_isBitField(c)) {
		if (*name) {
			struct bitfield *b;

			*w->bits = xrealloc(*w->bits, (*w->n_bits + 1) * sizeof(**w->bits));
			b = &(*w->bits)[(*w->n_bits)++];
			b->holder = xstrdup(w->rpath);
			b->cpath = xasprintf("%s%s", w->cpath, name);
			b->name = xstrdup(field.buf + strlen(w->rpath));
			b->raw = xstrdup(name);
			b->rtype = xstrdup(rust_int(t));
		}
	} else {
		sb_addf(w->asserts, "const _: () = assert!(core::mem::offset_of!(%s, %s) == %llu);\n", w->rust_struct,
			field.buf, off / 8);
		/* Into anonymous records, not into a typedef of one, which kabigen keeps opaque. */
		if (t.kind == CXType_Record && clang_Cursor_isAnonymous(tdecl) && written.kind != CXType_Typedef) {
			inner.rpath = xasprintf("%s.", field.buf);
			inner.cpath = anonymous_member ? xstrdup(w->cpath) : xasprintf("%s%s.", w->cpath, name);
			inner.base = off;
			inner.anon = 0;
			walk_record(t, &inner);
			free(inner.rpath);
			free(inner.cpath);
		}
	}
	sb_release(&field);
	free(name);
	return CXVisit_Continue;
}

static void walk_record(CXType t, struct walk *w)
{
	clang_Type_visitFields(t, walk_field, w);
}

struct find {
	const char *name;
	CXCursor found;
	int ok;
};

static enum CXChildVisitResult find_record(CXCursor c, CXCursor parent, CXClientData data)
{
	struct find *f = data;
	CXString s = clang_getCursorSpelling(c);
	enum CXCursorKind k = clang_getCursorKind(c);

	(void)parent;
	if ((k == CXCursor_StructDecl || k == CXCursor_UnionDecl) && clang_isCursorDefinition(c) &&
	    !strcmp(clang_getCString(s), f->name)) {
		f->found = c;
		f->ok = 1;
	}
	clang_disposeString(s);
	return CXChildVisit_Continue;
}

static CXTranslationUnit parse_fixture(CXIndex idx, const char *fixture, const char *target)
{
	char *path = xasprintf("%s/%s.c", FIXTURES_DIR, fixture);
	const char *args[] = { "-target", target, "-std=gnu11", "-ffreestanding" };
	CXTranslationUnit tu = clang_parseTranslationUnit(idx, path, args, 4, NULL, 0, 0);

	assert_non_null(tu);
	free(path);
	return tu;
}

struct reading {
	struct strbuf asserts;	/* Rust const assertions: what clang says of the fixture */
	struct {
		char *name;	/* C tag */
		int is_union;
		char *rust;	/* kabi::NAME */
		long long size;
		struct bitfield *bits;
		size_t n_bits;
	} rec[16];
	size_t n;
};

static void read_fixture(const struct run *r, struct reading *rd)
{
	CXIndex idx = clang_createIndex(0, 0);
	CXTranslationUnit tu = parse_fixture(idx, r->fixture, r->target);

	memset(rd, 0, sizeof(*rd));
	for (size_t i = 0; i < r->set->n_structs; i++) {
		struct find f = { r->set->structs[i].name, clang_getNullCursor(), 0 };
		struct strbuf rust = { 0 };
		struct walk w = { 0 };
		CXType t;

		clang_visitChildren(clang_getTranslationUnitCursor(tu), find_record, &f);
		if (!f.ok)
			fail_msg("%s: no definition of %s", r->fixture, f.name);
		assert_true(rd->n < sizeof(rd->rec) / sizeof(rd->rec[0]));
		t = clang_getCursorType(f.found);
		sb_adds(&rust, "kabi::");
		add_rust_name(&rust, f.name);
		sb_addf(&rd->asserts, "const _: () = assert!(core::mem::size_of::<%s>() == %lld);\n", rust.buf,
			clang_Type_getSizeOf(t));
		sb_addf(&rd->asserts, "const _: () = assert!(core::mem::align_of::<%s>() == %lld);\n", rust.buf,
			clang_Type_getAlignOf(t));
		rd->rec[rd->n].name = xstrdup(f.name);
		rd->rec[rd->n].is_union = clang_getCursorKind(f.found) == CXCursor_UnionDecl;
		rd->rec[rd->n].rust = rust.buf;
		rd->rec[rd->n].size = clang_Type_getSizeOf(t);
		w.rust_struct = rust.buf;
		w.asserts = &rd->asserts;
		w.bits = &rd->rec[rd->n].bits;
		w.n_bits = &rd->rec[rd->n].n_bits;
		w.rpath = "";
		w.cpath = "";
		walk_record(t, &w);
		rd->n++;
	}
	clang_disposeTranslationUnit(tu);
	clang_disposeIndex(idx);
}

static void reading_free(struct reading *rd)
{
	for (size_t i = 0; i < rd->n; i++) {
		for (size_t j = 0; j < rd->rec[i].n_bits; j++) {
			free(rd->rec[i].bits[j].holder);
			free(rd->rec[i].bits[j].cpath);
			free(rd->rec[i].bits[j].name);
			free(rd->rec[i].bits[j].raw);
			free(rd->rec[i].bits[j].rtype);
		}
		free(rd->rec[i].bits);
		free(rd->rec[i].name);
		free(rd->rec[i].rust);
	}
	sb_release(&rd->asserts);
}

/* ---- the checks ---- */

/* The fixture's own layout, asserted on the .rs included in a private module. */
static void check_agrees(const struct run *r, const struct reading *rd)
{
	char *src = xasprintf("%s/%s-%s-agree.rs", workdir, r->fixture, r->target);
	char *out = xasprintf("%s/%s-%s-agree.rlib", workdir, r->fixture, r->target);
	struct strbuf text = { 0 };

	sb_addf(&text, "mod kabi {\n    include!(\"%s\");\n}\n%s", r->rs_path, rd->asserts.buf);
	write_file(src, text.buf);
	must_compile(src, "lib", out);
	sb_release(&text);
	free(src);
	free(out);
}

/* One offset assertion of the .rs, altered, must be refused: the assertions are live. */
static void check_refuses_wrong(const struct run *r)
{
	const char *needle = "core::mem::offset_of!(";
	char *at = strstr(r->rs, needle), *eq, *src, *out, *log;
	struct strbuf text = { 0 };
	unsigned long long v;

	assert_non_null(at);
	eq = strstr(at, ") == ");
	assert_non_null(eq);
	v = strtoull(eq + 5, NULL, 10);
	sb_addf(&text, "%.*s) == %llu);%s", (int)(eq - r->rs), r->rs, v + 1, strchr(eq, ';') + 1);
	src = xasprintf("%s/%s-%s-wrong.rs", workdir, r->fixture, r->target);
	out = xasprintf("%s/%s-%s-wrong.rlib", workdir, r->fixture, r->target);
	write_file(src, text.buf);
	assert_int_not_equal(rustc(src, "lib", out, &log), 0);
	assert_non_null(strstr(log, "assertion failed"));
	free(log);
	sb_release(&text);
	free(src);
	free(out);
}

/* xorshift64: the same values go to the C and the Rust program. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define FILLS 3

/*
 * Both programs start each struct from the same bytes (zeros, ones, random), set every
 * named bitfield to its own random value (through C assignment; through the Rust
 * setter), then print the struct's bytes and each field read back.
 */
static void check_bitfields(const struct run *r, const struct reading *rd)
{
	struct strbuf c = { 0 }, rs = { 0 }, c_fills = { 0 }, rs_fills = { 0 }, vals = { 0 };
	char *c_src, *c_bin, *rs_src, *rs_bin, *c_out, *rs_out, *c_log, *log;
	long long max = 0;
	size_t n_vals = 0;
	uint64_t seed = 0x2545f4914f6cdd1dULL;

	for (size_t i = 0; i < rd->n; i++) {
		if (rd->rec[i].size > max)
			max = rd->rec[i].size;
		n_vals += rd->rec[i].n_bits * FILLS;
	}
	if (!n_vals)
		return;
	for (int f = 0; f < FILLS; f++) {
		sb_adds(&c_fills, "    {");
		sb_adds(&rs_fills, "    [");
		for (long long b = 0; b < max; b++) {
			unsigned byte = f == 0 ? 0u : f == 1 ? 0xffu : (unsigned)(next_random(&seed) & 0xff);

			sb_addf(&c_fills, "%s%u", b ? ", " : "", byte);
			sb_addf(&rs_fills, "%s%u", b ? ", " : "", byte);
		}
		sb_adds(&c_fills, "},\n");
		sb_adds(&rs_fills, "],\n");
	}
	/* One list for both languages: hexadecimal without a suffix is unsigned long long in C. */
	for (size_t v = 0; v < n_vals; v++)
		sb_addf(&vals, "    0x%016llx,\n", (unsigned long long)next_random(&seed));

	sb_addf(&c, "#include <stdio.h>\n#include <string.h>\n#include \"%s/%s.c\"\n"
		    "static const unsigned char fills[%d][%lld] = {\n%s};\n"
		    "static const unsigned long long vals[] = {\n%s};\n"
		    "static _Alignas(128) unsigned char buf[%lld];\n"
		    "static void dump(size_t n) {\n\tfor (size_t i = 0; i < n; i++) printf(\"%%02x\", buf[i]);\n"
		    "\tprintf(\"\\n\");\n}\nint main(void) {\n\tsize_t v = 0;\n"
		    "\tfor (int f = 0; f < %d; f++) {\n",
		FIXTURES_DIR, r->fixture, FILLS, max, c_fills.buf, vals.buf, max, FILLS);
	sb_addf(&rs, "#![allow(unused_unsafe)]\nmod kabi {\n    include!(\"%s\");\n}\n"
		     "const FILLS: [[u8; %lld]; %d] = [\n%s];\nconst VALS: [u64; %zu] = [\n%s];\n"
		     "#[repr(C, align(128))]\nstruct Buf([u8; %lld]);\n"
		     "fn dump(b: &[u8]) {\n    for x in b { print!(\"{:02x}\", x); }\n    println!();\n}\n"
		     "fn main() {\n    let mut v = 0;\n    for f in 0..%d {\n",
		r->rs_path, max, FILLS, rs_fills.buf, n_vals, vals.buf, max, FILLS);
	for (size_t i = 0; i < rd->n; i++) {
		const char *s = rd->rec[i].rust;

		if (!rd->rec[i].n_bits)
			continue;
		sb_addf(&c, "\t\tmemcpy(buf, fills[f], sizeof(buf));\n\t\t{\n\t\t\t%s %s *s = (void *)buf;\n",
			rd->rec[i].is_union ? "union" : "struct", rd->rec[i].name);
		sb_addf(&rs, "        let mut buf = Buf(FILLS[f]);\n"
			     "        assert!(core::mem::align_of::<%s>() <= 128);\n"
			     "        let n = core::mem::size_of::<%s>();\n"
			     "        {\n            let s = unsafe { &mut *(buf.0.as_mut_ptr() as *mut %s) };\n",
			s, s, s);
		for (size_t j = 0; j < rd->rec[i].n_bits; j++) {
			const struct bitfield *b = &rd->rec[i].bits[j];
			int is_bool = !strcmp(b->rtype, "bool");

			sb_addf(&c, "\t\t\ts->%s = vals[v++]%s;\n", b->cpath, is_bool ? " & 1" : "");
			if (is_bool)
				sb_addf(&rs, "            unsafe { s.%sset_%s(VALS[v] & 1 != 0) };\n", b->holder,
					b->raw);
			else
				sb_addf(&rs, "            unsafe { s.%sset_%s(VALS[v] as %s) };\n", b->holder, b->raw,
					b->rtype);
			sb_adds(&rs, "            v += 1;\n");
		}
		sb_addf(&c, "\t\t\tdump(sizeof(*s));\n");
		sb_addf(&rs, "        }\n        dump(&buf.0[..n]);\n"
			     "        let s = unsafe { &*(buf.0.as_ptr() as *const %s) };\n", s);
		for (size_t j = 0; j < rd->rec[i].n_bits; j++) {
			const struct bitfield *b = &rd->rec[i].bits[j];

			sb_addf(&c, "\t\t\tprintf(\"%s=%%lld\\n\", (long long)s->%s);\n", b->cpath, b->cpath);
			sb_addf(&rs, "        println!(\"%s={}\", unsafe { s.%s%s() } as i64);\n", b->cpath, b->holder,
				b->name);
		}
		sb_adds(&c, "\t\t}\n");
	}
	sb_adds(&c, "\t}\n\treturn v == 0;\n}\n");
	sb_adds(&rs, "    }\n    assert!(v == VALS.len());\n}\n");

	c_src = xasprintf("%s/%s-bits.c", workdir, r->fixture);
	c_bin = xasprintf("%s/%s-bits-c", workdir, r->fixture);
	c_out = xasprintf("%s/%s-bits-c.out", workdir, r->fixture);
	c_log = xasprintf("%s/%s-bits-c.log", workdir, r->fixture);
	rs_src = xasprintf("%s/%s-bits.rs", workdir, r->fixture);
	rs_bin = xasprintf("%s/%s-bits-rs", workdir, r->fixture);
	rs_out = xasprintf("%s/%s-bits-rs.out", workdir, r->fixture);
	write_file(c_src, c.buf);
	write_file(rs_src, rs.buf);
	{
		char *cc[] = { CLANG, "-target", (char *)host_target, "-std=gnu11", "-fno-strict-aliasing", "-o",
			       c_bin, c_src, NULL };
		char *c_run[] = { c_bin, NULL }, *rs_run[] = { rs_bin, NULL };
		char *a, *b;

		if (run(cc, c_log))
			fail_msg("clang refuses %s:\n%s", c_src, (log = fixture_read_file(c_log)));
		must_compile(rs_src, "bin", rs_bin);
		assert_int_equal(run(c_run, c_out), 0);
		assert_int_equal(run(rs_run, rs_out), 0);
		a = fixture_read_file(c_out);
		b = fixture_read_file(rs_out);
		assert_true(strlen(a) > 0);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	free(c_src);
	free(c_bin);
	free(c_out);
	free(c_log);
	free(rs_src);
	free(rs_bin);
	free(rs_out);
	sb_release(&c);
	sb_release(&rs);
	sb_release(&c_fills);
	sb_release(&rs_fills);
	sb_release(&vals);
}

/* Every check on every target; EXTRA looks at the emitted text. */
static void check_fixture(const char *fixture, void (*extra)(const struct run *))
{
	for (size_t ti = 0; ti < sizeof(targets) / sizeof(targets[0]); ti++) {
		struct run r = { 0 };
		struct reading rd;
		char *out;

		run_kabigen(fixture, targets[ti], &r);
		out = xasprintf("%s/%s-%s.rlib", workdir, fixture, targets[ti]);
		must_compile(r.rs_path, "lib", out);
		read_fixture(&r, &rd);
		check_agrees(&r, &rd);
		if (!strcmp(targets[ti], host_target)) {
			check_refuses_wrong(&r);
			check_bitfields(&r, &rd);
		}
		if (extra)
			extra(&r);
		reading_free(&rd);
		run_free(&r);
		free(out);
	}
}

/* ---- per-feature checks of the emitted text ---- */

static void has(const struct run *r, const char *text)
{
	if (!strstr(r->rs, text))
		fail_msg("%s (%s): no \"%s\" in the output", r->fixture, r->target, text);
}

static void bitfields_extra(const struct run *r)
{
	has(r, "pub const fn set_a(&mut self, v: u32)");
	has(r, "pub const fn d(&self) -> bool");
}

static void anonymous_extra(const struct run *r)
{
	has(r, "pub union node__anon0 {");
	has(r, "pub struct node__anon0__anon1 {");
	has(r, "pub union node__anon0__anon1__anon0 {");
	has(r, "pub point: node__point,");
	has(r, "core::mem::offset_of!(node, __anon0) + core::mem::offset_of!(node__anon0, __anon1) + "
	       "core::mem::offset_of!(node__anon0__anon1, __anon0) + "
	       "core::mem::offset_of!(node__anon0__anon1__anon0, ll) == ");
}

static void packed_extra(const struct run *r)
{
	has(r, "#[repr(C, packed)]\n#[derive(Clone, Copy)]\n#[allow(non_camel_case_types, non_snake_case, "
	       "dead_code)]\npub struct wire {");
	has(r, "pub i: KabiPacked<i32>,");
	has(r, "pub _pad_1: [u8; 7],");	/* packed_aligned.i at 8 */
}

static void aligned_extra(const struct run *r)
{
	has(r, "#[repr(C, align(128))]");
	has(r, "pub l: KabiOpaque4<4>,");
}

static void flexible_extra(const struct run *r)
{
	has(r, "pub entries: [u64; 0],");
	has(r, "pub items: KabiOpaque8<0>,");
}

static void arrays_extra(const struct run *r)
{
	has(r, "pub hook: Option<unsafe extern \"C\" fn(*mut bag, *const ");
	has(r, "pub table: [Option<unsafe extern \"C\" fn()>; 2],");
	has(r, "pub find: Option<unsafe extern \"C\" fn(i32) -> *const item>,");
	has(r, "pub grid: [[u8; 6]; 4],");
	has(r, "pub items: [item; 3],");
	/* item is contained by value, so it is defined before bag. */
	assert_true(strstr(r->rs, "pub struct item {") < strstr(r->rs, "pub struct bag {"));
}

static void enums_extra(const struct run *r)
{
	has(r, "pub const KABI_GREETING: &str = \"hello \\\"world\\\"\\x09 \";");
	has(r, "pub const SW_MIN: swide = i64::MIN;");
	has(r, "pub type wide = u64;");
}

/* The relocation group as an enum: one variant per number, the alias a constant of it. */
static void relocs_extra(const struct run *r)
{
	has(r, "#[repr(u32)]\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]");
	has(r, "    R_TOY_64 = 1,\n    /// `R_TOY_PC32`\n    R_TOY_PC32 = 2,\n}");
	has(r, "    pub const R_TOY_ABS64: Reloc = Reloc::R_TOY_64;");
	has(r, "impl TryFrom<u32> for Reloc {");
	has(r, "pub const KABI_R_TOY_ABS64: u32 = 1;");
}

static void rustnames_extra(const struct run *r)
{
	has(r, "pub struct loop_ {");
	has(r, "pub type_: i32,");
	has(r, "pub mod_: ");
	has(r, "pub fn_: *mut elsewhere,");
	has(r, "pub in_: *const elsewhere,");
	has(r, "pub self_: ");
	has(r, "pub match_: [i32; 2],");
	has(r, "pub struct elsewhere { _private: [u8; 0] }");
	has(r, "pub union value {");
	has(r, "pub owner: *mut loop_,");
	has(r, "pub b: KabiOpaque64<64>,");
	has(r, "pub b: [u8; 64],");	/* in the packed record, alignment is dropped, as C does */
	has(r, "pub callback: Option<unsafe extern \"C\" fn(*mut value, mode, bool, ...)>,");
	has(r, "pub modes: *mut mode,");
	has(r, "pub const fn m(&self) -> mode { kabi_bf_sget(");
	has(r, "pub union loop__ubits {");
	has(r, "#[repr(C, align(4))]\n#[derive(Clone, Copy)]\n#[allow(non_camel_case_types, non_snake_case, "
	       "dead_code)]\npub struct packed_int {");
}

static void test_bitfields(void **state) { (void)state; check_fixture("bitfields", bitfields_extra); }
static void test_anonymous(void **state) { (void)state; check_fixture("anonymous", anonymous_extra); }
static void test_packed(void **state) { (void)state; check_fixture("packed", packed_extra); }
static void test_aligned(void **state) { (void)state; check_fixture("aligned", aligned_extra); }
static void test_flexible(void **state) { (void)state; check_fixture("flexible", flexible_extra); }
static void test_arrays(void **state) { (void)state; check_fixture("arrays", arrays_extra); }
static void test_enums(void **state) { (void)state; check_fixture("enums", enums_extra); }
static void test_rustnames(void **state) { (void)state; check_fixture("rustnames", rustnames_extra); }
static void test_relocs(void **state) { (void)state; check_fixture("relocs", relocs_extra); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitfields), cmocka_unit_test(test_anonymous), cmocka_unit_test(test_packed),
		cmocka_unit_test(test_aligned),	  cmocka_unit_test(test_flexible),  cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_enums),	  cmocka_unit_test(test_rustnames), cmocka_unit_test(test_relocs),
	};
	int failed;

	if (!mkdtemp(workdir)) {
		perror("mkdtemp");
		return 1;
	}
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (!failed && !getenv("KABIGEN_TEST_KEEP"))
		nftw(workdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "kept %s for inspection\n", workdir);
	return failed;
}
