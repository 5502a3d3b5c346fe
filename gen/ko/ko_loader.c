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
 *     ignored: [.comment]             # loaded; what they say does not matter to the module
 *     unprocessed: [__jump_table]     # loaded, never applied: the module runs, differently
 *     refused: []
 *     required: []                    # refused when the module lacks one of them
 *     other: ignore                   # or refuse, or unprocessed: a special section listed nowhere
 *   crashes:
 *     sections: [.foo]                # the loader panics on a module holding one
 *   layout:                           # what it was compiled against: one of
 *     dump: kabi.json                 #   a kabigen dump, relative to this file
 *     triple: riscv64:6.17            #   a triple, fetched as --arch and --kver would
 *     module: { size: 1152, init: 312, exit: 1088 }   # or the offsets it reads
 *     kernel_param: { size: 40, arg: 32 }
 *   arches:
 *     x86_64:
 *       relocations: [R_X86_64_64, R_X86_64_PC32]
 *       placement: kernel             # or near-kernel, or anywhere
 *       plt: false
 *       got: false
 *       sections: { required: [.plt] }
 *       crashes: { relocations: [other, R_X86_64_GOTPCREL], sections: [] }  # other: every type not implemented
 *       layout: ...                   # this arch's, instead of the common one
 */
#include "ko/ko_loader.h"
#include "util/report.h"
#include "util/str.h"
#include "util/yamldoc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void add_strv(char ***v, size_t *n, char **more, size_t n_more)
{
	*v = xrealloc(*v, (*n + n_more + 1) * sizeof(**v));
	memcpy(*v + *n, more, n_more * sizeof(*more));
	*n += n_more;
	free(more);
}

/* A symbols file: one name a line, '#' starts a comment; relative to the profile's folder. */
static void read_symbols_file(struct ko_loader *l, const struct ynode *n)
{
	const char *name = ynode_str(n, "symbols file");
	char *path, *text, *what, *cursor, *line;
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
	cursor = text;
	while ((line = line_next(&cursor))) {
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

/* sections: required: (common, or the arch's): added to what the profile requires already. */
static void read_required(struct ko_loader *l, const struct ynode *v)
{
	char **names;
	size_t count;

	if (!v)
		return;
	names = ynode_strv(v, "required", &count);
	for (size_t i = 0; i < count; i++)
		if (strchr(names[i], '*'))
			ynode_die(v, "required: '%s': name a section, without '*' (a module lacking it is refused)",
				  names[i]);
	add_strv(&l->required, &l->n_required, names, count);
}

/* crashes: { relocations: [...], sections: [...] }; relocations only under an arch (ARCH). */
static void read_crashes(struct ko_loader *l, const struct ynode *n, int arch)
{
	static const char *const keys[] = { "relocations", "sections", NULL };
	const struct ynode *v;
	char **names;
	size_t count;

	if (!n)
		return;
	if (n->kind != YNODE_MAPPING)
		ynode_die(n, "crashes maps relocations (under an arch) and sections to what makes the loader panic");
	ynode_check_keys(n, keys);
	if ((v = ynode_get(n, "relocations"))) {
		if (!arch)
			ynode_die(v, "crashes: relocations are an arch's; put them under arches: ARCH: crashes:");
		names = ynode_strv(v, "crashes: relocations", &count);
		for (size_t i = 0; i < count; i++) {
			if (strcmp(names[i], "other"))
				continue;
			/* "other": every type the loader does not implement. */
			l->crash_other_relocations = 1;
			free(names[i]);
			memmove(names + i, names + i + 1, (count - i - 1) * sizeof(*names));
			count--;
			i--;
		}
		add_strv(&l->crash_relocations, &l->n_crash_relocations, names, count);
	}
	if ((v = ynode_get(n, "sections"))) {
		names = ynode_strv(v, "crashes: sections", &count);
		add_strv(&l->crash_sections, &l->n_crash_sections, names, count);
	}
}

/* A byte offset or size in layout: (a decimal or 0x number). */
static int64_t read_offset(const struct ynode *n, const char *what)
{
	const char *s = ynode_str(n, what);
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end || v < 0 || v > (1LL << 32))
		ynode_die(n, "layout: %s is a byte offset or size (such as 312), not '%s'", what, s);
	return v;
}

static void layout_release(struct ko_loader_layout *y)
{
	free(y->dump);
	free(y->triple);
	free(y->source);
	strv_free(y->param_members, y->n_param_members);
	free(y->param_offsets);
	memset(y, 0, sizeof(*y));
	y->module_size = y->init = y->exit = y->param_size = -1;
}

/*
 * layout: one of a dump, a triple, or the offsets (module: and kernel_param:). A later one
 * (an arch's) replaces an earlier one (the common one).
 */
static void read_layout(struct ko_loader *l, const struct ynode *n)
{
	static const char *const keys[] = { "dump", "triple", "module", "kernel_param", NULL };
	static const char *const module_keys[] = { "size", "init", "exit", NULL };
	struct ko_loader_layout *y = &l->layout;
	const struct ynode *v, *m, *k;
	int forms;

	if (!n)
		return;
	if (n->kind != YNODE_MAPPING)
		ynode_die(n, "layout is a dump (dump: FILE), a triple (triple: riscv64:6.17) or the offsets the loader "
			  "reads (module: {size, init, exit}, kernel_param: {size, arg, ...})");
	ynode_check_keys(n, keys);
	m = ynode_get(n, "module");
	k = ynode_get(n, "kernel_param");
	forms = !!ynode_get(n, "dump") + !!ynode_get(n, "triple") + !!(m || k);
	if (forms != 1)
		ynode_die(n, "layout: give one of dump, triple, or module and kernel_param offsets%s",
			  forms ? ", not several" : "");
	layout_release(y);
	l->has_layout = 1;
	if ((v = ynode_get(n, "dump"))) {
		const char *name = ynode_str(v, "layout dump"), *slash = strrchr(l->file, '/');

		y->dump = name[0] == '/' || !slash ? xstrdup(name)
			  : xasprintf("%.*s/%s", (int)(slash - l->file), l->file, name);
		y->source = xasprintf("compiled against %s", name);
		return;
	}
	if ((v = ynode_get(n, "triple"))) {
		const char *t = ynode_str(v, "layout triple"), *colon = strchr(t, ':');

		if (!colon || colon == t || !colon[1])
			ynode_die(v, "layout: triple is ARCH:VERSION, such as riscv64:6.17, not '%s'", t);
		y->triple = xstrdup(t);
		y->source = xasprintf("compiled against %s", t);
		return;
	}
	y->source = xstrdup("its layout: offsets");
	if (m) {
		if (m->kind != YNODE_MAPPING)
			ynode_die(m, "layout: module maps size, init and exit to byte offsets");
		ynode_check_keys(m, module_keys);
		if ((v = ynode_get(m, "size")))
			y->module_size = read_offset(v, "module size");
		if ((v = ynode_get(m, "init")))
			y->init = read_offset(v, "module init");
		if ((v = ynode_get(m, "exit")))
			y->exit = read_offset(v, "module exit");
	}
	if (k) {
		if (k->kind != YNODE_MAPPING)
			ynode_die(k, "layout: kernel_param maps size and the members it reads (name, ops, arg) to byte offsets");
		for (size_t i = 0; i + 1 < k->n_items; i += 2) {
			const char *key = ynode_str(k->items[i], "kernel_param member");
			char what[96];
			int64_t off;

			snprintf(what, sizeof(what), "kernel_param %s", key);
			off = read_offset(k->items[i + 1], what);

			if (!strcmp(key, "size")) {
				y->param_size = off;
				continue;
			}
			y->param_members = xrealloc(y->param_members, (y->n_param_members + 1) * sizeof(char *));
			y->param_offsets = xrealloc(y->param_offsets, (y->n_param_members + 1) * sizeof(int64_t));
			y->param_members[y->n_param_members] = xstrdup(key);
			y->param_offsets[y->n_param_members++] = off;
		}
	}
}

static void read_sections(struct ko_loader *l, const struct ynode *n)
{
	static const char *const keys[] = { "handled", "ignored", "refused", "unprocessed", "required", "other",
					    NULL };
	const struct ynode *v;

	if (!n)
		return;
	if (n->kind != YNODE_MAPPING)
		ynode_die(n, "sections maps handled, ignored, unprocessed, refused, required and other to section names");
	ynode_check_keys(n, keys);
	if ((v = ynode_get(n, "unprocessed")))
		l->unprocessed = ynode_strv(v, "unprocessed", &l->n_unprocessed);
	read_required(l, ynode_get(n, "required"));
	if ((v = ynode_get(n, "handled")))
		l->handled = ynode_strv(v, "handled", &l->n_handled);
	if ((v = ynode_get(n, "ignored")))
		l->ignored = ynode_strv(v, "ignored", &l->n_ignored);
	if ((v = ynode_get(n, "refused")))
		l->refused = ynode_strv(v, "refused", &l->n_refused);
	if ((v = ynode_get(n, "other"))) {
		const char *s = ynode_str(v, "other");

		if (strcmp(s, "ignore") && strcmp(s, "refuse") && strcmp(s, "unprocessed"))
			ynode_die(v, "sections: other is ignore, refuse or unprocessed, not '%s'", s);
		l->refuse_other = !strcmp(s, "refuse");
		l->unprocessed_other = !strcmp(s, "unprocessed");
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
	static const char *const keys[] = { "relocations", "placement", "plt", "got", "sections", "crashes",
					    "layout", NULL };
	static const char *const section_keys[] = { "required", NULL };
	const struct ynode *v;

	if (a->kind != YNODE_MAPPING)
		ynode_die(a, "an arch maps relocations, placement, plt, got, sections, crashes and layout");
	ynode_check_keys(a, keys);
	if (!(v = ynode_get(a, "relocations")))
		ynode_die(a, "missing key 'relocations': the relocation types this loader implements");
	l->relocations = ynode_strv(v, "relocations", &l->n_relocations);
	l->placement_text = xstrdup("kernel");
	if ((v = ynode_get(a, "placement"))) {
		const char *s = ynode_str(v, "placement");

		if (placement_is(s, "anywhere"))
			l->placement = KO_PLACE_ANYWHERE;
		else if (placement_is(s, "near-kernel"))
			l->placement = KO_PLACE_NEAR_KERNEL;
		else if (!placement_is(s, "kernel"))
			ynode_die(v, "placement is 'kernel' (as Linux: the top 2 GiB, within 2 GiB of the kernel), "
				  "'near-kernel' (within 2 GiB of the kernel image, elsewhere) or 'anywhere', "
				  "optionally followed by a space and a note; not '%s'", s);
		free(l->placement_text);
		l->placement_text = xstrdup(s);
	}
	if ((v = ynode_get(a, "plt")))
		l->plt = ynode_bool(v, "plt");
	if ((v = ynode_get(a, "got")))
		l->got = ynode_bool(v, "got");
	if ((v = ynode_get(a, "sections"))) {
		if (v->kind != YNODE_MAPPING)
			ynode_die(v, "an arch's sections map required to the sections the loader cannot load without");
		ynode_check_keys(v, section_keys);
		read_required(l, ynode_get(v, "required"));
	}
	read_crashes(l, ynode_get(a, "crashes"), 1);
	read_layout(l, ynode_get(a, "layout"));
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
	static const char *const keys[] = { "name", "description", "symbols", "exports", "sections", "crashes", "layout",
					    "arches", NULL };
	struct ydoc *doc = ydoc_load(file);
	struct ko_loader *l = xcalloc(1, sizeof(*l));
	const struct ynode *n, *a;

	report_hold(doc, doc_free);
	report_hold(l, loader_free_held);
	l->file = xstrdup(file);
	layout_release(&l->layout);
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
	read_crashes(l, ynode_get(doc->root, "crashes"), 0);
	read_layout(l, ynode_get(doc->root, "layout"));
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
	strv_free(l->unprocessed, l->n_unprocessed);
	strv_free(l->required, l->n_required);
	strv_free(l->crash_relocations, l->n_crash_relocations);
	strv_free(l->crash_sections, l->n_crash_sections);
	layout_release(&l->layout);
	strv_free(l->symbols, l->n_symbols);
	free(l->placement_text);
	free(l->description);
	free(l->name);
	free(l->file);
	free(l);
}

bool ko_loader_provides(const struct ko_loader *l, const char *symbol)
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
	if (listed(l->unprocessed, l->n_unprocessed, name))
		return 'u';
	if (listed(l->ignored, l->n_ignored, name))
		return 'i';
	return 0;
}

int ko_loader_crash_section(const struct ko_loader *l, const char *name)
{
	return listed(l->crash_sections, l->n_crash_sections, name);
}
