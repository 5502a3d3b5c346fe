/* pch.c: a head parsed once, saved precompiled with its inventory, and proven before it is used again. */
#include "clang/pch.h"
#include "util/cache.h"
#include "util/cache_keys.h"
#include "util/fs.h"
#include "util/report.h"
#include "util/self.h"
#include "util/str.h"
#include "clang/tu.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *cx_take(CXString s)
{
	char *d = xstrdup(clang_getCString(s) ? clang_getCString(s) : "");

	clang_disposeString(s);
	return d;
}

static char *pch_path(const char *key)
{
	char *cache = self_cache_dir_if_any(), *path = cache ? xasprintf("%s/pch/%s.pch", cache, key) : NULL;

	free(cache);
	return path;
}

/* ---- the inventory, as text ---- */

void pch_inventory_free(struct head_inventory *f)
{
	strv_free(f->tags, f->n_tags);
	free(f->tag_kinds);
	strv_free(f->enumerators, f->n_enumerators);
	strv_free(f->extern_names, f->n_externs);
	strv_free(f->extern_types, f->n_externs);
	strv_free(f->macros, f->n_macros);
	free(f->macro_files);
	strv_free(f->files_rel, f->n_files_rel);
	memset(f, 0, sizeof(*f));
}

/*
 *	pch SIZE DIGEST			the .pch file's size and XXH3-128
 *	tags N, then "KIND NAME"	KIND s, u or e
 *	enumerators N, then NAME
 *	externs N, then "NAME struct TAG" (or union)
 *	files N, then FILE		tree-relative, where macros were defined
 *	macros N, then "NAME INDEX"	INDEX into files, or -
 */
char *pch_inventory_format(const struct head_inventory *f, long long size, const char *digest)
{
	struct strbuf sb = { 0 };

	sb_addf(&sb, "pch %lld %s\ntags %zu\n", size, digest, f->n_tags);
	for (size_t i = 0; i < f->n_tags; i++)
		sb_addf(&sb, "%c %s\n", f->tag_kinds[i], f->tags[i]);
	sb_addf(&sb, "enumerators %zu\n", f->n_enumerators);
	for (size_t i = 0; i < f->n_enumerators; i++)
		sb_addf(&sb, "%s\n", f->enumerators[i]);
	sb_addf(&sb, "externs %zu\n", f->n_externs);
	for (size_t i = 0; i < f->n_externs; i++)
		sb_addf(&sb, "%s %s\n", f->extern_names[i], f->extern_types[i]);
	sb_addf(&sb, "files %zu\n", f->n_files_rel);
	for (size_t i = 0; i < f->n_files_rel; i++)
		sb_addf(&sb, "%s\n", f->files_rel[i]);
	sb_addf(&sb, "macros %zu\n", f->n_macros);
	for (size_t i = 0; i < f->n_macros; i++) {
		if (f->macro_files[i] == PCH_NO_FILE)
			sb_addf(&sb, "%s -\n", f->macros[i]);
		else
			sb_addf(&sb, "%s %zu\n", f->macros[i], f->macro_files[i]);
	}
	return sb.buf;
}

/* The lines of a copy of the text, each ended in place (some 30,000 of them: no copy each). */
struct reader {
	char *p, *end;
	char *line;	/* the current line, in the copy */
};

static bool next(struct reader *r)
{
	char *nl = r->p < r->end ? memchr(r->p, '\n', (size_t)(r->end - r->p)) : NULL;

	r->line = NULL;
	if (!nl || memchr(r->p, '\0', (size_t)(nl - r->p)))
		return false;
	*nl = '\0';
	r->line = r->p;
	r->p = nl + 1;
	return true;
}

/* "WORD N" with N at most what the rest of the text can hold (a line is at least 2 bytes). */
static bool count_line(struct reader *r, const char *word, size_t *n)
{
	const char *s;
	char *end;
	unsigned long long v;

	if (!next(r) || !skip_prefix(r->line, word, &s) || *s != ' ' || s[1] < '0' || s[1] > '9')
		return false;
	errno = 0;
	v = strtoull(s + 1, &end, 10);
	if (errno || *end || (s[1] == '0' && s[2]) || v > (unsigned long long)(r->end - r->p) / 2)
		return false;
	*n = (size_t)v;
	return true;
}

/* "NAME REST": NAME a C identifier; *REST what follows the space. */
static bool ident_then(char *line, const char **rest)
{
	char *sp = strchr(line, ' ');

	if (!sp)
		return false;
	*sp = '\0';
	*rest = sp + 1;
	return tu_is_ident(line);
}

bool pch_inventory_parse(const char *text, size_t len, struct head_inventory *f, long long *size, char *digest)
{
	char *copy = xmalloc(len + 1);
	struct reader r = { copy, copy + len, NULL };
	const char *rest, *tag;
	char *end;
	bool ok;

	memcpy(copy, text, len);
	copy[len] = '\0';
	memset(f, 0, sizeof(*f));
	errno = 0;
	ok = next(&r) && skip_prefix(r.line, "pch ", &rest) && rest[0] >= '1' && rest[0] <= '9' &&
	     (*size = strtoll(rest, &end, 10)) > 0 && !errno && *end == ' ' &&
	     strlen(end + 1) == CACHE_DIGEST_LEN - 1 && strspn(end + 1, "0123456789abcdef") == CACHE_DIGEST_LEN - 1;
	if (ok)
		memcpy(digest, end + 1, CACHE_DIGEST_LEN);
	if (ok && (ok = count_line(&r, "tags", &f->n_tags))) {
		f->tags = xcalloc(f->n_tags + 1, sizeof(*f->tags));
		f->tag_kinds = xcalloc(f->n_tags + 1, 1);
		for (size_t i = 0; ok && i < f->n_tags; i++) {
			ok = next(&r) && strchr("sue", r.line[0]) && r.line[0] && r.line[1] == ' ' &&
			     tu_is_ident(r.line + 2);
			if (ok) {
				f->tag_kinds[i] = r.line[0];
				f->tags[i] = xstrdup(r.line + 2);
			}
		}
	}
	if (ok && (ok = count_line(&r, "enumerators", &f->n_enumerators))) {
		f->enumerators = xcalloc(f->n_enumerators + 1, sizeof(*f->enumerators));
		for (size_t i = 0; ok && i < f->n_enumerators; i++)
			if ((ok = next(&r) && tu_is_ident(r.line)))
				f->enumerators[i] = xstrdup(r.line);
	}
	if (ok && (ok = count_line(&r, "externs", &f->n_externs))) {
		f->extern_names = xcalloc(f->n_externs + 1, sizeof(*f->extern_names));
		f->extern_types = xcalloc(f->n_externs + 1, sizeof(*f->extern_types));
		for (size_t i = 0; ok && i < f->n_externs; i++) {
			ok = next(&r) && ident_then(r.line, &rest) &&
			     (skip_prefix(rest, "struct ", &tag) || skip_prefix(rest, "union ", &tag)) && tu_is_ident(tag);
			if (ok) {
				f->extern_names[i] = xstrdup(r.line);
				f->extern_types[i] = xstrdup(rest);
			}
		}
	}
	if (ok && (ok = count_line(&r, "files", &f->n_files_rel))) {
		f->files_rel = xcalloc(f->n_files_rel + 1, sizeof(*f->files_rel));
		for (size_t i = 0; ok && i < f->n_files_rel; i++)
			if ((ok = next(&r) && is_printable_word(r.line)))
				f->files_rel[i] = xstrdup(r.line);
	}
	if (ok && (ok = count_line(&r, "macros", &f->n_macros))) {
		f->macros = xcalloc(f->n_macros + 1, sizeof(*f->macros));
		f->macro_files = xcalloc(f->n_macros + 1, sizeof(*f->macro_files));
		for (size_t i = 0; ok && i < f->n_macros; i++) {
			unsigned long long v = 0;

			ok = next(&r) && ident_then(r.line, &rest);
			if (ok && !strcmp(rest, "-")) {
				f->macro_files[i] = PCH_NO_FILE;
			} else if (ok) {
				errno = 0;
				v = strtoull(rest, &end, 10);
				/* Digits only, no leading zero: what inventory_format() writes, and nothing else. */
				ok = rest[0] >= '0' && rest[0] <= '9' && !(rest[0] == '0' && rest[1]) && !errno && !*end &&
				     v < f->n_files_rel;
				f->macro_files[i] = (size_t)v;
			}
			if (ok)
				f->macros[i] = xstrdup(r.line);
		}
	}
	ok = ok && r.p == r.end;
	free(copy);
	if (!ok)
		pch_inventory_free(f);
	return ok;
}

/* ---- the inventory, from a parsed head ---- */

struct inventory_walk {
	struct head_inventory *f;
};

static size_t file_index(struct head_inventory *f, const char *rel)
{
	for (size_t i = f->n_files_rel; i-- > 0;)
		if (!strcmp(f->files_rel[i], rel))
			return i;
	f->files_rel = xrealloc(f->files_rel, (f->n_files_rel + 1) * sizeof(*f->files_rel));
	f->files_rel[f->n_files_rel] = xstrdup(rel);
	return f->n_files_rel++;
}

static enum CXChildVisitResult walk_enumerators(CXCursor c, CXCursor parent, CXClientData data)
{
	struct head_inventory *f = data;

	(void)parent;
	if (clang_getCursorKind(c) == CXCursor_EnumConstantDecl) {
		f->enumerators = xrealloc(f->enumerators, (f->n_enumerators + 1) * sizeof(*f->enumerators));
		f->enumerators[f->n_enumerators++] = cx_take(clang_getCursorSpelling(c));
	}
	return CXChildVisit_Continue;
}

static void add_macro(struct head_inventory *f, CXCursor c)
{
	CXFile file = NULL;
	size_t index = PCH_NO_FILE;

	clang_getExpansionLocation(clang_getCursorLocation(c), &file, NULL, NULL, NULL);
	if (file) {
		char *path = cx_take(clang_getFileName(file)), *rel = tu_tree_relative(path);

		index = file_index(f, rel);
		free(rel);
		free(path);
	}
	f->macros = xrealloc(f->macros, (f->n_macros + 1) * sizeof(*f->macros));
	f->macro_files = xrealloc(f->macro_files, (f->n_macros + 1) * sizeof(*f->macro_files));
	f->macro_files[f->n_macros] = index;
	f->macros[f->n_macros++] = cx_take(clang_getCursorSpelling(c));
}

static void add_extern(struct head_inventory *f, CXCursor c)
{
	CXType ct = clang_getCanonicalType(clang_getCursorType(c));
	CXCursor tdecl = clang_getTypeDeclaration(ct);
	char *tname;

	if (ct.kind != CXType_Record || clang_Cursor_isAnonymous(tdecl) || clang_Cursor_isAnonymousRecordDecl(tdecl))
		return;
	tname = cx_take(clang_getCursorSpelling(tdecl));
	f->extern_names = xrealloc(f->extern_names, (f->n_externs + 1) * sizeof(*f->extern_names));
	f->extern_types = xrealloc(f->extern_types, (f->n_externs + 1) * sizeof(*f->extern_types));
	f->extern_types[f->n_externs] = xasprintf("%s %s",
		clang_getCursorKind(tdecl) == CXCursor_UnionDecl ? "union" : "struct", tname);
	f->extern_names[f->n_externs++] = cx_take(clang_getCursorSpelling(c));
	free(tname);
}

/* Everything extract.c's walk of a whole unit would take from the head, in its order. */
static enum CXChildVisitResult walk_head(CXCursor c, CXCursor parent, CXClientData data)
{
	struct head_inventory *f = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	char kind = k == CXCursor_StructDecl ? 's' : k == CXCursor_UnionDecl ? 'u' : k == CXCursor_EnumDecl ? 'e' : 0;

	(void)parent;
	if (k == CXCursor_MacroDefinition && !clang_Cursor_isMacroFunctionLike(c) && !clang_Cursor_isMacroBuiltin(c))
		add_macro(f, c);
	if (k == CXCursor_EnumDecl && clang_isCursorDefinition(c))
		clang_visitChildren(c, walk_enumerators, f);
	if (kind && clang_isCursorDefinition(c) && !clang_Cursor_isAnonymous(c) && !clang_Cursor_isAnonymousRecordDecl(c)) {
		f->tags = xrealloc(f->tags, (f->n_tags + 1) * sizeof(*f->tags));
		f->tag_kinds = xrealloc(f->tag_kinds, f->n_tags + 1);
		f->tag_kinds[f->n_tags] = kind;
		f->tags[f->n_tags++] = cx_take(clang_getCursorSpelling(c));
	}
	if (k == CXCursor_VarDecl && clang_Cursor_getStorageClass(c) == CX_SC_Extern)
		add_extern(f, c);
	return CXChildVisit_Continue;
}

struct manifest_walk {
	CXTranslationUnit tu;
	struct pch *p;
	long long started;
};

static void add_file(CXFile file, CXSourceLocation *stack, unsigned depth, CXClientData data)
{
	struct manifest_walk *w = data;
	char *name = cx_take(clang_getFileName(file));
	char digest[CACHE_DIGEST_LEN];
	long long stamp[3] = { -1, -1, -1 };

	(void)stack;
	(void)depth;
	if (name[0] != '/') {
		free(name);
		return;
	}
	/* As extract.c's add_inclusion(): the file read again where it provably holds clang's bytes. */
	if (cache_digest_read(name, (long long)clang_getFileTime(file), w->started, digest, stamp)) {
		size_t size = 0;
		const char *bytes = clang_getFileContents(w->tu, file, &size);

		if (!bytes) {
			free(name);
			return;
		}
		cache_digest(bytes, size, digest);
	}
	w->p->files = xrealloc(w->p->files, (w->p->n_files + 1) * sizeof(*w->p->files));
	w->p->digests = xrealloc(w->p->digests, (w->p->n_files + 1) * sizeof(*w->p->digests));
	w->p->stamps = xrealloc(w->p->stamps, (w->p->n_files + 1) * sizeof(*w->p->stamps));
	memcpy(w->p->stamps[w->p->n_files], stamp, sizeof(stamp));
	w->p->files[w->p->n_files] = name;
	w->p->digests[w->p->n_files++] = xstrdup(digest);
}

/* ---- the store ---- */

/* The size and digest of the file at PATH; false when it cannot be read whole. */
static bool file_digest_of(const char *path, long long *size, char digest[CACHE_DIGEST_LEN])
{
	struct stat st;

	if (cache_file_digest(path, digest, &st))
		return false;
	*size = (long long)st.st_size;
	return true;
}

bool pch_open(const char *key, struct pch *p)
{
	char *fkey = cache_key_pch_entry(key, CACHE_PCH_INVENTORY), digest[CACHE_DIGEST_LEN], now[CACHE_DIGEST_LEN];
	struct cache_entry e;
	long long size = 0, now_size = 0;
	bool ok;

	memset(p, 0, sizeof(*p));
	ok = !cache_lookup(CACHE_PCH_INVENTORY, fkey, &e);
	free(fkey);
	if (!ok)
		return false;
	p->path = pch_path(key);
	/* The .pch must be the one the inventory describes, byte for byte: libclang trusts its input. */
	ok = p->path && pch_inventory_parse(e.text, e.len, &p->inventory, &size, digest) &&
	     file_digest_of(p->path, &now_size, now) && now_size == size && !strcmp(now, digest);
	cache_entry_take_files(&e, &p->files, &p->digests, &p->stamps, &p->n_files);
	cache_entry_free(&e);
	if (!ok)
		pch_free(p);
	return ok;
}

bool pch_seen_before(const char *key)
{
	char *skey = cache_key_pch_entry(key, CACHE_PCH_SEEN);
	struct cache_entry e;
	bool seen = !cache_lookup(CACHE_PCH_SEEN, skey, &e);

	if (seen)
		cache_entry_free(&e);
	else
		cache_store(CACHE_PCH_SEEN, skey, NULL, "", 0, NULL, NULL, NULL, 0);
	free(skey);
	return seen;
}

/* The first line of what the child wrote to its standard error (libclang's message). New string. */
static char *child_message(int fd)
{
	char buf[1024];
	const char *rest;
	size_t len = 0;
	ssize_t n;

	/* To the end: a child whose pipe closed early would die of SIGPIPE after a good save. */
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && (len += (size_t)n) == sizeof(buf) - 1) {
			char rest[4096];

			while ((n = read(fd, rest, sizeof(rest))) > 0 || (n < 0 && errno == EINTR))
				;
			break;
		}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return xstrdup(skip_prefix(buf, "LIBCLANG FATAL ERROR: ", &rest) ? rest : buf);
}

/*
 * clang_saveTranslationUnit() into PATH, in a child process: libclang cannot report a write
 * that fails (a full disk). Its output stream ends the process instead (LLVM's
 * report_fatal_error(): "IO failure on output stream", SIGABRT), which would take the run
 * with it. The child is a fork of this single-threaded process (libclang parses on the
 * calling thread: LIBCLANG_NOTHREADS), which only saves and leaves. 0, or -1 with *WHY
 * (new string); the caller removes PATH.
 */
static int save_in_child(CXTranslationUnit tu, const char *path, char **why)
{
	int pipefd[2], status = 0;
	pid_t pid;
	char *said;

	if (pipe2(pipefd, O_CLOEXEC)) {
		*why = xasprintf("cannot start saving it: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct rlimit none = { 0, 0 };

		/* No core file for an abort this code expects. */
		setrlimit(RLIMIT_CORE, &none);
		dup2(pipefd[1], STDERR_FILENO);
		_exit(clang_saveTranslationUnit(tu, path, clang_defaultSaveOptions(tu)) == CXSaveError_None ? 0 : 1);
	}
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		*why = xasprintf("cannot start saving it: %s", strerror(errno));
		return -1;
	}
	said = child_message(pipefd[0]);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		free(said);
		return 0;
	}
	if (*said)
		*why = xasprintf("libclang: %s", said);
	else if (WIFSIGNALED(status))
		*why = xasprintf("libclang ended with signal %d", WTERMSIG(status));
	else
		*why = xstrdup("libclang could not write it");
	free(said);
	return -1;
}

bool pch_build(CXIndex idx, const char *key, const char *head, size_t head_len, char *const *args, size_t n_args,
	       struct pch *p)
{
	CXTranslationUnit tu = NULL;
	struct CXUnsavedFile uf = { "kabigen-head.h", head, (unsigned long)head_len };
	char **a = xcalloc(n_args + 3, sizeof(*a)), *dir = NULL, *tmp = NULL, *why = NULL, *text = NULL, *fkey;
	char digest[CACHE_DIGEST_LEN];
	long long size = 0, started;
	int fd = -1;
	bool ok = false;

	memset(p, 0, sizeof(*p));
	started = (long long)time(NULL);
	memcpy(a, args, n_args * sizeof(*a));
	a[n_args] = "-x";
	a[n_args + 1] = "c-header";
	if (clang_parseTranslationUnit2(idx, uf.Filename, (const char *const *)a, (int)n_args + 2, &uf, 1,
					CXTranslationUnit_SkipFunctionBodies | CXTranslationUnit_ForSerialization |
						CXTranslationUnit_Incomplete | CXTranslationUnit_DetailedPreprocessingRecord,
					&tu) != CXError_Success || !tu)
		goto out;
	for (unsigned i = 0; i < clang_getNumDiagnostics(tu); i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);
		bool error = clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error;

		clang_disposeDiagnostic(d);
		if (error)
			goto out;
	}
	p->path = pch_path(key);
	if (!p->path)
		goto out;
	dir = xasprintf("%.*s", (int)(strrchr(p->path, '/') - p->path), p->path);
	if (fs_mkdirs(dir, &why))
		goto out;
	/* Temporary files of runs killed while saving, an hour old or more. */
	fs_remove_stale(dir, ".", 3600);
	/* Saved beside its final name and renamed: a reader sees a whole .pch or none. */
	tmp = xasprintf("%s/.%s.pch.XXXXXX", dir, key);
	if ((fd = mkstemp(tmp)) < 0 || close(fd)) {
		cache_warn("%s: cannot create the precompiled head: %s", tmp, strerror(errno));
		goto out;
	}
	if (save_in_child(tu, tmp, &why) || !file_digest_of(tmp, &size, digest) || rename(tmp, p->path)) {
		if (why)
			cache_warn("%s: cannot save the precompiled head (%s); free space there, or point "
				   "XDG_CACHE_HOME at a folder with room", dir, why);
		unlink(tmp);
		goto out;
	}
	clang_visitChildren(clang_getTranslationUnitCursor(tu), walk_head, &p->inventory);
	clang_getInclusions(tu, add_file, &(struct manifest_walk){ tu, p, started });
	text = pch_inventory_format(&p->inventory, size, digest);
	fkey = cache_key_pch_entry(key, CACHE_PCH_INVENTORY);
	cache_store(CACHE_PCH_INVENTORY, fkey, NULL, text, strlen(text), p->files, p->digests, p->stamps, p->n_files);
	free(fkey);
	ok = true;
out:
	if (!ok)
		pch_free(p);
	if (tu)
		clang_disposeTranslationUnit(tu);
	free(text);
	free(tmp);
	free(why);
	free(dir);
	free(a);
	return ok;
}

void pch_discard(const char *key)
{
	char *path = pch_path(key);

	if (path)
		unlink(path);
	free(path);
}

void pch_free(struct pch *p)
{
	pch_inventory_free(&p->inventory);
	strv_free(p->files, p->n_files);
	strv_free(p->digests, p->n_files);
	free(p->stamps);
	free(p->path);
	memset(p, 0, sizeof(*p));
}

char head_tag_kind(const struct head_inventory *f, const char *name)
{
	char kind = 0;

	/* A later definition wins, as in extract.c's walk (C allows only one anyway). */
	for (size_t i = 0; i < f->n_tags; i++)
		if (!strcmp(f->tags[i], name))
			kind = f->tag_kinds[i];
	return kind;
}

bool head_has_enumerator(const struct head_inventory *f, const char *name)
{
	for (size_t i = 0; i < f->n_enumerators; i++)
		if (!strcmp(f->enumerators[i], name))
			return true;
	return false;
}
