/*
 * cmd.h: kabigen's commands, one file each (gen/cmd/NAME.c), in the manner of git's
 * builtin/: each parses its own options into its own struct and has its own usage text.
 * gen/main.c holds the table and picks one; what several commands share is below.
 */
#ifndef KABIGEN_CMD_H
#define KABIGEN_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct arch_profile;
struct ktree;

/*
 * One option of a command: one row of its table, from which both getopt_long's arrays and
 * the usage text's option lines are made (as git's parse-options does), so the two cannot
 * disagree. An option is added by a row here and a case in the command's switch.
 */
struct cmd_option {
	int id;			/* what getopt_long returns: the short option's letter ('o'), or a value > 255 */
	const char *name;	/* the long option ("output"), or NULL for a letter alone (-j) */
	const char *arg;	/* its value's name in the usage text ("FILE"), or NULL: it takes none */
	const char *help;	/* the usage text's description; '\n' starts a continuation line */
};
/* The row every command ends its table with: -h and --help print the usage text. */
#define CMD_OPT_HELP { 'h', "help", NULL, "this text" }
#define CMD_OPT_END { 0, NULL, NULL, NULL }

struct command {
	const char *name;
	/* ARGV[0] is the command's name; returns the exit status (KABI_EXIT_*). */
	int (*run)(int argc, char **argv);
	const char *synopsis;		/* what follows "kabigen" on its usage line */
	const char *summary;		/* what it does, for 'kabigen help' */
	/* -h and 'kabigen help NAME': the usage line and what it does, the option lines made from
	 * OPTIONS, then the tail (may be NULL); paragraphs apart. */
	const char *usage_head;
	const struct cmd_option *options;	/* CMD_OPT_END-terminated, or NULL: none */
	const char *usage_tail;
};

extern const struct command cmd_generate, cmd_list, cmd_diff, cmd_matrix, cmd_check_ko, cmd_build_ko, cmd_crate,
	cmd_help;

/* main.c's table, NULL-terminated, and the command called NAME (NULL if none is). */
extern const struct command *const commands[];
const struct command *command_find(const char *name);

/* COMMAND's usage text, as -h and 'kabigen help NAME' print it, on F. */
void cmd_print_usage(const struct command *command, FILE *f);
/*
 * The next option of ARGV under COMMAND's table, as getopt_long reads it: its id (optarg
 * holds its value), or -1 after the last. -h and --help print the usage text and exit 0; an
 * unknown option, or one without its value, is a usage error that names the command an
 * option belongs to when it is another's (--only goes with diff).
 */
int cmd_next_option(const struct command *command, int argc, char **argv);

/*
 * What 'generate' and 'list' require of the triple once their options are read: no
 * argument left, an --arch, and a KVER and FLAVOUR (each may be NULL) safe to hand to apt.
 */
void cmd_check_triple(int argc, char **argv, const char *arch, const char *kver, const char *flavour);
/* The formats generate writes and the file each goes to by default: c kabi.h, rust kabi.rs, json kabi.json. */
#define CMD_N_FORMATS 3
extern const char *const cmd_format_names[CMD_N_FORMATS], *const cmd_format_files[CMD_N_FORMATS];
/* FORMAT's index in cmd_format_names, or CMD_N_FORMATS when it is none of them. */
size_t cmd_format_index(const char *format);

/* A file a run names: its path and what names it ("-o", "--kconfig", "a header the unit read"). */
struct cmd_file {
	const char *path;
	const char *what;
};
/*
 * The files a run writes must be neither one another nor a file it reads, links and other
 * names included: else dies naming both (-o X --depfile X; --kconfig k.config -o k.config).
 * An input whose path is NULL (an option not given) is skipped.
 */
void cmd_check_outputs(const struct cmd_file *outputs, size_t n_outputs, const struct cmd_file *inputs,
		       size_t n_inputs);

/* --set-file FILE, or the default set CONFIGS/sets/loader.yaml. */
char *cmd_set_file(const char *set_file, const char *configs);
/*
 * TREE's arch must be PROFILE's: else dies, naming the tree as WHAT ("--kdir DIR") and the
 * arch asked for as ARCH_GIVEN ("--arch arm64").
 */
void cmd_check_tree_arch(const struct ktree *tree, const struct arch_profile *profile, const char *what,
			 const char *arch_given);

#endif
