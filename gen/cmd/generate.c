/* generate.c: 'kabigen [generate]': one triple's header; runs profile -> tree -> tu -> extract -> emit. */
#include "input/archive.h"
#include "clang/bounds.h"
#include "util/cache.h"
#include "util/cache_keys.h"
#include "cmd/cmd.h"
#include "emit/emit.h"
#include "clang/extract.h"
#include "input/kconfig.h"
#include "input/kset.h"
#include "model/layout.h"
#include "model/layout_read.h"
#include "build/model_build.h"
#include "util/outfile.h"
#include "input/overlay.h"
#include "input/profile.h"
#include "util/report.h"
#include "util/self.h"
#include "input/tree.h"
#include "clang/tu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_head[] =
	"usage: kabigen [generate] --arch ARCH (--kdir DIR | --kver VERSION [--flavour F]) [options]\n"
	"\n"
	"Writes a self-contained C header with the exact layouts of the kernel structs a\n"
	"module loader needs, as clang computes them for ARCH from one kernel's headers.\n";

enum { OPT_ARCH = 256, OPT_KDIR, OPT_KVER, OPT_FLAVOUR, OPT_OFFLINE, OPT_KCONFIG, OPT_SET, OPT_SET_FILE,
       OPT_PRINT_CFLAGS, OPT_EMIT_TU, OPT_FORMAT, OPT_VERSION, OPT_DEPFILE, OPT_NO_CACHE };

static const struct cmd_option options[] = {
	{ OPT_ARCH, "arch", "ARCH", "x86_64, arm64, riscv64, loongarch64 (or amd64, x86-64, aarch64, loong64)" },
	{ OPT_KDIR, "kdir", "DIR", "an extracted linux-headers-R-FLAVOUR folder (with its -common beside it),\n"
				   "/lib/modules/R/build, or a kernel tree after 'make prepare'" },
	{ OPT_KVER, "kver", "VERSION", "fetch the headers from Debian's archive instead: 7.2 (newest 7.2.x),\n"
				       "7.2.13, or a full release such as 7.2.13+deb14-riscv64" },
	{ OPT_FLAVOUR, "flavour", "F", "with --kver: the configuration flavour (rt, cloud, 16k, ...);\n"
				       "default: the arch's generic one" },
	{ OPT_OFFLINE, "offline", NULL, "with --kver: use only kabigen's cache, never the network" },
	{ OPT_KCONFIG, "kconfig", "FILE", "use this .config instead of the tree's configuration" },
	{ OPT_SET, "set", "CONFIG_X=V", "set one symbol (y, m, n, a number or a \"string\"); repeatable, applied\n"
					"after --kconfig. Dependencies between symbols are NOT resolved: what\n"
					"you write is what is used, as if the .config said so" },
	{ OPT_FORMAT, "format", "FORMAT", "c (the default), rust, or json (the layout model, for tools and diff);\n"
					  "several (c,rust,json or repeated) are written from one parse" },
	{ 'o', "output", "FILE", "where to write it (default: out/UTS_RELEASE/kabi.h, kabi.rs or kabi.json);\n"
				 "with several formats, the folder that gets kabi.h, kabi.rs and kabi.json" },
	{ OPT_SET_FILE, "set-file", "FILE", "the set of structs, enums and constants (default: configs/sets/loader.yaml)" },
	{ OPT_PRINT_CFLAGS, "print-cflags", NULL, "print the clang arguments kabigen parses with, on one line, and stop" },
	{ OPT_EMIT_TU, "emit-tu", "FILE", "write the translation unit kabigen parses to FILE, and stop" },
	{ OPT_DEPFILE, "depfile", "FILE", "also write a Makefile-style depfile: the output depends on every file\n"
					  "the translation unit read (for Ninja and Make; see cmake/Kabigen.cmake)" },
	{ OPT_NO_CACHE, "no-cache", NULL, "parse even when the result cache holds this output, use nothing else\n"
					  "the cache keeps (model, precompiled headers) and store nothing" },
	{ OPT_VERSION, "version", NULL, "print kabigen's version" },
	CMD_OPT_HELP,
	CMD_OPT_END,
};

static const char usage_tail[] =
	"The cache is $XDG_CACHE_HOME/kabigen (default ~/.cache/kabigen); the archives and suites\n"
	"--kver searches are in configs/archive.yaml.\n"
	"clang-19 $(kabigen --arch A --kdir D --print-cflags) -E TU.c reproduces kabigen's preprocessing\n"
	"of the file written by --emit-tu. Exit status: 0 success, 1 error, 2 usage error.\n";

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
	size_t formats[CMD_N_FORMATS];	/* indexes into cmd_format_names, in the order given, each once */
	size_t n_formats;
	int print_cflags;
};

/* --format c,rust (or repeated): each name checked and added once, in order. */
static void add_formats(struct generate_options *o, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;

	for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		size_t f = cmd_format_index(name), i;

		if (f == CMD_N_FORMATS)
			usage_die("--format %s: use c, rust or json, or several of them separated by commas", name);
		for (i = 0; i < o->n_formats && o->formats[i] != f; i++)
			;
		if (i == o->n_formats)
			o->formats[o->n_formats++] = f;
	}
	if (!*list || list[strlen(list) - 1] == ',' || strstr(list, ",,"))
		usage_die("--format '%s': an empty format name; use c, rust or json, separated by commas", list);
	free(copy);
}

/* The options given, then what they must satisfy together. */
static void parse_options(int argc, char **argv, struct generate_options *o)
{
	int c;

	while ((c = cmd_next_option(&cmd_generate, argc, argv)) != -1) {
		switch (c) {
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_KDIR: o->kdir = optarg; break;
		case OPT_KVER: o->kver = optarg; break;
		case OPT_FLAVOUR: o->flavour = optarg; break;
		case OPT_OFFLINE: o->offline = 1; break;
		case OPT_KCONFIG: o->kconfig = optarg; break;
		case OPT_SET:
			o->sets = xgrow(o->sets, o->n_sets, sizeof(*o->sets));
			o->sets[o->n_sets++] = optarg;
			break;
		case 'o': o->output = optarg; break;
		case OPT_SET_FILE: o->set_file = optarg; break;
		case OPT_PRINT_CFLAGS: o->print_cflags = 1; break;
		case OPT_EMIT_TU: o->emit_tu = optarg; break;
		case OPT_DEPFILE: o->depfile = optarg; break;
		case OPT_NO_CACHE: o->no_cache = 1; break;
		case OPT_FORMAT: add_formats(o, optarg); break;
		case OPT_VERSION:
			printf("kabigen %s\n", KABIGEN_VERSION);
			exit(0);
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
	if (!o->n_formats)
		o->formats[o->n_formats++] = cmd_format_index("c");
	if (o->output && (o->print_cflags || o->emit_tu))
		usage_die("-o writes the header; it does not go with --print-cflags or --emit-tu, which stop before it");
}

/*
 * A header proof: the cache's record that these exact bytes compiled, with these arguments,
 * under this kabigen and libclang. Its key is all of that, so it proves nothing else; a later
 * run that emits the same bytes (C after Rust, from the cached model) needs no libclang.
 */
static const char proof_text[] = "compiled\n";

static bool proven_before(const char *key)
{
	struct cache_entry e;
	bool holds;

	if (cache_lookup(CACHE_PROOF, key, &e))
		return false;
	holds = e.len == strlen(proof_text) && !memcmp(e.text, proof_text, e.len);
	cache_entry_free(&e);
	return holds;
}

/*
 * Compiles the header alone for P's target, its assertions holding: NULL, or the first error
 * (new string). With USE_CACHE, bytes proven before are not compiled again, and bytes that
 * compile are recorded as proven.
 */
static char *prove_header(const char *header, const struct arch_profile *p, bool use_cache)
{
	char *args[] = { "-target", p->clang_target, "-std=gnu11", "-ffreestanding", "-Wall", "-Wextra" };
	size_t n_args = sizeof(args) / sizeof(args[0]);
	char *key = use_cache ? cache_key_proof(header, args, n_args) : NULL, *err = NULL;

	if (key && proven_before(key)) {
		trace("the header's bytes compiled before (a header proof in the cache)");
	} else {
		err = extract_check_compiles("kabi.h", header, args, n_args);
		if (!err && key)
			cache_store(CACHE_PROOF, key, NULL, proof_text, strlen(proof_text), NULL, NULL, NULL, 0);
	}
	free(key);
	return err;
}

/* Proves the header before anyone can include it. */
static void check_header(const char *header, const struct arch_profile *p, bool use_cache)
{
	char *err = prove_header(header, p, use_cache);

	if (err)
		die("the generated header does not compile for %s: %s; nothing was written; report this",
		    p->clang_target, err);
}

/*
 * After a parse that wrote no C header, libclang is loaded: proving the C header of the same
 * model now costs one small parse, and spares a later C run (from the cached model) the
 * loading of libclang. A header that does not compile is only not recorded: the run that
 * asks for it says why.
 */
static void prove_c_for_later(const struct kabi_model *model, const struct arch_profile *p)
{
	char *text = emit_c_header(model), *err = prove_header(text, p, true);

	if (err)
		trace("the C header of this model does not compile: %s", err);
	free(err);
	free(text);
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

/* One file a run writes: its format, where it goes, its result-cache key, and a hit's bytes. */
struct output {
	size_t format;
	char *key;
	char *path;
	char *text;		/* emitted from the model; NULL when served from the cache */
	struct cache_entry hit;
	int from_cache;
};

/* -o FILE for one format, -o DIR for several, else out/RELEASE/kabi.EXT. */
static char *output_path(const struct generate_options *o, size_t format, const char *release)
{
	if (o->output && o->n_formats == 1)
		return xstrdup(o->output);
	if (o->output)
		return xasprintf("%s/%s", o->output, cmd_format_files[format]);
	if (!outfile_name_valid(release))
		die("UTS_RELEASE '%s' cannot name a folder under out/; nothing was written; pass -o", release);
	return xasprintf("out/%s/%s", release, cmd_format_files[format]);
}

/* FORMAT's text of MODEL, proven (compiled, or read back) before anything is written. */
static char *emit_proven(size_t format, const struct kabi_model *model, const struct arch_profile *profile,
			 bool use_cache)
{
	char *text;

	if (!strcmp(cmd_format_names[format], "rust"))
		return emit_rust(model);
	if (!strcmp(cmd_format_names[format], "json")) {
		text = emit_json(model);
		check_json(text);
		return text;
	}
	text = emit_c_header(model);
	check_header(text, profile, use_cache);
	return text;
}

/* The outputs (PATHS, and --depfile) against each other and every file the run reads. */
static void check_outputs(const struct generate_options *o, char *const *paths, const struct kset *set,
			  const struct arch_profile *profile, char *const *read, size_t n_read)
{
	struct cmd_file outputs[CMD_N_FORMATS + 1], *inputs = xcalloc(n_read + 3, sizeof(*inputs));
	size_t n_out = 0, n_in = 0;

	for (size_t i = 0; i < o->n_formats; i++)
		outputs[n_out++] = (struct cmd_file){ paths[i], o->n_formats > 1 ? "the output" : "-o" };
	if (o->depfile)
		outputs[n_out++] = (struct cmd_file){ o->depfile, "--depfile" };
	inputs[n_in++] = (struct cmd_file){ o->kconfig, "--kconfig's file" };
	inputs[n_in++] = (struct cmd_file){ set->file, "the set file" };
	inputs[n_in++] = (struct cmd_file){ profile->file, "the arch profile" };
	for (size_t i = 0; i < n_read; i++)
		inputs[n_in++] = (struct cmd_file){ read[i], "a header the translation unit reads:" };
	report_hold(inputs, free);
	cmd_check_outputs(outputs, n_out, inputs, n_in);
	report_release(inputs);
	free(inputs);
}

/*
 * The N_FORMATS outputs OUT (at PATHS) and the depfile, all or none: each destination is
 * checked before any is written, and a failure leaves every file of the user as it was.
 * The depfile lists what the unit read: a hit's manifest lists the same files as the model.
 */
static void write_outputs(const struct generate_options *o, const struct output *out, char *const *paths,
			  const struct kabi_model *model)
{
	struct outfile files[CMD_N_FORMATS + 1];
	int flags = !o->output || o->n_formats > 1 ? OUTFILE_MKDIRS : 0;
	char *depfile = NULL;
	size_t n = 0;

	for (size_t i = 0; i < o->n_formats; i++) {
		const char *text = out[i].from_cache ? out[i].hit.text : out[i].text;
		size_t len = out[i].from_cache ? out[i].hit.len : strlen(out[i].text);

		files[n++] = (struct outfile){ out[i].path, "-o", text, len, flags };
	}
	if (o->depfile) {
		depfile = model ? depfile_text(paths, o->n_formats, model->read_files, model->n_read_files)
				: depfile_text(paths, o->n_formats, out[0].hit.files, out[0].hit.n_files);
		report_hold(depfile, free);
		files[n++] = (struct outfile){ o->depfile, "--depfile", depfile, strlen(depfile), 0 };
	}
	outfile_write_all(files, n);
	if (depfile) {
		report_release(depfile);
		free(depfile);
	}
}

/*
 * Every format asked for, from one model: the result cache serves the formats it holds,
 * and the others are emitted from a single parse of the unit. All are made and proven
 * before the first is written, so an error writes nothing.
 */
static void generate_outputs(const struct generate_options *o, const struct arch_profile *profile,
			     struct ktree *tree, const struct kset *set, const struct tu *tu,
			     struct kabi_provenance *from_cli)
{
	struct output out[CMD_N_FORMATS] = { 0 };
	struct kabi_model *model = NULL;
	char *paths[CMD_N_FORMATS];
	bool wrote_c = false;

	/* Every key before the model: building it takes FROM_CLI's provenance, which the keys hold. */
	for (size_t i = 0; i < o->n_formats; i++) {
		out[i].format = o->formats[i];
		out[i].key = build_result_key(cmd_format_names[out[i].format], profile, set, tu, from_cli);
		/* A hit gives the bytes of the first run without parsing anything. */
		out[i].from_cache = !o->no_cache && !cache_lookup(CACHE_RESULT, out[i].key, &out[i].hit);
	}
	for (size_t i = 0; i < o->n_formats && !model; i++)
		if (!out[i].from_cache)
			model = build_model(profile, tree, set, tu, from_cli, !o->no_cache);
	for (size_t i = 0; i < o->n_formats; i++) {
		if (!out[i].from_cache)
			out[i].text = emit_proven(out[i].format, model, profile, !o->no_cache);
		out[i].path = output_path(o, out[i].format, out[i].from_cache ? out[i].hit.release : model->prov.release);
		wrote_c |= !strcmp(cmd_format_names[out[i].format], "c");
		paths[i] = out[i].path;
	}
	check_outputs(o, paths, set, profile, model ? model->read_files : out[0].hit.files,
		      model ? model->n_read_files : out[0].hit.n_files);
	write_outputs(o, out, paths, model);
	for (size_t i = 0; i < o->n_formats; i++) {
		struct output *w = &out[i];

		if (w->from_cache) {
			inform("wrote %s (%s, from the result cache)", w->path, w->hit.release);
			continue;
		}
		if (!o->no_cache)
			cache_store(CACHE_RESULT, w->key, model->prov.release, w->text, strlen(w->text), model->read_files,
				    model->read_digests, model->read_stamps, model->n_read_files);
		inform("wrote %s (%zu structs, %s)", w->path, model->n_order, model->prov.release);
	}
	/* Off the critical path: every file the user asked for is written. */
	if (model && !o->no_cache && extract_engine_loaded() && !wrote_c)
		prove_c_for_later(model, profile);
	for (size_t i = 0; i < o->n_formats; i++) {
		if (out[i].from_cache)
			cache_entry_free(&out[i].hit);
		free(out[i].key);
		free(out[i].path);
		free(out[i].text);
	}
	kabi_model_free(model);
}

static void generate(const struct generate_options *o, const struct arch_profile *profile, struct ktree *tree,
		     const char *configs, struct kabi_provenance *from_cli)
{
	char *set_file = cmd_set_file(o->set_file, configs);
	struct kset *set = kset_load(set_file);
	struct tu *tu = tu_build(profile, tree, set, KABIGEN_CLANG_RESOURCE_DIR);

	if (o->print_cflags || o->emit_tu) {
		if (o->emit_tu) {
			struct cmd_file out = { o->emit_tu, "--emit-tu" };
			struct cmd_file in[] = { { set_file, "the set file" }, { profile->file, "the arch profile" },
						 { o->kconfig, "--kconfig's file" } };
			char *advice, *unit;

			cmd_check_outputs(&out, 1, in, sizeof(in) / sizeof(in[0]));
			advice = build_parse_advice(from_cli);
			unit = extract_resolve(&(struct extract_request){
				.set = set, .file_name = tu->file_name, .text = tu->text, .args = tu->args,
				.n_args = tu->n_args, .origin = tree->build, .advice = advice });
			free(advice);

			outfile_write_all(&(struct outfile){ o->emit_tu, "--emit-tu", unit, strlen(unit), 0 }, 1);
			free(unit);
		}
		if (o->print_cflags) {
			char *line = tu_shell_args(tu);

			printf("%s\n", line);
			free(line);
		}
	} else {
		generate_outputs(o, profile, tree, set, tu, from_cli);
	}
	tu_free(tu);
	kset_free(set);
	free(set_file);
}

/* PATH (named WHAT) can be written, checked before the work that would end in writing it. */
static void check_destination(const char *path, const char *what, int flags)
{
	char *why;

	if (path && outfile_check(path, what, flags, &why)) {
		report_hold(why, free);
		die("%s: %s", path, why);
	}
}

/*
 * Every destination given on the command line, before any tree is fetched or parsed: a
 * folder where kabi.rs goes, or --depfile /dev/full, is said now, not after the work (the
 * writes check them again). out/RELEASE/ waits for the release.
 */
static void check_destinations(const struct generate_options *o)
{
	for (size_t i = 0; o->output && i < o->n_formats; i++) {
		char *path = o->n_formats > 1 ? xasprintf("%s/%s", o->output, cmd_format_files[o->formats[i]]) : NULL;

		if (!path) {
			check_destination(o->output, "-o", 0);
			continue;
		}
		report_hold(path, free);
		check_destination(path, "-o", OUTFILE_MKDIRS);
		report_release(path);
		free(path);
	}
	check_destination(o->depfile, "--depfile", 0);
	check_destination(o->emit_tu, "--emit-tu", 0);
}

/*
 * --kconfig and --set: the overlay of generated headers (input/overlay.c), its bounds.h
 * evaluated again under them (clang/bounds.c), and both recorded in the provenance PV.
 */
static void apply_overlay(const struct generate_options *o, const struct arch_profile *profile,
			  struct ktree *tree, struct kabi_provenance *pv)
{
	if (!o->kconfig && !o->n_sets)
		return;
	pv->kconfig = overlay_apply(tree, o->kconfig, o->sets, o->n_sets);
	pv->overrides = xcalloc(o->n_sets, sizeof(*pv->overrides));
	for (size_t i = 0; i < o->n_sets; i++)
		pv->overrides[pv->n_overrides++] = xstrdup(o->sets[i]);
	bounds_regenerate(tree, profile);
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
	check_destinations(&o);
	configs = self_configs_dir();
	profile = profile_load(configs, o.arch);
	rq = (struct archive_request){ .profile = profile, .configs_dir = configs, .kver = o.kver,
					.flavour = o.flavour, .offline = o.offline };
	if (o.kver) {
		fetched = archive_fetch(&rq);
		from_cli.flavour = xasprintf("%s (%s %s from %s)", fetched->flavour, fetched->package,
					     fetched->version, fetched->suite);
	}
	tree = tree_detect(fetched ? fetched->kdir : o.kdir);
	{
		char *what = xasprintf("--kdir %s", o.kdir ? o.kdir : tree->build), *arch_given = xasprintf("--arch %s", o.arch);

		cmd_check_tree_arch(tree, profile, what, arch_given);
		free(arch_given);
		free(what);
	}
	apply_overlay(&o, profile, tree, &from_cli);
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
	.usage_head = usage_head,
	.options = options,
	.usage_tail = usage_tail,
};
