/*
 * parse_answered.c: how extract.c's unit is parsed: its questions to the headers (the types
 * it tests, the macros of its prefixes) answered from a precompiled head, a guess or the head
 * parsed alone, then proven by the parse itself until they settle.
 */
#include "clang/extract_impl.h"
#include "util/cache.h"
#include "util/cache_keys.h"
#include "input/kset.h"
#include "util/outfile.h"
#include "util/str.h"
#include "clang/tu.h"

/* pch_build() with an index of its own, started as every use of libclang here is. */
static bool build_pch(const char *key, const char *head, size_t head_len, char *const *args, size_t n_args,
		      struct pch *p)
{
	CXIndex idx = extract_new_index(0);
	bool ok = pch_build(idx, key, head, head_len, args, n_args, p);

	clang_disposeIndex(idx);
	return ok;
}

/* ---- what the unit asks of the headers, answered and proven ---- */

/*
 * The files the unit's head (its part before TU_MARK_SET) brought in, as a table of names:
 * a type defined in one of them is defined by "the headers", as a condition means it.
 */
struct head_walk {
	CXFile main;
	unsigned head_lines;	/* the unit's lines before the mark: its defines and includes */
	struct decl *files;
};

static void note_head_file(CXFile file, CXSourceLocation *stack, unsigned depth, CXClientData data)
{
	struct head_walk *h = data;
	CXFile from = NULL;
	unsigned line = 0;
	char *name;

	if (!depth)
		return;	/* the unit itself */
	/* The outermost #include: in the unit's head, in its set's part, or an -include file. */
	clang_getSpellingLocation(stack[depth - 1], &from, &line, NULL, NULL);
	if (from && clang_File_isEqual(from, h->main) && line > h->head_lines)
		return;
	name = cx_take(clang_getFileName(file));
	if (!decl_get(h->files, name))
		decl_put(&h->files, name, clang_getNullCursor());
	free(name);
}

struct answer_walk {
	struct extract *x;
	struct answers *a;		/* filled */
	bool types;			/* answer the type tests (not after a precompiled head: its inventory do) */
	bool head_only;			/* the parse is of the head alone: every definition is the headers' */
	struct decl *head_files;	/* otherwise, the files the head brought in */
	CXFile main;
};

/* A type the unit tests, defined by the headers: its answer is yes. */
static void answer_type(struct answer_walk *w, CXCursor c, const char *kind)
{
	char *name = cx_take(clang_getCursorSpelling(c)), *full = xasprintf("%s_%s", kind, name);
	CXFile file = NULL;
	char *path = NULL;

	clang_getExpansionLocation(clang_getCursorLocation(c), &file, NULL, NULL, NULL);
	for (size_t i = 0; i < w->a->n_types; i++) {
		if (strcmp(w->a->types[i], full))
			continue;
		if (w->head_only) {
			w->a->defined[i] = true;
		} else if (file && !clang_File_isEqual(file, w->main)) {
			/* Not the set's own definition: one the head brought in, or a later header's. */
			path = cx_take(clang_getFileName(file));
			if (decl_get(w->head_files, path))
				w->a->defined[i] = true;
		}
	}
	free(path);
	free(full);
	free(name);
}

/* An object-like macro, for the prefix of the set that its name starts with. */
static void answer_macro(struct answer_walk *w, CXCursor c)
{
	const struct kset *s = w->x->set;
	char *file = NULL;
	CXString spelling;
	const char *name;

	if (!w->a->n_prefixes || clang_Cursor_isMacroFunctionLike(c))
		return;
	spelling = clang_getCursorSpelling(c);
	name = clang_getCString(spelling);
	for (size_t i = 0; name && i < s->n_constants; i++) {
		const char *prefix = s->constants[i].prefix;
		CXFile f = NULL;

		/* Some 20,000 macros against each prefix: the first letter first. */
		if (!prefix || prefix[0] != name[0] || !starts_with(name, prefix))
			continue;
		clang_getExpansionLocation(clang_getCursorLocation(c), &f, NULL, NULL, NULL);
		if (f) {
			char *path = cx_take(clang_getFileName(f));

			file = tu_tree_relative(path);
			free(path);
		}
		answers_add_macro(w->a, i, name, file);
		break;
	}
	free(file);
	clang_disposeString(spelling);
}

static enum CXChildVisitResult answer_visit(CXCursor c, CXCursor parent, CXClientData data)
{
	struct answer_walk *w = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	const char *kind = k == CXCursor_StructDecl ? "struct" : k == CXCursor_UnionDecl ? "union"
							  : k == CXCursor_EnumDecl ? "enum" : NULL;

	(void)parent;
	if (k == CXCursor_MacroDefinition)
		answer_macro(w, c);
	else if (w->types && kind && clang_isCursorDefinition(c) && !is_anonymous(c))
		answer_type(w, c, kind);
	return CXChildVisit_Continue;
}

/* The precompiled head's answers: its inventory, which hold the head's tags and macros. */
static void answers_from_inventory(struct extract *x, struct answers *a)
{
	const struct head_inventory *f = &x->pch.inventory;
	bool first[256] = { false };

	answers_clear(a);
	for (size_t i = 0; i < x->set->n_constants; i++)
		if (x->set->constants[i].prefix)
			first[(unsigned char)x->set->constants[i].prefix[0]] = true;
	for (size_t i = 0; i < a->n_types; i++) {
		const char *name = strchr(a->types[i], '_') + 1;
		char kind = head_tag_kind(f, name);

		a->defined[i] = kind && kind == a->types[i][0];
	}
	/* Some 20,000 macros: those whose first letter starts no prefix, at once. */
	for (size_t m = 0; m < f->n_macros; m++)
		for (size_t i = 0; first[(unsigned char)f->macros[m][0]] && i < x->set->n_constants; i++) {
			const char *prefix = x->set->constants[i].prefix;

			if (!prefix || !starts_with(f->macros[m], prefix))
				continue;
			answers_add_macro(a, i, f->macros[m],
					  f->macro_files[m] == PCH_NO_FILE ? NULL : f->files_rel[f->macro_files[m]]);
			break;
		}
}

/* The answers the parse TU of the unit TEXT (FILE_NAME) proves, into A. */
static void answers_from_tu(struct extract *x, CXTranslationUnit tu, const char *file_name, const char *text,
			    struct answers *a)
{
	struct answer_walk w = { .x = x, .a = a, .types = true, .main = clang_getFile(tu, file_name) };
	struct head_walk h = { .main = w.main };
	const char *mark = strstr(text, TU_MARK_SET);

	if (x->pch.path) {
		/* After a precompiled head: its inventory, then the macros the set's part adds. */
		answers_from_inventory(x, a);
		w.types = false;
	} else {
		answers_clear(a);
		for (const char *p = text; p < mark; p++)
			h.head_lines += *p == '\n';
		if (a->n_types)
			clang_getInclusions(tu, note_head_file, &h);
		w.head_files = h.files;
	}
	clang_visitChildren(clang_getTranslationUnitCursor(tu), answer_visit, &w);
	decl_free_all(&h.files);
}

static bool has_errors(CXTranslationUnit tu)
{
	for (unsigned i = 0; i < clang_getNumDiagnostics(tu); i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);
		bool error = clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error;

		clang_disposeDiagnostic(d);
		if (error)
			return true;
	}
	return false;
}

/* The answers from a first parse of the head alone: exact for types, the head's macros. */
static void answers_from_head(struct extract *x, const char *file_name, const char *text, char *const *args,
			      size_t n_args)
{
	const char *mark = strstr(text, TU_MARK_SET);
	char *head = xasprintf("%.*s", (int)(mark - text), text);
	CXIndex idx = extract_new_index(0);
	CXTranslationUnit tu;

	trace("parsed the head alone for the answers");
	tu = extract_parse_with(idx, file_name, head, args, n_args, x->origin, CXTranslationUnit_DetailedPreprocessingRecord);
	struct answer_walk w = { .x = x, .a = x->ans, .types = true, .head_only = true };

	extract_die_on_errors(tu, x->origin, x->advice);
	answers_clear(x->ans);
	clang_visitChildren(clang_getTranslationUnitCursor(tu), answer_visit, &w);
	clang_disposeTranslationUnit(tu);
	clang_disposeIndex(idx);
	free(head);
}

/*
 * What a parse after the precompiled head needs besides the set's own probes: the head's
 * definitions the walk would find by name (the walk of such a parse sees the set's part
 * alone), reached through typedefs, and the enumerators the set names as constants.
 */
static void add_want_probes(struct extract *x, struct strbuf *sb)
{
	const struct head_inventory *f = &x->pch.inventory;
	char kind;

	sb_adds(sb, "\n/* The headers' definitions the set names (kabigen parsed them once, precompiled). */\n");
	for (size_t i = 0; i <= x->set->n_structs; i++) {
		/* struct module too: its members name the sections' element types. */
		const char *name = i < x->set->n_structs ? x->set->structs[i].name : "module";

		if ((kind = head_tag_kind(f, name)) && kind != 'e')
			sb_addf(sb, "typedef %s %s " TU_PROBE_WANT "%s;\n", kind == 's' ? "struct" : "union", name,
				name);
	}
	for (size_t i = 0; i < x->set->n_enums; i++)
		if (head_tag_kind(f, x->set->enums[i]) == 'e')
			sb_addf(sb, "typedef enum %s " TU_PROBE_WANT_ENUM "%s;\n", x->set->enums[i], x->set->enums[i]);
	for (size_t i = 0; i < x->set->n_constants; i++) {
		const struct kset_constant *k = &x->set->constants[i];

		/* A macro of that name wins, as in take_constant(). */
		if (k->name && !k->expr && head_has_enumerator(f, k->name))
			sb_addf(sb, "#ifndef %s\nstatic const __typeof__(%s) " TU_PROBE_ENUMREF "%s = %s;\n#endif\n",
				k->name, k->name, k->name, k->name);
	}
}

/* The unit with the answers, parsed: whole, or its set's part after the precompiled head. */
static CXTranslationUnit parse_unit(struct extract *x, const char *file_name, const char *text, char *const *args,
				    size_t n_args)
{
	unsigned options = x->ans->n_prefixes ? CXTranslationUnit_DetailedPreprocessingRecord : 0;
	struct strbuf sb = { 0 };
	char **a;
	size_t n = 0;
	CXTranslationUnit tu;

	free(x->unit);
	x->unit = answers_unit(text, x->set, x->ans, x->pch.path != NULL);
	if (!x->pch.path)
		return extract_parse_with(x->idx, file_name, x->unit, args, n_args, x->origin, options);
	sb_adds(&sb, x->unit);
	add_want_probes(x, &sb);
	free(x->unit);
	x->unit = sb.buf;
	/* The head's -include files are in the precompiled head. */
	a = xcalloc(n_args + 2, sizeof(*a));
	for (size_t i = 0; i < n_args; i++) {
		if (!strcmp(args[i], "-include") && i + 1 < n_args) {
			i++;
			continue;
		}
		a[n++] = args[i];
	}
	a[n++] = "-include-pch";
	a[n++] = x->pch.path;
	tu = extract_parse_with(x->idx, file_name, x->unit, a, n, x->origin, options);
	free(a);
	return tu;
}

/* The -target of ARGS, or NULL. */
static const char *target_of(char *const *args, size_t n_args)
{
	for (size_t i = 0; i + 1 < n_args; i++)
		if (!strcmp(args[i], "-target"))
			return args[i + 1];
	return NULL;
}

static bool cached_guess_load(const char *key, struct answers *a)
{
	struct cache_entry e;
	bool ok;

	if (cache_lookup(CACHE_ANSWERS, key, &e))
		return false;
	ok = !answers_parse(e.text, e.len, a);
	cache_entry_free(&e);
	return ok;
}

/*
 * The set's guess for a target: SET.guess/TARGET beside SET.yaml, the answers of a tree of
 * that arch (scripts/make-guesses), so that a first run on a tree, with nothing in its
 * cache, parses once where those answers still hold. Stale, or for other questions, it is
 * not used (answers_parse() checks it against the questions) or proved wrong by the parse.
 */
static char *set_guess_path(const struct kset *set, char *const *args, size_t n_args)
{
	const char *target = target_of(args, n_args);
	size_t len = strlen(set->file);

	if (!target || len < 5 || strcmp(set->file + len - 5, ".yaml"))
		return NULL;
	return xasprintf("%.*s.guess/%s", (int)(len - 5), set->file, target);
}

static bool set_guess_load(const struct kset *set, char *const *args, size_t n_args, struct answers *a)
{
	char *path = set_guess_path(set, args, n_args), *text;
	size_t len = 0;
	bool ok;

	text = path ? read_file(path, &len) : NULL;
	ok = text && !answers_parse(text, len, a);
	free(text);
	free(path);
	return ok;
}

/* ---- the strategy ---- */

/* One answered parse of a unit: what it parses, and where its answers stand. */
struct answered {
	const char *file_name, *text, *mark;	/* MARK: TU_MARK_SET in TEXT, the head's end */
	char *const *args;
	size_t n_args;
	bool use_cache;
	char *pch_key, *guess_key;	/* with use_cache: the precompiled head's, the cache's guess's */
	const char *source;		/* where the answers came from, for the trace */
	bool proven;			/* they came from a parse of the head alone */
	bool cached_guess;		/* they are the cache's guess, unchanged: nothing to store */
};

/* A unit that asks nothing of the headers: parsed as it is. */
static void parse_plain(struct extract *x, const struct answered *p)
{
	x->idx = extract_new_index(0);
	x->unit = xstrdup(p->text);
	trace("parsed the unit (it asks nothing of the headers)");
	x->tu = extract_parse_with(x->idx, p->file_name, x->unit, p->args, p->n_args, x->origin, 0);
	extract_die_on_errors(x->tu, x->origin, x->advice);
}

/* With the cache: the precompiled head it holds, or one made at the head's second parse. */
static void open_pch(struct extract *x, struct answered *p)
{
	size_t head_len = (size_t)(p->mark - p->text);

	p->pch_key = cache_key_pch(p->args, p->n_args, p->text, head_len);
	if (pch_open(p->pch_key, &x->pch))
		trace("the precompiled head from the cache");
	else if (pch_seen_before(p->pch_key) && build_pch(p->pch_key, p->text, head_len, p->args, p->n_args, &x->pch))
		trace("precompiled the head (its second parse)");
}

/* The answers from a parse of the head alone: proven, whatever came before. */
static void answer_from_head(struct extract *x, struct answered *p)
{
	answers_from_head(x, p->file_name, p->text, p->args, p->n_args);
	p->proven = true;
	p->cached_guess = false;
	p->source = "a parse of the head alone";
}

/* The first answers: the precompiled head's inventory, the cache's guess, the set's, or the head parsed alone. */
static void first_answers(struct extract *x, struct answered *p)
{
	if (x->pch.path) {
		answers_from_inventory(x, x->ans);
		p->source = "the precompiled head's inventory";
	} else if (p->use_cache && (p->cached_guess = cached_guess_load(p->guess_key, x->ans))) {
		p->source = "the cache's guess";
	} else if (set_guess_load(x->set, p->args, p->n_args, x->ans)) {
		p->source = "the set's guess";
	} else {
		answer_from_head(x, p);
	}
}

/*
 * Whether the parse x->tu disproved the answers (TRUTH: what it proved). If so they are
 * replaced by TRUTH and the parse dropped, for another; LAST: no other is allowed (dies).
 */
static bool disproved(struct extract *x, struct answered *p, struct answers *truth, const char *how, bool last)
{
	answers_from_tu(x, x->tu, p->file_name, p->text, truth);
	if (answers_equal(x->ans, truth))
		return false;
	if (last)
		die("%s: the set's questions to the headers (types tested, macros by prefix) do not settle; "
		    "report this with the set file", x->origin);
	trace("the parse disproved those answers%s", how);
	clang_disposeTranslationUnit(x->tu);
	answers_move(x->ans, truth);
	p->cached_guess = false;
	p->source = "the last parse";
	return true;
}

/*
 * A parse with errors, not yet proven the headers' fault (a guess can break the set's part,
 * a precompiled head can be refused): dropped, with the precompiled head if any, and the
 * answers taken from a parse of the head alone.
 */
static void retry_from_head(struct extract *x, struct answered *p)
{
	clang_disposeTranslationUnit(x->tu);
	if (x->pch.path) {
		trace("libclang refused the precompiled head; removed");
		pch_discard(p->pch_key);
		pch_free(&x->pch);
		clang_disposeIndex(x->idx);
		x->idx = extract_new_index(0);
	}
	answer_from_head(x, p);
}

/* Parses the unit with the answers until a parse proves them: within three parses. */
static void parse_until_settled(struct extract *x, struct answered *p)
{
	struct answers truth;

	answers_init(&truth, x->set, p->text);
	for (int attempt = 0;; attempt++) {
		bool errors;

		trace("parsed the unit%s (answers: %s)", x->pch.path ? " after the precompiled head" : "", p->source);
		x->tu = parse_unit(x, p->file_name, p->text, p->args, p->n_args);
		errors = has_errors(x->tu);
		/*
		 * A wrong guess can break the set's part (its definition of a type the headers
		 * define too): the head was parsed whole all the same, so its answers are taken
		 * from this parse when they differ from the guess.
		 */
		if (errors && !x->pch.path && !p->proven && attempt < 2 &&
		    disproved(x, p, &truth, " (with errors in the set's part)", false))
			continue;
		/* Not the headers' fault until a parse of them alone says so. */
		if (errors && (x->pch.path || !p->proven)) {
			retry_from_head(x, p);
			continue;
		}
		extract_die_on_errors(x->tu, x->origin, x->advice);
		if (!disproved(x, p, &truth, "", attempt >= 2))
			break;
	}
	answers_free(&truth);
}

/* The proven answers kept: as the cache's guess for the next tree, and for scripts/make-guesses. */
static void keep_answers(struct extract *x, const struct answered *p)
{
	const char *guess_out = getenv("KABIGEN_GUESS_OUT");
	bool store = p->use_cache && !p->cached_guess;
	char *text;

	if (guess_out && !*guess_out)
		guess_out = NULL;
	if (!store && !guess_out)
		return;
	text = answers_format(x->ans);
	if (store)
		cache_store(CACHE_ANSWERS, p->guess_key, NULL, text, strlen(text), NULL, NULL, NULL, 0);
	/* scripts/make-guesses: the answers this tree proved, as a set's guess. */
	if (guess_out)
		outfile_write(guess_out, text, strlen(text), 1);
	free(text);
}

/*
 * Parses the unit with its questions answered, and proves the answers on that parse (the
 * types the headers define; each prefix's macros, from the preprocessing record): the unit
 * parsed is exactly the one that a first parse of the head alone would have answered.
 *
 * The answers come from the precompiled head's inventory where the cache has one (the second
 * parse of a head saves it: pch.h); else as a guess, the answers of the last unit of this
 * set for this target (a new tree of the same arch nearly always gives the same, and then
 * one parse does); else from a parse of the head alone. A guess the parse proves wrong is
 * replaced by what it proved, and a unit that does not parse with a guess (or after a
 * precompiled head clang refuses, which is removed) is answered again from the head alone:
 * the answers settle within three parses of the unit.
 */
void parse_answered(struct extract *x, const char *file_name, const char *text, char *const *args, size_t n_args,
		    bool use_cache)
{
	struct answered p = { .file_name = file_name, .text = text, .mark = strstr(text, TU_MARK_SET), .args = args,
			      .n_args = n_args, .use_cache = use_cache };

	if (!answers_needed(x->ans) || !p.mark) {
		parse_plain(x, &p);
		return;
	}
	if (use_cache) {
		open_pch(x, &p);
		/* The answers of the set's unit for the target: the guess for its next tree. */
		p.guess_key = cache_key_answers(target_of(args, n_args), text);
	}
	first_answers(x, &p);
	x->idx = extract_new_index(x->pch.path != NULL);
	parse_until_settled(x, &p);
	keep_answers(x, &p);
	free(p.guess_key);
	free(p.pch_key);
}
