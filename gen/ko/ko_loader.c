/*
 * ko_loader.c: reads a loader profile. One file describes one loader for every arch it
 * supports:
 *
 *   name: linux
 *   description: ...
 *   symbols: symvers                  # or a list of names, or { files: [F, ...], list: [...] }
 *   exports: read                     # or ignored: the modules' own __ksymtab resolves nothing
 *   sections:
 *     handled: [__param, __ksymtab*]  # a trailing '*' matches a prefix
 *     ignored: [.comment]
 *     refused: []
 *     other: ignore                   # or refuse: a special section listed nowhere
 *   arches:
 *     x86_64:
 *       relocations: [R_X86_64_64, R_X86_64_PC32]
 *       placement: kernel             # or anywhere
 *       plt: false
 *       got: false
 */
#include "ko_loader.h"
#include "report.h"
#include "str.h"
#include "yamldoc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


static void add_strv(char ***v, size_t *n, char **more, size_t n_more)
{
	*v = xrealloc(*v, (*n + n_more + 1) * sizeof(**v));
	memcpy(*v + *n, more, n_more * sizeof(*more));
	*n += n_more;
	free(more);
}

static int yes_no(const struct ynode *n, const char *what)
{
	const char *s = ynode_str(n, what);

	if (!strcmp(s, "true") || !strcmp(s, "yes"))
		return 1;
	if (!strcmp(s, "false") || !strcmp(s, "no"))
		return 0;
	ynode_die(n, "%s is true or false, not '%s'", what, s);
}

/* A symbols file: one name a line, '#' starts a comment; relative to the profile's folder. */
static void read_symbols_file(struct ko_loader *l, const struct ynode *n)
{
	const char *name = ynode_str(n, "symbols file");
	char *path, *text, *what, *save = NULL;
	const char *slash = strrchr(l->file, '/');

	path = name[0] == '/' || !slash ? xstrdup(name) : xasprintf("%.*s/%s", (int)(slash - l->file), l->file, name);
	what = xasprintf("symbols file of %s (line %u)", l->file, n->line);
	report_hold(path, free);
	report_hold(what, free);
	/* read_text: a NUL byte would silently drop the rest of the line and the names after it. */
	text = read_text(path, what, 0);
	report_release(what);
	report_release(path);
	free(what);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *end;

		if (hash)
			*hash = '\0';
		line += strspn(line, " \t");
		for (end = line + strlen(line); end > line && strchr(" \t\r", end[-1]); end--)
			;
		*end = '\0';
		if (!*line)
			continue;
		l->symbols = xrealloc(l->symbols, (l->n_symbols + 1) * sizeof(*l->symbols));
		l->symbols[l->n_symbols++] = xstrdup(line);
	}
	free(text);
	free(path);
}

static void read_symbols(struct ko_loader *l, const struct ynode *n)
{
	static const char *const keys[] = { "list", "files", NULL };
	const struct ynode *v;
	char **names;
	size_t count;

	if (!n || (n->kind == YNODE_SCALAR && !strcmp(n->scalar, "symvers"))) {
		l->symbols_from = KO_SYMBOLS_SYMVERS;
		return;
	}
	l->symbols_from = KO_SYMBOLS_LIST;
	if (n->kind == YNODE_MAPPING) {
		ynode_check_keys(n, keys);
		if ((v = ynode_get(n, "list"))) {
			names = ynode_strv(v, "symbols list", &count);
			add_strv(&l->symbols, &l->n_symbols, names, count);
		}
		if ((v = ynode_get(n, "files"))) {
			if (v->kind == YNODE_SEQUENCE)
				for (size_t i = 0; i < v->n_items; i++)
					read_symbols_file(l, v->items[i]);
			else
				read_symbols_file(l, v);
		}
	} else {
		names = ynode_strv(n, "symbols", &count);
		add_strv(&l->symbols, &l->n_symbols, names, count);
	}
	if (l->n_symbols)
		qsort(l->symbols, l->n_symbols, sizeof(*l->symbols), cmp_str);
}

static void read_sections(struct ko_loader *l, const struct ynode *n)
{
	static const char *const keys[] = { "handled", "ignored", "refused", "other", NULL };
	const struct ynode *v;

	if (!n)
		return;
	ynode_check_keys(n, keys);
	if ((v = ynode_get(n, "handled")))
		l->handled = ynode_strv(v, "handled", &l->n_handled);
	if ((v = ynode_get(n, "ignored")))
		l->ignored = ynode_strv(v, "ignored", &l->n_ignored);
	if ((v = ynode_get(n, "refused")))
		l->refused = ynode_strv(v, "refused", &l->n_refused);
	if ((v = ynode_get(n, "other"))) {
		const char *s = ynode_str(v, "other");

		if (strcmp(s, "ignore") && strcmp(s, "refuse"))
			ynode_die(v, "sections: other is ignore or refuse, not '%s'", s);
		l->refuse_other = !strcmp(s, "refuse");
	}
}

/*
 * The entry of ARCHES for ARCH or one of its aliases. Two (riscv and riscv64) are refused:
 * taking the first would silently ignore what the profile says in the other.
 */
static const struct ynode *find_arch(const struct ynode *arches, const char *arch, char *const *aliases,
				     size_t n_aliases)
{
	size_t found = 0;	/* the key's index + 1 */

	for (size_t i = 0; i + 1 < arches->n_items; i += 2) {
		const struct ynode *key = arches->items[i];
		int match = !strcmp(ynode_str(key, "arch name"), arch);

		for (size_t j = 0; j < n_aliases && !match; j++)
			match = !strcmp(key->scalar, aliases[j]);
		if (!match)
			continue;
		if (found)
			ynode_die(key, "arches: '%s' and '%s' (line %u) both describe %s; keep one", key->scalar,
				  arches->items[found - 1]->scalar, arches->items[found - 1]->line, arch);
		found = i + 1;
	}
	return found ? arches->items[found] : NULL;
}

/* Whether S is the word WORD, alone or followed by a space and a note ("kernelless" is not "kernel"). */
static int placement_is(const char *s, const char *word)
{
	size_t n = strlen(word);

	return !strncmp(s, word, n) && (!s[n] || s[n] == ' ' || s[n] == '\t');
}

static void read_arch(struct ko_loader *l, const struct ynode *a)
{
	static const char *const keys[] = { "relocations", "placement", "plt", "got", NULL };
	const struct ynode *v;

	if (a->kind != YNODE_MAPPING)
		ynode_die(a, "an arch maps relocations, placement, plt and got");
	ynode_check_keys(a, keys);
	if (!(v = ynode_get(a, "relocations")))
		ynode_die(a, "missing key 'relocations': the relocation types this loader implements");
	l->relocations = ynode_strv(v, "relocations", &l->n_relocations);
	l->placement_text = xstrdup("kernel");
	if ((v = ynode_get(a, "placement"))) {
		const char *s = ynode_str(v, "placement");

		if (placement_is(s, "anywhere"))
			l->placement = KO_PLACE_ANYWHERE;
		else if (!placement_is(s, "kernel"))
			ynode_die(v, "placement is 'kernel' (as Linux: within 2 GiB of the kernel) or 'anywhere', "
				  "optionally followed by a space and a note; not '%s'", s);
		free(l->placement_text);
		l->placement_text = xstrdup(s);
	}
	if ((v = ynode_get(a, "plt")))
		l->plt = yes_no(v, "plt");
	if ((v = ynode_get(a, "got")))
		l->got = yes_no(v, "got");
}

static void doc_free(void *doc)
{
	ydoc_free(doc);
}

static void loader_free_held(void *l)
{
	ko_loader_free(l);
}

struct ko_loader *ko_loader_load(const char *file, const char *arch, char *const *aliases, size_t n_aliases)
{
	static const char *const keys[] = { "name", "description", "symbols", "exports", "sections", "arches", NULL };
	struct ydoc *doc = ydoc_load(file);
	struct ko_loader *l = xcalloc(1, sizeof(*l));
	const struct ynode *n, *a;

	report_hold(doc, doc_free);
	report_hold(l, loader_free_held);
	l->file = xstrdup(file);
	if (!doc->root || doc->root->kind != YNODE_MAPPING)
		die("%s: a loader profile maps name, symbols, sections and arches", file);
	ynode_check_keys(doc->root, keys);
	if (!(n = ynode_get(doc->root, "name")))
		ynode_die(doc->root, "missing key 'name'");
	l->name = xstrdup(ynode_str(n, "name"));
	if ((n = ynode_get(doc->root, "description")))
		l->description = xstrdup(ynode_str(n, "description"));
	read_symbols(l, ynode_get(doc->root, "symbols"));
	if ((n = ynode_get(doc->root, "exports"))) {
		const char *s = ynode_str(n, "exports");

		if (strcmp(s, "read") && strcmp(s, "ignored"))
			ynode_die(n, "exports is read (the loader resolves imports against the modules' __ksymtab, as "
				  "Linux) or ignored; not '%s'", s);
		l->exports_ignored = !strcmp(s, "ignored");
	}
	read_sections(l, ynode_get(doc->root, "sections"));
	if (!(n = ynode_get(doc->root, "arches")) || n->kind != YNODE_MAPPING)
		ynode_die(n ? n : doc->root, "'arches' maps each arch to its relocations, placement, plt and got");
	if (!(a = find_arch(n, arch, aliases, n_aliases)))
		ynode_die(n, "loader %s does not describe %s; add it under 'arches' or check the module against an "
			  "arch it describes", l->name, arch);
	read_arch(l, a);
	report_release(l);
	report_release(doc);
	ydoc_free(doc);
	return l;
}

void ko_loader_free(struct ko_loader *l)
{
	if (!l)
		return;
	strv_free(l->relocations, l->n_relocations);
	strv_free(l->handled, l->n_handled);
	strv_free(l->ignored, l->n_ignored);
	strv_free(l->refused, l->n_refused);
	strv_free(l->symbols, l->n_symbols);
	free(l->placement_text);
	free(l->description);
	free(l->name);
	free(l->file);
	free(l);
}

int ko_loader_provides(const struct ko_loader *l, const char *symbol)
{
	return l->n_symbols && bsearch(&symbol, l->symbols, l->n_symbols, sizeof(*l->symbols), cmp_str);
}

static int listed(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]);

		if (len && v[i][len - 1] == '*' ? !strncmp(v[i], name, len - 1) : !strcmp(v[i], name))
			return 1;
	}
	return 0;
}

int ko_loader_section(const struct ko_loader *l, const char *name)
{
	if (listed(l->refused, l->n_refused, name))
		return 'r';
	if (listed(l->handled, l->n_handled, name))
		return 'h';
	if (listed(l->ignored, l->n_ignored, name))
		return 'i';
	return 0;
}
