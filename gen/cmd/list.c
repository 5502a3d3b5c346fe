/* list.c: 'kabigen list': the kernel versions and flavours the archive has for an arch. */
#include "input/archive.h"
#include "cmd/cmd.h"
#include "input/profile.h"
#include "util/report.h"
#include "util/self.h"

#include <stdio.h>
#include <stdlib.h>

static const char usage_head[] =
	"usage: kabigen list --arch ARCH [--kver VERSION] [--offline]\n"
	"\n"
	"Lists the headers packages the archive has for ARCH in the suites of configs/archive.yaml:\n"
	"release, package version, suite, flavour, and whether kabigen's cache holds it.\n";

enum { OPT_ARCH = 256, OPT_KVER, OPT_OFFLINE };

static const struct cmd_option options[] = {
	{ OPT_ARCH, "arch", "ARCH", "x86_64, arm64, riscv64, loongarch64 (or amd64, x86-64, aarch64, loong64)" },
	{ OPT_KVER, "kver", "VERSION", "only this version: 7.2 (every 7.2.x), 7.2.13, or 7.2.13+deb14-riscv64" },
	{ OPT_OFFLINE, "offline", NULL, "use only kabigen's cache, never the network" },
	CMD_OPT_HELP,
	CMD_OPT_END,
};

struct list_options {
	const char *arch;
	const char *kver;
	int offline;
};

static void parse_options(int argc, char **argv, struct list_options *o)
{
	int c;

	while ((c = cmd_next_option(&cmd_list, argc, argv)) != -1) {
		switch (c) {
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_KVER: o->kver = optarg; break;
		case OPT_OFFLINE: o->offline = 1; break;
		}
	}
	cmd_check_triple(argc, argv, o->arch, o->kver, NULL);
}

static int run(int argc, char **argv)
{
	struct list_options o = { 0 };
	struct archive_request rq;
	struct arch_profile *profile;
	char *configs;

	parse_options(argc, argv, &o);
	configs = self_configs_dir();
	profile = profile_load(configs, o.arch);
	rq = (struct archive_request){ .profile = profile, .configs_dir = configs, .kver = o.kver,
					.offline = o.offline };
	archive_list(&rq, stdout);
	profile_free(profile);
	free(configs);
	return fflush(stdout) ? KABI_EXIT_ERROR : KABI_EXIT_OK;
}

const struct command cmd_list = {
	.name = "list",
	.run = run,
	.synopsis = "list --arch ARCH [--kver VERSION] [--offline]",
	.summary = "the kernel versions and flavours Debian's archive has for an arch",
	.usage_head = usage_head,
	.options = options,
	.usage_tail = NULL,
};
