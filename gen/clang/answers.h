/*
 * answers.h: what a set's translation unit must learn from the headers before it can be
 * written whole. A condition that tests a type (defined(struct module_memory)) is a
 * preprocessor test of the macro kabigen__type_struct_module_memory, defined after the
 * includes where the headers define the type; a constant by prefix (R_RISCV_*) needs one
 * probe per macro the headers define with that prefix. Both are answered by clang
 * (gen/clang/parse_answered.c): from a parse of the includes alone, from a precompiled header
 * (gen/clang/pch.c), or as a guess that the one parse of the whole unit then proves.
 * Nothing here calls libclang.
 */
#ifndef KABIGEN_ANSWERS_H
#define KABIGEN_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>

struct kset;

/* The object-like macros whose names start with one prefix of the set, in the order clang met them. */
struct prefix_macros {
	char **names;
	size_t n_names;
	char *file;		/* where the first was defined, tree-relative; NULL when there is none */
};

struct answers {
	char **types;		/* what the unit tests, as after KSET_TYPE_MACRO: "struct_module_memory" */
	bool *defined;		/* whether the headers (the unit before TU_MARK_SET) define each */
	size_t n_types;
	struct prefix_macros *prefixes;	/* parallel to the set's constants; empty where no prefix */
	size_t n_constants;
	size_t n_prefixes;	/* how many of the constants are prefixes */
};

/* A's questions for SET's UNIT (tu_source()), none answered yet: no type defined, no macro. */
void answers_init(struct answers *a, const struct kset *set, const char *unit);
void answers_free(struct answers *a);	/* accepts a zeroed one */
/* Whether the unit needs answers at all: a type test, or a constant by prefix. */
bool answers_needed(const struct answers *a);
/* Whether A and B give the same answers to the same questions (the files included). */
bool answers_equal(const struct answers *a, const struct answers *b);
/* Takes over FROM's answers into TO (the same questions); FROM is left empty. */
void answers_move(struct answers *to, struct answers *from);
/* Forgets every answer: no type defined, no macro (the questions stay). */
void answers_clear(struct answers *a);
/* Adds NAME (copied) to the macros of constant I, unless it is there; FILE names the first. */
void answers_add_macro(struct answers *a, size_t i, const char *name, const char *file);

/*
 * UNIT as kabigen parses it with A: after the includes, kabigen__type_KIND_NAME defined for
 * each tested type the headers define; at the end, a probe for each prefix macro. From
 * TU_MARK_SET on only when SET_PART_ONLY (the part a precompiled header does not hold).
 * New string.
 */
char *answers_unit(const char *unit, const struct kset *set, const struct answers *a, bool set_part_only);

/* A as text, for the cache (gen/util/cache.c keeps and proves it). New string. */
char *answers_format(const struct answers *a);
/*
 * Answers A's questions from TEXT (answers_format()'s): 0, or -1 with A unchanged when the
 * text is damaged or answers other questions. Every name must be a C identifier, so that
 * nothing but a probe can reach the unit; a guess is proven by the parse anyway.
 */
int answers_parse(const char *text, size_t len, struct answers *a);

#endif
