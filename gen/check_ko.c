/*
 * check_ko.c: 'kabigen check-ko' judges real modules against one triple's layout model and
 * a loader profile, before anyone tries to load them in a foreign kernel:
 *
 *   - the ABI: vermagic, sizeof(struct module), where init and exit are relocated into
 *     __this_module, the name in it, the __param stride and where its relocations land,
 *     __versions CRCs against Module.symvers, imports no kernel of the triple exports;
 *   - the loader: relocation types it does not implement, and what the ones it does imply
 *     for where modules must be placed (R_X86_64_32S needs the top 2 GiB; a B26 branch to
 *     the kernel needs a PLT), special sections it refuses, symbols it does not provide,
 *     param_ops_* it has not got.
 *
 * Modules are read on all cores (libelf handles are per thread); the verdicts come out
 * in path order whatever the thread timing, so two runs print the same report.
 */
#include "check_ko.h"
#include "ko.h"
#include "ko_facts.h"
#include "ko_loader.h"
#include "layout.h"
#include "layout_read.h"
#include "profile.h"
#include "report.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>

/* ---- Module.symvers: CRC, symbol, module, export type, namespace; tab-separated ---- */

struct export {
	char *name;
	uint64_t crc;
	int gpl;
	char *ns;	/* "" when not namespaced */
	UT_hash_handle hh;
};

static void exports_free(struct export *table)
{
	struct export *e, *tmp;

	HASH_ITER(hh, table, e, tmp) {
		HASH_DEL(table, e);
		free(e->name);
		free(e->ns);
		free(e);
	}
}

static struct export *exports_load(const char *path)
{
	size_t len;
	char *text = read_file(path, &len), *save = NULL;
	struct export *table = NULL;
	unsigned line_no = 0;

	if (!text)
		die("%s: cannot read it: %s; pass the tree's Module.symvers with --symvers", path, strerror(errno));
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *field[5] = { NULL }, *p = line;
		struct export *e;
		size_t n = 0;

		line_no++;
		while (n < 5) {
			field[n++] = p;
			if (!(p = strchr(p, '\t')))
				break;
			*p++ = '\0';
		}
		if (n < 4)
			die("%s:%u: not a Module.symvers line (CRC, symbol, module, export type); give the tree's "
			    "Module.symvers", path, line_no);
		HASH_FIND_STR(table, field[1], e);
		if (e)
			continue;
		e = xcalloc(1, sizeof(*e));
		e->name = xstrdup(field[1]);
		e->crc = strtoull(field[0], NULL, 16);
		e->gpl = strstr(field[3], "_GPL") != NULL;
		e->ns = xstrdup(field[4] ? field[4] : "");
		HASH_ADD_KEYPTR(hh, table, e->name, strlen(e->name), e);
	}
	free(text);
	return table;
}

/* ---- relocations and where they force modules to be ---- */

enum need { NEED_KERNEL_PLACEMENT, NEED_PLACEMENT_OR_PLT, NEED_PLT, NEED_GOT };

/*
 * What a relocation type implies for the loader beyond computing it, by the ELF ABI of
 * each arch (names, resolved through the model). A trailing '*' matches a prefix.
 * EXTERNAL: only when it refers to a symbol outside the module (the kernel's).
 */
static const struct consequence {
	const char *name;
	enum need need;
	int external;
	const char *why;
} consequences[] = {
	{ "R_X86_64_32S", NEED_KERNEL_PLACEMENT, 0,
	  "a sign-extended 32-bit absolute address: the module must lie in the top 2 GiB of the address space" },
	{ "R_X86_64_PC32", NEED_KERNEL_PLACEMENT, 1,
	  "a 32-bit PC-relative reference to a kernel symbol: the module must lie within +-2 GiB of the kernel" },
	{ "R_X86_64_PLT32", NEED_KERNEL_PLACEMENT, 1,
	  "a 32-bit PC-relative call to a kernel symbol: the module must lie within +-2 GiB of the kernel" },
	{ "R_RISCV_CALL_PLT", NEED_PLACEMENT_OR_PLT, 1,
	  "auipc+jalr reaches +-2 GiB: the kernel must lie within 2 GiB of the module, or the loader builds a PLT" },
	{ "R_RISCV_CALL", NEED_PLACEMENT_OR_PLT, 1,
	  "auipc+jalr reaches +-2 GiB: the kernel must lie within 2 GiB of the module, or the loader builds a PLT" },
	{ "R_RISCV_GOT_HI20", NEED_GOT, 0, "an address loaded from a GOT entry: the loader must build a GOT" },
	{ "R_AARCH64_CALL26", NEED_PLACEMENT_OR_PLT, 1,
	  "a 26-bit branch reaches +-128 MiB: the kernel must be that close, or the loader builds a PLT" },
	{ "R_AARCH64_JUMP26", NEED_PLACEMENT_OR_PLT, 1,
	  "a 26-bit branch reaches +-128 MiB: the kernel must be that close, or the loader builds a PLT" },
	{ "R_AARCH64_ADR_GOT_PAGE", NEED_GOT, 0, "an address loaded from a GOT entry: the loader must build a GOT" },
	{ "R_AARCH64_LD64_GOT_LO12_NC", NEED_GOT, 0, "an address loaded from a GOT entry: the loader must build a GOT" },
	{ "R_LARCH_B26", NEED_PLT, 1,
	  "a 28-bit branch reaches +-128 MiB: calls into the kernel go through a PLT the loader builds" },
	{ "R_LARCH_GOT_*", NEED_GOT, 0, "an address loaded from a GOT entry: the loader must build a GOT" },
	{ "R_LARCH_GOT64_*", NEED_GOT, 0, "an address loaded from a GOT entry: the loader must build a GOT" },
};

static int name_matches(const char *pattern, const char *name)
{
	size_t len = strlen(pattern);

	return len && pattern[len - 1] == '*' ? !strncmp(pattern, name, len - 1) : !strcmp(pattern, name);
}

static int need_met(const struct ko_loader *l, enum need need)
{
	switch (need) {
	case NEED_KERNEL_PLACEMENT: return l->placement == KO_PLACE_KERNEL;
	case NEED_PLACEMENT_OR_PLT: return l->placement == KO_PLACE_KERNEL || l->plt;
	case NEED_PLT: return l->plt;
	case NEED_GOT: return l->got;
	}
	return 0;
}

static const char *need_text(const struct ko_loader *l, enum need need)
{
	switch (need) {
	case NEED_KERNEL_PLACEMENT:
	case NEED_PLACEMENT_OR_PLT:
		return l->plt || need == NEED_KERNEL_PLACEMENT ? "placement" : "placement, plt";
	case NEED_PLT: return "plt";
	case NEED_GOT: return "got";
	}
	return "";
}

/* ---- one module ---- */

struct context {
	const struct ko_facts *facts;
	const struct ko_loader *loader;
	struct export *exports;		/* NULL: no Module.symvers */
	unsigned *supported;		/* the profile's relocation types, as numbers */
	size_t n_supported;
	int relocs_named;
};

static void add_finding(struct ko_result *r, enum ko_finding_kind kind, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_finding(struct ko_result *r, enum ko_finding_kind kind, const char *reason, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	r->findings = xrealloc(r->findings, (r->n_findings + 1) * sizeof(*r->findings));
	r->findings[r->n_findings++] = (struct ko_finding){ kind, xstrdup(reason), sb.buf };
	if (kind == KO_FAIL)
		r->status |= CHECK_KO_FAILS_PROFILE;
	else if (kind == KO_MISMATCH)
		r->status |= CHECK_KO_DISAGREES;
}

static void check_this_module(const struct context *c, const struct ko_module *m, struct ko_result *r)
{
	const struct kabi_record *mod = c->facts->module;
	const struct ko_table *t = &m->this_module;
	int64_t init = ko_member_offset(mod, "init"), exit_ = ko_member_offset(mod, "exit");
	int64_t name = ko_member_offset(mod, "name");

	if (!t->present) {
		add_finding(r, KO_MISMATCH, "no __this_module",
			    "no .gnu.linkonce.this_module section: not a kernel module, or not one built by kbuild");
		return;
	}
	if (!mod)
		return;
	if (t->size != mod->size)
		add_finding(r, KO_MISMATCH, "struct module size",
			    "__this_module is %llu bytes, the triple's struct module %llu",
			    (unsigned long long)t->size, (unsigned long long)mod->size);
	if (t->align != mod->align)
		add_finding(r, KO_MISMATCH, "struct module alignment",
			    "__this_module is aligned to %llu, the triple's struct module to %u",
			    (unsigned long long)t->align, mod->align);
	for (size_t i = 0; i < t->n_relocs; i++) {
		const struct ko_field_reloc *f = &t->relocs[i];
		const char *member = !strcmp(f->symbol, "init_module") ? "init"
				     : !strcmp(f->symbol, "cleanup_module") ? "exit" : NULL;
		int64_t want = member && !strcmp(member, "init") ? init : exit_;

		if (!member)
			continue;
		if (want < 0)
			add_finding(r, KO_MISMATCH, member[0] == 'i' ? "init offset" : "exit offset",
				    "%s is relocated at %llu, but the triple's struct module has no '%s'", f->symbol,
				    (unsigned long long)f->offset, member);
		else if ((int64_t)f->offset != want)
			add_finding(r, KO_MISMATCH, member[0] == 'i' ? "init offset" : "exit offset",
				    "%s at %llu (%s relocated there), the triple's struct module has it at %lld", member,
				    (unsigned long long)f->offset, f->symbol, (long long)want);
	}
	if (name >= 0 && t->data && m->modinfo_name && (uint64_t)name < t->size) {
		const char *at = (const char *)t->data + name;
		size_t room = (size_t)(t->size - (uint64_t)name);

		if (strnlen(at, room) == room || strcmp(at, m->modinfo_name))
			add_finding(r, KO_MISMATCH, "name offset",
				    "__this_module has no '%s' at the triple's name offset %lld: another layout of "
				    "struct module", m->modinfo_name, (long long)name);
	}
}

static int is_param_op(const struct ko_facts *f, const char *name)
{
	for (size_t i = 0; i < f->n_param_ops; i++)
		if (!strcmp(f->param_ops[i], name))
			return 1;
	return 0;
}

static void check_params(const struct context *c, const struct ko_module *m, struct ko_result *r)
{
	const struct kabi_record *kp = c->facts->kernel_param;
	const struct ko_table *t = &m->param;
	static const char *const pointers[] = { "name", "mod", "ops", "arg" };
	int64_t offs[4];
	uint64_t stride;

	if (!t->present || !kp || !kp->size)
		return;
	stride = kp->size;
	if (t->size % stride) {
		add_finding(r, KO_MISMATCH, "__param stride",
			    "__param is %llu bytes, not a multiple of the triple's struct kernel_param (%llu)",
			    (unsigned long long)t->size, (unsigned long long)stride);
		return;
	}
	for (size_t i = 0; i < 4; i++)
		offs[i] = ko_member_offset(kp, pointers[i]);
	for (size_t i = 0; i < t->n_relocs; i++) {
		const struct ko_field_reloc *f = &t->relocs[i];
		int64_t in = (int64_t)(f->offset % stride);
		size_t k;

		for (k = 0; k < 4 && offs[k] != in; k++)
			;
		if (k == 4) {
			add_finding(r, KO_MISMATCH, "__param relocation",
				    "__param entry %llu has a relocation at +%lld (%s), on no pointer of the triple's "
				    "struct kernel_param", (unsigned long long)(f->offset / stride), (long long)in, f->symbol);
			continue;
		}
		if (strcmp(pointers[k], "ops") || !f->undefined)
			continue;
		if (!is_param_op(c->facts, f->symbol))
			add_finding(r, KO_FAIL, "param ops",
				    "parameter %llu uses %s, which is not one of the kernel_param_ops the triple's headers "
				    "declare", (unsigned long long)(f->offset / stride), f->symbol);
	}
}

static void check_vermagic(const struct context *c, const struct ko_module *m, struct ko_result *r)
{
	if (!m->vermagic)
		add_finding(r, KO_MISMATCH, "vermagic", "no vermagic in .modinfo");
	else if (c->facts->vermagic && strcmp(m->vermagic, c->facts->vermagic))
		add_finding(r, KO_MISMATCH, "vermagic", "vermagic \"%s\", the triple's \"%s\"", m->vermagic,
			    c->facts->vermagic);
}

static int supported(const struct context *c, unsigned type)
{
	for (size_t i = 0; i < c->n_supported; i++)
		if (c->supported[i] == type)
			return 1;
	return 0;
}

static void check_relocations(const struct context *c, const struct ko_module *m, struct ko_result *r)
{
	const struct ko_loader *l = c->loader;

	if (!c->relocs_named)
		return;
	for (size_t i = 0; i < m->n_relocs; i++) {
		const struct ko_reloc_use *u = &m->relocs[i];
		const char *name = ko_reloc_name(c->facts, u->type);
		char reason[96];

		if (!name) {
			snprintf(reason, sizeof(reason), "relocation type %u", u->type);
			add_finding(r, KO_FAIL, reason, "relocation type %u (x%lu) is none the triple's headers name",
				    u->type, u->count);
			continue;
		}
		if (!supported(c, u->type)) {
			snprintf(reason, sizeof(reason), "relocation %s", name);
			add_finding(r, KO_FAIL, reason, "%s (x%lu): loader %s does not implement it", name, u->count,
				    l->name);
			continue;
		}
		for (size_t k = 0; k < sizeof(consequences) / sizeof(consequences[0]); k++) {
			const struct consequence *q = &consequences[k];
			unsigned long n = q->external ? u->external : u->count;

			if (!name_matches(q->name, name) || !n || need_met(l, q->need))
				continue;
			snprintf(reason, sizeof(reason), "%s needs %s", name,
				 q->need == NEED_GOT ? "a GOT" : q->need == NEED_PLT ? "a PLT"
				 : q->need == NEED_PLACEMENT_OR_PLT ? "a PLT or nearby kernel"
				 : strcmp(name, "R_X86_64_32S") ? "the kernel within 2 GiB" : "the top 2 GiB");
			add_finding(r, KO_FAIL, reason, "%s (x%lu%s): %s; loader %s has %s: %s%s", name, n,
				    q->external ? " to kernel symbols" : "", q->why, l->name, need_text(l, q->need),
				    q->need == NEED_GOT ? (l->got ? "true" : "false")
				    : q->need == NEED_PLT ? (l->plt ? "true" : "false") : l->placement_text,
				    q->need == NEED_PLACEMENT_OR_PLT ? (l->plt ? "" : ", plt: false") : "");
			break;
		}
	}
}

/*
 * A special section is one a loader must understand beyond copying it: everything it
 * allocates except code, data, read-only data, bss and notes. (The model's section table
 * will name them with their element structs.)
 */
static int is_special_section(const struct ko_section *s)
{
	static const char *const ordinary[] = { ".text", ".data", ".rodata", ".bss", ".sbss", ".sdata",
						".init.", ".exit.", ".note", ".modinfo",
						".gnu.linkonce.this_module", "__versions", ".ref." };

	if (!(s->flags & SHF_ALLOC) || !*s->name)
		return 0;
	for (size_t i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++)
		if (!strncmp(s->name, ordinary[i], strlen(ordinary[i])))
			return 0;
	return 1;
}

static void check_sections(const struct context *c, const struct ko_module *m, struct ko_result *r)
{
	for (size_t i = 0; i < m->n_sections; i++) {
		const struct ko_section *s = &m->sections[i];
		int how;
		const char *word;
		char reason[160];

		if (!is_special_section(s))
			continue;
		how = ko_loader_section(c->loader, s->name);
		word = how == 'h' ? "handled" : how == 'i' ? "ignored" : how == 'r' ? "refused" : "unlisted";
		r->sections_special = xrealloc(r->sections_special,
					       (r->n_sections_special + 1) * sizeof(*r->sections_special));
		r->sections_special[r->n_sections_special++] = xasprintf("%s %s", s->name, word);
		if (how == 'r' || (!how && c->loader->refuse_other)) {
			snprintf(reason, sizeof(reason), "section %s", s->name);
			add_finding(r, KO_FAIL, reason, "section %s (%llu bytes): loader %s %s", s->name,
				    (unsigned long long)s->size, c->loader->name,
				    how ? "refuses it" : "lists it nowhere and refuses what it does not list");
		}
	}
}

static void check_symbols(const struct context *c, const struct ko_module *m, struct ko_result *r)
{
	for (size_t i = 0; i < m->n_imports; i++) {
		const struct ko_import *imp = &m->imports[i];
		struct export *e = NULL;
		int provided;

		if (c->exports)
			HASH_FIND_STR(c->exports, imp->name, e);
		if (imp->hidden) {
			add_finding(r, KO_FAIL, "hidden import",
				    "imports %s with hidden visibility: the kernel never resolves a hidden symbol", imp->name);
			continue;
		}
		if (c->exports && !e && !imp->weak)
			add_finding(r, KO_MISMATCH, "not exported",
				    "imports %s, which no kernel or module of the triple exports (Module.symvers)", imp->name);
		provided = c->loader->symbols_from == KO_SYMBOLS_SYMVERS ? e != NULL || !c->exports
									 : ko_loader_provides(c->loader, imp->name);
		if (!provided && !imp->weak && (c->loader->symbols_from == KO_SYMBOLS_LIST))
			add_finding(r, KO_FAIL, "symbol not provided", "imports %s, which loader %s does not provide",
				    imp->name, c->loader->name);
		if (e && e->ns[0])
			add_finding(r, KO_NOTE, "namespaced import", "imports %s from namespace %s", imp->name, e->ns);
	}
	for (size_t i = 0; c->exports && i < m->n_versions; i++) {
		const struct ko_version *v = &m->versions[i];
		struct export *e;

		HASH_FIND_STR(c->exports, v->name, e);
		if (e && e->crc != v->crc)
			add_finding(r, KO_MISMATCH, "CRC", "__versions has %s with CRC 0x%08llx, Module.symvers 0x%08llx",
				    v->name, (unsigned long long)v->crc, (unsigned long long)e->crc);
	}
}

static void check_module(const struct context *c, const char *path, struct ko_result *r)
{
	size_t version_entry = c->facts->modversion_info ? c->facts->modversion_info->size : 0;
	struct ko_module *m = ko_read(path, c->facts->machine, c->facts->elf_class, version_entry);

	r->module = m;
	if (m->error) {
		r->status = 1;
		return;
	}
	check_vermagic(c, m, r);
	check_this_module(c, m, r);
	check_params(c, m, r);
	check_relocations(c, m, r);
	check_sections(c, m, r);
	check_symbols(c, m, r);
}

/* ---- many modules, on every core ---- */

struct scan {
	const struct context *ctx;
	char **paths;
	struct ko_result *results;
	size_t n;
	atomic_size_t next;
};

static void *scan_worker(void *arg)
{
	struct scan *s = arg;
	size_t i;

	while ((i = atomic_fetch_add(&s->next, 1)) < s->n)
		check_module(s->ctx, s->paths[i], &s->results[i]);
	return NULL;
}

static void scan_all(struct scan *s, long jobs)
{
	pthread_t *threads;
	long started = 0;

	if (jobs > (long)s->n)
		jobs = (long)s->n;
	if (jobs < 1)
		jobs = 1;
	threads = xcalloc((size_t)jobs, sizeof(*threads));
	for (long i = 1; i < jobs; i++)
		if (!pthread_create(&threads[i], NULL, scan_worker, s))
			started = i;
	scan_worker(s);
	for (long i = 1; i <= started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
}

static int is_module_name(const char *name)
{
	static const char *const ends[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t e = strlen(ends[i]);

		if (len > e && !strcmp(name + len - e, ends[i]))
			return 1;
	}
	return 0;
}

static void collect(const char *path, int top, struct strset *out)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (stat(path, &st)) {
		if (top)
			die("%s: %s; give a module (.ko, .ko.xz, .ko.zst, .ko.gz) or a folder of them", path,
			    strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (top || is_module_name(path))
			strset_add(out, path);
		return;
	}
	if (!(d = opendir(path)))
		die("%s: cannot read the folder: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		char *child;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = xasprintf("%s/%s", path, de->d_name);
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN || is_module_name(de->d_name))
			collect(child, 0, out);
		free(child);
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the command ---- */

static const char check_ko_usage[] =
	"usage: kabigen check-ko (--arch ARCH (--kdir DIR | --kver VERSION [--flavour F]) | --layout kabi.json)\n"
	"                        [--loader PROFILE] [--symvers FILE] [--format text|md|json] [-j N] [--verbose]\n"
	"                        MODULE|DIR...\n"
	"\n"
	"Checks kernel modules (.ko, .ko.xz, .ko.zst, .ko.gz; folders are searched) against one\n"
	"triple's layouts and a loader profile: vermagic, struct module, __param, __versions,\n"
	"relocation types and what they need of module placement, special sections, imports.\n"
	"\n"
	"  --layout FILE      a layout dump (kabigen --format json) instead of a tree\n"
	"  --loader PROFILE   a loader profile: a YAML file, or a name in configs/loaders (default: linux)\n"
	"  --symvers FILE     the Module.symvers to check imports and CRCs against (default: the tree's)\n"
	"  --format FORMAT    text (the default), md or json\n"
	"  -j N               modules read at once (default: the number of cores)\n"
	"  --verbose          with text, list every module, not only those with findings\n"
	"\n"
	"Exit status: 0 every module loads; 1 an error (an unreadable module among them);\n"
	"2 usage; 4 some module fails the loader profile; 8 some module disagrees with the\n"
	"triple's layouts or exports (bits add up: 12).\n";

struct ck_options {
	struct check_ko_triple triple;
	const char *layout, *loader, *symvers, *format;
	long jobs;
	int verbose;
};

static void parse(int argc, char **argv, struct ck_options *o)
{
	enum { OPT_ARCH = 256, OPT_KDIR, OPT_KVER, OPT_FLAVOUR, OPT_OFFLINE, OPT_LAYOUT, OPT_LOADER, OPT_SYMVERS,
	       OPT_FORMAT, OPT_VERBOSE };
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "kdir", required_argument, NULL, OPT_KDIR },
		{ "kver", required_argument, NULL, OPT_KVER },
		{ "flavour", required_argument, NULL, OPT_FLAVOUR },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ "layout", required_argument, NULL, OPT_LAYOUT },
		{ "loader", required_argument, NULL, OPT_LOADER },
		{ "symvers", required_argument, NULL, OPT_SYMVERS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ARCH: o->triple.arch = optarg; break;
		case OPT_KDIR: o->triple.kdir = optarg; break;
		case OPT_KVER: o->triple.kver = optarg; break;
		case OPT_FLAVOUR: o->triple.flavour = optarg; break;
		case OPT_OFFLINE: o->triple.offline = 1; break;
		case OPT_LAYOUT: o->layout = optarg; break;
		case OPT_LOADER: o->loader = optarg; break;
		case OPT_SYMVERS: o->symvers = optarg; break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_VERBOSE: o->verbose = 1; break;
		case 'j':
			o->jobs = strtol(optarg, &end, 10);
			if (*end || o->jobs < 1 || o->jobs > 1024)
				usage_die("-j %s: give a number of modules to read at once, 1 to 1024", optarg);
			break;
		case 'h':
			fputs(check_ko_usage, stdout);
			exit(0);
		case ':':
			usage_die("%s needs a value", argv[optind - 1]);
		default:
			usage_die("unknown option %s for 'kabigen check-ko'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		usage_die("'kabigen check-ko' needs modules: MODULE.ko or a folder of them");
	if (!!o->layout == !!(o->triple.kdir || o->triple.kver))
		usage_die("give the triple as --arch with --kdir or --kver, or as --layout kabi.json");
	if (o->layout && (o->triple.arch || o->triple.flavour || o->triple.offline))
		usage_die("--layout carries its arch; it takes no --arch, --flavour or --offline");
	if (!o->layout && !o->triple.arch)
		usage_die("--arch is required with --kdir or --kver (x86_64, arm64, riscv64, loongarch64)");
	if (o->triple.kdir && o->triple.kver)
		usage_die("give one of --kdir (a tree you have) or --kver (fetched from the archive)");
	if ((o->triple.flavour || o->triple.offline) && !o->triple.kver)
		usage_die("%s goes with --kver", o->triple.flavour ? "--flavour" : "--offline");
	if (!o->format)
		o->format = "text";
	if (strcmp(o->format, "text") && strcmp(o->format, "md") && strcmp(o->format, "json"))
		usage_die("--format %s: a check-ko report is text, md or json", o->format);
}

static char *loader_path(const char *configs, const char *loader)
{
	if (!loader)
		loader = "linux";
	if (strchr(loader, '/') || strstr(loader, ".yaml"))
		return xstrdup(loader);
	return xasprintf("%s/loaders/%s.yaml", configs, loader);
}

/* The profile's relocation names as this triple's numbers; a name the triple lacks is an error. */
static void resolve_relocations(struct context *c)
{
	const struct ko_loader *l = c->loader;

	c->relocs_named = ko_facts_have_relocs(c->facts);
	if (!c->relocs_named) {
		warn("the layout model names no relocation types; relocations are counted by number and not "
		     "checked against loader %s", l->name);
		return;
	}
	c->supported = xcalloc(l->n_relocations + 1, sizeof(*c->supported));
	for (size_t i = 0; i < l->n_relocations; i++) {
		if (ko_reloc_number(c->facts, l->relocations[i], &c->supported[c->n_supported]))
			die("%s: relocation %s is none of this triple's (%s*); correct the loader profile", l->file,
			    l->relocations[i], c->facts->reloc_prefix ? c->facts->reloc_prefix : "R_");
		c->n_supported++;
	}
}

static void result_release(struct ko_result *r)
{
	for (size_t i = 0; i < r->n_findings; i++) {
		free(r->findings[i].reason);
		free(r->findings[i].text);
	}
	free(r->findings);
	strv_free(r->sections_special, r->n_sections_special);
	ko_free(r->module);
}

int check_ko_main(int argc, char **argv, const char *configs, check_ko_model_fn model_of)
{
	struct ck_options o = { 0 };
	struct kabi_model *model;
	struct ko_facts facts;
	struct ko_loader *loader;
	struct arch_profile *arch = NULL;
	struct context ctx = { 0 };
	struct strset paths = { 0 };
	struct scan scan = { 0 };
	struct ko_report rep = { 0 };
	char *kdir = NULL, *symvers = NULL, *lpath, *target, *text;
	int status = 0;

	parse(argc, argv, &o);
	for (int i = optind; i < argc; i++)
		collect(argv[i], 1, &paths);
	if (!paths.n)
		die("%s: no modules (.ko, .ko.xz, .ko.zst, .ko.gz) there", argv[optind]);
	qsort(paths.v, paths.n, sizeof(*paths.v), cmp_str);
	model = o.layout ? layout_read_json(o.layout) : model_of(configs, &o.triple, &kdir);
	ko_facts_init(&facts, model);
	arch = profile_load(configs, model->prov.arch ? model->prov.arch : o.triple.arch);
	lpath = loader_path(configs, o.loader);
	loader = ko_loader_load(lpath, arch->name, arch->aliases, arch->n_aliases);
	ctx.facts = &facts;
	ctx.loader = loader;
	resolve_relocations(&ctx);
	if (o.symvers)
		symvers = xstrdup(o.symvers);
	else if (kdir)
		symvers = xasprintf("%s/Module.symvers", kdir);
	if (symvers && !o.symvers && access(symvers, R_OK)) {
		warn("%s: no Module.symvers in the tree; imports and CRCs are not checked (pass --symvers)", symvers);
		free(symvers);
		symvers = NULL;
	}
	if (symvers)
		ctx.exports = exports_load(symvers);
	else if (o.layout)
		warn("no --symvers: imports are not checked against what the triple exports");
	if (!facts.machine)
		warn("the layout model's arch %s is not one check-ko knows the ELF machine of; any machine is accepted",
		     model->prov.kernel_arch ? model->prov.kernel_arch : "(none)");

	scan = (struct scan){ &ctx, paths.v, xcalloc(paths.n, sizeof(struct ko_result)), paths.n, 0 };
	scan_all(&scan, o.jobs ? o.jobs : sysconf(_SC_NPROCESSORS_ONLN));

	target = xasprintf("%s (%s)", model->prov.release ? model->prov.release : "?",
			   model->prov.arch ? model->prov.arch : "?");
	rep = (struct ko_report){ target, loader->name, loader->file, symvers, ctx.relocs_named, &facts,
				  scan.results, scan.n };
	for (size_t i = 0; i < scan.n; i++) {
		if (scan.results[i].module->error)
			fprintf(stderr, "kabigen: error: %s\n", scan.results[i].module->error);
		status |= scan.results[i].status;
	}
	text = !strcmp(o.format, "json") ? check_ko_report_json(&rep)
	       : !strcmp(o.format, "md") ? check_ko_report_md(&rep) : check_ko_report_text(&rep, o.verbose);
	fputs(text, stdout);
	free(text);
	for (size_t i = 0; i < scan.n; i++)
		result_release(&scan.results[i]);
	free(scan.results);
	strv_free(paths.v, paths.n);
	free(target);
	free(ctx.supported);
	exports_free(ctx.exports);
	free(symvers);
	free(kdir);
	free(lpath);
	ko_loader_free(loader);
	profile_free(arch);
	kabi_model_free(model);
	return fflush(stdout) ? 1 : status;
}
