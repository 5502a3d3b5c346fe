/* tu.c: the kbuild recipe for compiling a module, written down as clang arguments and one C file. */
#include "clang/tu.h"
#include "input/kset.h"
#include "input/profile.h"
#include "util/report.h"
#include "input/tree.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void add_arg(struct tu *tu, char *owned)
{
	tu->args = xgrow(tu->args, tu->n_args, sizeof(*tu->args));
	tu->args[tu->n_args++] = owned;
}

static void add_dir(struct tu *tu, const char *flag, const char *root, const char *rel)
{
	add_arg(tu, xstrdup(flag));
	add_arg(tu, xasprintf("%s/%s", root, rel));
}

static int exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

/*
 * The top-level Makefile's LINUXINCLUDE and USERINCLUDE (srctree is the source tree,
 * objtree the build tree), then the forced includes of c_flags, then the module defines.
 */
static void add_kbuild_args(struct tu *tu, const struct arch_profile *p, const struct ktree *t,
			    const char *resource_dir)
{
	const char *a = t->kernel_arch;
	int split = strcmp(t->source, t->build) != 0;
	char *rel, *path;

	add_arg(tu, xstrdup("-target"));
	add_arg(tu, xstrdup(p->clang_target));
	for (size_t i = 0; i < p->n_cflags; i++)
		add_arg(tu, xstrdup(p->cflags[i]));
	add_arg(tu, xstrdup("-nostdinc"));
	add_dir(tu, "-isystem", resource_dir, "include");

	/* A --kconfig overlay comes first, so that <generated/autoconf.h> is its own. */
	if (t->overlay)
		add_dir(tu, "-I", t->overlay, "include");
	rel = xasprintf("arch/%s/include", a);
	add_dir(tu, "-I", t->source, rel);
	free(rel);
	rel = xasprintf("arch/%s/include/generated", a);
	add_dir(tu, "-I", t->build, rel);
	free(rel);
	add_dir(tu, "-I", t->source, "include");
	if (split)
		add_dir(tu, "-I", t->build, "include");
	rel = xasprintf("arch/%s/include/uapi", a);
	add_dir(tu, "-I", t->source, rel);
	free(rel);
	rel = xasprintf("arch/%s/include/generated/uapi", a);
	add_dir(tu, "-I", t->build, rel);
	free(rel);
	add_dir(tu, "-I", t->source, "include/uapi");
	add_dir(tu, "-I", t->build, "include/generated/uapi");

	/* compiler-version.h only exists from 5.17 on. */
	path = xasprintf("%s/include/linux/compiler-version.h", t->source);
	if (exists(path))
		add_dir(tu, "-include", t->source, "include/linux/compiler-version.h");
	free(path);
	add_dir(tu, "-include", t->source, "include/linux/kconfig.h");
	add_arg(tu, xstrdup("-include"));
	add_arg(tu, xstrdup(t->autoconf));
	add_dir(tu, "-include", t->source, "include/linux/compiler_types.h");
	add_arg(tu, xstrdup("-D__KERNEL__"));
	add_arg(tu, xstrdup("-DMODULE"));
	/* What kbuild passes to clang so that the extensions the kernel relies on stay quiet. */
	add_arg(tu, xstrdup("-Wno-gnu"));
	add_arg(tu, xstrdup("-Wno-microsoft-anon-tag"));
	add_arg(tu, xstrdup("-Wno-pointer-sign"));
}

/* "#if COND" with the set's type tests as the preprocessor reads them. */
void tu_add_if(struct strbuf *sb, const char *cond)
{
	char *c = kset_cond_to_c(cond);

	sb_addf(sb, "#if %s\n", c);
	free(c);
}

/* A definition of the set, used only where the headers lack its type and its condition holds. */
static void add_definition(struct strbuf *sb, const struct kset_definition *d)
{
	const char *t = d->text;
	char *test = NULL;

	if (d->type && d->cond)
		test = xasprintf("!defined(%s) && (%s)", d->type, d->cond);
	else if (d->type)
		test = xasprintf("!defined(%s)", d->type);
	else if (d->cond)
		test = xstrdup(d->cond);
	if (test)
		tu_add_if(sb, test);
	sb_addf(sb, "%s%s", t, t[0] && t[strlen(t) - 1] == '\n' ? "" : "\n");
	if (test)
		sb_adds(sb, "#endif\n");
	free(test);
}

bool tu_is_ident(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

void tu_add_const_probe(struct strbuf *sb, const char *name, const char *expr, const char *type)
{
	if (type)
		sb_addf(sb, "static const %s " TU_PROBE_CONST "%s = (%s);\n", type, name, expr);
	else
		sb_addf(sb, "static const __typeof__((%s)) " TU_PROBE_CONST "%s = (%s);\n", expr, name, expr);
}

char *tu_source(const struct kset *s)
{
	struct strbuf buf = { 0 }, *sb = &buf;

	sb_addf(sb, "/* kabigen translation unit for the set '%s'. */\n", s->name);
	for (size_t i = 0; i < s->n_defines; i++)
		sb_addf(sb, "#define %s\n", s->defines[i]);
	for (size_t i = 0; i < s->n_includes; i++) {
		/* Before TU_MARK_SET: an include's condition cannot test types, only the preprocessor's. */
		if (s->include_conds[i])
			sb_addf(sb, "#if %s\n", s->include_conds[i]);
		sb_addf(sb, "#include <%s>\n", s->includes[i]);
		if (s->include_conds[i])
			sb_adds(sb, "#endif\n");
	}
	sb_adds(sb, TU_MARK_SET);
	for (size_t i = 0; i < s->n_definitions; i++) {
		if (!i)
			sb_adds(sb, "\n/* The set's own definitions. */\n");
		add_definition(sb, &s->definitions[i]);
	}

	sb_adds(sb, "\n/* Probes, read back through libclang; they generate no code. */\n"
		    "#if defined(CONFIG_RANDSTRUCT_FULL) || defined(CONFIG_RANDSTRUCT_PERFORMANCE)\n"
		    "#error \"this configuration randomizes struct layouts (CONFIG_RANDSTRUCT): "
		    "they cannot be computed from headers\"\n"
		    "#endif\n");
	sb_adds(sb, "#ifdef UTS_RELEASE\nstatic const char " TU_PROBE_RELEASE "[] = UTS_RELEASE;\n#endif\n");
	for (size_t i = 0; i < s->n_structs; i++) {
		if (!s->structs[i].cond)
			continue;
		tu_add_if(sb, s->structs[i].cond);
		sb_addf(sb, "typedef struct %s " TU_PROBE_HAS "%s;\n#endif\n", s->structs[i].name,
			s->structs[i].name);
	}
	for (size_t i = 0; i < s->n_enums; i++) {
		if (!s->enum_conds[i])
			continue;
		tu_add_if(sb, s->enum_conds[i]);
		sb_addf(sb, "static const int " TU_PROBE_IF_ENUM "%s;\n#endif\n", s->enums[i]);
	}
	for (size_t i = 0; i < s->n_constants; i++) {
		const struct kset_constant *c = &s->constants[i];
		const char *e = c->expr ? c->expr : c->name;

		/* A prefix's macros are known only once the headers were read: extract.c adds them. */
		if (c->prefix)
			continue;
		if (c->cond)
			tu_add_if(sb, c->cond);
		/* A bare name may be an enumerator rather than a macro: extract.c reads those directly,
		 * unless the value is converted to a type, which takes a probe either way. */
		bool guard = tu_is_ident(e) && !c->type;

		if (guard)
			sb_addf(sb, "#ifdef %s\n", e);
		tu_add_const_probe(sb, c->name, e, c->type);
		if (guard)
			sb_adds(sb, "#endif\n");
		if (c->cond)
			sb_adds(sb, "#endif\n");
	}
	for (size_t i = 0; i < s->n_sections; i++) {
		const struct kset_section *sec = &s->sections[i];

		if (sec->cond)
			tu_add_if(sb, sec->cond);
		sb_addf(sb, "typedef int " TU_PROBE_SECTION "%zu;\n", i);
		if (sec->type)
			sb_addf(sb, "typedef %s " TU_PROBE_SECTYPE "%zu;\n", sec->type, i);
		if (sec->cond)
			sb_adds(sb, "#endif\n");
	}
	for (size_t i = 0; i < s->n_strings; i++)
		sb_addf(sb, "static const char " TU_PROBE_STRING "%s[] = %s;\n", s->strings[i].name,
			s->strings[i].expr);
	return buf.buf;
}

struct tu *tu_build(const struct arch_profile *p, const struct ktree *t, const struct kset *s,
		    const char *resource_dir)
{
	struct tu *tu = xcalloc(1, sizeof(*tu));

	tu->file_name = xasprintf("kabigen-%s.c", s->name);
	add_kbuild_args(tu, p, t, resource_dir);
	tu->text = tu_source(s);
	return tu;
}

struct tu *tu_build_text(const struct arch_profile *p, const struct ktree *t, char *text, const char *file_name,
			 const char *resource_dir)
{
	struct tu *tu = xcalloc(1, sizeof(*tu));

	tu->file_name = xstrdup(file_name);
	add_kbuild_args(tu, p, t, resource_dir);
	tu->text = text;
	return tu;
}

void tu_free(struct tu *tu)
{
	if (!tu)
		return;
	for (size_t i = 0; i < tu->n_args; i++)
		free(tu->args[i]);
	free(tu->args);
	free(tu->text);
	free(tu->file_name);
	free(tu);
}

/* ARG as a POSIX shell word: as it is when it is plain, else in single quotes. */
static void add_shell_quoted(struct strbuf *sb, const char *arg)
{
	int plain = *arg != '\0';

	for (const char *c = arg; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%", *c))
			plain = 0;
	if (plain) {
		sb_adds(sb, arg);
		return;
	}
	sb_adds(sb, "'");
	for (const char *c = arg; *c; c++) {
		if (*c == '\'')
			sb_adds(sb, "'\\''");
		else
			sb_addf(sb, "%c", *c);
	}
	sb_adds(sb, "'");
}

char *tu_shell_args(const struct tu *tu)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < tu->n_args; i++) {
		if (i)
			sb_adds(&sb, " ");
		add_shell_quoted(&sb, tu->args[i]);
	}
	return sb.buf ? sb.buf : xstrdup("");
}

char *tu_tree_relative(const char *path)
{
	const char *at = strstr(path, "/arch/");

	if (!at)
		at = strstr(path, "/include/");
	return xstrdup(at ? at + 1 : path);
}

/*
 * The environment variables through which clang's driver adds include folders, for every
 * target (CPATH as -I after the command line's, the others as -isystem for their language).
 * What kabigen parses is the tree, the arch profile, the set and the options alone, and the
 * cache keys hold exactly those: a folder from the environment would change the bytes of a
 * parse without changing its key. So libclang never sees them, and the run says so; nor
 * does build-ko's compiler, whose inputs are kabi.h and the module's C files. (The other
 * variables libclang-19 reads leave a Linux triple's parse alone: SDKROOT and
 * *_DEPLOYMENT_TARGET are Darwin's, INCLUDE and EXTERNAL_INCLUDE MSVC's, SCE_* PlayStation's,
 * HIP_PATH and ROCM_PATH offloading's; CCC_OVERRIDE_OPTIONS is read by the clang program,
 * not by libclang; SOURCE_DATE_EPOCH sets __DATE__ and __TIME__, which no layout reads.)
 */
static const char *const include_env[] = { "CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH",
					   "OBJCPLUS_INCLUDE_PATH" };

void tu_clear_include_env(const char *user, const char *why)
{
	struct strbuf names = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(include_env) / sizeof(include_env[0]); i++) {
		const char *v = getenv(include_env[i]);

		/* An empty one adds nothing (clang's addDirectoryList()): cleared without a word. */
		if (v && *v)
			sb_addf(&names, "%s%s", n++ ? ", " : "", include_env[i]);
		if (v)
			unsetenv(include_env[i]);
	}
	if (n)
		warn("%s %s set; %s does not use %s: %s (unset %s to silence this)", names.buf, n > 1 ? "are" : "is",
		     user, n > 1 ? "them" : "it", why, n > 1 ? "them" : "it");
	sb_release(&names);
}
