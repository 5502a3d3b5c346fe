/*
 * btf_check.c: compares every struct of a kabigen header with the kernel's own BTF.
 *
 * usage: btf_check HEADER CLANG_TARGET VMLINUX [--may-lack NAME]...
 *
 * The header is parsed with libclang for the target (as a loader's compiler would see
 * it); vmlinux's .BTF section, read with libbpf, is what the distribution's compiler
 * produced. For each struct in the header: same size; every member of either side,
 * anonymous members flattened, exists on the other at the same bit offset, with the
 * same size and bitfield width. A struct missing from BTF fails unless named with
 * --may-lack (BTF only holds types the kernel image itself uses). Exit 0 when all agree.
 */
#include <bpf/btf.h>
#include <clang-c/Index.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct field {
	char path[256];
	unsigned long long bit_offset;
	long long size;		/* bytes of the member's type; -1 when it has none (flexible array) */
	int bit_width;		/* 0: not a bitfield */
};

struct fields {
	struct field *v;
	size_t n;
};

static void fields_add(struct fields *f, const char *path, unsigned long long off, long long size, int width)
{
	f->v = realloc(f->v, (f->n + 1) * sizeof(*f->v));
	if (!f->v) {
		perror("btf_check");
		exit(2);
	}
	snprintf(f->v[f->n].path, sizeof(f->v[f->n].path), "%s", path);
	f->v[f->n].bit_offset = off;
	f->v[f->n].size = size;
	f->v[f->n].bit_width = width;
	f->n++;
}

/* ---- BTF side ---- */

static void btf_fields(const struct btf *btf, const struct btf_type *t, const char *prefix,
		       unsigned long long base, struct fields *out)
{
	const struct btf_member *m = btf_members(t);

	for (unsigned i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		unsigned long long off = base + btf_member_bit_offset(t, i);
		int width = (int)btf_member_bitfield_size(t, i);
		__s32 id = btf__resolve_type(btf, m->type);
		const struct btf_type *mt = id > 0 ? btf__type_by_id(btf, (unsigned)id) : NULL;
		char path[256];

		if ((!name || !*name) && mt && (btf_is_struct(mt) || btf_is_union(mt))) {
			btf_fields(btf, mt, prefix, off, out);
			continue;
		}
		snprintf(path, sizeof(path), "%s%s", prefix, name ? name : "");
		fields_add(out, path, off, btf__resolve_size(btf, m->type), width);
	}
}

/* ---- header side ---- */

struct walk {
	const char *prefix;
	unsigned long long base;
	struct fields *out;
};

static enum CXVisitorResult clang_field(CXCursor c, CXClientData data)
{
	struct walk *w = data;
	CXType t = clang_getCanonicalType(clang_getCursorType(c));
	CXCursor decl = clang_getTypeDeclaration(t);
	CXString s = clang_getCursorSpelling(c);
	unsigned long long off = w->base + (unsigned long long)clang_Cursor_getOffsetOfField(c);
	char path[256];

	if (t.kind == CXType_Record && clang_Cursor_isAnonymousRecordDecl(decl)) {
		struct walk inner = { w->prefix, off, w->out };

		clang_Type_visitFields(t, clang_field, &inner);
	} else {
		long long size = t.kind == CXType_IncompleteArray ? 0 : clang_Type_getSizeOf(t);

		snprintf(path, sizeof(path), "%s%s", w->prefix, clang_getCString(s));
		fields_add(w->out, path, off, size, clang_Cursor_isBitField(c) ? clang_getFieldDeclBitWidth(c) : 0);
	}
	clang_disposeString(s);
	return CXVisit_Continue;
}

struct check {
	const struct btf *btf;
	char **may_lack;
	int n_may_lack;
	int structs, members, missing, failures;
};

static const struct field *find(const struct fields *f, const char *path)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].path, path))
			return &f->v[i];
	return NULL;
}

static void compare(struct check *ck, const char *kw, const char *name, CXType t)
{
	int kind = !strcmp(kw, "union") ? BTF_KIND_UNION : BTF_KIND_STRUCT;
	__s32 id = btf__find_by_name_kind(ck->btf, name, kind);
	const struct btf_type *bt;
	struct fields hf = { 0 }, bf = { 0 };
	struct walk w = { "", 0, &hf };
	long long size = clang_Type_getSizeOf(t);

	if (id < 0) {
		int allowed = 0;

		for (int i = 0; i < ck->n_may_lack; i++)
			allowed |= !strcmp(ck->may_lack[i], name);
		printf("%s %s: not in BTF%s\n", kw, name, allowed ? " (allowed by --may-lack)" : "");
		ck->missing++;
		if (!allowed)
			ck->failures++;
		return;
	}
	bt = btf__type_by_id(ck->btf, (unsigned)id);
	ck->structs++;
	if ((long long)bt->size != size) {
		printf("%s %s: size %lld in the header, %u in BTF\n", kw, name, size, bt->size);
		ck->failures++;
	}
	clang_Type_visitFields(t, clang_field, &w);
	btf_fields(ck->btf, bt, "", 0, &bf);
	for (size_t i = 0; i < bf.n; i++) {
		const struct field *b = &bf.v[i], *h = find(&hf, b->path);

		ck->members++;
		if (!h) {
			printf("%s %s: member %s (BTF bit offset %llu) is missing from the header\n", kw, name, b->path,
			       b->bit_offset);
			ck->failures++;
		} else if (h->bit_offset != b->bit_offset || h->bit_width != b->bit_width ||
			   (b->size >= 0 && h->size != b->size)) {
			printf("%s %s: member %s: header bit offset %llu size %lld width %d; BTF bit offset %llu "
			       "size %lld width %d\n", kw, name, b->path, h->bit_offset, h->size, h->bit_width,
			       b->bit_offset, b->size, b->bit_width);
			ck->failures++;
		}
	}
	for (size_t i = 0; i < hf.n; i++) {
		if (!find(&bf, hf.v[i].path)) {
			printf("%s %s: member %s of the header is not in BTF\n", kw, name, hf.v[i].path);
			ck->failures++;
		}
	}
	printf("%s %s: size %lld, %zu members agree with BTF\n", kw, name, size, bf.n);
	free(hf.v);
	free(bf.v);
}

static enum CXChildVisitResult top(CXCursor c, CXCursor parent, CXClientData data)
{
	struct check *ck = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	CXString s;

	(void)parent;
	if ((k != CXCursor_StructDecl && k != CXCursor_UnionDecl) || !clang_isCursorDefinition(c) ||
	    clang_Cursor_isAnonymous(c))
		return CXChildVisit_Continue;
	s = clang_getCursorSpelling(c);
	compare(ck, k == CXCursor_UnionDecl ? "union" : "struct", clang_getCString(s), clang_getCursorType(c));
	clang_disposeString(s);
	return CXChildVisit_Continue;
}

int main(int argc, char **argv)
{
	struct check ck = { 0 };
	CXIndex idx;
	CXTranslationUnit tu;
	struct btf *btf;
	char target[128];
	const char *args[] = { "-target", target, "-std=gnu11", "-ffreestanding", "-x", "c" };

	if (argc < 4) {
		fprintf(stderr, "usage: btf_check HEADER CLANG_TARGET VMLINUX [--may-lack NAME]...\n");
		return 2;
	}
	for (int i = 4; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--may-lack")) {
			fprintf(stderr, "btf_check: unknown option %s\n", argv[i]);
			return 2;
		}
		ck.may_lack = realloc(ck.may_lack, (size_t)(ck.n_may_lack + 1) * sizeof(char *));
		ck.may_lack[ck.n_may_lack++] = argv[i + 1];
	}
	snprintf(target, sizeof(target), "%s", argv[2]);
	btf = btf__parse_elf(argv[3], NULL);
	if (!btf) {
		fprintf(stderr, "btf_check: %s: cannot read its .BTF section: %s\n", argv[3], strerror(errno));
		return 2;
	}
	ck.btf = btf;
	idx = clang_createIndex(0, 1);
	tu = clang_parseTranslationUnit(idx, argv[1], args, 6, NULL, 0, 0);
	if (!tu) {
		fprintf(stderr, "btf_check: %s: libclang cannot parse it\n", argv[1]);
		return 2;
	}
	for (unsigned i = 0; i < clang_getNumDiagnostics(tu); i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);

		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
			CXString s = clang_formatDiagnostic(d, clang_defaultDiagnosticDisplayOptions());

			fprintf(stderr, "btf_check: %s\n", clang_getCString(s));
			return 1;
		}
		clang_disposeDiagnostic(d);
	}
	clang_visitChildren(clang_getTranslationUnitCursor(tu), top, &ck);
	printf("%d structs, %d members compared with %s; %d not in BTF; %d disagreements\n", ck.structs, ck.members,
	       argv[3], ck.missing, ck.failures);
	clang_disposeTranslationUnit(tu);
	clang_disposeIndex(idx);
	btf__free(btf);
	free(ck.may_lack);
	return ck.failures || !ck.structs ? 1 : 0;
}
