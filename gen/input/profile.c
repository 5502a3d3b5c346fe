/* profile.c: finds and reads the architecture profile for --arch. */
#include "input/profile.h"
#include "util/report.h"
#include "util/str.h"
#include "util/yamldoc.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *required_str(const struct ynode *root, const char *key)
{
	const struct ynode *n = ynode_get(root, key);

	if (!n)
		ynode_die(root, "missing key '%s'", key);
	return xstrdup(ynode_str(n, key));
}

static void doc_free(void *doc)
{
	ydoc_free(doc);
}

static void profile_free_held(void *p)
{
	profile_free(p);
}

/* module_cflags_if: a mapping from a Kconfig option's name to the flags it adds. */
static void read_cond_flags(struct arch_profile *p, const struct ynode *map)
{
	if (map->kind != YNODE_MAPPING)
		ynode_die(map, "module_cflags_if maps a Kconfig option (X86_KERNEL_IBT) to its flags");
	p->module_cflags_if = xcalloc(map->n_items / 2 + 1, sizeof(*p->module_cflags_if));
	for (size_t i = 0; i + 1 < map->n_items; i += 2) {
		struct profile_cond_flags *c = &p->module_cflags_if[p->n_module_cflags_if];
		const char *config = ynode_str(map->items[i], "module_cflags_if");

		/* Counted once whole, so that profile_free() frees what a later error leaves. */
		c->flags = ynode_strv(map->items[i + 1], "module_cflags_if", &c->n_flags);
		c->config = xstrdup(config);
		p->n_module_cflags_if++;
	}
}

/* module_loaders: a mapping from a loader profile's name to {remove, add, lds}. */
static void read_loader_flags(struct arch_profile *p, const struct ynode *map)
{
	static const char *const keys[] = { "remove", "add", "lds", NULL };

	if (map->kind != YNODE_MAPPING)
		ynode_die(map, "module_loaders maps a loader profile's name (minimal) to its remove, add and lds");
	p->module_loaders = xcalloc(map->n_items / 2 + 1, sizeof(*p->module_loaders));
	for (size_t i = 0; i + 1 < map->n_items; i += 2) {
		struct profile_loader_flags *l = &p->module_loaders[p->n_module_loaders];
		const struct ynode *v = map->items[i + 1], *n;
		const char *loader = ynode_str(map->items[i], "module_loaders");

		if (v->kind != YNODE_MAPPING)
			ynode_die(v, "module_loaders: %s needs remove, add or lds", loader);
		ynode_check_keys(v, keys);
		/* Counted first: profile_free() frees what a later error leaves (all NULL until read). */
		p->n_module_loaders++;
		l->loader = xstrdup(loader);
		if ((n = ynode_get(v, "remove")))
			l->remove = ynode_strv(n, "remove", &l->n_remove);
		if ((n = ynode_get(v, "add")))
			l->add = ynode_strv(n, "add", &l->n_add);
		if ((n = ynode_get(v, "lds")))
			l->lds = ynode_strv(n, "lds", &l->n_lds);
	}
}

struct arch_profile *profile_read(const char *file)
{
	static const char *const keys[] = { "name", "aliases", "debian_arch", "kernel_arch",
					    "clang_target", "cflags", "module_target", "module_cflags",
					    "module_cflags_if", "module_loaders", NULL };
	struct ydoc *doc = ydoc_load(file);
	struct arch_profile *p = xcalloc(1, sizeof(*p));
	const struct ynode *n;

	report_hold(doc, doc_free);
	report_hold(p, profile_free_held);
	if (!doc->root)
		die("%s: empty arch profile; it needs name, kernel_arch, clang_target", file);
	ynode_check_keys(doc->root, keys);
	p->file = xstrdup(file);
	p->name = required_str(doc->root, "name");
	p->debian_arch = required_str(doc->root, "debian_arch");
	p->kernel_arch = required_str(doc->root, "kernel_arch");
	p->clang_target = required_str(doc->root, "clang_target");
	if ((n = ynode_get(doc->root, "aliases")))
		p->aliases = ynode_strv(n, "aliases", &p->n_aliases);
	if ((n = ynode_get(doc->root, "cflags")))
		p->cflags = ynode_strv(n, "cflags", &p->n_cflags);
	if ((n = ynode_get(doc->root, "module_target")))
		p->module_target = xstrdup(ynode_str(n, "module_target"));
	if ((n = ynode_get(doc->root, "module_cflags")))
		p->module_cflags = ynode_strv(n, "module_cflags", &p->n_module_cflags);
	if ((n = ynode_get(doc->root, "module_cflags_if")))
		read_cond_flags(p, n);
	if ((n = ynode_get(doc->root, "module_loaders")))
		read_loader_flags(p, n);
	report_release(p);
	report_release(doc);
	ydoc_free(doc);
	return p;
}

static int profile_matches(const struct arch_profile *p, const char *arch, const char *kernel_arch)
{
	if (!arch)
		return !strcmp(p->kernel_arch, kernel_arch);
	if (!strcmp(p->name, arch) || !strcmp(p->debian_arch, arch))
		return 1;
	for (size_t i = 0; i < p->n_aliases; i++)
		if (!strcmp(p->aliases[i], arch))
			return 1;
	return 0;
}

struct arch_profile *profile_find(const char *configs_dir, const char *arch, const char *kernel_arch,
				  struct strbuf *known)
{
	char *dir = xasprintf("%s/arch", configs_dir);
	struct arch_profile *found = NULL;
	struct dirent **names;
	int count = scandir(dir, &names, NULL, alphasort);

	if (count < 0)
		die("%s: cannot read the arch profiles: %s; set KABIGEN_CONFIGS to kabigen's configs folder",
		    dir, strerror(errno));
	for (int i = 0; i < count; i++) {
		size_t len;

		if (strip_suffix(names[i]->d_name, ".yaml", &len) && len) {
			char *file = xasprintf("%s/%s", dir, names[i]->d_name);
			struct arch_profile *p = profile_read(file);

			if (known)
				sb_addf(known, "%s%s", known->len ? ", " : "", p->name);
			if (!found && profile_matches(p, arch, kernel_arch))
				found = p;
			else
				profile_free(p);
			free(file);
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	return found;
}

struct arch_profile *profile_load(const char *configs_dir, const char *arch)
{
	struct strbuf known = { 0 };
	struct arch_profile *found = profile_find(configs_dir, arch, NULL, &known);

	if (!found)
		die("--arch %s: no arch profile has that name or alias in %s/arch; use one of: %s", arch,
		    configs_dir, known.len ? known.buf : "(none)");
	sb_release(&known);
	return found;
}

void profile_free(struct arch_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_aliases; i++)
		free(p->aliases[i]);
	for (size_t i = 0; i < p->n_cflags; i++)
		free(p->cflags[i]);
	for (size_t i = 0; i < p->n_module_cflags; i++)
		free(p->module_cflags[i]);
	for (size_t i = 0; i < p->n_module_cflags_if; i++) {
		for (size_t j = 0; j < p->module_cflags_if[i].n_flags; j++)
			free(p->module_cflags_if[i].flags[j]);
		free(p->module_cflags_if[i].flags);
		free(p->module_cflags_if[i].config);
	}
	for (size_t i = 0; i < p->n_module_loaders; i++) {
		struct profile_loader_flags *l = &p->module_loaders[i];

		strv_free(l->remove, l->n_remove);
		strv_free(l->add, l->n_add);
		strv_free(l->lds, l->n_lds);
		free(l->loader);
	}
	free(p->module_loaders);
	free(p->module_cflags);
	free(p->module_cflags_if);
	free(p->module_target);
	free(p->aliases);
	free(p->cflags);
	free(p->file);
	free(p->name);
	free(p->debian_arch);
	free(p->kernel_arch);
	free(p->clang_target);
	free(p);
}
