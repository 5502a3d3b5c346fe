/* generate.c: 'kabigen [generate]': one triple's header; runs profile -> tree -> tu -> extract -> emit. */
#include "archive.h"
#include "cache.h"
#include "cmd.h"
#include "emit.h"
#include "extract.h"
#include "kconfig.h"
#include "kset.h"
#include "layout.h"
#include "layout_read.h"
#include "outfile.h"
#include "overlay.h"
#include "profile.h"
#include "report.h"
#include "tree.h"
#include "tu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_text[] =
	"usage: kabigen [generate] --arch ARCH (--kdir DIR | --kver VERSION [--flavour F]) [options]\n"
	"\n"
	"Writes a self-contained C header with the exact layouts of the kernel structs a\n"
	"module loader needs, as clang computes them for ARCH from one kernel's headers.\n"
	"\n"
	"  --arch ARCH        x86_64, arm64, riscv64, loongarch64 (or amd64, x86-64, aarch64, loong64)\n"
	"  --kdir DIR         an extracted linux-headers-R-FLAVOUR folder (with its -common beside it),\n"
	"                     /lib/modules/R/build, or a kernel tree after 'make prepare'\n"
	"  --kver VERSION     fetch the headers from Debian's archive instead: 7.2 (newest 7.2.x),\n"
	"                     7.2.13, or a full release such as 7.2.13+deb14-riscv64\n"
	"  --flavour F        with --kver: the configuration flavour (rt, cloud, 16k, ...);\n"
	"                     default: the arch's generic one\n"
	"  --offline          with --kver: use only kabigen's cache, never the network\n"
	"  --kconfig FILE     use this .config instead of the tree's configuration\n"
	"  --set CONFIG_X=V   set one symbol (y, m, n, a number or a \"string\"); repeatable, applied\n"
	"                     after --kconfig. Dependencies between symbols are NOT resolved: what\n"
	"                     you write is what is used, as if the .config said so\n"
	"  --format FORMAT    c (the default), rust, or json (the layout model, for tools and diff)\n"
	"  -o, --output FILE  where to write it (default: out/UTS_RELEASE/kabi.h, kabi.rs or kabi.json)\n"
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
	"of the file written by --emit-tu. Exit status: 0 success, 1 error, 2 usage error.\n";

enum { OPT_ARCH = 256, OPT_KDIR, OPT_KVER, OPT_FLAVOUR, OPT_OFFLINE, OPT_KCONFIG, OPT_SET, OPT_SET_FILE,
       OPT_PRINT_CFLAGS, OPT_EMIT_TU, OPT_FORMAT, OPT_VERSION, OPT_DEPFILE, OPT_NO_CACHE };

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
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct generate_options {
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

/* The options given, then what they must satisfy together. */
static void parse_options(int argc, char **argv, struct generate_options *o)
{
	int c;

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
		case OPT_VERSION:
			printf("kabigen %s\n", KABIGEN_VERSION);
			exit(0);
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			cmd_bad_option(&cmd_generate, c, argv);
		}
	}
	cmd_check_triple(argc, argv, o->arch, o->kver, o->flavour);
	for (size_t i = 0; i < o->n_sets; i++)
		if (!kconfig_valid_set(o->sets[i]))
			usage_die("--set '%s': use CONFIG_NAME=y, m, n, a number or a \"string\"", o->sets[i]);
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

/* Proves the header before anyone can include it: it must compile alone, assertions holding. */
static void check_header(const char *header, const struct arch_profile *p)
{
	char *args[] = { "-target", p->clang_target, "-std=gnu11", "-ffreestanding", "-Wall", "-Wextra" };
	char *err = extract_check_compiles("kabi.h", header, args, sizeof(args) / sizeof(args[0]));

	if (err)
		die("the generated header does not compile for %s: %s; nothing was written; report this",
		    p->clang_target, err);
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

/*
 * What decides an output besides the files the unit reads (the manifest covers those,
 * autoconf.h among them): kabigen itself, the format, the set, the profile, the exact
 * arguments and unit, and the provenance the command line gives.
 */
static char *result_key(const struct generate_options *o, const struct arch_profile *profile, const struct kset *set,
			const struct tu *tu, const struct kabi_provenance *cli)
{
	struct cache_key k;

	cache_key_init(&k);
	cache_key_add_str(&k, "kabigen", KABIGEN_VERSION);
	cache_key_add_programs(&k);
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

static void generate(const struct generate_options *o, const struct arch_profile *profile, struct ktree *tree,
		     const char *configs, struct kabi_provenance *from_cli)
{
	char *set_file = cmd_set_file(o->set_file, configs);
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
		char *key = result_key(o, profile, set, tu, from_cli);
		struct cache_entry hit;

		/* A hit writes the bytes of the first run without parsing anything. */
		if (!o->no_cache && !cache_lookup(key, &hit)) {
			output = o->output ? xstrdup(o->output) : xasprintf("out/%s/kabi.%s", hit.release, ext);
			outfile_write(output, hit.text, hit.len, !o->output);
			if (o->depfile)
				depfile_write(o->depfile, output, hit.files, hit.n_files);
			fprintf(stderr, "kabigen: wrote %s (%s, from the result cache)\n", output, hit.release);
			cache_entry_free(&hit);
			free(output);
			free(key);
			goto done;
		}
		model = cmd_build_model(profile, tree, set, tu, from_cli);
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
		if (!o->no_cache)
			cache_store(key, model->prov.release, text, strlen(text), model->read_files,
				    model->read_digests, model->n_read_files);
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

static int run(int argc, char **argv)
{
	struct generate_options o = { 0 };
	struct kabi_provenance from_cli = { 0 };
	struct archive_request rq = { 0 };
	struct archive_tree *fetched = NULL;
	struct arch_profile *profile;
	struct ktree *tree;
	char *configs;

	parse_options(argc, argv, &o);
	configs = cmd_configs_dir();
	profile = profile_load(configs, o.arch);
	rq = (struct archive_request){ profile, configs, o.kver, o.flavour, o.offline };
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
	archive_tree_free(fetched);
	profile_free(profile);
	free(configs);
	free(o.sets);
	return fflush(stdout) ? KABI_EXIT_ERROR : KABI_EXIT_OK;
}

const struct command cmd_generate = {
	.name = "generate",
	.run = run,
	.synopsis = "[generate] --arch ARCH (--kdir DIR | --kver VERSION [--flavour F]) [options]",
	.summary = "one triple's header: C, Rust, or the layout dump (JSON); the default command",
	.usage = usage_text,
	.options = longopts,
};
