/*
 * check_ko.c: 'kabigen check-ko': will this loader load these modules? Real modules (files
 * and folders) against one triple's layout model (a tree, fetched or given, or a layout
 * dump) and a loader profile; the judging is gen/ko/ko_check.c's.
 */
#include "input/archive.h"
#include "cmd/cmd.h"
#include "ko/ko.h"
#include "ko/ko_check.h"
#include "ko/ko_facts.h"
#include "ko/ko_loader.h"
#include "ko/ko_plan.h"
#include "ko/ko_set.h"
#include "input/kset.h"
#include "model/layout.h"
#include "model/layout_read.h"
#include "build/model_build.h"
#include "input/profile.h"
#include "util/report.h"
#include "util/str.h"
#include "util/self.h"
#include "input/tree.h"
#include "clang/tu.h"

#include <dirent.h>
#include <uthash.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_module_name(const char *name)
{
	static const char *const ends[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t e = strlen(ends[i]);

		if (len > e && !strcmp(name + len - e, ends[i]))
			return true;
	}
	return false;
}

/* A folder or file a walk has met, by (device, inode). */
struct seen_node {
	struct seen_key {
		dev_t dev;
		ino_t ino;
	} key;
	UT_hash_handle hh;
};

/* A walk over the command line's modules and folders: what it met, and the paths it keeps. */
struct walk {
	struct seen_node *nodes;	/* uthash */
	char **paths;
	size_t n;
};

/* true the first time the node of ST is met, false after. */
static bool first_visit(struct walk *w, const struct stat *st)
{
	struct seen_key key;
	struct seen_node *n;

	memset(&key, 0, sizeof(key));	/* hashed as bytes: no stray padding */
	key.dev = st->st_dev;
	key.ino = st->st_ino;
	HASH_FIND(hh, w->nodes, &key, sizeof(key), n);
	if (n)
		return false;
	n = xcalloc(1, sizeof(*n));
	n->key = key;
	HASH_ADD(hh, w->nodes, key, sizeof(n->key), n);
	return true;
}

static void add_path(struct walk *w, const char *path)
{
	w->paths = xgrow(w->paths, w->n, sizeof(*w->paths));
	w->paths[w->n++] = xstrdup(path);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in folder PATH worth a look (folders, and files named as modules), sorted: the walk
 * then meets a file reached two ways by the same path on every run. */
static char **folder_names(const char *path, size_t *n)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;

	*n = 0;
	if (!d)
		die("%s: cannot read the folder: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN && !is_module_name(de->d_name))
			continue;
		names = xgrow(names, *n, sizeof(*names));
		names[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)		/* an empty folder has no array to sort (qsort wants one, UBSan says) */
		qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

/*
 * The modules at PATH: a file, or every module file under a folder. Each folder is walked and
 * each file taken once per (device, inode), so links back into a folder (a '*.ko -> .') end
 * the walk instead of looping, and a module reached by two paths is checked once. A link
 * named as a module that leads nowhere is kept: ko_read says what it is.
 */
static void collect(struct walk *w, const char *path, int top)
{
	struct stat st;
	char **names;
	size_t n;

	if (stat(path, &st)) {
		if (top)
			die("%s: %s; give a module (.ko, .ko.xz, .ko.zst, .ko.gz) or a folder of them", path,
			    strerror(errno));
		if (is_module_name(path))
			add_path(w, path);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if ((top || is_module_name(path)) && first_visit(w, &st))
			add_path(w, path);
		return;
	}
	if (!first_visit(w, &st))
		return;
	names = folder_names(path, &n);
	for (size_t i = 0; i < n; i++) {
		char *child = xasprintf("%s/%s", path, names[i]);

		collect(w, child, 0);
		free(child);
	}
	strv_free(names, n);
}

static void walk_free(struct walk *w)
{
	struct seen_node *n, *tmp;

	HASH_ITER(hh, w->nodes, n, tmp) {
		HASH_DEL(w->nodes, n);
		free(n);
	}
	strv_free(w->paths, w->n);
}

static const char usage_head[] =
	"usage: kabigen check-ko (--arch ARCH (--kdir DIR | --kver VERSION [--flavour F]) | --layout kabi.json)\n"
	"                        [--loader PROFILE] [--symvers FILE] [--format text|md|json] [-j N] [--max-memory SIZE]\n"
	"                        [--verbose] [--plan] [--want MODULE,...]\n"
	"                        MODULE|DIR... | --kver VERSION --modules\n"
	"\n"
	"Checks kernel modules (.ko, .ko.xz, .ko.zst, .ko.gz; folders are searched) against one\n"
	"triple's layouts and a loader profile: vermagic, struct module, __param, __versions,\n"
	"relocation types and what they need of module placement, special sections, imports.\n";

enum { OPT_ARCH = 256, OPT_KDIR, OPT_KVER, OPT_FLAVOUR, OPT_OFFLINE, OPT_LAYOUT, OPT_LOADER, OPT_SYMVERS,
       OPT_FORMAT, OPT_VERBOSE, OPT_MODULES, OPT_NO_CACHE, OPT_MAX_MEMORY, OPT_PLAN, OPT_WANT };
static const struct cmd_option options[] = {
	{ OPT_ARCH, "arch", "ARCH", "x86_64, arm64, riscv64, loongarch64 (or amd64, x86-64, aarch64, loong64)" },
	{ OPT_KDIR, "kdir", "DIR", "the triple's headers tree (as for generate); its Module.symvers is used" },
	{ OPT_KVER, "kver", "VERSION", "fetch the headers from Debian's archive instead: 7.2, 7.2.13, ..." },
	{ OPT_FLAVOUR, "flavour", "F", "with --kver: the configuration flavour (rt, cloud, 16k, ...)" },
	{ OPT_OFFLINE, "offline", NULL, "with --kver: use only kabigen's cache, never the network" },
	{ OPT_MODULES, "modules", NULL,
	  "with --kver: also fetch that release's modules package (linux-modules-R,\n"
	  "or linux-image-R-unsigned) and check every module in it" },
	{ OPT_LAYOUT, "layout", "FILE", "a layout dump (kabigen --format json) instead of a tree" },
	{ OPT_LOADER, "loader", "PROFILE",
	  "a loader profile: a YAML file, or a name in configs/loaders (default: linux)" },
	{ OPT_SYMVERS, "symvers", "FILE",
	  "the Module.symvers to check imports and CRCs against (default: the tree's)" },
	{ OPT_FORMAT, "format", "FORMAT", "text (the default), md or json" },
	{ 'j', NULL, "N", "modules read at once (default, and at most: the number of online cores)" },
	{ OPT_MAX_MEMORY, "max-memory", "SIZE",
	  "memory the modules read at once share (bytes, or with K, M, G; default: half\n"
	  "of the machine's memory or of what ulimit -v leaves); a module that needs\n"
	  "more is named as over the budget and the others are checked" },
	{ OPT_VERBOSE, "verbose", NULL, "with text, list every module, not only those with findings" },
	{ OPT_PLAN, "plan", NULL,
	  "instead of the report, the unlock curve: greedily, the symbol, relocation\n"
	  "type, section or other reason to add to the loader next to load the most\n"
	  "more modules, with the count that load after each step" },
	{ OPT_WANT, "want", "M,...",
	  "--plan for these modules (names as modprobe's: ext4,virtio_blk) and all\n"
	  "they need from the set, which it lists in load order" },
	{ OPT_NO_CACHE, "no-cache", NULL, "parse the tree even when the result cache holds its model" },
	CMD_OPT_HELP,
	CMD_OPT_END,
};

static const char usage_tail[] =
	"Exit status: 0 every module loads; 1 an error (an unreadable module among them);\n"
	"2 usage; 4 some module fails the loader profile; 8 some module disagrees with the\n"
	"triple's layouts or exports; 16 Linux itself refuses some module: its ELF breaks a rule\n"
	"of kernel/module/main.c (one .gnu.linkonce.this_module, one symbol table, relocations\n"
	"within their section, ...); 32 some module crashes the loader (the profile's crashes:,\n"
	"or an init or exit its layout: reads as garbage). Bits add up: 12, 20.\n";
struct check_ko_options {
	const char *arch, *kdir, *kver, *flavour;
	int offline;
	const char *layout, *loader, *symvers, *format;
	long jobs;
	int verbose;
	int modules;		/* --modules: check the triple's own modules package, fetched with --kver */
	int no_cache;
	uint64_t max_memory;	/* --max-memory; 0: ko_budget_default() */
	int plan;		/* --plan (or --want): the unlock curve instead of the report */
	char **want;		/* --want's module names, split at commas */
	size_t n_want;
};

/* --max-memory's SIZE: bytes, or K, M, G (powers of 1024); 0 when it is not one. */
static uint64_t parse_size(const char *text)
{
	char *end;
	unsigned long long n;
	unsigned shift = 0;

	if (*text < '0' || *text > '9')
		return 0;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno)
		return 0;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (*end || n > (UINT64_MAX >> shift))
		return 0;
	return (uint64_t)n << shift;
}

/* --want's NAMES, comma-separated, added to O's (the option may be given again). */
static void add_wanted(struct check_ko_options *o, const char *names)
{
	const char *p = names;

	o->plan = 1;
	do {
		size_t len = strcspn(p, ",");

		if (!len)
			usage_die("--want %s: give module names separated by commas, such as ext4,virtio_blk", names);
		o->want = xgrow(o->want, o->n_want, sizeof(*o->want));
		o->want[o->n_want++] = xasprintf("%.*s", (int)len, p);
		p += len;
	} while (*p++);
}

static void parse_options(int argc, char **argv, struct check_ko_options *o)
{
	int c;
	char *end;

	optind = 1;
	while ((c = cmd_next_option(&cmd_check_ko, argc, argv)) != -1) {
		switch (c) {
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_KDIR: o->kdir = optarg; break;
		case OPT_KVER: o->kver = optarg; break;
		case OPT_FLAVOUR: o->flavour = optarg; break;
		case OPT_OFFLINE: o->offline = 1; break;
		case OPT_LAYOUT: o->layout = optarg; break;
		case OPT_LOADER: o->loader = optarg; break;
		case OPT_SYMVERS: o->symvers = optarg; break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_VERBOSE: o->verbose = 1; break;
		case OPT_MODULES: o->modules = 1; break;
		case OPT_NO_CACHE: o->no_cache = 1; break;
		case OPT_PLAN: o->plan = 1; break;
		case OPT_WANT: add_wanted(o, optarg); break;
		case OPT_MAX_MEMORY:
			if (!(o->max_memory = parse_size(optarg)))
				usage_die("--max-memory %s: give a size such as 512M or 2G", optarg);
			break;
		case 'j':
			o->jobs = strtol(optarg, &end, 10);
			if (*end || o->jobs < 1 || o->jobs > 1024)
				usage_die("-j %s: give a number of modules to read at once, 1 to 1024", optarg);
			break;
		}
	}
	if (o->modules && !o->kver)
		usage_die("--modules fetches the modules package of --kver's release and flavour; with --kdir or "
			  "--layout, give the modules themselves");
	if (optind >= argc && !o->modules)
		usage_die("'kabigen check-ko' needs modules: MODULE.ko or a folder of them (or --kver with --modules)");
	if (!!o->layout == !!(o->kdir || o->kver))
		usage_die("give the triple as --arch with --kdir or --kver, or as --layout kabi.json");
	if (o->layout && (o->arch || o->flavour || o->offline || o->no_cache))
		usage_die("--layout carries its arch; it takes no --arch, --flavour, --offline or --no-cache");
	if (!o->layout && !o->arch)
		usage_die("--arch is required with --kdir or --kver (x86_64, arm64, riscv64, loongarch64)");
	if (o->kdir && o->kver)
		usage_die("give one of --kdir (a tree you have) or --kver (fetched from the archive)");
	if ((o->flavour || o->offline) && !o->kver)
		usage_die("%s goes with --kver", o->flavour ? "--flavour" : "--offline");
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

/* The triple's model from a tree (--kdir, or --kver fetched); *KDIR gets the tree's folder and,
 * with --modules, *MODULES the fetched modules package's folder. */
static struct kabi_model *tree_model(const struct check_ko_options *o, const char *configs, char **kdir,
				     char **modules)
{
	struct arch_profile *profile = profile_load(configs, o->arch);
	struct archive_request rq = { .profile = profile, .configs_dir = configs, .kver = o->kver,
				     .flavour = o->flavour, .offline = o->offline, .modules = o->modules };
	struct archive_tree *fetched = o->kver ? archive_fetch(&rq) : NULL;
	struct kabi_provenance from_cli = { 0 };
	struct ktree *tree;
	char *set_file = cmd_set_file(NULL, configs), *arch_given = xasprintf("--arch %s", o->arch);
	struct kabi_model *model;

	*kdir = xstrdup(fetched ? fetched->kdir : o->kdir);
	if (fetched && fetched->modules)
		*modules = xstrdup(fetched->modules);
	tree = tree_detect(*kdir);
	cmd_check_tree_arch(tree, profile, *kdir, arch_given);
	if (fetched)
		from_cli.flavour = xstrdup(fetched->flavour);
	model = build_tree_model(profile, tree, set_file, &from_cli, !o->no_cache);
	free(arch_given);
	free(set_file);
	tree_free(tree);
	archive_tree_free(fetched);
	profile_free(profile);
	return model;
}

/*
 * A profile's layout: given as a dump or a triple: the offsets the loader reads, from that
 * model. The triple is fetched as --arch and --kver would be (with --offline, from the cache).
 */
static void loader_layout_resolve(struct ko_loader *l, const struct check_ko_options *o, const char *configs)
{
	struct ko_loader_layout *y = &l->layout;
	struct kabi_model *model;
	struct ko_facts facts;

	if (y->dump) {
		model = layout_read_json(y->dump);
	} else if (y->triple) {
		struct check_ko_options t = { .offline = o->offline, .no_cache = o->no_cache };
		char *arch = xstrdup(y->triple), *kdir = NULL, *modules = NULL;

		report_hold(arch, free);
		*strchr(arch, ':') = '\0';
		t.arch = arch;
		t.kver = arch + strlen(arch) + 1;
		if (!archive_valid_kver(t.kver))
			die("%s: layout: triple '%s': give ARCH:VERSION with a version such as 6.17 or 7.2.13", l->file,
			    y->triple);
		model = tree_model(&t, configs, &kdir, &modules);
		report_release(arch);
		free(kdir);
		free(modules);
		free(arch);
	} else {
		return;
	}
	ko_facts_init(&facts, model);
	if (!facts.module)
		die("%s: layout: %s has no struct module; give a dump or triple of a whole kernel", l->file, y->source);
	ko_loader_layout_from(y, &facts);
	ko_facts_release(&facts);
	kabi_model_free(model);
}

static int run(int argc, char **argv)
{
	struct check_ko_options o = { 0 };
	struct kabi_model *model;
	struct ko_facts facts;
	struct ko_loader *loader;
	struct arch_profile *arch;
	struct ko_checker checker;
	struct ko_exports *exports = NULL;
	struct ko_result *results;
	struct walk paths = { 0 };
	struct ko_report rep;
	struct ko_set *set;
	struct ko_plan *plan = NULL;
	char *configs, *kdir = NULL, *modules = NULL, *symvers = NULL, *lpath, *target, *text;
	int status = 0;
	long cores;

	parse_options(argc, argv, &o);
	if (o.kver && !archive_valid_kver(o.kver))
		usage_die("--kver '%s': use a version such as 7.2, 7.2.13 or 7.2.13+deb14-riscv64", o.kver);
	if (o.flavour && !archive_valid_flavour(o.flavour))
		usage_die("--flavour '%s': use a flavour name such as rt, cloud or 16k", o.flavour);
	for (int i = optind; i < argc; i++)
		collect(&paths, argv[i], 1);
	configs = self_configs_dir();
	model = o.layout ? layout_read_json(o.layout) : tree_model(&o, configs, &kdir, &modules);
	if (modules)
		collect(&paths, modules, 1);
	if (!paths.n)
		die("%s: no modules (.ko, .ko.xz, .ko.zst, .ko.gz) there", modules ? modules : argv[optind]);
	qsort(paths.paths, paths.n, sizeof(*paths.paths), cmp_str);
	ko_facts_init(&facts, model);
	arch = profile_load(configs, model->prov.arch ? model->prov.arch : o.arch);
	lpath = loader_path(configs, o.loader);
	loader = ko_loader_load(lpath, arch->name, arch->aliases, arch->n_aliases);
	loader_layout_resolve(loader, &o, configs);
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
		exports = ko_exports_load(symvers);
	else if (o.layout)
		warn("no --symvers: imports are not checked against what the triple exports");
	if (!facts.machine)
		warn("the layout model gives no ELF machine (a dump older than schema 2?); modules of any arch are read");
	ko_checker_init(&checker, &facts, loader, exports);
	/* More threads than cores read no faster, and each holds a module's memory. */
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1)
		cores = 1;
	results = ko_check_all(&checker, paths.paths, paths.n, o.jobs && o.jobs < cores ? o.jobs : cores,
			       o.max_memory);

	set = ko_set_resolve(results, paths.n, loader, exports);
	target = xasprintf("%s (%s)", model->prov.release ? model->prov.release : "?",
			   model->prov.arch ? model->prov.arch : "?");
	rep = (struct ko_report){ target, loader->name, loader->file, symvers, checker.relocs_named, &facts,
				  results, paths.n, loader->n_crash_relocations || loader->n_crash_sections ||
				  loader->crash_other_relocations, loader->n_unprocessed || loader->unprocessed_other, set };
	for (size_t i = 0; i < paths.n; i++) {
		if (results[i].module->error)
			error("%s", results[i].module->error);
		status |= results[i].status;
	}
	if (o.plan)
		plan = ko_plan_make(&rep, o.want, o.n_want);
	if (plan)
		text = !strcmp(o.format, "json") ? ko_plan_json(&rep, plan)
		       : !strcmp(o.format, "md") ? ko_plan_md(&rep, plan) : ko_plan_text(&rep, plan);
	else
		text = !strcmp(o.format, "json") ? ko_report_json(&rep)
		       : !strcmp(o.format, "md") ? ko_report_md(&rep) : ko_report_text(&rep, o.verbose);
	fputs(text, stdout);
	free(text);
	ko_plan_free(plan);
	ko_set_free(set);
	strv_free(o.want, o.n_want);
	ko_results_free(results, paths.n);
	ko_checker_release(&checker);
	walk_free(&paths);
	free(target);
	ko_exports_free(exports);
	free(symvers);
	free(kdir);
	free(modules);
	free(lpath);
	ko_loader_free(loader);
	profile_free(arch);
	ko_facts_release(&facts);
	kabi_model_free(model);
	free(configs);
	return fflush(stdout) ? KABI_EXIT_ERROR : status;
}

const struct command cmd_check_ko = {
	.name = "check-ko",
	.run = run,
	.synopsis = "check-ko (--arch ARCH (--kdir DIR | --kver VERSION) | --layout kabi.json) [--loader P] MODULE|DIR...",
	.summary = "will a loader load these modules? .ko files against a triple and a loader profile",
	.usage_head = usage_head,
	.options = options,
	.usage_tail = usage_tail,
};
