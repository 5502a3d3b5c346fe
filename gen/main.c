/* main.c: kabigen's command line; runs the pipeline profile -> tree -> tu -> extract -> emit. */
#include "archive.h"
#include "emit.h"
#include "extract.h"
#include "kconfig.h"
#include "kset.h"
#include "layout.h"
#include "outfile.h"
#include "overlay.h"
#include "profile.h"
#include "report.h"
#include "tree.h"
#include "tu.h"

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
	"  --offline          with --kver or list: use only kabigen's cache, never the network\n"
	"  --kconfig FILE     use this .config instead of the tree's configuration\n"
	"  --set CONFIG_X=V   set one symbol (y, m, n, a number or a \"string\"); repeatable, applied\n"
	"                     after --kconfig. Dependencies between symbols are NOT resolved: what\n"
	"                     you write is what is used, as if the .config said so\n"
	"  --format FORMAT    c (the default) or rust\n"
	"  -o, --output FILE  where to write it (default: out/UTS_RELEASE/kabi.h, or kabi.rs)\n"
	"  --set-file FILE    the set of structs, enums and constants (default: configs/sets/loader.yaml)\n"
	"  --print-cflags     print the clang arguments kabigen parses with, on one line, and stop\n"
	"  --emit-tu FILE     write the translation unit kabigen parses to FILE, and stop\n"
	"  --version          print kabigen's version\n"
	"  -h, --help         this text\n"
	"\n"
	"The cache is $XDG_CACHE_HOME/kabigen (default ~/.cache/kabigen); the archives and suites\n"
	"--kver searches are in configs/archive.yaml.\n"
	"clang-19 $(kabigen --arch A --kdir D --print-cflags) -E TU.c reproduces kabigen's preprocessing\n"
	"of the file written by --emit-tu. Exit status: 0 success, 1 error, 2 usage error.\n";

struct options {
	int list;
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
	const char *format;
	int print_cflags;
};

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_ARCH = 256, OPT_KDIR, OPT_KVER, OPT_FLAVOUR, OPT_OFFLINE, OPT_KCONFIG, OPT_SET, OPT_SET_FILE,
	       OPT_PRINT_CFLAGS, OPT_EMIT_TU, OPT_FORMAT, OPT_VERSION };
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
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	if (argc > 1 && !strcmp(argv[1], "list")) {
		o->list = 1;
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
		case OPT_FORMAT: o->format = optarg; break;
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
	if (optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
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
	if (strcmp(o->format, "c") && strcmp(o->format, "rust"))
		usage_die("--format %s: use c or rust", o->format);
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

static void generate(const struct options *o, const struct arch_profile *profile, struct ktree *tree,
		     const char *configs, struct kabi_provenance *from_cli)
{
	char *set_file = o->set_file ? xstrdup(o->set_file) : xasprintf("%s/sets/loader.yaml", configs);
	struct kset *set = kset_load(set_file);
	struct tu *tu = tu_build(profile, tree, set, KABIGEN_CLANG_RESOURCE_DIR);
	struct kabi_model *model;
	char *text, *output;

	if (o->print_cflags || o->emit_tu) {
		if (o->emit_tu)
			outfile_write(o->emit_tu, tu->text, strlen(tu->text), 0);
		if (o->print_cflags) {
			char *line = tu_shell_args(tu);

			printf("%s\n", line);
			free(line);
		}
	} else {
		model = extract_model(set, tu->file_name, tu->text, tu->args, tu->n_args, tree->build);
		fill_provenance(model, profile, tree, set);
		model->prov.flavour = from_cli->flavour;
		model->prov.kconfig = from_cli->kconfig;
		model->prov.overrides = from_cli->overrides;
		model->prov.n_overrides = from_cli->n_overrides;
		memset(from_cli, 0, sizeof(*from_cli));
		if (!strcmp(o->format, "rust")) {
			text = emit_rust(model);
		} else {
			text = emit_c_header(model);
			check_header(text, profile);
		}
		output = o->output ? xstrdup(o->output)
				   : xasprintf("out/%s/kabi.%s", model->prov.release, strcmp(o->format, "rust") ? "h" : "rs");
		outfile_write(output, text, strlen(text), !o->output);
		fprintf(stderr, "kabigen: wrote %s (%zu structs, %s)\n", output, model->n_order, model->prov.release);
		free(output);
		free(text);
		kabi_model_free(model);
	}
	tu_free(tu);
	kset_free(set);
	free(set_file);
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

	report_set_cleanup(outfile_cleanup);
	parse_options(argc, argv, &o);
	configs = configs_dir();
	profile = profile_load(configs, o.arch);
	rq = (struct archive_request){ profile, configs, o.kver, o.flavour, o.offline };
	if (o.list) {
		archive_list(&rq, stdout);
	} else {
		if (o.kver) {
			fetched = archive_fetch(&rq);
			fprintf(stderr, "kabigen: using %s %s (%s, from %s)\n", fetched->package, fetched->version,
				fetched->flavour, fetched->suite);
			from_cli.flavour = xstrdup(fetched->flavour);
		}
		tree = tree_detect(fetched ? fetched->kdir : o.kdir);
		if (strcmp(tree->kernel_arch, profile->kernel_arch))
			die("--kdir %s: the tree is for arch/%s (read from %s), but --arch %s is arch/%s; pass the "
			    "matching --arch or a %s tree", o.kdir, tree->kernel_arch, tree->arch_origin, o.arch,
			    profile->kernel_arch, profile->name);
		overlay_apply(tree, profile, o.kconfig, o.sets, o.n_sets, &from_cli);
		generate(&o, profile, tree, configs, &from_cli);
		tree_free(tree);
	}
	archive_tree_free(fetched);
	profile_free(profile);
	free(configs);
	free(o.sets);
	return fflush(stdout) ? KABI_EXIT_ERROR : KABI_EXIT_OK;
}
