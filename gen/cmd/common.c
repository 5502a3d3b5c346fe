/* common.c: what several commands share: the triple's checks, the configs folder, the formats, outputs, the set file. */
#include "cmd/cmd.h"
#include "input/archive.h"
#include "util/fs.h"
#include "input/profile.h"
#include "util/report.h"
#include "util/str.h"
#include "input/tree.h"

#include <stdlib.h>
#include <string.h>

void cmd_check_triple(int argc, char **argv, const char *arch, const char *kver, const char *flavour)
{
	if (optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
	if (!arch)
		usage_die("--arch is required (x86_64, arm64, riscv64, loongarch64)");
	/* Strings that reach apt or the file system are checked before anything is started. */
	if (kver && !archive_valid_kver(kver))
		usage_die("--kver '%s': use a version such as 7.2, 7.2.13 or 7.2.13+deb14-riscv64", kver);
	if (flavour && !archive_valid_flavour(flavour))
		usage_die("--flavour '%s': use a flavour name such as rt, cloud or 16k", flavour);
}

const char *const cmd_format_names[CMD_N_FORMATS] = { "c", "rust", "json" };
const char *const cmd_format_files[CMD_N_FORMATS] = { "kabi.h", "kabi.rs", "kabi.json" };

size_t cmd_format_index(const char *format)
{
	size_t i;

	for (i = 0; i < CMD_N_FORMATS && strcmp(format, cmd_format_names[i]); i++)
		;
	return i;
}

void cmd_check_outputs(const struct cmd_file *outputs, size_t n_outputs, const struct cmd_file *inputs,
		       size_t n_inputs)
{
	char **names = xcalloc(n_outputs + 1, sizeof(*names));

	for (size_t i = 0; i < n_outputs; i++) {
		names[i] = fs_canonical(outputs[i].path);
		report_hold(names[i], free);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(names[k], names[i]) || fs_same_file(outputs[k].path, outputs[i].path))
				die("%s %s and %s %s are one file; nothing was written; give each its own path",
				    outputs[k].what, outputs[k].path, outputs[i].what, outputs[i].path);
		for (size_t k = 0; k < n_inputs; k++)
			if (inputs[k].path && fs_same_file(outputs[i].path, inputs[k].path))
				die("%s %s is %s %s, which this run reads; nothing was written; choose another path for "
				    "%s", outputs[i].what, outputs[i].path, inputs[k].what, inputs[k].path, outputs[i].what);
	}
	for (size_t i = 0; i < n_outputs; i++) {
		report_release(names[i]);
		free(names[i]);
	}
	free(names);
}

char *cmd_set_file(const char *set_file, const char *configs)
{
	return set_file ? xstrdup(set_file) : xasprintf("%s/sets/loader.yaml", configs);
}

void cmd_check_tree_arch(const struct ktree *tree, const struct arch_profile *profile, const char *what,
			 const char *arch_given)
{
	if (strcmp(tree->kernel_arch, profile->kernel_arch))
		die("%s: the tree is for arch/%s (read from %s), but %s is arch/%s; pass the matching --arch or a %s "
		    "tree", what, tree->kernel_arch, tree->arch_origin, arch_given, profile->kernel_arch, profile->name);
}
