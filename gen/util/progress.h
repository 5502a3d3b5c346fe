/* progress.h: how far long work has come, on the terminal's last line; silent elsewhere. */
#ifndef KABIGEN_PROGRESS_H
#define KABIGEN_PROGRESS_H

#include <stddef.h>

struct progress {
	int on;			/* standard error is a terminal (and TERM is not "dumb") */
	const char *what;	/* "reading the archive's indexes"; borrowed */
	size_t done, total;
};

/* Starts counting TOTAL steps of WHAT; draws "kabigen: WHAT 0/TOTAL" on a terminal. */
void progress_start(struct progress *p, const char *what, size_t total);
/* One more step done; ITEM (may be NULL) names it: "kabigen: WHAT 3/8 (sid)". */
void progress_step(struct progress *p, const char *item);
/* Clears the line, so what is printed next starts on a clean one. */
void progress_end(struct progress *p);

#endif
