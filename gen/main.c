/* main.c: kabigen's command line; runs the pipeline profile -> tree -> tu -> extract -> emit. */
#include "emit.h"
#include "extract.h"
#include "kset.h"
#include "layout.h"
#include "outfile.h"
#include "profile.h"
#include "report.h"
#include "tree.h"
#include "tu.h"

#include <getopt.h>
#include <limits.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: kabigen --arch ARCH --kdir DIR [options]\n"
	"\n"
	"Writes a self-contained C header with the exact layouts of the kernel structs a\n"
	"module loader needs, as clang computes them for ARCH from the kernel tree DIR.\n"
	"\n"
	"  --arch ARCH        x86_64, arm64, riscv64, loongarch64 (or amd64, x86-64, aarch64, loong64)\n"
	"  --kdir DIR         an extracted linux-headers-R-FLAVOUR folder (with its -common beside it),\n"
	"                     /lib/modules/R/build, or a kernel tree after 'make prepare'\n"
	"  --format FORMAT    c (the default) or rust\n"
	"  -o, --output FILE  where to write it (default: out/UTS_RELEASE/kabi.h, or kabi.rs)\n"
	"  --set-file FILE    the set of structs, enums and constants (default: configs/sets/loader.yaml)\n"
	"  --print-cflags     print the clang arguments kabigen parses with, on one line, and stop\n"
	"  --emit-tu FILE     write the translation unit kabigen parses to FILE, and stop\n"
	"  --version          print kabigen's version\n"
	"  -h, --help         this text\n"
	"\n"
	"clang-19 $(kabigen --arch A --kdir D --print-cflags) -E TU.c reproduces kabigen's preprocessing\n"
	"of the file written by --emit-tu. Exit status: 0 success, 1 error, 2 usage error.\n";

struct options {
	const char *arch;
	const char *kdir;
	const char *output;
	const char *set_file;
	const char *emit_tu;
	const char *format;
	int print_cflags;
};

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_ARCH = 256, OPT_KDIR, OPT_SET_FILE, OPT_PRINT_CFLAGS, OPT_EMIT_TU, OPT_FORMAT, OPT_VERSION };
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "kdir", required_argument, NULL, OPT_KDIR },
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

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_KDIR: o->kdir = optarg; break;
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
	if (!o->kdir)
		usage_die("--kdir is required: the kernel headers or build tree to read");
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
	char *autoconf = xasprintf("%s/include/generated/autoconf.h", t->build);
	char digest[SHA256_DIGEST_STRING_LENGTH];

	if (!SHA256File(autoconf, digest))
		die("%s: cannot read it for its checksum", autoconf);
	pv->kabigen_version = xstrdup(KABIGEN_VERSION);
	pv->arch = xstrdup(p->name);
	pv->kernel_arch = xstrdup(p->kernel_arch);
	pv->clang_target = xstrdup(p->clang_target);
	pv->set_name = xstrdup(s->name);
	pv->inputs = xcalloc(2, sizeof(*pv->inputs));
	pv->inputs[pv->n_inputs++] = xstrdup(t->build_rel);
	if (strcmp(t->build, t->source))
		pv->inputs[pv->n_inputs++] = xstrdup(t->source_rel);
	pv->autoconf_path = xasprintf("%s/include/generated/autoconf.h", t->build_rel);
	pv->autoconf_sha256 = xstrdup(digest);
	if (!pv->release)
		die("%s: the headers define no UTS_RELEASE; the tree is incomplete", t->build);
	free(autoconf);
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

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct arch_profile *profile;
	struct ktree *tree;
	struct kset *set;
	struct tu *tu;
	struct kabi_model *model;
	char *configs, *set_file, *header, *output;

	report_set_cleanup(outfile_cleanup);
	parse_options(argc, argv, &o);
	configs = configs_dir();
	profile = profile_load(configs, o.arch);
	tree = tree_detect(o.kdir);
	if (strcmp(tree->kernel_arch, profile->kernel_arch))
		die("--kdir %s: the tree is for arch/%s (read from %s), but --arch %s is arch/%s; pass the matching "
		    "--arch or a %s tree", o.kdir, tree->kernel_arch, tree->arch_origin, o.arch, profile->kernel_arch,
		    profile->name);
	set_file = o.set_file ? xstrdup(o.set_file) : xasprintf("%s/sets/loader.yaml", configs);
	set = kset_load(set_file);
	tu = tu_build(profile, tree, set, KABIGEN_CLANG_RESOURCE_DIR);

	if (o.print_cflags || o.emit_tu) {
		if (o.emit_tu)
			outfile_write(o.emit_tu, tu->text, strlen(tu->text), 0);
		if (o.print_cflags) {
			char *line = tu_shell_args(tu);

			printf("%s\n", line);
			free(line);
		}
	} else {
		model = extract_model(set, tu->file_name, tu->text, tu->args, tu->n_args, o.kdir);
		fill_provenance(model, profile, tree, set);
		if (!strcmp(o.format, "rust")) {
			header = emit_rust(model);
		} else {
			header = emit_c_header(model);
			check_header(header, profile);
		}
		output = o.output ? xstrdup(o.output)
				  : xasprintf("out/%s/kabi.%s", model->prov.release, strcmp(o.format, "rust") ? "h" : "rs");
		outfile_write(output, header, strlen(header), !o.output);
		fprintf(stderr, "kabigen: wrote %s (%zu structs, %s)\n", output, model->n_order, model->prov.release);
		free(output);
		free(header);
		kabi_model_free(model);
	}
	tu_free(tu);
	kset_free(set);
	free(set_file);
	tree_free(tree);
	profile_free(profile);
	free(configs);
	return fflush(stdout) ? KABI_EXIT_ERROR : KABI_EXIT_OK;
}
