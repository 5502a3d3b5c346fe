/* ko_plan.h: what to add to a loader next: check-ko's unlock curve (--plan, --want). */
#ifndef KABIGEN_KO_PLAN_H
#define KABIGEN_KO_PLAN_H

#include <stddef.h>

struct ko_report;
struct ko_set;

/* One addition to the loader, and how many modules load once it and those before it are made. */
struct ko_plan_step {
	char *add;		/* a finding's reason: "symbol X", "relocation R_X86_64_32S", "section __jump_table" */
	size_t loads;		/* cumulative */
};

struct ko_plan {
	size_t modules;		/* planned for: every module, or --want's closure */
	size_t loads_now;
	size_t never;		/* no addition loads them: unreadable, refused by Linux, another layout, a cycle */
	struct ko_plan_step *steps;
	size_t n_steps;
	size_t *closure;	/* --want: the wanted modules and all they need, in load order */
	size_t n_closure;
};

/*
 * The greedy unlock curve over REP's results (REP->set gives who needs whom): a module loads
 * once each of its loader failures is lifted and the modules it needs load. Each step adds the
 * failure reason that makes the most more modules load (ties: name order); when none does
 * alone, the one most of the remaining modules need. WANT (N_WANT module names, may be 0)
 * limits the plan to those modules and what they need; an unknown name dies.
 */
struct ko_plan *ko_plan_make(const struct ko_report *rep, char *const *want, size_t n_want);
void ko_plan_free(struct ko_plan *p);	/* accepts NULL */

char *ko_plan_text(const struct ko_report *rep, const struct ko_plan *p);
char *ko_plan_md(const struct ko_report *rep, const struct ko_plan *p);
char *ko_plan_json(const struct ko_report *rep, const struct ko_plan *p);

#endif
