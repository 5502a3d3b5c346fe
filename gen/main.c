/*
 * main.c: kabigen's commands, one file each in gen/cmd/, and which one runs: the first
 * argument names it, and one that is an option (or none) means 'generate', so
 * 'kabigen --arch riscv64 --kver 7.2' needs no command word. The pipeline the commands
 * run is drawn by gen/'s folders: input/ -> clang/ -> model/ -> emit/ and diff/.
 */
#include "cmd/cmd.h"
#include "util/outfile.h"
#include "util/report.h"

#include <string.h>

const struct command *const commands[] = {
	&cmd_generate,
	&cmd_list,
	&cmd_diff,
	&cmd_matrix,
	&cmd_check_ko,
	&cmd_build_ko,
	&cmd_crate,
	&cmd_help,
	NULL,
};

const struct command *command_find(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	int status;

	report_set_cleanup(outfile_cleanup);
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		status = cmd_help.run(1, argv);
	} else if (argc < 2 || argv[1][0] == '-') {
		status = cmd_generate.run(argc, argv);
	} else {
		const struct command *command = command_find(argv[1]);

		if (!command)
			usage_die("'%s' is not a kabigen command", argv[1]);
		status = command->run(argc - 1, argv + 1);
	}
	/* A failure reported with error() among others fails the run, whatever else went well. */
	return status == KABI_EXIT_OK && report_error_count() ? KABI_EXIT_ERROR : status;
}
