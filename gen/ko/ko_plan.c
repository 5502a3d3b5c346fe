/*
 * ko_plan.c: check-ko --plan: which symbol, relocation type, section or placement a loader
 * should gain next. The count of modules importing a symbol misleads (every module imports
 * __stack_chk_fail, and none loads with it alone); what counts is how many modules load once
 * it is added, so the plan is greedy on that, step by step:
 *
 *   step 0: the profile as it is             8 load
 *   step 1: + symbol rc_map_register        95 load   (rc_map_register was all they lacked)
 *   step 2: + relocation R_RISCV_ALIGN     140 load
 *
 * It knows nothing of what a reason means: a module loads once each of its loader failures
 * (ko_finding's reason, or its unlock: "symbol X") is lifted and, when the loader reads the
 * modules' exports, every module of the set it imports from loads.
 */
#include "ko/ko_plan.h"
#include "util/escape.h"
#include "ko/ko.h"
#include "ko/ko_check.h"
#include "ko/ko_set.h"
#include "util/json.h"
#include "util/report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

struct reason {
	char *name;
	size_t id;
	UT_hash_handle hh;
};

/* What is left for a module to load: nothing, one reason (its id), several, or no addition at all. */
enum { LEFT_NONE = -1, LEFT_MANY = -2, LEFT_NEVER = -3 };

struct planner {
	const struct ko_report *rep;
	const struct ko_set *set;
	size_t n;
	char *scope;		/* planned for */
	char *never;		/* no addition loads it */
	char *loaded;
	size_t **reasons;	/* per module: reason ids, distinct */
	size_t *n_reasons;
	size_t *n_left;		/* of them, not yet added */
	struct reason *table;	/* uthash by name */
	char **names;		/* by id */
	size_t n_ids;
	char *added;		/* by id */
	size_t **users;		/* by id: the modules with that reason */
	size_t *n_users;
	size_t *needed;		/* by id: the modules of the scope with it that some addition loads */
	size_t *count;		/* by id: best_reason()'s */
	long *left;		/* per module: best_reason()'s LEFT_* or reason id */
};

static size_t intern(struct planner *p, const char *name)
{
	struct reason *r;

	HASH_FIND_STR(p->table, name, r);
	if (r)
		return r->id;
	r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(name);
	r->id = p->n_ids;
	HASH_ADD_KEYPTR(hh, p->table, r->name, strlen(r->name), r);
	p->names = xgrow(p->names, p->n_ids, sizeof(*p->names));
	p->names[p->n_ids] = r->name;
	p->users = xgrow(p->users, p->n_ids, sizeof(*p->users));
	p->users[p->n_ids] = NULL;
	p->n_users = xgrow(p->n_users, p->n_ids, sizeof(*p->n_users));
	p->n_users[p->n_ids] = 0;
	return p->n_ids++;
}

static void add_reason(struct planner *p, size_t i, const char *name)
{
	size_t id = intern(p, name);

	for (size_t k = 0; k < p->n_reasons[i]; k++)
		if (p->reasons[i][k] == id)
			return;
	p->reasons[i] = xgrow(p->reasons[i], p->n_reasons[i], sizeof(**p->reasons));
	p->reasons[i][p->n_reasons[i]++] = id;
	p->n_left[i]++;
	p->users[id] = xgrow(p->users[id], p->n_users[id], sizeof(**p->users));
	p->users[id][p->n_users[id]++] = i;
}

/* What each module lacks; a module no addition loads is 'never'. */
static void read_results(struct planner *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct ko_result *r = &p->rep->results[i];

		if (r->module->error || (r->status & (KO_DISAGREES | KO_REFUSED_BY_LINUX)) ||
		    (p->set->exports_read && p->set->cyclic[i])) {
			p->never[i] = 1;
			continue;
		}
		for (size_t k = 0; k < r->n_findings; k++) {
			const struct ko_finding *f = &r->findings[k];

			/* What crashes the loader is lifted as what it refuses: by the profile. */
			if ((f->kind == KO_FAIL || f->kind == KO_CRASH) && strcmp(f->reason, KO_REASON_NEEDS_MODULE))
				add_reason(p, i, f->unlock ? f->unlock : f->reason);
		}
	}
}

/* Marks SCOPE with module I and everything it needs. */
static void close_over(struct planner *p, size_t i)
{
	if (p->scope[i])
		return;
	p->scope[i] = 1;
	for (size_t k = 0; k < p->set->n_providers[i]; k++)
		close_over(p, p->set->providers[i][k].module);
}

/* Which modules load with what is added, in load order (providers first); their count in scope. */
static size_t count_loaded(struct planner *p)
{
	size_t count = 0;

	for (size_t o = 0; o < p->set->n_order; o++) {
		size_t i = p->set->order[o];
		int ok = !p->never[i] && !p->n_left[i];

		for (size_t k = 0; ok && p->set->exports_read && k < p->set->n_providers[i]; k++)
			ok = p->set->providers[i][k].weak || p->loaded[p->set->providers[i][k].module];
		p->loaded[i] = (char)ok;
		count += ok && p->scope[i];
	}
	return count;
}

static long own_left(const struct planner *p, size_t i)
{
	if (p->never[i])
		return LEFT_NEVER;
	if (!p->n_left[i])
		return LEFT_NONE;
	if (p->n_left[i] > 1)
		return LEFT_MANY;
	for (size_t k = 0; k < p->n_reasons[i]; k++)
		if (!p->added[p->reasons[i][k]])
			return (long)p->reasons[i][k];
	return LEFT_NONE;
}

static long combine(long a, long b)
{
	if (a == LEFT_NEVER || b == LEFT_NEVER)
		return LEFT_NEVER;
	if (a == LEFT_NONE)
		return b;
	if (b == LEFT_NONE || a == b)
		return a;
	return LEFT_MANY;
}

/* The reason not yet added with the greatest COUNT (ties: name order); SIZE_MAX when every count is 0. */
static size_t most(const struct planner *p, const size_t *count)
{
	size_t best = SIZE_MAX;

	for (size_t id = 0; id < p->n_ids; id++)
		if (count[id] && !p->added[id] && (best == SIZE_MAX || count[id] > count[best] ||
						   (count[id] == count[best] && strcmp(p->names[id], p->names[best]) < 0)))
			best = id;
	return best;
}

/* The reason whose addition loads the most more modules of the scope; SIZE_MAX when none is left. */
static size_t best_reason(struct planner *p)
{
	memset(p->count, 0, p->n_ids * sizeof(*p->count));
	/* A module loads with one more reason when it and all it needs lack that one only. */
	for (size_t o = 0; o < p->set->n_order; o++) {
		size_t i = p->set->order[o];
		long *left = &p->left[i];

		*left = p->loaded[i] ? LEFT_NONE : own_left(p, i);
		for (size_t k = 0; *left >= LEFT_NONE && p->set->exports_read && k < p->set->n_providers[i]; k++)
			if (!p->set->providers[i][k].weak)
				*left = combine(*left, p->left[p->set->providers[i][k].module]);
		if (*left >= 0 && p->scope[i] && !p->loaded[i])
			p->count[*left]++;
	}
	/* None loads a module alone: the reason most of the modules still to load lack. */
	size_t best = most(p, p->count);

	return best != SIZE_MAX ? best : most(p, p->needed);
}

static void add(struct planner *p, size_t id)
{
	p->added[id] = 1;
	for (size_t k = 0; k < p->n_users[id]; k++)
		p->n_left[p->users[id][k]]--;
}

static void planner_release(struct planner *p)
{
	struct reason *r, *tmp;

	HASH_ITER(hh, p->table, r, tmp) {
		HASH_DEL(p->table, r);
		free(r->name);
		free(r);
	}
	for (size_t i = 0; i < p->n; i++)
		free(p->reasons[i]);
	for (size_t id = 0; id < p->n_ids; id++)
		free(p->users[id]);
	free(p->users);
	free(p->n_users);
	free(p->needed);
	free(p->count);
	free(p->left);
	free(p->names);
	free(p->added);
	free(p->reasons);
	free(p->n_reasons);
	free(p->n_left);
	free(p->scope);
	free(p->never);
	free(p->loaded);
}

/* Scopes P to the modules WANT names and all they need; dies naming one the set lacks. */
static void want_scope(struct planner *p, char *const *want, size_t n_want)
{
	for (size_t w = 0; w < n_want; w++) {
		size_t i = ko_set_find(p->set, want[w]);

		if (i == SIZE_MAX)
			die("--want %s: no module of that name among the %zu checked; give the names modprobe uses "
			    "(ext4, virtio_blk), and the modules or --modules", want[w], p->n);
		close_over(p, i);
	}
}

struct ko_plan *ko_plan_make(const struct ko_report *rep, char *const *want, size_t n_want)
{
	struct planner p = { .rep = rep, .set = rep->set, .n = rep->n_results };
	struct ko_plan *plan = xcalloc(1, sizeof(*plan));
	size_t id, n = p.n + 1;

	p.scope = xcalloc(n, 1);
	p.never = xcalloc(n, 1);
	p.loaded = xcalloc(n, 1);
	p.reasons = xcalloc(n, sizeof(*p.reasons));
	p.n_reasons = xcalloc(n, sizeof(*p.n_reasons));
	p.n_left = xcalloc(n, sizeof(*p.n_left));
	read_results(&p);
	p.added = xcalloc(p.n_ids + 1, 1);
	p.count = xcalloc(p.n_ids + 1, sizeof(*p.count));
	p.needed = xcalloc(p.n_ids + 1, sizeof(*p.needed));
	p.left = xcalloc(n, sizeof(*p.left));
	if (n_want)
		want_scope(&p, want, n_want);
	else
		memset(p.scope, 1, p.n);
	for (id = 0; id < p.n_ids; id++)
		for (size_t k = 0; k < p.n_users[id]; k++)
			p.needed[id] += p.scope[p.users[id][k]] && !p.never[p.users[id][k]];
	for (size_t i = 0; i < p.n; i++) {
		plan->modules += p.scope[i];
		plan->never += p.scope[i] && p.never[i];
	}
	for (size_t o = 0; n_want && o < p.set->n_order; o++)
		if (p.scope[p.set->order[o]]) {
			plan->closure = xgrow(plan->closure, plan->n_closure, sizeof(*plan->closure));
			plan->closure[plan->n_closure++] = p.set->order[o];
		}
	plan->loads_now = count_loaded(&p);
	while ((id = best_reason(&p)) != SIZE_MAX) {
		add(&p, id);
		plan->steps = xgrow(plan->steps, plan->n_steps, sizeof(*plan->steps));
		plan->steps[plan->n_steps++] = (struct ko_plan_step){ xstrdup(p.names[id]), count_loaded(&p) };
	}
	planner_release(&p);
	return plan;
}

void ko_plan_free(struct ko_plan *p)
{
	if (!p)
		return;
	for (size_t k = 0; k < p->n_steps; k++)
		free(p->steps[k].add);
	free(p->steps);
	free(p->closure);
	free(p);
}

/* ---- the curve as text, Markdown, JSON ---- */

static size_t loads_at(const struct ko_plan *p, size_t k)
{
	return k ? p->steps[k - 1].loads : p->loads_now;
}

static const char *module_path(const struct ko_report *rep, size_t i)
{
	return rep->results[i].module->path;
}

char *ko_plan_text(const struct ko_report *rep, const struct ko_plan *p)
{
	struct strbuf sb = { 0 };

	sb_addf(&sb, "plan for loader ");
	escape_text(&sb, rep->loader_name);
	sb_addf(&sb, ": %zu module%s, %zu load now, %zu no addition loads (unreadable, refused by Linux, another "
		"layout, a dependency cycle)\n", p->modules, p->modules == 1 ? "" : "s", p->loads_now, p->never);
	if (p->n_closure) {
		sb_adds(&sb, "load order (the wanted modules and all they need):\n");
		for (size_t k = 0; k < p->n_closure; k++) {
			sb_addf(&sb, "  %4zu  ", k + 1);
			escape_text(&sb, rep->set->names[p->closure[k]]);
			sb_adds(&sb, "  ");
			escape_text(&sb, module_path(rep, p->closure[k]));
			sb_adds(&sb, "\n");
		}
	}
	sb_addf(&sb, "  step   loads    more  add\n  %4d  %6zu          (the profile as it is)\n", 0, p->loads_now);
	for (size_t k = 0; k < p->n_steps; k++) {
		sb_addf(&sb, "  %4zu  %6zu  %+6ld  ", k + 1, p->steps[k].loads,
			(long)p->steps[k].loads - (long)loads_at(p, k));
		escape_text(&sb, p->steps[k].add);
		sb_adds(&sb, "\n");
	}
	return sb.buf;
}

char *ko_plan_md(const struct ko_report *rep, const struct ko_plan *p)
{
	struct strbuf sb = { 0 };

	sb_addf(&sb, "# check-ko plan: %zu module%s against ", p->modules, p->modules == 1 ? "" : "s");
	escape_markdown_prose(&sb, rep->target);
	sb_adds(&sb, ", loader ");
	escape_markdown_prose(&sb, rep->loader_name);
	sb_addf(&sb, "\n\n%zu load now; %zu no addition loads (unreadable, refused by Linux, another layout, a "
		"dependency cycle).\n", p->loads_now, p->never);
	if (p->n_closure) {
		sb_adds(&sb, "\n## Load order\n\n| # | module | file |\n|---:|---|---|\n");
		for (size_t k = 0; k < p->n_closure; k++) {
			sb_addf(&sb, "| %zu | ", k + 1);
			escape_markdown(&sb, rep->set->names[p->closure[k]]);
			sb_adds(&sb, " | ");
			escape_markdown(&sb, module_path(rep, p->closure[k]));
			sb_adds(&sb, " |\n");
		}
	}
	sb_addf(&sb, "\n## Unlock curve\n\n| step | add | loads | more |\n|---:|---|---:|---:|\n| 0 | (the profile "
		"as it is) | %zu | |\n", p->loads_now);
	for (size_t k = 0; k < p->n_steps; k++) {
		sb_addf(&sb, "| %zu | ", k + 1);
		escape_markdown(&sb, p->steps[k].add);
		sb_addf(&sb, " | %zu | %+ld |\n", p->steps[k].loads, (long)p->steps[k].loads - (long)loads_at(p, k));
	}
	return sb.buf;
}

char *ko_plan_json(const struct ko_report *rep, const struct ko_plan *p)
{
	struct strbuf sb = { 0 };
	struct json j;

	json_start(&j, &sb);
	json_object(&j, NULL, JSON_LINES);
	json_string(&j, "target", rep->target);
	json_string(&j, "loader", rep->loader_name);
	json_u64(&j, "modules", p->modules);
	json_join(&j);
	json_u64(&j, "load_now", p->loads_now);
	json_join(&j);
	json_u64(&j, "never", p->never);
	json_array(&j, "load_order", JSON_LINES);
	for (size_t k = 0; k < p->n_closure; k++) {
		json_object(&j, NULL, JSON_SPACED);
		json_string(&j, "name", rep->set->names[p->closure[k]]);
		json_string(&j, "path", module_path(rep, p->closure[k]));
		json_end(&j);
	}
	json_end(&j);
	json_array(&j, "steps", JSON_LINES);
	for (size_t k = 0; k < p->n_steps; k++) {
		json_object(&j, NULL, JSON_SPACED);
		json_string(&j, "add", p->steps[k].add);
		json_u64(&j, "loads", p->steps[k].loads);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_finish(&j);
	sb_adds(&sb, "\n");
	return sb.buf;
}
