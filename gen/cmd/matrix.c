/*
 * matrix.c: generates many (arch, kver or kdir, flavour, format) triples in parallel.
 * Rows that share a tree and configuration are one kabigen child (started from
 * /proc/self/exe with an argument vector) that writes all their formats from one parse;
 * a failing child fails alone; the summary says which, and the exit status whether all
 * succeeded.
 *
 *   triples:
 *     - { arch: riscv64, kver: "7.2", formats: [c, rust] }
 *     - { arch: amd64, kver: "7.2", flavour: rt }
 *     - { arch: arm64, kdir: /usr/src/linux-headers-7.2.13+deb14-arm64 }
 */
#include "util/child.h"
#include "cmd/cmd.h"
#include "util/escape.h"
#include "util/fs.h"
#include "util/outfile.h"
#include "util/progress.h"
#include "util/report.h"
#include "util/str.h"
#include "util/self.h"
#include "util/yamldoc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One child: a tree and configuration, and every format the file asks of it. */
struct job {
	char *tree;		/* "riscv64 7.2 rt" */
	char *label;		/* "riscv64 7.2 rt c,rust" */
	const char *arch, *kver, *kdir, *flavour, *kconfig, *output;	/* borrowed from the YAML document */
	char *output_real;	/* OUTPUT as one folder is named however it is spelt (fs_canonical) */
	size_t row;		/* the first row of the file that asked for it, from 1 */
	int offline;
	char *formats;		/* "c,rust": each once, in the order first asked */
	size_t n_formats;
	char **argv;		/* NULL-terminated */
	char *log;
	char *conflict;		/* another child wrote one of its files too: why it failed after all */
	int pid, status;
	double started, seconds;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void argv_push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The job of the same tree and configuration as T, or NULL: those rows share one parse. */
static struct job *job_of(struct job *jobs, size_t n, const struct job *t)
{
	for (size_t i = 0; i < n; i++)
		if (same_str(jobs[i].arch, t->arch) && same_str(jobs[i].kver, t->kver) &&
		    same_str(jobs[i].kdir, t->kdir) && same_str(jobs[i].flavour, t->flavour) &&
		    same_str(jobs[i].kconfig, t->kconfig) && same_str(jobs[i].output_real, t->output_real) &&
		    jobs[i].offline == t->offline)
			return &jobs[i];
	return NULL;
}

/*
 * Two children must not write one file: one 'output' folder, however spelt ("mo", "./mo/", a
 * link to it), or, without one, the same tree under two configurations (--kconfig leaves its
 * release, so out/RELEASE/, as it is). What only the run can tell (two kver spellings of one
 * release) is checked afterwards.
 */
static void check_outputs(const char *file, const struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++) {
			const struct job *a = &jobs[i], *b = &jobs[k];

			if (a->output && b->output && !strcmp(a->output_real, b->output_real))
				die("%s: rows %zu (output: %s) and %zu (output: %s) both write into %s; give each triple "
				    "its own 'output' folder", file, a->row, a->output, b->row, b->output, a->output_real);
			if (!a->output && !b->output && same_str(a->arch, b->arch) && same_str(a->kver, b->kver) &&
			    same_str(a->kdir, b->kdir) && same_str(a->flavour, b->flavour))
				die("%s: rows %zu and %zu are one tree in two configurations, whose outputs are both "
				    "out/RELEASE/ (kconfig does not change the release); give one of them an 'output' "
				    "folder", file, a->row, b->row);
		}
}

/*
 * Every file a row with an 'output' folder will write can be written (not a folder, not a
 * device, in a folder kabigen can make): checked for all rows before any child runs, so a
 * bad one is said before the others have written theirs. Each child checks again.
 */
static void check_destinations(const char *file, const struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = jobs[i].formats;

		for (size_t len; jobs[i].output && *p; p += len + (p[len] == ',')) {
			char *name = xasprintf("%.*s", (int)(len = strcspn(p, ",")), p), *path, *why;
			size_t f = cmd_format_index(name);

			free(name);
			if (f == CMD_N_FORMATS)
				continue;
			path = xasprintf("%s/%s", jobs[i].output, cmd_format_files[f]);
			if (outfile_check(path, "the row's 'output'", OUTFILE_MKDIRS, &why)) {
				report_hold(path, free);
				report_hold(why, free);
				die("%s: row %zu: %s: %s", file, jobs[i].row, path, why);
			}
			free(path);
		}
	}
}

/* Adds FORMAT to J's list unless it is there. */
static void job_add_format(struct job *j, const char *format)
{
	char *list = j->formats;
	size_t len = strlen(format);

	for (const char *p = list; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strcspn(p, ",") == len && !strncmp(p, format, len))
			return;
	}
	j->formats = list ? xasprintf("%s,%s", list, format) : xstrdup(format);
	j->n_formats++;
	free(list);
}

/* The child's command line, once every row of its tree is in. */
static void job_finish(struct job *j, const char *self, int no_cache, const char *logdir, size_t index)
{
	const char *kdir = j->kdir, *slash = kdir ? strrchr(kdir, '/') : NULL;
	size_t argc = 0;

	/* A tree is named by its folder: the release and flavour, in Debian's layout. Kept raw:
	 * the progress line and the summary escape it (escape.h), once. */
	j->tree = xasprintf("%s %s%s%s", j->arch, j->kver ? j->kver : slash ? slash + 1 : kdir,
			    j->flavour ? " " : "", j->flavour ? j->flavour : "");
	j->label = xasprintf("%s %s", j->tree, j->formats);
	argv_push(&j->argv, &argc, self);
	argv_push(&j->argv, &argc, "--arch");
	argv_push(&j->argv, &argc, j->arch);
	argv_push(&j->argv, &argc, j->kver ? "--kver" : "--kdir");
	argv_push(&j->argv, &argc, j->kver ? j->kver : kdir);
	if (j->flavour) {
		argv_push(&j->argv, &argc, "--flavour");
		argv_push(&j->argv, &argc, j->flavour);
	}
	if (j->kconfig) {
		argv_push(&j->argv, &argc, "--kconfig");
		argv_push(&j->argv, &argc, j->kconfig);
	}
	if (j->offline)
		argv_push(&j->argv, &argc, "--offline");
	argv_push(&j->argv, &argc, "--format");
	argv_push(&j->argv, &argc, j->formats);
	if (no_cache)
		argv_push(&j->argv, &argc, "--no-cache");
	if (j->output) {
		char *why;

		if (fs_mkdirs(j->output, &why))
			die("%s (the 'output' of row %zu); choose a folder kabigen can create", why, j->row);
		/* -o names the file for one format, the folder for several. */
		size_t f = cmd_format_index(j->formats);
		char *o = j->n_formats > 1 || f == CMD_N_FORMATS ? xstrdup(j->output)
								: xasprintf("%s/%s", j->output, cmd_format_files[f]);

		argv_push(&j->argv, &argc, "-o");
		argv_push(&j->argv, &argc, o);
		free(o);
	}
	j->log = xasprintf("%s/%zu.log", logdir, index);
}

/* The jobs of FILE: one per tree and configuration; the document stays loaded (*DOC) for their strings. */
static struct job *read_jobs(const char *file, const char *self, int no_cache, const char *logdir,
			     struct ydoc **doc_out, size_t *n_jobs)
{
	static const char *const top[] = { "triples", NULL };
	static const char *const keys[] = { "arch", "kver", "kdir", "flavour", "formats", "kconfig", "offline", "output",
					    NULL };
	struct ydoc *doc = ydoc_load(file);
	const struct ynode *list;
	struct job *jobs = NULL;
	size_t n = 0;

	if (!doc->root)
		die("%s: empty; it lists 'triples', each {arch, kver or kdir, flavour, formats}", file);
	ynode_check_keys(doc->root, top);
	list = ynode_get(doc->root, "triples");
	if (!list || list->kind != YNODE_SEQUENCE || !list->n_items)
		ynode_die(doc->root, "'triples' must be a non-empty list");
	for (size_t i = 0; i < list->n_items; i++) {
		const struct ynode *t = list->items[i], *fn;
		struct job row = { 0 }, *j;
		char **formats;
		size_t n_formats;

		ynode_check_keys(t, keys);
		row.arch = ynode_opt_str(t, "arch");
		row.kver = ynode_opt_str(t, "kver");
		row.kdir = ynode_opt_str(t, "kdir");
		row.flavour = ynode_opt_str(t, "flavour");
		row.kconfig = ynode_opt_str(t, "kconfig");
		row.output = ynode_opt_str(t, "output");
		row.output_real = row.output ? fs_canonical(row.output) : NULL;
		row.row = i + 1;
		row.offline = ynode_opt_bool(t, "offline", 0);
		if (!row.arch || !!row.kver == !!row.kdir)
			ynode_die(t, "each triple needs 'arch' and one of 'kver' or 'kdir'");
		fn = ynode_get(t, "formats");
		if (fn) {
			formats = ynode_strv(fn, "formats", &n_formats);
		} else {
			formats = xcalloc(1, sizeof(*formats));
			formats[0] = xstrdup("c");
			n_formats = 1;
		}
		j = job_of(jobs, n, &row);
		if (!j) {
			jobs = xgrow(jobs, n, sizeof(*jobs));
			jobs[n] = row;
			j = &jobs[n++];
		} else {
			free(row.output_real);
		}
		for (size_t f = 0; f < n_formats; f++)
			job_add_format(j, formats[f]);
		strv_free(formats, n_formats);
	}
	check_outputs(file, jobs, n);
	check_destinations(file, jobs, n);
	for (size_t i = 0; i < n; i++)
		job_finish(&jobs[i], self, no_cache, logdir, i);
	*doc_out = doc;
	*n_jobs = n;
	return jobs;
}

/* The lines a job's log ends with: one "kabigen: wrote ..." per format, or its error. */
static char **last_lines(const char *log, size_t want, size_t *n_lines)
{
	char **lines = xcalloc(want, sizeof(*lines)), *text = read_file(log, NULL), *cursor = text, *line;
	size_t n = 0;

	while ((line = line_next(&cursor))) {
		const char *rest = line;

		if (!*line)
			continue;
		if (n == want) {
			free(lines[0]);
			memmove(lines, lines + 1, (want - 1) * sizeof(*lines));
			n--;
		}
		skip_prefix(line, "kabigen: ", &rest);
		lines[n++] = xstrdup(rest);
	}
	free(text);
	if (!n)
		lines[n++] = xstrdup("(no output)");
	*n_lines = n;
	return lines;
}

/*
 * Files two children both wrote (two kver spellings of one release, say): one overwrote the
 * other, so the later job fails after all, naming the file and the earlier row.
 */
static void check_written(struct job *jobs, size_t n)
{
	char **paths = NULL;	/* every file written so far ... */
	size_t *owner = NULL, n_paths = 0;	/* ... and the job that wrote it */

	for (size_t i = 0; i < n; i++) {
		size_t n_lines, k;
		char **lines;
		const char *rest;

		if (jobs[i].status)
			continue;
		lines = last_lines(jobs[i].log, jobs[i].n_formats, &n_lines);
		for (size_t l = 0; l < n_lines; l++) {
			if (!skip_prefix(lines[l], "wrote ", &rest))
				continue;
			/* Children share this run's folder: a relative path is one file for all of them. */
			char *written = xasprintf("%.*s", (int)strcspn(rest, " "), rest), *path = fs_canonical(written);

			free(written);

			for (k = 0; k < n_paths && strcmp(paths[k], path); k++)
				;
			if (k == n_paths) {
				paths = xgrow(paths, n_paths, sizeof(*paths));
				owner = xgrow(owner, n_paths, sizeof(*owner));
				paths[n_paths] = path;
				owner[n_paths++] = i;
				continue;
			}
			if (owner[k] != i && !jobs[i].conflict)
				jobs[i].conflict = xasprintf("wrote %s, which row %zu wrote too: one overwrote the other; "
							     "give one of them an 'output' folder", path, jobs[owner[k]].row);
			free(path);
		}
		strv_free(lines, n_lines);
	}
	strv_free(paths, n_paths);
	free(owner);
}

/* The summary's rows of J: one per format it wrote, or its failure under all its formats.
 * The names come from the matrix file: shown as text (escape.h); the children's lines are. */
static void print_job(const struct job *j)
{
	size_t n_lines;
	char **lines = last_lines(j->log, j->status ? 1 : j->n_formats, &n_lines);
	const char *format = j->formats;
	struct strbuf label = { 0 }, tree = { 0 };

	escape_text(&label, j->label);
	escape_text(&tree, j->tree);
	if (j->conflict) {
		printf("%-40s %-6s %8.2f  %s\n", label.buf, "FAILED", j->seconds, j->conflict);
	} else if (j->status || n_lines != j->n_formats) {
		printf("%-40s %-6s %8.2f  %s\n", label.buf, j->status ? "FAILED" : "ok", j->seconds, lines[n_lines - 1]);
	} else {
		for (size_t i = 0; i < n_lines; i++) {
			int len = (int)strcspn(format, ",");
			char *row = xasprintf("%s %.*s", tree.buf, len, format);

			printf("%-40s %-6s %8.2f  %s\n", row, "ok", j->seconds, lines[i]);
			format += len + (format[len] == ',');
			free(row);
		}
	}
	sb_release(&label);
	sb_release(&tree);
	strv_free(lines, n_lines);
}

static void job_free(struct job *j)
{
	unlink(j->log);
	free(j->log);
	free(j->conflict);
	free(j->output_real);
	free(j->tree);
	free(j->label);
	free(j->formats);
	for (size_t a = 0; j->argv[a]; a++)
		free(j->argv[a]);
	free(j->argv);
}

static const char usage_head[] =
	"usage: kabigen matrix FILE.yaml [-j N] [--no-cache]\n"
	"\n"
	"Generates each triple of FILE.yaml ({arch, kver or kdir, flavour, kconfig, formats, output})\n"
	"in parallel, one kabigen child per tree and configuration, which writes all the formats\n"
	"asked of it from one parse (into out/RELEASE/, or the folder 'output'); prints a summary,\n"
	"and fails if any failed, or if two wrote one file.\n";

enum { OPT_NO_CACHE = 256 };

static const struct cmd_option options[] = {
	{ 'j', "jobs", "N", "run N at once (default: the number of cores)" },
	{ OPT_NO_CACHE, "no-cache", NULL, "parse even when the result cache holds an output" },
	CMD_OPT_HELP,
	CMD_OPT_END,
};

/* Runs the N_JOBS children, JOBS_MAX at once, filling in each one's status and time. */
static void run_jobs(struct job *jobs, size_t n_jobs, long jobs_max)
{
	size_t next = 0, running = 0;
	struct progress progress;

	/* The summary waits for the last triple; on a terminal, the count shows how far it is. */
	progress_start(&progress, "triples done", n_jobs);
	while (next < n_jobs || running) {
		int status, pid;

		while (next < n_jobs && running < (size_t)jobs_max) {
			struct job *j = &jobs[next++];

			j->started = now();
			j->pid = child_start(j->argv, j->log);
			if (j->pid < 0) {
				j->status = -1;
				progress_step(&progress, j->label);
				continue;
			}
			running++;
		}
		if (!running)
			break;
		pid = child_wait_any(&status);
		if (pid < 0)
			break;
		for (size_t i = 0; i < n_jobs; i++) {
			if (jobs[i].pid == pid) {
				jobs[i].status = status;
				jobs[i].seconds = now() - jobs[i].started;
				running--;
				progress_step(&progress, jobs[i].label);
			}
		}
	}
	progress_end(&progress);
}

/* For report_hold(): the logs folder and what is in it (the folder is run()'s array). */
static void remove_logdir(void *logdir)
{
	fs_remove_tree(logdir);
}

static int run(int argc, char **argv)
{
	long jobs_max = sysconf(_SC_NPROCESSORS_ONLN);
	int no_cache = 0, c, failed = 0;
	char *self, logdir[] = "/tmp/kabigen-matrix-XXXXXX";
	struct job *jobs;
	size_t n_jobs, n_rows = 0;
	struct ydoc *doc;
	double start;

	optind = 1;
	while ((c = cmd_next_option(&cmd_matrix, argc, argv)) != -1) {
		if (c == 'j') {
			char *end;

			jobs_max = strtol(optarg, &end, 10);
			if (*end || jobs_max < 1 || jobs_max > 256)
				usage_die("-j %s: use a number of jobs from 1 to 256", optarg);
		} else if (c == OPT_NO_CACHE) {
			no_cache = 1;
		}
	}
	if (optind != argc - 1)
		usage_die("kabigen matrix takes one FILE.yaml (and -j N, --no-cache)");
	self = self_exe();
	/* What runs that were killed left, then this run's folder, removed on every way out. */
	fs_remove_stale_temps("/tmp", "kabigen-matrix-", S_IFDIR, 3600);
	if (!mkdtemp(logdir))
		die("%s: cannot create a folder for the logs", logdir);
	report_hold(logdir, remove_logdir);
	jobs = read_jobs(argv[optind], self, no_cache, logdir, &doc, &n_jobs);
	start = now();
	run_jobs(jobs, n_jobs, jobs_max);
	check_written(jobs, n_jobs);
	printf("%-40s %-6s %8s  %s\n", "TRIPLE", "STATUS", "SECONDS", "RESULT");
	for (size_t i = 0; i < n_jobs; i++) {
		n_rows += jobs[i].n_formats;
		failed += jobs[i].status || jobs[i].conflict ? (int)jobs[i].n_formats : 0;
		print_job(&jobs[i]);
		job_free(&jobs[i]);
	}
	printf("%zu triples, %d failed, %.2f s with %ld jobs, %zu kabigen runs\n", n_rows, failed, now() - start,
	       jobs_max, n_jobs);
	ydoc_free(doc);
	report_release(logdir);
	fs_remove_tree(logdir);
	free(jobs);
	free(self);
	return failed ? KABI_EXIT_ERROR : KABI_EXIT_OK;
}

const struct command cmd_matrix = {
	.name = "matrix",
	.run = run,
	.synopsis = "matrix FILE.yaml [-j N] [--no-cache]",
	.summary = "each triple of FILE.yaml generated in parallel, with a summary",
	.usage_head = usage_head,
	.options = options,
	.usage_tail = NULL,
};
