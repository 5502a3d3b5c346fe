/* list.c: 'kabigen list': the kernel versions and flavours the archive has for an arch. */
#include "input/archive.h"
#include "cmd/cmd.h"
#include "input/profile.h"
#include "util/report.h"
#include "util/self.h"

#include <stdio.h>
#include <stdlib.h>

static const char usage_text[] =
	"usage: kabigen list --arch ARCH [--kver VERSION] [--offline]\n"
	"\n"
	"Lists the headers packages the archive has for ARCH in the suites of configs/archive.yaml:\n"
	"release, package version, suite, flavour, and whether kabigen's cache holds it.\n"
	"\n"
	"  --arch ARCH        x86_64, arm64, riscv64, loongarch64 (or amd64, x86-64, aarch64, loong64)\n"
	"  --kver VERSION     only this version: 7.2 (every 7.2.x), 7.2.13, or 7.2.13+deb14-riscv64\n"
	"  --offline          use only kabigen's cache, never the network\n"
	"  -h, --help         this text\n";

enum { OPT_ARCH = 256, OPT_KVER, OPT_OFFLINE };

static const struct option longopts[] = {
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "kver", required_argument, NULL, OPT_KVER },
	{ "offline", no_argument, NULL, OPT_OFFLINE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct list_options {
	const char *arch;
	const char *kver;
	int offline;
};

static void parse_options(int argc, char **argv, struct list_options *o)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_KVER: o->kver = optarg; break;
		case OPT_OFFLINE: o->offline = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			cmd_bad_option(&cmd_list, c, argv);
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
	.usage = usage_text,
	.options = longopts,
};
