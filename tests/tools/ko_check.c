/*
 * ko_check.c: compares a kabigen header with real modules of the same kernel build.
 *
 * usage: ko_check HEADER CLANG_TARGET MODULE_DIR [--modules N]
 *
 * Where a headers package ships no vmlinux with BTF (Debian 12's 6.1, loong64), the
 * modules the distribution's compiler built are the ground truth. The header is parsed
 * with libclang for the target; N modules of MODULE_DIR (.ko, .ko.xz, .ko.zst; default
 * 40, spread over the sorted list) are read with libelf, and for each:
 *   - .gnu.linkonce.this_module is sizeof(struct module) bytes;
 *   - its relocations against init_module and cleanup_module sit at
 *     offsetof(struct module, init) and offsetof(struct module, exit);
 *   - __param is a whole number of struct kernel_param, each with a relocation at
 *     offsetof(struct kernel_param, ops) (every parameter has ops);
 *   - .modinfo's vermagic= is KABI_VERMAGIC, byte for byte.
 * It prints one summary line and exits 0 when every module agrees and each check was
 * made on at least one module; otherwise it names the first disagreement and exits 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <clang-c/Index.h>
#include <dirent.h>
#include <gelf.h>
#include <libelf.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ko_check: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		fail("out of memory");
	return p;
}

/* ---- the header's numbers, as clang computes them for the target ---- */

struct expected {
	long long module_size, init, exit, param_size, param_ops;
	char vermagic[256];
};

static const char *const probe_names[] = { "kc_module_size", "kc_init", "kc_exit", "kc_param_size", "kc_param_ops" };

static enum CXChildVisitResult read_probe(CXCursor c, CXCursor parent, CXClientData data)
{
	struct expected *e = data;
	long long *slots[] = { &e->module_size, &e->init, &e->exit, &e->param_size, &e->param_ops };
	CXString s = clang_getCursorSpelling(c);
	const char *name = clang_getCString(s);
	CXEvalResult ev;

	(void)parent;
	if (clang_getCursorKind(c) == CXCursor_VarDecl && (ev = clang_Cursor_Evaluate(c))) {
		for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
			if (!strcmp(name, probe_names[i]) && clang_EvalResult_getKind(ev) == CXEval_Int)
				*slots[i] = clang_EvalResult_getAsLongLong(ev);
		if (!strcmp(name, "kc_vermagic") && clang_EvalResult_getKind(ev) == CXEval_StrLiteral)
			snprintf(e->vermagic, sizeof(e->vermagic), "%s", clang_EvalResult_getAsStr(ev));
		clang_EvalResult_dispose(ev);
	}
	clang_disposeString(s);
	return CXChildVisit_Continue;
}

static void read_header(const char *header, const char *target, struct expected *e)
{
	char text[4096];
	const char *args[] = { "-target", target, "-std=gnu11", "-ffreestanding" };
	struct CXUnsavedFile uf = { "ko_check.c", text, 0 };
	CXIndex idx = clang_createIndex(0, 0);
	CXTranslationUnit tu;

	snprintf(text, sizeof(text),
		 "#include \"%s\"\n"
		 "static const long long kc_module_size = sizeof(struct module);\n"
		 "static const long long kc_init = __builtin_offsetof(struct module, init);\n"
		 "static const long long kc_exit = __builtin_offsetof(struct module, exit);\n"
		 "static const long long kc_param_size = sizeof(struct kernel_param);\n"
		 "static const long long kc_param_ops = __builtin_offsetof(struct kernel_param, ops);\n"
		 "static const char kc_vermagic[] = KABI_VERMAGIC;\n", header);
	uf.Length = strlen(text);
	tu = clang_parseTranslationUnit(idx, "ko_check.c", args, 4, &uf, 1, 0);
	if (!tu)
		fail("%s: libclang cannot parse it", header);
	for (unsigned i = 0; i < clang_getNumDiagnostics(tu); i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);

		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
			CXString s = clang_formatDiagnostic(d, clang_defaultDiagnosticDisplayOptions());

			fail("%s does not compile for %s: %s", header, target, clang_getCString(s));
		}
		clang_disposeDiagnostic(d);
	}
	memset(e, 0, sizeof(*e));
	e->module_size = e->init = e->exit = e->param_size = e->param_ops = -1;
	clang_visitChildren(clang_getTranslationUnitCursor(tu), read_probe, e);
	if (e->module_size <= 0 || e->init < 0 || e->exit < 0 || e->param_size <= 0 || e->param_ops < 0 ||
	    !e->vermagic[0])
		fail("%s: cannot evaluate sizeof(struct module), its init and exit, struct kernel_param or KABI_VERMAGIC",
		     header);
	clang_disposeTranslationUnit(tu);
	clang_disposeIndex(idx);
}

/* ---- modules: found, decompressed, read ---- */

struct names {
	char **v;
	size_t n;
};

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static void find_modules(const char *dir, struct names *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *path;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		path = xrealloc(NULL, strlen(dir) + strlen(de->d_name) + 2);
		sprintf(path, "%s/%s", dir, de->d_name);
		if (lstat(path, &st)) {
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			find_modules(path, out);
			free(path);
		} else if (S_ISREG(st.st_mode) &&
			   (has_suffix(path, ".ko") || has_suffix(path, ".ko.xz") || has_suffix(path, ".ko.zst"))) {
			out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
			out->v[out->n++] = path;
		} else {
			free(path);
		}
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		fail("%s: cannot open", path);
	do {
		if (n == cap)
			buf = xrealloc(buf, cap = cap ? cap * 2 : 1 << 16);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

static unsigned char *unxz(const char *path, const unsigned char *in, size_t in_len, size_t *len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	unsigned char *out = NULL;
	size_t cap = in_len * 4 + 4096;
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		fail("%s: liblzma cannot start", path);
	out = xrealloc(NULL, cap);
	s.next_in = in;
	s.avail_in = in_len;
	s.next_out = out;
	s.avail_out = cap;
	while ((r = lzma_code(&s, LZMA_FINISH)) == LZMA_OK) {
		size_t done = cap - s.avail_out;

		out = xrealloc(out, cap *= 2);
		s.next_out = out + done;
		s.avail_out = cap - done;
	}
	if (r != LZMA_STREAM_END)
		fail("%s: not a valid xz file (liblzma error %d)", path, (int)r);
	*len = cap - s.avail_out;
	lzma_end(&s);
	return out;
}

static unsigned char *unzstd(const char *path, const unsigned char *in, size_t in_len, size_t *len)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, in_len, 0 };
	ZSTD_outBuffer ob = { NULL, 0, 0 };
	size_t r = 1;

	ob.size = in_len * 4 + 4096;
	ob.dst = xrealloc(NULL, ob.size);
	ZSTD_initDStream(z);
	while (r != 0) {
		if (ob.pos == ob.size)
			ob.dst = xrealloc(ob.dst, ob.size *= 2);
		r = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(r))
			fail("%s: not a valid zstd file (%s)", path, ZSTD_getErrorName(r));
		if (r && ib.pos == ib.size && ob.pos < ob.size)
			fail("%s: truncated zstd file", path);
	}
	ZSTD_freeDStream(z);
	*len = ob.pos;
	return ob.dst;
}

static unsigned char *read_module(const char *path, size_t *len)
{
	size_t raw_len;
	unsigned char *raw = read_all(path, &raw_len), *ko;

	if (has_suffix(path, ".xz"))
		ko = unxz(path, raw, raw_len, len);
	else if (has_suffix(path, ".zst"))
		ko = unzstd(path, raw, raw_len, len);
	else
		return *len = raw_len, raw;
	free(raw);
	return ko;
}

/* ---- one module against the header ---- */

struct tally {
	size_t modules, with_init, with_exit, with_params, params;
};

static Elf_Scn *section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	size_t shstrndx;
	Elf_Scn *s = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((s = elf_nextscn(elf, s))) {
		const char *n;

		if (gelf_getshdr(s, sh) && (n = elf_strptr(elf, shstrndx, sh->sh_name)) && !strcmp(n, name))
			return s;
	}
	return NULL;
}

/* Calls FN for each relocation against section TARGET (RELA or REL), with its symbol's name. */
static void each_reloc(Elf *elf, Elf_Scn *target, void (*fn)(void *ctx, GElf_Addr off, const char *sym), void *ctx)
{
	size_t target_index = elf_ndxscn(target);
	Elf_Scn *s = NULL;
	GElf_Shdr sh;

	while ((s = elf_nextscn(elf, s))) {
		Elf_Scn *symscn;
		GElf_Shdr symsh;
		Elf_Data *data, *symdata;

		if (!gelf_getshdr(s, &sh) || (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL) || sh.sh_info != target_index)
			continue;
		symscn = elf_getscn(elf, sh.sh_link);
		if (!symscn || !gelf_getshdr(symscn, &symsh) || !(data = elf_getdata(s, NULL)) ||
		    !(symdata = elf_getdata(symscn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Addr off;
			size_t symi;
			GElf_Sym sym;
			const char *name = "";

			if (sh.sh_type == SHT_RELA) {
				GElf_Rela r;

				if (!gelf_getrela(data, (int)i, &r))
					continue;
				off = r.r_offset;
				symi = GELF_R_SYM(r.r_info);
			} else {
				GElf_Rel r;

				if (!gelf_getrel(data, (int)i, &r))
					continue;
				off = r.r_offset;
				symi = GELF_R_SYM(r.r_info);
			}
			if (gelf_getsym(symdata, (int)symi, &sym)) {
				const char *n = elf_strptr(elf, symsh.sh_link, sym.st_name);

				name = n ? n : "";
			}
			fn(ctx, off, name);
		}
	}
}

struct this_module_relocs {
	long long init, exit;
};

static void note_this_module(void *ctx, GElf_Addr off, const char *sym)
{
	struct this_module_relocs *r = ctx;

	if (!strcmp(sym, "init_module"))
		r->init = (long long)off;
	else if (!strcmp(sym, "cleanup_module"))
		r->exit = (long long)off;
}

struct param_relocs {
	unsigned char *at;	/* one flag per byte offset of __param */
	size_t size;
};

static void note_param(void *ctx, GElf_Addr off, const char *sym)
{
	struct param_relocs *p = ctx;

	(void)sym;
	if (off < p->size)
		p->at[off] = 1;
}

static void check_module(const char *path, const struct expected *e, struct tally *t)
{
	size_t len;
	unsigned char *ko = read_module(path, &len);
	Elf *elf = elf_memory((char *)ko, len);
	struct this_module_relocs rel = { -1, -1 };
	GElf_Shdr sh;
	Elf_Scn *s;
	Elf_Data *d;
	const char *vm = NULL;

	if (!elf || elf_kind(elf) != ELF_K_ELF)
		fail("%s: not an ELF file", path);
	if (!(s = section(elf, ".gnu.linkonce.this_module", &sh)))
		fail("%s: has no .gnu.linkonce.this_module", path);
	if ((long long)sh.sh_size != e->module_size)
		fail("%s: .gnu.linkonce.this_module is %llu bytes, the header's sizeof(struct module) %lld", path,
		     (unsigned long long)sh.sh_size, e->module_size);
	each_reloc(elf, s, note_this_module, &rel);
	if (rel.init >= 0 && rel.init != e->init)
		fail("%s: init_module is relocated at %lld, the header's offsetof(struct module, init) is %lld", path,
		     rel.init, e->init);
	if (rel.exit >= 0 && rel.exit != e->exit)
		fail("%s: cleanup_module is relocated at %lld, the header's offsetof(struct module, exit) is %lld",
		     path, rel.exit, e->exit);
	t->with_init += rel.init >= 0;
	t->with_exit += rel.exit >= 0;

	if ((s = section(elf, "__param", &sh)) && sh.sh_size) {
		struct param_relocs p = { calloc(sh.sh_size, 1), sh.sh_size };
		size_t n = sh.sh_size / (size_t)e->param_size;

		if (sh.sh_size % (size_t)e->param_size)
			fail("%s: __param is %llu bytes, not a multiple of the header's sizeof(struct kernel_param) %lld",
			     path, (unsigned long long)sh.sh_size, e->param_size);
		each_reloc(elf, s, note_param, &p);
		for (size_t i = 0; i < n; i++)
			if (!p.at[i * (size_t)e->param_size + (size_t)e->param_ops])
				fail("%s: parameter %zu of __param has no ops pointer at %lld (stride %lld)", path, i,
				     (long long)(i * (size_t)e->param_size + (size_t)e->param_ops), e->param_size);
		free(p.at);
		t->with_params++;
		t->params += n;
	}

	if (!(s = section(elf, ".modinfo", &sh)) || !(d = elf_getdata(s, NULL)) || !d->d_buf)
		fail("%s: has no .modinfo", path);
	for (size_t i = 0; i < d->d_size; i += strnlen((const char *)d->d_buf + i, d->d_size - i) + 1)
		if (!strncmp((const char *)d->d_buf + i, "vermagic=", 9))
			vm = (const char *)d->d_buf + i + 9;
	if (!vm)
		fail("%s: .modinfo has no vermagic", path);
	if (strcmp(vm, e->vermagic))
		fail("%s: vermagic is '%s', the header's KABI_VERMAGIC '%s'", path, vm, e->vermagic);
	t->modules++;
	elf_end(elf);
	free(ko);
}

int main(int argc, char **argv)
{
	struct expected e;
	struct names mods = { 0 };
	struct tally t = { 0 };
	size_t want = 40, step;

	if (argc != 4 && !(argc == 6 && !strcmp(argv[4], "--modules") && atoi(argv[5]) > 0)) {
		fprintf(stderr, "usage: ko_check HEADER CLANG_TARGET MODULE_DIR [--modules N]\n");
		return 2;
	}
	if (argc == 6)
		want = (size_t)atoi(argv[5]);
	read_header(argv[1], argv[2], &e);
	if (elf_version(EV_CURRENT) == EV_NONE)
		fail("libelf is too old");
	find_modules(argv[3], &mods);
	if (!mods.n)
		fail("%s: no .ko, .ko.xz or .ko.zst modules in it", argv[3]);
	qsort(mods.v, mods.n, sizeof(*mods.v), cmp_str);
	step = mods.n > want ? mods.n / want : 1;
	for (size_t i = 0; i < mods.n && t.modules < want; i += step)
		check_module(mods.v[i], &e, &t);
	if (!t.with_init || !t.with_exit || !t.with_params)
		fail("%zu modules read, but %zu relocate init, %zu exit and %zu have parameters: each check needs one; "
		     "read more with --modules", t.modules, t.with_init, t.with_exit, t.with_params);
	printf("ko_check: %zu modules agree: this_module %lld bytes, init at %lld (%zu modules), exit at %lld (%zu), "
	       "kernel_param %lld bytes (%zu params in %zu modules), vermagic '%s'\n",
	       t.modules, e.module_size, e.init, t.with_init, e.exit, t.with_exit, e.param_size, t.params,
	       t.with_params, e.vermagic);
	for (size_t i = 0; i < mods.n; i++)
		free(mods.v[i]);
	free(mods.v);
	return 0;
}
