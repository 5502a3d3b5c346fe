/*
 * build_ko.c: 'kabigen build-ko': a module for one triple built outside kbuild, from kabi.h
 * alone. Generates the triple's header, compiles each C file with the arch profile's module
 * flags (configs/arch/ARCH.yaml: module_cflags, and module_cflags_if by the tree's Kconfig
 * facts), links them with `ld.lld -r` and the tree's own module linker script, then has
 * check-ko judge the result before it is written.
 */
#include "input/archive.h"
#include "util/child.h"
#include "cmd/cmd.h"
#include "emit/emit.h"
#include "util/fs.h"
#include "model/layout.h"
#include "build/model_build.h"
#include "util/outfile.h"
#include "input/profile.h"
#include "util/report.h"
#include "util/self.h"
#include "util/str.h"
#include "input/tree.h"
#include "clang/tu.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_head[] =
	"usage: kabigen build-ko --arch ARCH (--kdir DIR | --kver VERSION [--flavour F]) [--loader PROFILE]\n"
	"                        [--offline] [--no-cache] [--print-cflags] -o MODULE.ko FILE.c...\n"
	"\n"
	"Builds a kernel module from C files and the triple's kabi.h alone, without kbuild: the header\n"
	"(with KABI_THIS_MODULE, KABI_MODINFO, KABI_MODULE_PARAM under KBUILD_MODNAME), the arch's\n"
	"module flags and the tree's module linker script; the result must pass check-ko.\n";

enum { OPT_ARCH = 256, OPT_KDIR, OPT_KVER, OPT_FLAVOUR, OPT_OFFLINE, OPT_LOADER, OPT_NO_CACHE, OPT_PRINT_CFLAGS };
static const struct cmd_option options[] = {
	{ OPT_ARCH, "arch", "ARCH", "x86_64, arm64, riscv64, loongarch64 (or amd64, x86-64, aarch64, loong64)" },
	{ OPT_KDIR, "kdir", "DIR", "the triple's headers tree (as for generate)" },
	{ OPT_KVER, "kver", "VERSION", "fetch the headers from Debian's archive instead: 7.2, 7.2.13, ..." },
	{ OPT_FLAVOUR, "flavour", "F", "with --kver: the configuration flavour (rt, cloud, 16k, ...)" },
	{ OPT_OFFLINE, "offline", NULL, "with --kver: use only kabigen's cache, never the network" },
	{ OPT_LOADER, "loader", "PROFILE",
	  "the loader profile check-ko judges the module by (default: linux); the\n"
	  "arch profile's module_loaders flags for it are used (minimal: x86_64's\n"
	  "large code model)" },
	{ OPT_NO_CACHE, "no-cache", NULL, "parse the tree even when the result cache holds its model" },
	{ OPT_PRINT_CFLAGS, "print-cflags", NULL, "print the compiler's command line for the first file and stop" },
	{ 'o', "output", "FILE", "the module to write: NAME.ko, NAME (with - read as _) its name" },
	CMD_OPT_HELP,
	CMD_OPT_END,
};

static const char usage_tail[] =
	"The compiler is clang-19 and the linker ld.lld-19 ($KABIGEN_CLANG, $KABIGEN_LD override).\n"
	"Exit status: 0 built and checked; 1 an error (a compile or link failure, a check-ko finding).\n";

struct build_ko_options {
	const char *arch, *kdir, *kver, *flavour, *loader, *output;
	int offline, no_cache, print_cflags;
};

static void parse_options(int argc, char **argv, struct build_ko_options *o)
{
	int c;

	optind = 1;
	while ((c = cmd_next_option(&cmd_build_ko, argc, argv)) != -1) {
		switch (c) {
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_KDIR: o->kdir = optarg; break;
		case OPT_KVER: o->kver = optarg; break;
		case OPT_FLAVOUR: o->flavour = optarg; break;
		case OPT_OFFLINE: o->offline = 1; break;
		case OPT_LOADER: o->loader = optarg; break;
		case OPT_NO_CACHE: o->no_cache = 1; break;
		case OPT_PRINT_CFLAGS: o->print_cflags = 1; break;
		case 'o': o->output = optarg; break;
		}
	}
	if (!o->arch)
		usage_die("--arch is required (x86_64, arm64, riscv64, loongarch64)");
	if (!!o->kdir == !!o->kver)
		usage_die("give one of --kdir (a tree you have) or --kver (fetched from the archive)");
	if ((o->flavour || o->offline) && !o->kver)
		usage_die("%s goes with --kver", o->flavour ? "--flavour" : "--offline");
	if (o->kver && !archive_valid_kver(o->kver))
		usage_die("--kver '%s': use a version such as 7.2, 7.2.13 or 7.2.13+deb14-riscv64", o->kver);
	if (o->flavour && !archive_valid_flavour(o->flavour))
		usage_die("--flavour '%s': use a flavour name such as rt, cloud or 16k", o->flavour);
	if (!o->output && !o->print_cflags)
		usage_die("-o MODULE.ko is required: the module's name is its file's");
	if (optind >= argc)
		usage_die("'kabigen build-ko' needs the module's C files");
}

/*
 * The module's name, as kbuild makes KBUILD_MODNAME of a file's name: its base name without
 * .ko, '-' read as '_'. Dies when it is not a C identifier's characters or too long for
 * struct module's name (MODULE_NAME_LEN, with its NUL).
 */
static char *module_name(const char *output, const struct kabi_model *m)
{
	const char *base = strrchr(output, '/') ? strrchr(output, '/') + 1 : output;
	const struct kabi_constant *len = kabi_model_find_constant(m, "MODULE_NAME_LEN");
	size_t n = strlen(base);
	char *name;

	if (n > 3 && !strcmp(base + n - 3, ".ko"))
		n -= 3;
	name = xasprintf("%.*s", (int)n, base);
	for (char *p = name; *p; p++) {
		if (*p == '-')
			*p = '_';
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) {
			free(name);
			die("-o %s: a module's name is letters, digits, '_' and '-'; name the file NAME.ko", output);
		}
	}
	if (!*name || (len && strlen(name) >= len->value)) {
		free(name);
		die("-o %s: the module's name must be 1 to %llu characters (MODULE_NAME_LEN)", output,
		    len ? (unsigned long long)len->value - 1 : 0ULL);
	}
	return name;
}

/* Appends S to the argument vector V of *N (NULL-terminated as it grows). */
static void argv_add(char ***v, size_t *n, const char *s)
{
	*v = xgrow(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
	*v = xgrow(*v, *n, sizeof(**v));
	(*v)[*n] = NULL;
}

/*
 * The compiler's command line for SRC into OBJ: the profile's flags, then those whose Kconfig
 * fact the tree enables. A fact the model lacks is an error: the set must carry it.
 */
static char **compile_argv(const struct arch_profile *p, const struct profile_loader_flags *lf,
			   const struct kabi_model *m, const char *name, const char *header, const char *src,
			   const char *obj, size_t *n)
{
	const char *cc = getenv("KABIGEN_CLANG");
	char **v = NULL, *define;
	size_t first;

	*n = 0;
	argv_add(&v, n, cc && *cc ? cc : "clang-19");
	argv_add(&v, n, "-target");
	argv_add(&v, n, p->module_target ? p->module_target : p->clang_target);
	first = *n;
	for (size_t i = 0; i < p->n_cflags; i++)
		argv_add(&v, n, p->cflags[i]);
	for (size_t i = 0; i < p->n_module_cflags; i++)
		argv_add(&v, n, p->module_cflags[i]);
	for (size_t i = 0; i < p->n_module_cflags_if; i++) {
		const struct profile_cond_flags *c = &p->module_cflags_if[i];
		char *fact = xasprintf("KABI_CONFIG_%s", c->config);
		const struct kabi_constant *k = kabi_model_find_constant(m, fact);

		free(fact);
		if (!k) {
			strv_free(v, *n);
			die("%s: module_cflags_if names %s, which the set's KABI_CONFIG_* facts lack; add it to the set",
			    p->file, c->config);
		}
		for (size_t j = 0; k->value && j < c->n_flags; j++)
			argv_add(&v, n, c->flags[j]);
	}
	if (lf) {
		/* The loader profile's own: what it lacks taken out, what replaces it put in. */
		size_t kept = first;

		for (size_t i = first; i < *n; i++) {
			bool removed = false;

			for (size_t j = 0; j < lf->n_remove; j++)
				removed |= !strcmp(v[i], lf->remove[j]);
			if (removed)
				free(v[i]);
			else
				v[kept++] = v[i];
		}
		*n = kept;
		v[*n] = NULL;
		for (size_t i = 0; i < lf->n_add; i++)
			argv_add(&v, n, lf->add[i]);
	}
	define = xasprintf("-DKBUILD_MODNAME=\"%s\"", name);
	argv_add(&v, n, define);
	free(define);
	argv_add(&v, n, "-include");
	argv_add(&v, n, header);
	argv_add(&v, n, "-c");
	argv_add(&v, n, src);
	argv_add(&v, n, "-o");
	argv_add(&v, n, obj);
	return v;
}

/*
 * The tree's module linker script, as kbuild links modules with it (scripts/Makefile.modfinal:
 * $(LD) -r ... -T scripts/module.lds): Debian's headers carry it as arch/ARCH/module.lds, a
 * built tree as scripts/module.lds. It holds the arch's placeholder sections
 * (arch/ARCH/include/asm/module.lds.h: arm64's .plt, loongarch's .got) the loader fills.
 */
static char *module_lds(const struct ktree *tree)
{
	char *candidates[] = { xasprintf("%s/arch/%s/module.lds", tree->build, tree->kernel_arch),
			       xasprintf("%s/scripts/module.lds", tree->build) };
	char *found = NULL;

	for (size_t i = 0; i < 2; i++) {
		if (!found && !access(candidates[i], R_OK))
			found = candidates[i];
		else
			free(candidates[i]);
	}
	if (!found)
		die("%s: the tree has no module linker script (arch/%s/module.lds or scripts/module.lds); "
		    "give Debian's headers or a tree after 'make modules_prepare'", tree->build, tree->kernel_arch);
	return found;
}

/* The profile's flags for build-ko's --loader (a name, or a YAML file named after the loader),
 * or NULL: Linux's loader takes the flags as they are. */
static const struct profile_loader_flags *loader_flags(const struct arch_profile *p, const char *loader)
{
	const char *base;
	size_t len;

	if (!loader)
		return NULL;
	base = strrchr(loader, '/') ? strrchr(loader, '/') + 1 : loader;
	if (!strip_suffix(base, ".yaml", &len))
		len = strlen(base);
	for (size_t i = 0; i < p->n_module_loaders; i++)
		if (strlen(p->module_loaders[i].loader) == len && !strncmp(p->module_loaders[i].loader, base, len))
			return &p->module_loaders[i];
	return NULL;
}

/* Runs V; dies naming WHAT and FILE when it fails. Its messages go to stderr as they come. */
static void run_tool(char **v, size_t n, const char *what, const char *file)
{
	int rc = child_run(v, NULL, CHILD_TO_STDERR, NULL, NULL);

	if (rc) {
		char *tool = xstrdup(v[0]);

		strv_free(v, n);
		if (rc < 0)
			die("%s: cannot run %s (%s); install it or set %s", file, tool, what,
			    strcmp(what, "compile") ? "KABIGEN_LD" : "KABIGEN_CLANG");
		die("%s: %s failed (%s, exit %d): see its messages above", file, tool, what, rc);
	}
	strv_free(v, n);
}

static void strset_free_held(void *set)
{
	struct strset *s = set;

	strv_free(s->v, s->n);
	s->v = NULL;
	s->n = 0;
}

/* check-ko on KO as on any module: the same tree, the loader asked for; dies with its report
 * when it finds the module would not load. */
static void check(const struct build_ko_options *o, const struct arch_profile *profile, const struct ktree *tree,
		  const char *ko)
{
	char **v = NULL, *self = self_exe(), *out = NULL;
	size_t n = 0;
	int rc;

	argv_add(&v, &n, self);
	argv_add(&v, &n, "check-ko");
	argv_add(&v, &n, "--arch");
	argv_add(&v, &n, profile->name);
	argv_add(&v, &n, "--kdir");
	argv_add(&v, &n, tree->build);
	argv_add(&v, &n, "--loader");
	argv_add(&v, &n, o->loader ? o->loader : "linux");
	if (o->no_cache)
		argv_add(&v, &n, "--no-cache");
	argv_add(&v, &n, ko);
	rc = child_run(v, NULL, CHILD_CAPTURE, &out, NULL);
	strv_free(v, n);
	free(self);
	if (rc) {
		report_relay(out ? out : "");
		free(out);
		die("%s: check-ko finds that the %s loader would not load it (exit %d, report above); nothing written",
		    o->output, o->loader ? o->loader : "linux", rc);
	}
	free(out);
}

/* Compiles each file, links, checks, writes -o: all in a private folder removed on every way out. */
static void build(const struct build_ko_options *o, int argc, char **argv, const struct arch_profile *profile,
		  const struct kabi_model *model, const struct ktree *tree, const char *name, const char *header)
{
	const char *ld = getenv("KABIGEN_LD");
	const struct profile_loader_flags *lf = loader_flags(profile, o->loader);
	struct strset objs = { 0 };
	char *tmp, *hpath, *lds, *extra = NULL, *ko, *data, **v = NULL;
	size_t n = 0, len;

	tmp = xasprintf("%s/kabigen-build-ko.XXXXXX", getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp))
		die("%s: cannot create a temporary folder: %s; set TMPDIR", tmp, strerror(errno));
	report_hold(tmp, fs_remove_tree_free);
	report_hold(&objs, strset_free_held);
	hpath = xasprintf("%s/kabi.h", tmp);
	outfile_write(hpath, header, strlen(header), 0);
	lds = module_lds(tree);
	if (lf && lf->n_lds) {
		/* The loader profile's sections, a second script after the tree's. */
		struct strbuf sb = { 0 };

		sb_adds(&sb, "SECTIONS {\n");
		for (size_t i = 0; i < lf->n_lds; i++)
			sb_addf(&sb, "\t%s\n", lf->lds[i]);
		sb_adds(&sb, "}\n");
		extra = xasprintf("%s/loader.lds", tmp);
		outfile_write(extra, sb.buf, sb.len, 0);
		sb_release(&sb);
	}
	for (int i = optind; i < argc; i++) {
		char *obj = xasprintf("%s/%d.o", tmp, i);

		strset_add(&objs, obj);
		v = compile_argv(profile, lf, model, name, hpath, argv[i], obj, &n);
		free(obj);
		run_tool(v, n, "compile", argv[i]);
	}
	ko = xasprintf("%s/%s.ko", tmp, name);
	v = NULL;
	n = 0;
	argv_add(&v, &n, ld && *ld ? ld : "ld.lld-19");
	argv_add(&v, &n, "-r");
	argv_add(&v, &n, "-T");
	argv_add(&v, &n, lds);
	if (extra) {
		argv_add(&v, &n, "-T");
		argv_add(&v, &n, extra);
	}
	for (size_t i = 0; i < objs.n; i++)
		argv_add(&v, &n, objs.v[i]);
	argv_add(&v, &n, "-o");
	argv_add(&v, &n, ko);
	run_tool(v, n, "link", o->output);
	check(o, profile, tree, ko);
	if (!(data = read_file(ko, &len)))
		die("%s: cannot read the linked module: %s", ko, strerror(errno));
	outfile_write(o->output, data, len, 0);
	inform("wrote %s (module %s for %s, check-ko --loader %s passed)", o->output, name,
		model->prov.release ? model->prov.release : "?", o->loader ? o->loader : "linux");
	free(data);
	free(ko);
	free(lds);
	free(extra);
	free(hpath);
	report_release(&objs);
	strset_free_held(&objs);
	report_release(tmp);
	fs_remove_tree_free(tmp);
}

static int run(int argc, char **argv)
{
	struct build_ko_options o = { 0 };
	struct arch_profile *profile;
	struct archive_request rq;
	struct archive_tree *fetched;
	struct kabi_provenance from_cli = { 0 };
	struct ktree *tree;
	struct kabi_model *model;
	char *configs, *set_file, *arch_given, *header, *name, **v;
	size_t n;

	parse_options(argc, argv, &o);
	/* Now, not at libclang's first use: a model from the cache never loads libclang, and the
	 * compiler child would find its includes through them. */
	tu_clear_include_env("build-ko", "a module is built from kabi.h and its own C files alone");
	/* The clang program (not libclang) edits its own command line from this one (the driver's
	 * applyOverrideOptions()): the compile child must get kabi.h's flags and no others. */
	if (getenv("CCC_OVERRIDE_OPTIONS")) {
		warn("CCC_OVERRIDE_OPTIONS is set; build-ko does not use it: a module is compiled with the "
		     "triple's flags alone (unset it to silence this)");
		unsetenv("CCC_OVERRIDE_OPTIONS");
	}
	if (o.output && !o.print_cflags) {
		/* -o must be none of the C files it is built from (-o hello.c would replace one). */
		struct cmd_file out = { o.output, "-o" }, *in = xcalloc(argc - optind, sizeof(*in));

		for (int i = optind; i < argc; i++)
			in[i - optind] = (struct cmd_file){ argv[i], "a C file of the module" };
		report_hold(in, free);
		cmd_check_outputs(&out, 1, in, argc - optind);
		report_release(in);
		free(in);
	}
	configs = self_configs_dir();
	profile = profile_load(configs, o.arch);
	rq = (struct archive_request){ .profile = profile, .configs_dir = configs, .kver = o.kver,
				       .flavour = o.flavour, .offline = o.offline };
	fetched = o.kver ? archive_fetch(&rq) : NULL;
	tree = tree_detect(fetched ? fetched->kdir : o.kdir);
	arch_given = xasprintf("--arch %s", o.arch);
	cmd_check_tree_arch(tree, profile, fetched ? fetched->kdir : o.kdir, arch_given);
	if (fetched)
		from_cli.flavour = xstrdup(fetched->flavour);
	set_file = cmd_set_file(NULL, configs);
	model = build_tree_model(profile, tree, set_file, &from_cli, !o.no_cache);
	header = emit_c_header(model);
	if (!strstr(header, "#define KABI_THIS_MODULE("))
		die("%s: the set gives no struct module with name, init and exit, struct kernel_param and the "
		    "vermagic: kabi.h cannot build a module", set_file);
	name = module_name(o.output ? o.output : "module.ko", model);

	if (o.print_cflags) {
		v = compile_argv(profile, loader_flags(profile, o.loader), model, name, "kabi.h", argv[optind],
				 "FILE.o", &n);
		for (size_t i = 0; i < n; i++)
			printf("%s%s", i ? " " : "", v[i]);
		printf("\n");
		strv_free(v, n);
	} else {
		build(&o, argc, argv, profile, model, tree, name, header);
	}
	free(name);
	free(header);
	kabi_model_free(model);
	free(set_file);
	free(arch_given);
	tree_free(tree);
	archive_tree_free(fetched);
	profile_free(profile);
	free(configs);
	return fflush(stdout) ? KABI_EXIT_ERROR : KABI_EXIT_OK;
}

const struct command cmd_build_ko = {
	.name = "build-ko",
	.run = run,
	.synopsis = "build-ko --arch ARCH (--kdir DIR | --kver VERSION) [--loader P] -o MODULE.ko FILE.c...",
	.summary = "build a module from C files and the triple's kabi.h alone, then check-ko it",
	.usage_head = usage_head,
	.options = options,
	.usage_tail = usage_tail,
};
