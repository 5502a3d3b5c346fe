/* help.c: 'kabigen help [COMMAND]': the commands, or one command's options. */
#include "cmd/cmd.h"
#include "util/report.h"

#include <stdio.h>
#include <string.h>

/* Every command's usage line and what it does. */
static void print_overview(void)
{
	for (size_t i = 0; commands[i]; i++)
		printf("%s kabigen %s\n", i ? "      " : "usage:", commands[i]->synopsis);
	putchar('\n');
	for (size_t i = 0; commands[i]; i++)
		printf("  %-10s%s\n", commands[i]->name, commands[i]->summary);
	puts("\nA first argument that is an option means 'generate'. 'kabigen help COMMAND' or\n"
	     "'kabigen COMMAND -h' describes a command's options.");
}

static int run(int argc, char **argv)
{
	const struct command *command;

	if (argc > 2)
		usage_die("'kabigen help' takes at most one command");
	if (argc == 1 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		print_overview();
	else if ((command = command_find(argv[1])))
		cmd_print_usage(command, stdout);
	else
		usage_die("'%s' is not a kabigen command", argv[1]);
	return fflush(stdout) ? KABI_EXIT_ERROR : KABI_EXIT_OK;
}

const struct command cmd_help = {
	.name = "help",
	.run = run,
	.synopsis = "help [COMMAND]",
	.summary = "this text, or a command's options",
	.usage_head = "usage: kabigen help [COMMAND]\n\nLists kabigen's commands, or describes COMMAND's options.\n",
	.options = NULL,
	.usage_tail = NULL,
};
