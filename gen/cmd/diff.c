/* diff.c: 'kabigen diff OLD NEW': two triples' layouts compared, and what a loader built for OLD risks on NEW. */
#include "input/archive.h"
#include "cmd/cmd.h"
#include "diff/diff.h"
#include "input/kset.h"
#include "model/layout.h"
#include "model/layout_read.h"
#include "build/model_build.h"
#include "util/outfile.h"
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
	"usage: kabigen diff OLD NEW [--format text|md|json] [--only NAMES] [--suppress FILE] [-o FILE]\n"
	"\n"
	"Compares two triples' layouts. OLD and NEW are each a layout dump (kabigen --format json),\n"
	"a headers folder as for --kdir (its arch is the tree's, or --arch), or ARCH:KVER[:FLAVOUR]\n"
	"fetched as --kver does, e.g. amd64:7.2:rt.\n";

enum { OPT_ARCH = 256, OPT_OFFLINE, OPT_SET_FILE, OPT_FORMAT, OPT_ONLY, OPT_SUPPRESS, OPT_NO_CACHE };

static const struct cmd_option options[] = {
	{ OPT_FORMAT, "format", "FORMAT", "text (the default), md or json" },
	{ OPT_ONLY, "only", "NAMES",
	  "compare only these structs, enums, constants, strings or lists\n"
	  "(comma-separated, e.g. module,kernel_param,vermagic)" },
	{ OPT_SUPPRESS, "suppress", "FILE", "a YAML file of structs, members and values to leave out" },
	{ 'o', "output", "FILE", "where to write the report (default: standard output)" },
	{ OPT_ARCH, "arch", "ARCH", "the arch of a side that is a headers folder (default: the tree's)" },
	{ OPT_SET_FILE, "set-file", "FILE",
	  "the set of structs, enums and constants (default: configs/sets/loader.yaml)" },
	{ OPT_OFFLINE, "offline", NULL, "for a side ARCH:KVER[:FLAVOUR]: use only kabigen's cache, never the network" },
	{ OPT_NO_CACHE, "no-cache", NULL, "parse each side that is a tree even when the result cache holds its model" },
	CMD_OPT_HELP,
	CMD_OPT_END,
};

static const char usage_tail[] =
	"Exit status: 0 the same, 1 error, 2 usage error; 4 when the layouts differ and 8 when a\n"
	"loader built for OLD breaks on NEW (so 12), as abidiff.\n";

struct diff_cmd_options {
	const char *sides[2];	/* OLD and NEW */
	char **only;		/* --only, split at commas */
	size_t n_only;
	const char *only_text;
	const char *suppress;
	const char *arch;
	int offline;
	int no_cache;
	const char *output;
	const char *set_file;
	const char *format;
};

/* --only NAMES, split at commas; empty names are refused. */
static void split_only(struct diff_cmd_options *o)
{
	char *copy = xstrdup(o->only_text), *save = NULL;

	for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		o->only = xgrow(o->only, o->n_only, sizeof(*o->only));
		o->only[o->n_only++] = xstrdup(name);
	}
	free(copy);
	if (!o->n_only || strstr(o->only_text, ",,") || o->only_text[0] == ',' ||
	    o->only_text[strlen(o->only_text) - 1] == ',')
		usage_die("--only '%s': give names separated by commas, such as module,kernel_param", o->only_text);
}

static void parse_options(int argc, char **argv, struct diff_cmd_options *o)
{
	int c;

	while ((c = cmd_next_option(&cmd_diff, argc, argv)) != -1) {
		switch (c) {
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_OFFLINE: o->offline = 1; break;
		case 'o': o->output = optarg; break;
		case OPT_SET_FILE: o->set_file = optarg; break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_ONLY: o->only_text = optarg; break;
		case OPT_SUPPRESS: o->suppress = optarg; break;
		case OPT_NO_CACHE: o->no_cache = 1; break;
		}
	}
	if (argc - optind != 2)
		usage_die("'kabigen diff' compares two sides: OLD NEW (a layout JSON file, a headers folder, or "
			  "ARCH:KVER[:FLAVOUR]); %d given", argc - optind);
	o->sides[0] = argv[optind];
	o->sides[1] = argv[optind + 1];
	if (!o->format)
		o->format = "text";
	if (strcmp(o->format, "text") && strcmp(o->format, "md") && strcmp(o->format, "json"))
		usage_die("--format %s: a diff is text, md or json", o->format);
	if (o->only_text)
		split_only(o);
}

/*
 * One side's model from a headers folder: with PROFILE (a triple's arch), --arch, or the
 * arch the tree was configured for. FETCHED, when the archive gave the folder.
 */
static struct kabi_model *tree_side(const struct diff_cmd_options *o, const char *configs, const char *which,
				    const char *spec, const char *kdir, struct arch_profile *profile,
				    const struct archive_tree *fetched)
{
	struct kabi_provenance from_cli = { 0 };
	struct ktree *tree = tree_detect(kdir);
	char *set_file = cmd_set_file(o->set_file, configs), *what = xasprintf("%s %s", which, spec);
	struct kabi_model *model;

	if (!profile && o->arch)
		profile = profile_load(configs, o->arch);
	if (!profile && !(profile = profile_find(configs, NULL, tree->kernel_arch, NULL)))
		die("%s %s: the tree is for arch/%s (read from %s), which no arch profile describes; pass --arch",
		    which, spec, tree->kernel_arch, tree->arch_origin);
	cmd_check_tree_arch(tree, profile, what, profile->name);
	if (fetched)
		from_cli.flavour = xstrdup(fetched->flavour);
	model = build_tree_model(profile, tree, set_file, &from_cli, !o->no_cache);
	free(what);
	free(set_file);
	tree_free(tree);
	profile_free(profile);
	return model;
}

/* ARCH:KVER[:FLAVOUR], fetched from the archive as --kver does. */
static struct kabi_model *triple_side(const struct diff_cmd_options *o, const char *configs, const char *which,
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
	profile = profile_find(configs, parts[0], NULL, &known);
	if (!profile)
		die("%s '%s': no arch profile is named %s; use one of: %s", which, spec, parts[0], known.buf);
	sb_release(&known);
	rq = (struct archive_request){ .profile = profile, .configs_dir = configs, .kver = parts[1],
					.flavour = n == 3 ? parts[2] : NULL, .offline = o->offline };
	fetched = archive_fetch(&rq);
	inform("%s is %s %s (%s, from %s)", spec, fetched->package, fetched->version,
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

static int diff_sides(const struct diff_cmd_options *o, const char *configs)
{
	static const char *const which[2] = { "OLD", "NEW" };
	enum side_kind kinds[2];
	struct kabi_model *models[2];
	struct diff_suppressions *sup = NULL;
	struct diff_options opt = { .old_input = o->sides[0], .new_input = o->sides[1], .only = o->only,
				    .n_only = o->n_only };
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
	if (o->output) {
		/* The report must not replace a dump it compares, nor the suppressions it reads. */
		struct cmd_file out = { o->output, "-o" };
		struct cmd_file in[] = { { o->sides[0], "OLD" }, { o->sides[1], "NEW" },
					 { o->suppress, "--suppress" } };

		cmd_check_outputs(&out, 1, in, sizeof(in) / sizeof(in[0]));
	}
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

static int run(int argc, char **argv)
{
	struct diff_cmd_options o = { 0 };
	char *configs;
	int status;

	parse_options(argc, argv, &o);
	configs = self_configs_dir();
	status = diff_sides(&o, configs);
	strv_free(o.only, o.n_only);
	free(configs);
	return fflush(stdout) ? KABI_EXIT_ERROR : status;
}

const struct command cmd_diff = {
	.name = "diff",
	.run = run,
	.synopsis = "diff OLD NEW [--format text|md|json] [--only NAMES] [--suppress FILE] [-o FILE]",
	.summary = "two triples' layouts compared (dumps, headers folders or ARCH:KVER[:FLAVOUR])",
	.usage_head = usage_head,
	.options = options,
	.usage_tail = usage_tail,
};
