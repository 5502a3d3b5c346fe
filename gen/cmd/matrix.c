/*
 * matrix.c: generates many (arch, kver or kdir, flavour, format) triples in parallel.
 * Each triple is one kabigen child (started from /proc/self/exe with an argument
 * vector), so a failing triple fails alone; the summary says which, and the exit
 * status whether all succeeded.
 *
 *   triples:
 *     - { arch: riscv64, kver: "7.2", formats: [c, rust] }
 *     - { arch: amd64, kver: "7.2", flavour: rt }
 *     - { arch: arm64, kdir: /usr/src/linux-headers-7.2.13+deb14-arm64 }
 */
#include "child.h"
#include "cmd.h"
#include "progress.h"
#include "report.h"
#include "yamldoc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct job {
	char *label;		/* "riscv64 7.2 generic c" */
	char **argv;		/* NULL-terminated */
	char *log;
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

static const char *opt_str(const struct ynode *t, const char *key)
{
	const struct ynode *n = ynode_get(t, key);

	return n ? ynode_str(n, key) : NULL;
}

static struct job *read_jobs(const char *file, const char *self, int no_cache, const char *logdir, size_t *n_jobs)
{
	static const char *const top[] = { "triples", NULL };
	static const char *const keys[] = { "arch", "kver", "kdir", "flavour", "formats", "kconfig", "offline", NULL };
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
		const char *arch, *kver, *kdir, *flavour, *kconfig;
		char **formats;
		size_t n_formats;

		ynode_check_keys(t, keys);
		arch = opt_str(t, "arch");
		kver = opt_str(t, "kver");
		kdir = opt_str(t, "kdir");
		flavour = opt_str(t, "flavour");
		kconfig = opt_str(t, "kconfig");
		if (!arch || !!kver == !!kdir)
			ynode_die(t, "each triple needs 'arch' and one of 'kver' or 'kdir'");
		fn = ynode_get(t, "formats");
		if (fn) {
			formats = ynode_strv(fn, "formats", &n_formats);
		} else {
			formats = xcalloc(1, sizeof(*formats));
			formats[0] = xstrdup("c");
			n_formats = 1;
		}
		for (size_t f = 0; f < n_formats; f++) {
			struct job j = { 0 };
			size_t argc = 0;

			/* A tree is named by its folder: the release and flavour, in Debian's layout. */
			j.label = xasprintf("%s %s%s%s %s", arch, kver ? kver : strrchr(kdir, '/') ? strrchr(kdir, '/') + 1 : kdir,
					    flavour ? " " : "", flavour ? flavour : "", formats[f]);
			argv_push(&j.argv, &argc, self);
			argv_push(&j.argv, &argc, "--arch");
			argv_push(&j.argv, &argc, arch);
			argv_push(&j.argv, &argc, kver ? "--kver" : "--kdir");
			argv_push(&j.argv, &argc, kver ? kver : kdir);
			if (flavour) {
				argv_push(&j.argv, &argc, "--flavour");
				argv_push(&j.argv, &argc, flavour);
			}
			if (kconfig) {
				argv_push(&j.argv, &argc, "--kconfig");
				argv_push(&j.argv, &argc, kconfig);
			}
			if (ynode_get(t, "offline") && !strcmp(opt_str(t, "offline"), "true"))
				argv_push(&j.argv, &argc, "--offline");
			argv_push(&j.argv, &argc, "--format");
			argv_push(&j.argv, &argc, formats[f]);
			if (no_cache)
				argv_push(&j.argv, &argc, "--no-cache");
			j.log = xasprintf("%s/%zu.log", logdir, n);
			jobs = xrealloc(jobs, (n + 1) * sizeof(*jobs));
			jobs[n++] = j;
		}
		strv_free(formats, n_formats);
	}
	ydoc_free(doc);
	*n_jobs = n;
	return jobs;
}

/* The line a job's log ends with: "kabigen: wrote ..." or its error. */
static char *last_line(const char *log)
{
	char buf[4096], *last = NULL;
	FILE *f = fopen(log, "r");

	if (!f)
		return xstrdup("(no output)");
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (*buf) {
			free(last);
			last = xstrdup(strncmp(buf, "kabigen: ", 9) ? buf : buf + 9);
		}
	}
	fclose(f);
	return last ? last : xstrdup("(no output)");
}

static const char usage_text[] =
	"usage: kabigen matrix FILE.yaml [-j N] [--no-cache]\n"
	"\n"
	"Generates each triple of FILE.yaml ({arch, kver or kdir, flavour, formats}) in parallel,\n"
	"one kabigen child per triple and format, prints a summary, and fails if any failed.\n"
	"\n"
	"  -j, --jobs N       run N at once (default: the number of cores)\n"
	"  --no-cache         parse even when the result cache holds an output\n"
	"  -h, --help         this text\n";

static const struct option longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "no-cache", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int run(int argc, char **argv)
{
	long jobs_max = sysconf(_SC_NPROCESSORS_ONLN);
	int no_cache = 0, c, failed = 0;
	char self[4096], logdir[] = "/tmp/kabigen-matrix-XXXXXX";
	struct job *jobs;
	size_t n_jobs, next = 0, running = 0;
	double start;
	struct progress progress;
	ssize_t len;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":j:h", longopts, NULL)) != -1) {
		if (c == 'j') {
			char *end;

			jobs_max = strtol(optarg, &end, 10);
			if (*end || jobs_max < 1 || jobs_max > 256)
				usage_die("-j %s: use a number of jobs from 1 to 256", optarg);
		} else if (c == 'n') {
			no_cache = 1;
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			exit(0);
		} else {
			cmd_bad_option(&cmd_matrix, c, argv);
		}
	}
	if (optind != argc - 1)
		usage_die("kabigen matrix takes one FILE.yaml (and -j N, --no-cache)");
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		die("cannot find kabigen's own executable through /proc/self/exe");
	self[len] = '\0';
	if (!mkdtemp(logdir))
		die("%s: cannot create a folder for the logs", logdir);
	jobs = read_jobs(argv[optind], self, no_cache, logdir, &n_jobs);
	start = now();
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
	printf("%-40s %-6s %8s  %s\n", "TRIPLE", "STATUS", "SECONDS", "RESULT");
	for (size_t i = 0; i < n_jobs; i++) {
		char *line = last_line(jobs[i].log);

		failed += jobs[i].status != 0;
		printf("%-40s %-6s %8.2f  %s\n", jobs[i].label, jobs[i].status ? "FAILED" : "ok", jobs[i].seconds, line);
		free(line);
		unlink(jobs[i].log);
		free(jobs[i].log);
		free(jobs[i].label);
		for (size_t a = 0; jobs[i].argv[a]; a++)
			free(jobs[i].argv[a]);
		free(jobs[i].argv);
	}
	printf("%zu triples, %d failed, %.2f s with %ld jobs\n", n_jobs, failed, now() - start, jobs_max);
	rmdir(logdir);
	free(jobs);
	return failed ? KABI_EXIT_ERROR : KABI_EXIT_OK;
}

const struct command cmd_matrix = {
	.name = "matrix",
	.run = run,
	.synopsis = "matrix FILE.yaml [-j N] [--no-cache]",
	.summary = "each triple of FILE.yaml generated in parallel, with a summary",
	.usage = usage_text,
	.options = longopts,
};
