/* options.c: each command's option table made into getopt_long's arrays and the usage text's lines. */
#include "cmd/cmd.h"
#include "util/report.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

/* Options a command may have: room for getopt_long's arrays without allocating. */
#define CMD_MAX_OPTIONS 64
/* The column the usage text's descriptions start at: "  -o, --output FILE  where ...". */
#define HELP_COLUMN 21

static size_t count_options(const struct cmd_option *options)
{
	size_t n = 0;

	while (options && options[n].help)
		n++;
	return n;
}

/* A short option: its id is the letter. */
static bool has_letter(const struct cmd_option *o)
{
	return o->id > 0 && o->id < 256;
}

/* "-o, --output FILE", "-j N", "--offline": the option's names as the usage text gives them. */
static void add_label(struct strbuf *sb, const struct cmd_option *o)
{
	if (has_letter(o))
		sb_addf(sb, "-%c%s", o->id, o->name ? ", " : "");
	if (o->name)
		sb_addf(sb, "--%s", o->name);
	if (o->arg)
		sb_addf(sb, " %s", o->arg);
}

/* One option's lines: its label, then its description at HELP_COLUMN, continued under it. */
static void add_option_lines(struct strbuf *sb, const struct cmd_option *o)
{
	size_t start = sb->len;
	const char *line = o->help;

	sb_adds(sb, "  ");
	add_label(sb, o);
	do {
		size_t len = strcspn(line, "\n"), col = sb->len - start;

		sb_addf(sb, "%*s%.*s\n", col + 2 > HELP_COLUMN ? 2 : (int)(HELP_COLUMN - col), "", (int)len, line);
		line += len + (line[len] == '\n');
		start = sb->len;
	} while (*line);
}

void cmd_print_usage(const struct command *command, FILE *f)
{
	struct strbuf sb = { 0 };

	sb_adds(&sb, command->usage_head);
	if (command->options) {
		sb_adds(&sb, "\n");
		for (const struct cmd_option *o = command->options; o->help; o++)
			add_option_lines(&sb, o);
	}
	if (command->usage_tail)
		sb_addf(&sb, "\n%s", command->usage_tail);
	fputs(sb.buf, f);
	sb_release(&sb);
}

/* Whether OPTIONS has the long option of ARG ("--only" or "--only=x"). */
static bool has_option(const struct cmd_option *options, const char *arg)
{
	size_t len;

	if (!skip_prefix(arg, "--", &arg))
		return false;
	len = strcspn(arg, "=");
	for (const struct cmd_option *o = options; o && o->help; o++)
		if (o->name && strlen(o->name) == len && !strncmp(o->name, arg, len))
			return true;
	return false;
}

/* getopt_long's ':' or '?' for COMMAND, the option at ARGV[optind - 1]: a usage error. */
static _Noreturn void bad_option(const struct command *command, int c, char **argv)
{
	const char *arg = argv[optind - 1];
	struct strbuf owners = { 0 };
	size_t n = 0;

	if (c == ':')
		usage_die("%s needs a value", arg);
	for (size_t i = 0; commands[i]; i++)
		if (commands[i] != command && has_option(commands[i]->options, arg))
			sb_addf(&owners, "%s'kabigen %s'", n++ ? " or " : "", commands[i]->name);
	if (n)
		usage_die("%.*s goes with %s", (int)strcspn(arg, "="), arg, owners.buf);
	usage_die("unknown option %s", arg);
}

int cmd_next_option(const struct command *command, int argc, char **argv)
{
	struct option longopts[CMD_MAX_OPTIONS + 1] = { 0 };
	char shortopts[2 + 2 * CMD_MAX_OPTIONS] = ":";
	size_t n = count_options(command->options), n_long = 0, n_short = 1;
	int c;

	if (n > CMD_MAX_OPTIONS)
		die("'kabigen %s' has %zu options, more than %d; raise CMD_MAX_OPTIONS", command->name, n,
		    CMD_MAX_OPTIONS);
	for (size_t i = 0; i < n; i++) {
		const struct cmd_option *o = &command->options[i];

		if (o->name)
			longopts[n_long++] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
							      o->id };
		if (has_letter(o)) {
			shortopts[n_short++] = (char)o->id;
			if (o->arg)
				shortopts[n_short++] = ':';
		}
	}
	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == 'h') {
		cmd_print_usage(command, stdout);
		exit(fflush(stdout) ? KABI_EXIT_ERROR : KABI_EXIT_OK);
	}
	if (c == '?' || c == ':')
		bad_option(command, c, argv);
	return c;
}
