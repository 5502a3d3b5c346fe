/*
 * crate.c: 'kabigen crate': a #![no_std] Rust crate of many triples, each a module under
 * a name a user can predict (riscv64::v7_2::generic), all compiled on any host; the arch
 * being built is also `native`, and a loader picks each module's triple at run time by
 * its vermagic (Triple::by_vermagic). Every model is built, and every file's text made,
 * before anything is written; the crate is written into a temporary folder beside -o and
 * then put in its place whole.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* renameat2 */
#endif
#include "input/archive.h"
#include "cmd/cmd.h"
#include "emit/emit.h"
#include "util/escape.h"
#include "util/fs.h"
#include "model/layout.h"
#include "build/model_build.h"
#include "util/outfile.h"
#include "input/profile.h"
#include "util/report.h"
#include "util/self.h"
#include "util/str.h"
#include "input/tree.h"
#include "util/yamldoc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_head[] =
	"usage: kabigen crate (--arch LIST --kver LIST [--flavour LIST] | FILE.yaml) -o DIR\n"
	"                     [--name NAME] [--set-file FILE] [--offline] [--no-cache]\n"
	"\n"
	"Writes a #![no_std] Rust crate without dependencies (Cargo.toml, src/) holding every\n"
	"triple: each arch of --arch with each version of --kver and each flavour of --flavour\n"
	"(comma-separated lists), or the triples of FILE.yaml as 'matrix' reads them. Each is the\n"
	"module ARCH::vVERSION::FLAVOUR (riscv64::v7_2::generic), compiled on any host; `native`\n"
	"is the arch being built (cfg target_arch), and Triple::by_vermagic(bytes) picks a module's\n"
	"triple at run time. The crate is written whole or not at all.\n";

enum { OPT_ARCH = 256, OPT_KVER, OPT_FLAVOUR, OPT_NAME, OPT_SET_FILE, OPT_OFFLINE, OPT_NO_CACHE };

static const struct cmd_option options[] = {
	{ OPT_ARCH, "arch", "LIST", "x86_64, arm64, riscv64, loongarch64 (or amd64, x86-64, aarch64, loong64)" },
	{ OPT_KVER, "kver", "LIST", "versions fetched from Debian's archive: 6.12, 7.2, 7.2.13, ..." },
	{ OPT_FLAVOUR, "flavour", "LIST", "configuration flavours (rt, cloud, 16k, ...; default: the generic one)" },
	{ 'o', "output", "DIR", "the crate's folder: created, or replaced if kabigen wrote it" },
	{ OPT_NAME, "name", "NAME", "the package name in Cargo.toml (default: kabi)" },
	{ OPT_SET_FILE, "set-file", "FILE", "the structs and constants (default: configs/sets/loader.yaml)" },
	{ OPT_OFFLINE, "offline", NULL, "use only kabigen's cache, never the network" },
	{ OPT_NO_CACHE, "no-cache", NULL, "parse every tree even when the result cache holds its model" },
	CMD_OPT_HELP,
	CMD_OPT_END,
};

/* The first line of the Cargo.toml it writes: the mark that lets a later run replace the folder. */
#define CRATE_MARK "# Written by 'kabigen crate'; the folder is replaced whole by the next run."

struct crate_options {
	const char *arch, *kver, *flavour, *file, *output, *name, *set_file;
	int offline, no_cache;
};

/* One triple: what was asked, and once built, its model and where it goes in the crate. */
struct triple {
	char *arch, *kver, *kdir, *flavour;	/* as asked; kver or kdir */
	int offline;
	char *what;				/* "riscv64 7.2 generic" or "row 3 of FILE", for messages */
	struct kabi_model *model;
	char *arch_name, *version, *flavour_name;	/* module names: riscv64, v7_2, generic */
	char *rust_arch;			/* cfg(target_arch): x86_64, aarch64, riscv64, loongarch64 */
	char *path;				/* riscv64::v7_2::generic */
	char *text;				/* the module's file */
};

struct crate {
	struct triple *t;
	size_t n;
};

static void crate_free(void *p)
{
	struct crate *c = p;

	for (size_t i = 0; i < c->n; i++) {
		struct triple *t = &c->t[i];

		free(t->arch);
		free(t->kver);
		free(t->kdir);
		free(t->flavour);
		free(t->what);
		kabi_model_free(t->model);
		free(t->arch_name);
		free(t->version);
		free(t->flavour_name);
		free(t->rust_arch);
		free(t->path);
		free(t->text);
	}
	free(c->t);
	c->t = NULL;
	c->n = 0;
}

static void parse_options(int argc, char **argv, struct crate_options *o)
{
	int c;

	while ((c = cmd_next_option(&cmd_crate, argc, argv)) != -1) {
		switch (c) {
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_KVER: o->kver = optarg; break;
		case OPT_FLAVOUR: o->flavour = optarg; break;
		case 'o': o->output = optarg; break;
		case OPT_NAME: o->name = optarg; break;
		case OPT_SET_FILE: o->set_file = optarg; break;
		case OPT_OFFLINE: o->offline = 1; break;
		case OPT_NO_CACHE: o->no_cache = 1; break;
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc)
		usage_die("unexpected argument '%s'; give one FILE.yaml", argv[optind]);
	if (!o->output)
		usage_die("-o DIR is required: the folder the crate is written to");
	if (o->file && (o->arch || o->kver || o->flavour))
		usage_die("give the triples as --arch and --kver lists or as %s, not both", o->file);
	if (!o->file && (!o->arch || !o->kver))
		usage_die("give --arch and --kver (comma-separated lists: --arch riscv64,arm64 --kver 6.12,7.2), "
			  "or a FILE.yaml of triples");
	if (!o->name)
		o->name = "kabi";
	for (const char *p = o->name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-') || p == o->name + 64)
			usage_die("--name '%s': a package name is lower-case letters, digits, '-' and '_' (64 at most)",
				  o->name);
	if (!*o->name || (o->name[0] >= '0' && o->name[0] <= '9'))
		usage_die("--name '%s': a package name starts with a letter", o->name);
}

/* A comma-separated list as a new array of *N new strings; an empty item is a usage error. */
static char **split_list(const char *list, const char *option, size_t *n)
{
	char **v = NULL;
	const char *p = list;

	*n = 0;
	for (;;) {
		size_t len = strcspn(p, ",");

		if (!len)
			usage_die("%s '%s': an empty item in the list", option, list);
		v = xgrow(v, *n, sizeof(*v));
		v[(*n)++] = xasprintf("%.*s", (int)len, p);
		if (!p[len])
			return v;
		p += len + 1;
	}
}

static void add_triple(struct crate *c, const char *arch, const char *kver, const char *kdir, const char *flavour,
		       int offline, char *what)
{
	struct triple *t;

	c->t = xgrow(c->t, c->n, sizeof(*c->t));
	t = &c->t[c->n++];
	memset(t, 0, sizeof(*t));
	t->arch = xstrdup(arch);
	t->kver = kver ? xstrdup(kver) : NULL;
	t->kdir = kdir ? xstrdup(kdir) : NULL;
	t->flavour = flavour && *flavour ? xstrdup(flavour) : NULL;
	t->offline = offline;
	t->what = what;
}

/* --arch x --kver x --flavour: every combination, in the lists' order. */
static void triples_from_lists(const struct crate_options *o, struct crate *c)
{
	size_t na, nk, nf = 1;
	char **archs = split_list(o->arch, "--arch", &na), **kvers = split_list(o->kver, "--kver", &nk);
	char **flavours = o->flavour ? split_list(o->flavour, "--flavour", &nf) : NULL;

	for (size_t k = 0; k < nk; k++)
		if (!archive_valid_kver(kvers[k]))
			usage_die("--kver '%s': use a version such as 7.2, 7.2.13 or 7.2.13+deb14-riscv64", kvers[k]);
	for (size_t f = 0; flavours && f < nf; f++)
		if (!archive_valid_flavour(flavours[f]))
			usage_die("--flavour '%s': use a flavour name such as rt, cloud or 16k", flavours[f]);
	for (size_t a = 0; a < na; a++)
		for (size_t k = 0; k < nk; k++)
			for (size_t f = 0; f < nf; f++) {
				const char *fl = flavours ? flavours[f] : NULL;

				add_triple(c, archs[a], kvers[k], NULL, fl, o->offline,
					   xasprintf("--arch %s --kver %s%s%s", archs[a], kvers[k], fl ? " --flavour " : "",
						     fl ? fl : ""));
			}
	strv_free(archs, na);
	strv_free(kvers, nk);
	if (flavours)
		strv_free(flavours, nf);
}

/* FILE's triples, as 'matrix' reads them; formats and output are matrix's own and not used here. */
static void triples_from_file(const struct crate_options *o, struct crate *c)
{
	static const char *const top[] = { "triples", NULL };
	static const char *const keys[] = { "arch", "kver", "kdir", "flavour", "formats", "kconfig", "offline", "output",
					    NULL };
	struct ydoc *doc = ydoc_load(o->file);
	const struct ynode *list;

	report_hold(doc, (void (*)(void *))ydoc_free);
	if (!doc->root)
		die("%s: empty; it lists 'triples', each {arch, kver or kdir, flavour}", o->file);
	ynode_check_keys(doc->root, top);
	list = ynode_get(doc->root, "triples");
	if (!list || list->kind != YNODE_SEQUENCE || !list->n_items)
		ynode_die(doc->root, "'triples' must be a non-empty list");
	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *t = list->items[i];
		const char *arch, *kver, *kdir, *flavour;

		ynode_check_keys(t, keys);
		arch = ynode_opt_str(t, "arch");
		kver = ynode_opt_str(t, "kver");
		kdir = ynode_opt_str(t, "kdir");
		flavour = ynode_opt_str(t, "flavour");
		if (!arch || !!kver == !!kdir)
			ynode_die(t, "each triple needs 'arch' and one of 'kver' or 'kdir'");
		if (ynode_get(t, "kconfig"))
			ynode_die(t, "'kconfig' is not supported by 'kabigen crate': a triple is a package's own configuration");
		if (kver && !archive_valid_kver(kver))
			ynode_die(t, "kver '%s': use a version such as 7.2, 7.2.13 or 7.2.13+deb14-riscv64", kver);
		if (flavour && !archive_valid_flavour(flavour))
			ynode_die(t, "flavour '%s': use a flavour name such as rt, cloud or 16k", flavour);
		add_triple(c, arch, kver, kdir, flavour,
			   o->offline || ynode_opt_bool(t, "offline", 0),
			   xasprintf("%s:%u (triple %zu)", o->file, t->line, i + 1));
	}
	report_release(doc);
	ydoc_free(doc);
}

/* PREFIX + NAME as a Rust identifier: letters and digits kept, anything else '_' (7.2 -> v7_2, with PREFIX v). */
static char *rust_name(const char *prefix, const char *name)
{
	char *s = xasprintf("%s%s", prefix, name);

	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	return s;
}

/* The version's module: v + what --kver said (v7_2), or for a --kdir tree its release's version (v7_2_13). */
static char *version_name(const struct triple *t)
{
	const char *release = t->model->prov.release;
	char *v, *s;

	if (t->kver)
		return rust_name("v", t->kver);
	v = xasprintf("%.*s", (int)strcspn(release, "-+~"), release);
	s = rust_name("v", v);
	free(v);
	return s;
}

/* Builds T's model (fetching its tree with --kver) and names its module. */
static void triple_build(struct triple *t, const char *configs, const char *set_file, int no_cache)
{
	struct arch_profile *profile = profile_load(configs, t->arch);
	struct archive_request rq = { .profile = profile, .configs_dir = configs, .kver = t->kver,
				     .flavour = t->flavour, .offline = t->offline };
	struct archive_tree *fetched = t->kver ? archive_fetch(&rq) : NULL;
	struct kabi_provenance from_cli = { 0 };
	char *arch_given = xasprintf("%s (arch %s)", t->what, t->arch);
	const char *kdir = fetched ? fetched->kdir : t->kdir, *flavour;
	struct ktree *tree = tree_detect(kdir);

	cmd_check_tree_arch(tree, profile, kdir, arch_given);
	if (fetched)
		from_cli.flavour = xstrdup(fetched->flavour);
	t->model = build_tree_model(profile, tree, set_file, &from_cli, !no_cache);
	t->arch_name = xstrdup(profile->name);
	t->rust_arch = xasprintf("%.*s", (int)strcspn(profile->clang_target, "-"), profile->clang_target);
	t->version = version_name(t);
	flavour = fetched ? fetched->flavour : t->flavour ? t->flavour : "generic";
	t->flavour_name = rust_name(flavour[0] >= '0' && flavour[0] <= '9' ? "f" : "", flavour);
	t->path = xasprintf("%s::%s::%s", t->arch_name, t->version, t->flavour_name);
	free(arch_given);
	tree_free(tree);
	archive_tree_free(fetched);
	profile_free(profile);
}

/* Two triples must not be one module, nor carry one vermagic (by_vermagic would pick one of them). */
static void check_distinct(const struct crate *c)
{
	for (size_t i = 0; i < c->n; i++)
		for (size_t k = 0; k < i; k++) {
			const struct triple *a = &c->t[k], *b = &c->t[i];
			const struct kabi_string *va = kabi_model_find_string(a->model, "VERMAGIC"),
						 *vb = kabi_model_find_string(b->model, "VERMAGIC");

			if (!strcmp(a->path, b->path))
				die("%s and %s would both be the module %s; nothing was written; leave one of them out",
				    a->what, b->what, a->path);
			if (va && vb && !strcmp(va->value, vb->value))
				die("%s (%s) and %s (%s) have one vermagic \"%s\", so a loader could not tell their modules "
				    "apart; nothing was written; leave one of them out", a->what, a->path, b->what, b->path, va->value);
		}
}

/* What a loader reads at run time, defined once at the crate root; each module has a TRIPLE. */
static const char triple_types[] =
	"/// One triple's facts a loader reads at run time: pick a module's with\n"
	"/// [`Triple::by_vermagic`], then read its `.gnu.linkonce.this_module` and `__param` with these\n"
	"/// sizes and offsets. The offsets are `offset_of!` of the triple's own types.\n"
	"#[derive(Debug)]\npub struct Triple {\n"
	"    /// Where the triple's types are in this crate: `riscv64::v7_2::generic`.\n    pub path: &'static str,\n"
	"    /// kabigen's arch name: x86_64, arm64, riscv64 or loongarch64.\n    pub arch: &'static str,\n"
	"    /// The kernel release (UTS_RELEASE).\n    pub release: &'static str,\n"
	"    /// What `.modinfo` of every module built for the triple says after `vermagic=`.\n"
	"    pub vermagic: &'static str,\n"
	"    /// The modules' ELF e_machine.\n    pub em_machine: u16,\n"
	"    /// The modules' ELF class (EI_CLASS).\n    pub elf_class: u8,\n"
	"    /// The modules' byte order (EI_DATA).\n    pub elf_data: u8,\n"
	"    /// `struct module`, which `.gnu.linkonce.this_module` holds.\n    pub module: ModuleLayout,\n"
	"    /// `struct kernel_param`, an entry of `__param`.\n    pub kernel_param: KernelParamLayout,\n"
	"    /// `struct kernel_param_ops`, which a parameter's `ops` points at.\n"
	"    pub kernel_param_ops: KernelParamOpsLayout,\n"
	"    /// The special sections of a module.\n    pub sections: &'static [KabiSection],\n"
	"    /// The kernel's name of relocation type N (`R_RISCV_64`), or None when the headers name none.\n"
	"    pub reloc_name: fn(u32) -> Option<&'static str>,\n}\n\n"
	"/// `struct module`: size, alignment and where the members a loader reads are (None: the\n"
	"/// configuration has no such member).\n"
	"#[derive(Clone, Copy, Debug)]\npub struct ModuleLayout {\n"
	"    /// Bytes.\n    pub size: usize,\n    /// Alignment.\n    pub align: usize,\n"
	"    /// `char name[MODULE_NAME_LEN]`.\n    pub name: Option<usize>,\n"
	"    /// `int (*init)(void)`: where `init_module` is relocated.\n    pub init: Option<usize>,\n"
	"    /// `void (*exit)(void)`: where `cleanup_module` is relocated.\n    pub exit: Option<usize>,\n"
	"    /// `char *args`.\n    pub args: Option<usize>,\n"
	"    /// `struct kernel_param *kp`.\n    pub kp: Option<usize>,\n"
	"    /// `unsigned int num_kp`.\n    pub num_kp: Option<usize>,\n}\n\n"
	"/// `struct kernel_param`: size, alignment and member offsets.\n"
	"#[derive(Clone, Copy, Debug)]\npub struct KernelParamLayout {\n"
	"    /// Bytes: the stride of `__param`.\n    pub size: usize,\n    /// Alignment.\n    pub align: usize,\n"
	"    /// `const char *name`.\n    pub name: Option<usize>,\n"
	"    /// `struct module *mod`.\n    pub mod_: Option<usize>,\n"
	"    /// `const struct kernel_param_ops *ops`.\n    pub ops: Option<usize>,\n"
	"    /// `const u16 perm`.\n    pub perm: Option<usize>,\n"
	"    /// `s8 level`.\n    pub level: Option<usize>,\n"
	"    /// `u8 flags`.\n    pub flags: Option<usize>,\n"
	"    /// `void *arg`, in the anonymous union.\n    pub arg: Option<usize>,\n}\n\n"
	"/// `struct kernel_param_ops`: size, alignment and member offsets.\n"
	"#[derive(Clone, Copy, Debug)]\npub struct KernelParamOpsLayout {\n"
	"    /// Bytes.\n    pub size: usize,\n    /// Alignment.\n    pub align: usize,\n"
	"    /// `unsigned int flags`.\n    pub flags: Option<usize>,\n"
	"    /// `int (*set)(const char *, const struct kernel_param *)`.\n    pub set: Option<usize>,\n"
	"    /// `int (*get)(char *, const struct kernel_param *)`.\n    pub get: Option<usize>,\n"
	"    /// `void (*free)(void *)`.\n    pub free: Option<usize>,\n}\n\n"
	"impl Triple {\n"
	"    /// The triple whose vermagic is VERMAGIC (the bytes after `vermagic=` in `.modinfo`, without\n"
	"    /// the NUL), among every triple of the crate; None refuses the module.\n"
	"    pub fn by_vermagic(vermagic: &[u8]) -> Option<&'static Triple> {\n"
	"        TRIPLES.iter().copied().find(|t| t.vermagic.as_bytes() == vermagic)\n    }\n\n"
	"    /// The special section NAME of this triple, if a loader must know it.\n"
	"    pub fn section(&self, name: &str) -> Option<&'static KabiSection> {\n"
	"        self.sections.iter().find(|s| s.name == name)\n    }\n}\n\n";

/* Whether triple I is the first of its arch (DEPTH 1), or of its arch and version (DEPTH 2). */
static bool first_of(const struct crate *c, size_t i, size_t depth)
{
	for (size_t k = 0; k < i; k++) {
		const struct triple *a = &c->t[k], *b = &c->t[i];

		if (!strcmp(a->arch_name, b->arch_name) && (depth < 2 || !strcmp(a->version, b->version)))
			return false;
	}
	return true;
}

/* src/lib.rs: the shared types, the module tree (arch, version, flavour: each module a file), the tables. */
static char *lib_rs(const struct crate *c)
{
	struct strbuf sb = { 0 };

	/* What the triples are, not the command line: the same triples give the same bytes wherever -o points. */
	sb_addf(&sb, "//! Kernel ABI layouts of %zu triple%s, generated by kabigen %s. Do not edit.\n//!\n",
		c->n, c->n == 1 ? "" : "s", KABIGEN_VERSION);
	sb_adds(&sb, "//! | module | release | vermagic |\n//! |---|---|---|\n");
	for (size_t i = 0; i < c->n; i++) {
		const struct triple *t = &c->t[i];
		const struct kabi_string *v = kabi_model_find_string(t->model, "VERMAGIC");
		const char *vermagic = v ? v->value : "";

		sb_addf(&sb, "//! | [`%s`] | ", t->path);
		escape_rust_comment(&sb, t->model->prov.release);
		sb_adds(&sb, " | ");
		escape_rust_comment(&sb, vermagic);
		sb_adds(&sb, " |\n");
	}
	sb_adds(&sb, "//!\n//! Each triple is a module of its types (`#[repr(C)]`, checked by const assertions),\n"
		     "//! constants, `Reloc` enum, section table and `TRIPLE`; every module compiles on any host.\n"
		     "//! `native` is the arch being built (`cfg(target_arch)`); `Triple::by_vermagic` picks the\n"
		     "//! triple of a module at run time.\n"
		     "#![no_std]\n#![deny(missing_docs)]\n\n");
	sb_adds(&sb, emit_rust_section_type());
	sb_adds(&sb, triple_types);
	for (size_t i = 0; i < c->n; i++) {
		const struct triple *a = &c->t[i];

		if (!first_of(c, i, 1))
			continue;
		sb_addf(&sb, "/// The triples of %s (`cfg(target_arch = \"%s\")`).\npub mod %s {\n", a->arch_name, a->rust_arch,
			a->arch_name);
		for (size_t k = i; k < c->n; k++) {
			const struct triple *v = &c->t[k];

			if (strcmp(v->arch_name, a->arch_name) || !first_of(c, k, 2))
				continue;
			sb_addf(&sb, "    /// Linux %s.\n    pub mod %s {\n", v->kver ? v->kver : v->version + 1, v->version);
			for (size_t f = k; f < c->n; f++) {
				const struct triple *t = &c->t[f];

				if (strcmp(t->arch_name, a->arch_name) || strcmp(t->version, v->version))
					continue;
				sb_adds(&sb, "        /// ");
				escape_rust_comment(&sb, t->model->prov.release);
				sb_addf(&sb, ", flavour %s.\n        pub mod %s;\n", t->flavour_name, t->flavour_name);
			}
			sb_adds(&sb, "    }\n");
		}
		sb_addf(&sb, "    /// Every triple of %s in this crate.\n    pub static TRIPLES: &[&crate::Triple] = &[", a->arch_name);
		for (size_t k = i; k < c->n; k++)
			if (!strcmp(c->t[k].arch_name, a->arch_name))
				sb_addf(&sb, "&%s::%s::TRIPLE, ", c->t[k].version, c->t[k].flavour_name);
		sb_adds(&sb, "];\n}\n");
		sb_addf(&sb, "#[cfg(target_arch = \"%s\")]\n#[doc(inline)]\npub use %s as native;\n\n", a->rust_arch,
			a->arch_name);
	}
	sb_adds(&sb, "/// Every triple of this crate, in the order they were asked for.\npub static TRIPLES: &[&Triple] = &[\n");
	for (size_t i = 0; i < c->n; i++)
		sb_addf(&sb, "    &%s::TRIPLE,\n", c->t[i].path);
	sb_adds(&sb, "];\n");
	return sb.buf;
}

/* Cargo.toml: rust-version the newest its triples need (emit_rust_version()). */
static char *cargo_toml(const char *name, const struct crate *c)
{
	const char *rust = "1.82";

	for (size_t i = 0; i < c->n; i++)
		if (strcmp(emit_rust_version(c->t[i].model), rust) > 0)
			rust = emit_rust_version(c->t[i].model);
	return xasprintf(CRATE_MARK "\n"
			 "[package]\nname = \"%s\"\nversion = \"0.1.0\"\nedition = \"2021\"\nrust-version = \"%s\"\n"
			 "description = \"Kernel ABI layouts of several kernels, generated by kabigen " KABIGEN_VERSION "\"\n"
			 "publish = false\n\n[lib]\npath = \"src/lib.rs\"\n\n[dependencies]\n", name, rust);
}

/* A file of the crate: its path under the crate's folder, and its text. */
struct crate_file {
	char *path;
	char *text;
};

struct crate_files {
	struct crate_file *v;
	size_t n;
};

static void crate_files_free(void *p)
{
	struct crate_files *f = p;

	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].text);
	}
	free(f->v);
}

/* Whether DIR is a crate an earlier run wrote (its Cargo.toml starts with the mark), or empty. */
static bool replaceable(const char *dir)
{
	char *toml = xasprintf("%s/Cargo.toml", dir), *text = read_file(toml, NULL);
	bool ok = text && !strncmp(text, CRATE_MARK "\n", strlen(CRATE_MARK) + 1);
	DIR *d;
	struct dirent *e;

	free(text);
	free(toml);
	if (ok || !(d = opendir(dir)))
		return ok;
	ok = true;
	while (ok && (e = readdir(d)))
		ok = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return ok;
}

/* -o OUT must be new, an empty folder, or a crate kabigen wrote: checked before any work, and again at the end. */
static void check_output(const char *out)
{
	struct stat st;

	if (lstat(out, &st))
		return;
	if (!S_ISDIR(st.st_mode))
		die("-o %s: a file, not a folder; nothing was written; give a folder for the crate", out);
	if (!replaceable(out))
		die("-o %s: a folder 'kabigen crate' did not write (no Cargo.toml of its own); nothing was written; "
		    "give a new or empty folder", out);
}

/*
 * FILES written into a new folder beside OUT, then put in OUT's place whole: by an atomic
 * exchange when OUT exists (the old crate is then removed), else by a rename. die() before
 * that point removes the new folder and leaves OUT as it was.
 */
static void write_crate(const char *out, const struct crate_file *files, size_t n)
{
	char *tmp = xasprintf("%s.kabigen-XXXXXX", out), *why = NULL;
	struct stat st;
	int exists;

	check_output(out);
	exists = !lstat(out, &st);
	{
		char *parent = xstrdup(out), *slash = strrchr(parent, '/');

		if (slash && slash != parent) {
			*slash = '\0';
			if (fs_mkdirs(parent, &why))
				die("-o %s: %s", out, why);
		}
		free(parent);
	}
	if (!mkdtemp(tmp))
		die("-o %s: cannot make a folder beside it: %s", out, strerror(errno));
	report_hold(tmp, fs_remove_tree_free);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", tmp, files[i].path);

		outfile_write(path, files[i].text, strlen(files[i].text), 1);
		free(path);
	}
	if (chmod(tmp, 0755))
		die("%s: cannot make it readable: %s", tmp, strerror(errno));
	if (exists && renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_EXCHANGE))
		die("-o %s: cannot put the new crate in its place: %s; nothing was changed", out, strerror(errno));
	if (!exists && rename(tmp, out))
		die("-o %s: cannot put the new crate in its place: %s; nothing was written", out, strerror(errno));
	/* TMP now names the old crate, or nothing. */
	report_release(tmp);
	if (exists)
		fs_remove_tree(tmp);
	free(tmp);
}

static int run(int argc, char **argv)
{
	struct crate_options o = { 0 };
	struct crate c = { 0 };
	struct crate_files files = { 0 };
	size_t total = 0;
	char *configs, *set_file;

	parse_options(argc, argv, &o);
	check_output(o.output);
	report_hold(&c, crate_free);
	if (o.file)
		triples_from_file(&o, &c);
	else
		triples_from_lists(&o, &c);
	configs = self_configs_dir();
	report_hold(configs, free);
	set_file = cmd_set_file(o.set_file, configs);
	report_hold(set_file, free);
	for (size_t i = 0; i < c.n; i++)
		triple_build(&c.t[i], configs, set_file, o.no_cache);
	check_distinct(&c);

	files.v = xcalloc(c.n + 2, sizeof(*files.v));
	report_hold(&files, crate_files_free);
	for (size_t i = 0; i < c.n; i++) {
		struct triple *t = &c.t[i];
		char *prefix = xasprintf("kabi_%s_%s_%s_", t->arch_name, t->version, t->flavour_name);
		char *module = emit_rust_module(t->model, prefix), *table = emit_rust_triple(t->model, t->path);

		files.v[files.n].path = xasprintf("src/%s/%s/%s.rs", t->arch_name, t->version, t->flavour_name);
		files.v[files.n++].text = xasprintf("%s\n%s", module, table);
		free(module);
		free(table);
		free(prefix);
	}
	files.v[files.n].path = xstrdup("src/lib.rs");
	files.v[files.n++].text = lib_rs(&c);
	files.v[files.n].path = xstrdup("Cargo.toml");
	files.v[files.n++].text = cargo_toml(o.name, &c);
	write_crate(o.output, files.v, files.n);
	for (size_t i = 0; i < files.n; i++)
		total += strlen(files.v[i].text);
	inform("wrote %s (%zu triple%s, %zu files, %zu bytes)", o.output, c.n, c.n == 1 ? "" : "s", files.n, total);
	report_release(&files);
	crate_files_free(&files);
	report_release(set_file);
	free(set_file);
	report_release(configs);
	free(configs);
	report_release(&c);
	crate_free(&c);
	return KABI_EXIT_OK;
}

const struct command cmd_crate = {
	.name = "crate",
	.run = run,
	.synopsis = "crate (--arch LIST --kver LIST [--flavour LIST] | FILE.yaml) -o DIR",
	.summary = "a no_std Rust crate of many triples, picked by arch at build time and by vermagic at run time",
	.usage_head = usage_head,
	.options = options,
	.usage_tail = NULL,
};
