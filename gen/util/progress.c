/*
 * progress.c: a count of steps done, redrawn in place on standard error when that is a
 * terminal ("kabigen: reading the archive's indexes 3/8 (sid)"), and nothing at all when
 * it is not (a log, a pipe, a build system), so logs keep only the results.
 */
#include "util/progress.h"
#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ITEM, a matrix row's label or an archive's suite, is an input: report.c escapes it. */
static void draw(const struct progress *p, const char *item)
{
	report_redraw("%s %zu/%zu%s%s%s", p->what, p->done, p->total, item ? " (" : "", item ? item : "",
		      item ? ")" : "");
}

void progress_start(struct progress *p, const char *what, size_t total)
{
	const char *term = getenv("TERM");

	p->on = total > 0 && isatty(STDERR_FILENO) && !(term && !strcmp(term, "dumb"));
	p->what = what;
	p->done = 0;
	p->total = total;
	if (p->on)
		draw(p, NULL);
}

void progress_step(struct progress *p, const char *item)
{
	if (p->done < p->total)
		p->done++;
	if (p->on)
		draw(p, item);
}

void progress_end(struct progress *p)
{
	if (p->on)
		report_redraw(NULL);
	p->on = 0;
}
