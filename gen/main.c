/* main.c: kabigen's command line; runs the pipeline profile -> tree -> tu -> extract -> emit. */
#include "archive.h"
#include "cache.h"
#include "diff.h"
#include "emit.h"
#include "extract.h"
#include "kconfig.h"
#include "kset.h"
#include "layout.h"
#include "matrix.h"
#include "layout_read.h"
#include "outfile.h"
#include "overlay.h"
#include "profile.h"
#include "report.h"
#include "tree.h"
#include "tu.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: kabigen --arch ARCH (--kdir DIR | --kver VERSION [--flavour F]) [options]\n"
	"       kabigen list --arch ARCH [--kver VERSION] [--offline]\n"
	"       kabigen diff OLD NEW [--format text|md|json] [--only NAMES] [--suppress FILE] [-o FILE]\n"
	"       kabigen matrix FILE.yaml [-j N] [--no-cache]\n"
	"\n"
	"Writes a self-contained C header with the exact layouts of the kernel structs a\n"
	"module loader needs, as clang computes them for ARCH from one kernel's headers.\n"
	"'kabigen diff' compares two triples' layouts; OLD and NEW are each a layout dump\n"
	"(--format json), a headers folder as for --kdir (its arch is the tree's, or --arch),\n"
	"or ARCH:KVER[:FLAVOUR] fetched as --kver does, e.g. amd64:7.2:rt.\n"
	"'kabigen matrix' generates each triple of FILE.yaml ({arch, kver or kdir, flavour, formats})\n"
	"in parallel (-j N, default: the number of cores), prints a summary, and fails if any failed.\n"
	"\n"
	"  --arch ARCH        x86_64, arm64, riscv64, loongarch64 (or amd64, x86-64, aarch64, loong64)\n"
	"  --kdir DIR         an extracted linux-headers-R-FLAVOUR folder (with its -common beside it),\n"
	"                     /lib/modules/R/build, or a kernel tree after 'make prepare'\n"
	"  --kver VERSION     fetch the headers from Debian's archive instead: 7.2 (newest 7.2.x),\n"
	"                     7.2.13, or a full release such as 7.2.13+deb14-riscv64\n"
	"  --flavour F        with --kver: the configuration flavour (rt, cloud, 16k, ...);\n"
	"                     default: the arch's generic one\n"
	"  --offline          with --kver, list or a diff triple: use only kabigen's cache, never the network\n"
	"  --kconfig FILE     use this .config instead of the tree's configuration\n"
	"  --set CONFIG_X=V   set one symbol (y, m, n, a number or a \"string\"); repeatable, applied\n"
	"                     after --kconfig. Dependencies between symbols are NOT resolved: what\n"
	"                     you write is what is used, as if the .config said so\n"
	"  --format FORMAT    c (the default), rust, or json (the layout model, for tools and diff);\n"
	"                     with diff: text (the default), md or json\n"
	"  -o, --output FILE  where to write it (default: out/UTS_RELEASE/kabi.h, kabi.rs or kabi.json;\n"
	"                     the diff goes to standard output)\n"
	"  --only NAMES       with diff: compare only these structs, enums, constants, strings or\n"
	"                     lists (comma-separated, e.g. module,kernel_param,vermagic)\n"
	"  --suppress FILE    with diff: a YAML file of structs, members and values to leave out\n"
	"  --set-file FILE    the set of structs, enums and constants (default: configs/sets/loader.yaml)\n"
	"  --print-cflags     print the clang arguments kabigen parses with, on one line, and stop\n"
	"  --emit-tu FILE     write the translation unit kabigen parses to FILE, and stop\n"
	"  --depfile FILE     also write a Makefile-style depfile: the output depends on every file\n"
	"                     the translation unit read (for Ninja and Make; see cmake/Kabigen.cmake)\n"
	"  --no-cache         parse even when the result cache holds this output\n"
	"  --version          print kabigen's version\n"
	"  -h, --help         this text\n"
	"\n"
	"The cache is $XDG_CACHE_HOME/kabigen (default ~/.cache/kabigen); the archives and suites\n"
	"--kver searches are in configs/archive.yaml.\n"
	"clang-19 $(kabigen --arch A --kdir D --print-cflags) -E TU.c reproduces kabigen's preprocessing\n"
	"of the file written by --emit-tu. Exit status: 0 success, 1 error, 2 usage error; diff adds\n"
	"4 when the layouts differ and 8 when a loader built for OLD breaks on NEW (so 12), as abidiff.\n";

struct options {
	int list;
	int diff;
	const char *sides[2];	/* diff: OLD and NEW */
	char **only;		/* diff: --only, split at commas */
	size_t n_only;
	char *only_text;
	const char *suppress;
	const char *arch;
	const char *kdir;
	const char *kver;
	const char *flavour;
	int offline;
	const char *kconfig;
	char **sets;
	size_t n_sets;
	const char *output;
	const char *set_file;
	const char *emit_tu;
	const char *depfile;
	int no_cache;
	const char *format;
	int print_cflags;
};

/* What is left after the options of 'kabigen diff': OLD and NEW, and what may go with them. */
static void parse_diff_options(int argc, char **argv, struct options *o)
{
	if (argc - optind != 2)
		usage_die("'kabigen diff' compares two sides: OLD NEW (a layout JSON file, a headers folder, or "
			  "ARCH:KVER[:FLAVOUR]); %d given", argc - optind);
	o->sides[0] = argv[optind];
	o->sides[1] = argv[optind + 1];
	if (o->kdir || o->kver || o->flavour || o->kconfig || o->n_sets || o->print_cflags || o->emit_tu)
		usage_die("'kabigen diff' takes the trees as OLD and NEW, with --arch, --set-file, --offline, "
			  "--format, --only, --suppress and -o");
	if (!o->format)
		o->format = "text";
	if (strcmp(o->format, "text") && strcmp(o->format, "md") && strcmp(o->format, "json"))
		usage_die("--format %s: a diff is text, md or json", o->format);
	if (o->only_text) {
		char *copy = xstrdup(o->only_text), *save = NULL;

		for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
			o->only = xrealloc(o->only, (o->n_only + 1) * sizeof(*o->only));
			o->only[o->n_only++] = xstrdup(name);
		}
		free(copy);
		if (!o->n_only || strstr(o->only_text, ",,") || o->only_text[0] == ',' ||
		    o->only_text[strlen(o->only_text) - 1] == ',')
			usage_die("--only '%s': give names separated by commas, such as module,kernel_param",
				  o->only_text);
	}
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_ARCH = 256, OPT_KDIR, OPT_KVER, OPT_FLAVOUR, OPT_OFFLINE, OPT_KCONFIG, OPT_SET, OPT_SET_FILE,
	       OPT_PRINT_CFLAGS, OPT_EMIT_TU, OPT_FORMAT, OPT_VERSION, OPT_ONLY, OPT_SUPPRESS, OPT_DEPFILE,
	       OPT_NO_CACHE };
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "kdir", required_argument, NULL, OPT_KDIR },
		{ "kver", required_argument, NULL, OPT_KVER },
		{ "flavour", required_argument, NULL, OPT_FLAVOUR },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ "kconfig", required_argument, NULL, OPT_KCONFIG },
		{ "set", required_argument, NULL, OPT_SET },
		{ "output", required_argument, NULL, 'o' },
		{ "set-file", required_argument, NULL, OPT_SET_FILE },
		{ "print-cflags", no_argument, NULL, OPT_PRINT_CFLAGS },
		{ "emit-tu", required_argument, NULL, OPT_EMIT_TU },
		{ "depfile", required_argument, NULL, OPT_DEPFILE },
		{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "suppress", required_argument, NULL, OPT_SUPPRESS },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	if (argc > 1 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "diff"))) {
		o->list = !strcmp(argv[1], "list");
		o->diff = !o->list;
		argv++;
		argc--;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_KDIR: o->kdir = optarg; break;
		case OPT_KVER: o->kver = optarg; break;
		case OPT_FLAVOUR: o->flavour = optarg; break;
		case OPT_OFFLINE: o->offline = 1; break;
		case OPT_KCONFIG: o->kconfig = optarg; break;
		case OPT_SET:
			o->sets = xrealloc(o->sets, (o->n_sets + 1) * sizeof(*o->sets));
			o->sets[o->n_sets++] = optarg;
			break;
		case 'o': o->output = optarg; break;
		case OPT_SET_FILE: o->set_file = optarg; break;
		case OPT_PRINT_CFLAGS: o->print_cflags = 1; break;
		case OPT_EMIT_TU: o->emit_tu = optarg; break;
		case OPT_DEPFILE: o->depfile = optarg; break;
		case OPT_NO_CACHE: o->no_cache = 1; break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_ONLY: o->only_text = optarg; break;
		case OPT_SUPPRESS: o->suppress = optarg; break;
		case OPT_VERSION:
			printf("kabigen %s\n", KABIGEN_VERSION);
			exit(0);
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case ':':
			usage_die("%s needs a value", argv[optind - 1]);
		default:
			usage_die("unknown option %s", argv[optind - 1]);
		}
	}
	if (o->diff) {
		parse_diff_options(argc, argv, o);
		return;
	}
	if (optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
	if (o->only_text || o->suppress)
		usage_die("%s goes with 'kabigen diff'", o->only_text ? "--only" : "--suppress");
	if (!o->arch)
		usage_die("--arch is required (x86_64, arm64, riscv64, loongarch64)");
	/* Strings that reach apt or the file system are checked before anything is started. */
	if (o->kver && !archive_valid_kver(o->kver))
		usage_die("--kver '%s': use a version such as 7.2, 7.2.13 or 7.2.13+deb14-riscv64", o->kver);
	if (o->flavour && !archive_valid_flavour(o->flavour))
		usage_die("--flavour '%s': use a flavour name such as rt, cloud or 16k", o->flavour);
	for (size_t i = 0; i < o->n_sets; i++)
		if (!kconfig_valid_set(o->sets[i]))
			usage_die("--set '%s': use CONFIG_NAME=y, m, n, a number or a \"string\"", o->sets[i]);
	if (o->list) {
		if (o->kdir || o->flavour || o->output || o->kconfig || o->n_sets || o->print_cflags || o->emit_tu)
			usage_die("'kabigen list' takes only --arch, --kver and --offline");
		return;
	}
	if (!!o->kdir == !!o->kver)
		usage_die("give one of --kdir (a tree you have) or --kver (fetched from the archive)");
	if (o->flavour && !o->kver)
		usage_die("--flavour goes with --kver; with --kdir, the tree is the flavour");
	if (o->offline && !o->kver)
		usage_die("--offline goes with --kver or 'kabigen list'");
	if (!o->format)
		o->format = "c";
	if (strcmp(o->format, "c") && strcmp(o->format, "rust") && strcmp(o->format, "json"))
		usage_die("--format %s: use c, rust or json", o->format);
	if (o->output && (o->print_cflags || o->emit_tu))
		usage_die("-o writes the header; it does not go with --print-cflags or --emit-tu, which stop before it");
}

/* configs/: $KABIGEN_CONFIGS, else beside an installed binary, else the source tree it was built from. */
static char *configs_dir(void)
{
	const char *env = getenv("KABIGEN_CONFIGS");
	char exe[PATH_MAX];
	ssize_t n;
	struct stat st;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash, *candidate;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		*slash = '\0';
		candidate = xasprintf("%s/../share/kabigen/configs", exe);
		if (stat(candidate, &st) == 0 && S_ISDIR(st.st_mode))
			return candidate;
		free(candidate);
	}
	return xstrdup(KABIGEN_SOURCE_CONFIGS);
}

static void fill_provenance(struct kabi_model *m, const struct arch_profile *p, const struct ktree *t,
			    const struct kset *s)
{
	struct kabi_provenance *pv = &m->prov;
	char digest[SHA256_DIGEST_STRING_LENGTH];

	if (!SHA256File(t->autoconf, digest))
		die("%s: cannot read it for its checksum", t->autoconf);
	pv->kabigen_version = xstrdup(KABIGEN_VERSION);
	pv->arch = xstrdup(p->name);
	pv->kernel_arch = xstrdup(p->kernel_arch);
	pv->clang_target = xstrdup(p->clang_target);
	pv->set_name = xstrdup(s->name);
	pv->inputs = xcalloc(2, sizeof(*pv->inputs));
	pv->inputs[pv->n_inputs++] = xstrdup(t->build_rel);
	if (strcmp(t->build, t->source))
		pv->inputs[pv->n_inputs++] = xstrdup(t->source_rel);
	pv->autoconf_path = t->overlay ? xstrdup("generated by kabigen from the configuration below")
				       : xasprintf("%s/include/generated/autoconf.h", t->build_rel);
	pv->autoconf_sha256 = xstrdup(digest);
	if (!pv->release)
		die("%s: the headers define no UTS_RELEASE; the tree is incomplete", t->build);
	if (!*pv->release || strchr(pv->release, '/') || !strcmp(pv->release, ".."))
		die("%s: UTS_RELEASE '%s' cannot name an output folder; pass -o", t->build, pv->release);
}

/* Proves the header before anyone can include it: it must compile alone, assertions holding. */
static void check_header(const char *header, const struct arch_profile *p)
{
	char *args[] = { "-target", p->clang_target, "-std=gnu11", "-ffreestanding", "-Wall", "-Wextra" };
	char *err = extract_check_compiles("kabi.h", header, args, sizeof(args) / sizeof(args[0]));

	if (err)
		die("the generated header does not compile for %s: %s; nothing was written; report this",
		    p->clang_target, err);
}

/* The layout model of TREE: clang's layouts, the provenance, and what the command line added. */
static struct kabi_model *build_model(const struct arch_profile *profile, const struct ktree *tree,
				      const struct kset *set, const struct tu *tu, struct kabi_provenance *from_cli)
{
	struct kabi_model *model = extract_model(set, tu->file_name, tu->text, tu->args, tu->n_args, tree->build);

	fill_provenance(model, profile, tree, set);
	model->prov.flavour = from_cli->flavour;
	model->prov.kconfig = from_cli->kconfig;
	model->prov.overrides = from_cli->overrides;
	model->prov.n_overrides = from_cli->n_overrides;
	memset(from_cli, 0, sizeof(*from_cli));
	return model;
}

/* Proves the dump before anyone reads it: read back, it must give the same bytes. */
static void check_json(const char *text)
{
	struct kabi_model *back = layout_read_json_buffer("kabi.json", text, strlen(text));
	char *again = emit_json(back);

	if (strcmp(again, text))
		die("the JSON dump does not read back as it was written; nothing was written; report this");
	free(again);
	kabi_model_free(back);
}

static char *set_file_of(const struct options *o, const char *configs)
{
	return o->set_file ? xstrdup(o->set_file) : xasprintf("%s/sets/loader.yaml", configs);
}

/*
 * What decides an output besides the files the unit reads (the manifest covers those,
 * autoconf.h among them): kabigen itself, the format, the set, the profile, the exact
 * arguments and unit, and the provenance the command line gives.
 */
static char *result_key(const struct options *o, const struct arch_profile *profile, const struct kset *set,
			const struct tu *tu, const struct kabi_provenance *cli)
{
	struct cache_key k;

	cache_key_init(&k);
	cache_key_add_str(&k, "kabigen", KABIGEN_VERSION);
	{
		/* A rebuilt kabigen is another kabigen; its stamp is cheaper than its hash. */
		struct stat st;
		char stamp[64] = "";

		if (!stat("/proc/self/exe", &st))
			snprintf(stamp, sizeof(stamp), "%lld:%lld.%ld", (long long)st.st_size,
				 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		cache_key_add_str(&k, "exe", stamp);
	}
	cache_key_add_str(&k, "format", o->format);
	cache_key_add_file(&k, set->file);
	cache_key_add_file(&k, profile->file);
	for (size_t i = 0; i < tu->n_args; i++)
		cache_key_add_str(&k, "arg", tu->args[i]);
	cache_key_add_str(&k, "unit", tu->text);
	cache_key_add_str(&k, "flavour", cli->flavour);
	cache_key_add_str(&k, "kconfig", cli->kconfig);
	for (size_t i = 0; i < cli->n_overrides; i++)
		cache_key_add_str(&k, "set", cli->overrides[i]);
	return cache_key_final(&k);
}

static void generate(const struct options *o, const struct arch_profile *profile, struct ktree *tree,
		     const char *configs, struct kabi_provenance *from_cli)
{
	char *set_file = set_file_of(o, configs);
	struct kset *set = kset_load(set_file);
	struct tu *tu = tu_build(profile, tree, set, KABIGEN_CLANG_RESOURCE_DIR);
	struct kabi_model *model;
	char *text, *output;

	if (o->print_cflags || o->emit_tu) {
		if (o->emit_tu) {
			char *unit = extract_resolve(tu->file_name, tu->text, tu->args, tu->n_args, tree->build);

			outfile_write(o->emit_tu, unit, strlen(unit), 0);
			free(unit);
		}
		if (o->print_cflags) {
			char *line = tu_shell_args(tu);

			printf("%s\n", line);
			free(line);
		}
	} else {
		const char *ext = !strcmp(o->format, "rust") ? "rs" : !strcmp(o->format, "json") ? "json" : "h";
		char *key = result_key(o, profile, set, tu, from_cli), *release = NULL, **files = NULL;
		size_t len, n_files = 0;

		/* A hit writes the bytes of the first run without parsing anything. */
		text = o->no_cache ? NULL : cache_lookup(key, &len, &release, &files, &n_files);
		if (text) {
			output = o->output ? xstrdup(o->output) : xasprintf("out/%s/kabi.%s", release, ext);
			outfile_write(output, text, len, !o->output);
			if (o->depfile)
				depfile_write(o->depfile, output, files, n_files);
			fprintf(stderr, "kabigen: wrote %s (%s, from the result cache)\n", output, release);
			strv_free(files, n_files);
			free(release);
			free(output);
			free(text);
			free(key);
			goto done;
		}
		model = build_model(profile, tree, set, tu, from_cli);
		if (!strcmp(o->format, "rust")) {
			text = emit_rust(model);
		} else if (!strcmp(o->format, "json")) {
			text = emit_json(model);
			check_json(text);
		} else {
			text = emit_c_header(model);
			check_header(text, profile);
		}
		output = o->output ? xstrdup(o->output) : xasprintf("out/%s/kabi.%s", model->prov.release, ext);
		outfile_write(output, text, strlen(text), !o->output);
		if (o->depfile)
			depfile_write(o->depfile, output, model->read_files, model->n_read_files);
		cache_store(key, model->prov.release, text, strlen(text), model->read_files, model->n_read_files);
		fprintf(stderr, "kabigen: wrote %s (%zu structs, %s)\n", output, model->n_order, model->prov.release);
		free(output);
		free(text);
		free(key);
		kabi_model_free(model);
	}
done:
	tu_free(tu);
	kset_free(set);
	free(set_file);
}

/* ---- kabigen diff ---- */

/* Every arch profile in CONFIGS/arch, in file name order. */
static struct arch_profile **all_profiles(const char *configs, size_t *n)
{
	char *dir = xasprintf("%s/arch", configs);
	struct arch_profile **v = NULL;
	struct dirent **names;
	int count = scandir(dir, &names, NULL, alphasort);

	*n = 0;
	if (count < 0)
		die("%s: cannot read the arch profiles: %s; set KABIGEN_CONFIGS to kabigen's configs folder", dir,
		    strerror(errno));
	for (int i = 0; i < count; i++) {
		size_t len = strlen(names[i]->d_name);

		if (len > 5 && !strcmp(names[i]->d_name + len - 5, ".yaml")) {
			char *file = xasprintf("%s/%s", dir, names[i]->d_name);

			v = xrealloc(v, (*n + 1) * sizeof(*v));
			v[(*n)++] = profile_read(file);
			free(file);
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	return v;
}

/*
 * The profile whose name or alias is ARCH, or (ARCH NULL) whose kernel arch folder is
 * KERNEL_ARCH; NULL when none is. With KNOWN, the names there are, for a message.
 */
static struct arch_profile *find_profile(const char *configs, const char *arch, const char *kernel_arch,
					 struct strbuf *known)
{
	size_t n;
	struct arch_profile **all = all_profiles(configs, &n), *found = NULL;

	for (size_t i = 0; i < n; i++) {
		struct arch_profile *p = all[i];
		int match = 0;

		if (arch) {
			match = !strcmp(p->name, arch) || !strcmp(p->debian_arch, arch);
			for (size_t j = 0; j < p->n_aliases; j++)
				match |= !strcmp(p->aliases[j], arch);
		} else {
			match = !strcmp(p->kernel_arch, kernel_arch);
		}
		if (known)
			sb_addf(known, "%s%s", known->len ? ", " : "", p->name);
		if (match && !found)
			found = p;
		else
			profile_free(p);
	}
	free(all);
	return found;
}

/*
 * One side's model from a headers folder: with PROFILE (a triple's arch), --arch, or the
 * arch the tree was configured for. FETCHED, when the archive gave the folder.
 */
static struct kabi_model *tree_side(const struct options *o, const char *configs, const char *which,
				    const char *spec, const char *kdir, struct arch_profile *profile,
				    const struct archive_tree *fetched)
{
	struct kabi_provenance from_cli = { 0 };
	struct ktree *tree = tree_detect(kdir);
	char *set_file = set_file_of(o, configs);
	struct kset *set;
	struct tu *tu;
	struct kabi_model *model;

	if (!profile && o->arch)
		profile = profile_load(configs, o->arch);
	if (!profile && !(profile = find_profile(configs, NULL, tree->kernel_arch, NULL)))
		die("%s %s: the tree is for arch/%s (read from %s), which no arch profile describes; pass --arch",
		    which, spec, tree->kernel_arch, tree->arch_origin);
	if (strcmp(tree->kernel_arch, profile->kernel_arch))
		die("%s %s: the tree is for arch/%s (read from %s), but %s is arch/%s; pass the matching --arch or "
		    "a %s tree", which, spec, tree->kernel_arch, tree->arch_origin, profile->name,
		    profile->kernel_arch, profile->name);
	if (fetched)
		from_cli.flavour = xstrdup(fetched->flavour);
	set = kset_load(set_file);
	tu = tu_build(profile, tree, set, KABIGEN_CLANG_RESOURCE_DIR);
	model = build_model(profile, tree, set, tu, &from_cli);
	tu_free(tu);
	kset_free(set);
	free(set_file);
	tree_free(tree);
	profile_free(profile);
	return model;
}

/* ARCH:KVER[:FLAVOUR], fetched from the archive as --kver does. */
static struct kabi_model *triple_side(const struct options *o, const char *configs, const char *which,
				      const char *spec)
{
	char *copy = xstrdup(spec), *parts[4] = { NULL };
	size_t n = 0;
	struct strbuf known = { 0 };
	struct arch_profile *profile;
	struct archive_request rq;
	struct archive_tree *fetched;
	struct kabi_model *model;

	/* Split by hand: strtok would accept "amd64::7.2". */
	parts[n++] = copy;
	for (char *p = copy; *p; p++) {
		if (*p != ':')
			continue;
		*p = '\0';
		if (n == 4)
			break;
		parts[n++] = p + 1;
	}
	if (n < 2 || n > 3 || !*parts[0] || !archive_valid_kver(parts[1]) ||
	    (n == 3 && !archive_valid_flavour(parts[2])))
		usage_die("%s '%s': write a triple as ARCH:KVER[:FLAVOUR], such as amd64:7.2 or amd64:7.2:rt", which,
			  spec);
	profile = find_profile(configs, parts[0], NULL, &known);
	if (!profile)
		die("%s '%s': no arch profile is named %s; use one of: %s", which, spec, parts[0], known.buf);
	sb_release(&known);
	rq = (struct archive_request){ profile, configs, parts[1], n == 3 ? parts[2] : NULL, o->offline };
	fetched = archive_fetch(&rq);
	fprintf(stderr, "kabigen: %s is %s %s (%s, from %s)\n", spec, fetched->package, fetched->version,
		fetched->flavour, fetched->suite);
	model = tree_side(o, configs, which, spec, fetched->kdir, profile, fetched);
	archive_tree_free(fetched);
	free(copy);
	return model;
}

enum side_kind { SIDE_JSON, SIDE_TREE, SIDE_TRIPLE };

/* An existing path wins over the triple syntax: a file may be called amd64:7.2. */
static enum side_kind side_kind_of(const char *which, const char *spec)
{
	struct stat st;

	if (stat(spec, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return SIDE_TREE;
		if (S_ISREG(st.st_mode))
			return SIDE_JSON;
		die("%s %s: neither a layout JSON file nor a headers folder", which, spec);
	}
	if (strchr(spec, ':'))
		return SIDE_TRIPLE;
	die("%s %s: no such file or folder; give a layout JSON file (kabigen --format json), a headers "
	    "folder, or a triple ARCH:KVER[:FLAVOUR]", which, spec);
}

static int run_diff(const struct options *o, const char *configs)
{
	static const char *const which[2] = { "OLD", "NEW" };
	enum side_kind kinds[2];
	struct kabi_model *models[2];
	struct diff_suppressions *sup = NULL;
	struct diff_options opt = { o->sides[0], o->sides[1], o->only, o->n_only, NULL };
	struct kabi_diff *d;
	const char *unknown;
	char *text;
	int verdict;

	for (int i = 0; i < 2; i++)
		kinds[i] = side_kind_of(which[i], o->sides[i]);
	if (o->arch && kinds[0] != SIDE_TREE && kinds[1] != SIDE_TREE)
		usage_die("--arch goes with a side that is a headers folder; a triple and a dump carry their arch");
	if (o->offline && kinds[0] != SIDE_TRIPLE && kinds[1] != SIDE_TRIPLE)
		usage_die("--offline goes with a side ARCH:KVER[:FLAVOUR], fetched from the archive");
	if (o->suppress)
		opt.suppress = sup = diff_suppressions_load(o->suppress);
	for (int i = 0; i < 2; i++) {
		if (kinds[i] == SIDE_JSON)
			models[i] = layout_read_json(o->sides[i]);
		else if (kinds[i] == SIDE_TREE)
			models[i] = tree_side(o, configs, which[i], o->sides[i], o->sides[i], NULL, NULL);
		else
			models[i] = triple_side(o, configs, which[i], o->sides[i]);
	}
	if ((unknown = diff_unknown_only(models[0], models[1], &opt)))
		usage_die("--only %s: neither side has a struct, enum, constant, string or list of that name", unknown);
	d = diff_models(models[0], models[1], &opt);
	for (size_t i = 0; i < d->n_unmatched; i++)
		warn("%s: this suppression matches nothing on either side", d->unmatched[i]);
	text = !strcmp(o->format, "md") ? diff_report_md(d) : !strcmp(o->format, "json") ? diff_report_json(d)
											       : diff_report_text(d);
	if (o->output)
		outfile_write(o->output, text, strlen(text), 0);
	else
		fputs(text, stdout);
	verdict = (int)d->verdict;
	free(text);
	diff_free(d);
	diff_suppressions_free(sup);
	kabi_model_free(models[0]);
	kabi_model_free(models[1]);
	return verdict;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct kabi_provenance from_cli = { 0 };
	struct archive_request rq = { 0 };
	struct archive_tree *fetched = NULL;
	struct arch_profile *profile;
	struct ktree *tree;
	char *configs;
	int status = KABI_EXIT_OK;

	report_set_cleanup(outfile_cleanup);
	if (argc > 1 && !strcmp(argv[1], "matrix"))
		return matrix_main(argc - 1, argv + 1);
	parse_options(argc, argv, &o);
	configs = configs_dir();
	if (o.diff) {
		status = run_diff(&o, configs);
		strv_free(o.only, o.n_only);
		free(configs);
		return fflush(stdout) ? KABI_EXIT_ERROR : status;
	}
	profile = profile_load(configs, o.arch);
	rq = (struct archive_request){ profile, configs, o.kver, o.flavour, o.offline };
	if (o.list) {
		archive_list(&rq, stdout);
	} else {
		if (o.kver) {
			fetched = archive_fetch(&rq);
			from_cli.flavour = xasprintf("%s (%s %s from %s)", fetched->flavour, fetched->package,
						     fetched->version, fetched->suite);
		}
		tree = tree_detect(fetched ? fetched->kdir : o.kdir);
		if (strcmp(tree->kernel_arch, profile->kernel_arch))
			die("--kdir %s: the tree is for arch/%s (read from %s), but --arch %s is arch/%s; pass the "
			    "matching --arch or a %s tree", o.kdir ? o.kdir : tree->build, tree->kernel_arch, tree->arch_origin, o.arch,
			    profile->kernel_arch, profile->name);
		overlay_apply(tree, profile, o.kconfig, o.sets, o.n_sets, &from_cli);
		generate(&o, profile, tree, configs, &from_cli);
		/* Left here when no model took them over (a cache hit, --print-cflags). */
		free(from_cli.flavour);
		free(from_cli.kconfig);
		strv_free(from_cli.overrides, from_cli.n_overrides);
		tree_free(tree);
	}
	archive_tree_free(fetched);
	profile_free(profile);
	free(configs);
	free(o.sets);
	return fflush(stdout) ? KABI_EXIT_ERROR : status;
}
