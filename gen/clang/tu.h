/* tu.h: the translation unit kabigen parses, and the clang arguments it parses it with. */
#ifndef KABIGEN_TU_H
#define KABIGEN_TU_H

#include <stdbool.h>
#include <stddef.h>

struct arch_profile;
struct ktree;
struct kset;
struct strbuf;

/* Names of the probe declarations the translation unit adds; extract.c reads them back. */
#define TU_PROBE_CONST "kabigen__const_"
#define TU_PROBE_STRING "kabigen__string_"
#define TU_PROBE_HAS "kabigen__has_"
#define TU_PROBE_RELEASE "kabigen__uts_release"
#define TU_PROBE_IF_ENUM "kabigen__if_enum_"	/* declared where an enum's condition holds */

/*
 * Where the set's own part of the unit begins. What comes before (its defines and
 * includes) is what the headers provide: parse_answered.c answers from that part and
 * defines kabigen__type_struct_NAME there for each type a condition tests that the
 * headers define.
 */
#define TU_MARK_SET "\n/* The set's own part. */\n"
#define TU_PROBE_SECTION "kabigen__section_"	/* + index: the section's condition holds */
#define TU_PROBE_SECTYPE "kabigen__sectype_"	/* + index: the section's element type */
/* After a precompiled head (gen/clang/pch.h): the head's definitions and enumerators the set names. */
#define TU_PROBE_WANT "kabigen__wantrec_"	/* + struct or union tag */
#define TU_PROBE_WANT_ENUM "kabigen__wantenum_"	/* + enum tag */
#define TU_PROBE_ENUMREF "kabigen__enumref_"	/* + enumerator */

struct tu {
	char *file_name;	/* the name the translation unit is parsed under */
	char *text;		/* its source */
	char **args;		/* clang arguments, without compiler name or input file */
	size_t n_args;
};

/* RESOURCE_DIR is clang's own folder (stddef.h, stdarg.h, ...), used with -nostdinc. */
struct tu *tu_build(const struct arch_profile *p, const struct ktree *t, const struct kset *s,
		    const char *resource_dir);
/* The same arguments, around TEXT (taken over) named FILE_NAME instead of a set's unit. */
struct tu *tu_build_text(const struct arch_profile *p, const struct ktree *t, char *text, const char *file_name,
			 const char *resource_dir);
void tu_free(struct tu *tu);	/* accepts NULL */

/* The translation unit of set S: its defines, includes and definitions, then the probes. New string. */
char *tu_source(const struct kset *s);

/* Whether S is a C identifier. */
bool tu_is_ident(const char *s);
/* The probe that has clang evaluate EXPR, converted to TYPE (NULL: its own type), as NAME. */
void tu_add_const_probe(struct strbuf *sb, const char *name, const char *expr, const char *type);
/* "#if COND\n", with the set's type tests (defined(struct NAME)) as the preprocessor reads them. */
void tu_add_if(struct strbuf *sb, const char *cond);

/* A header's path from its tree's arch/ or include/ folder on: what the provenance names. New string. */
char *tu_tree_relative(const char *path);

/* The arguments on one line, each quoted for a POSIX shell where it needs it. New string. */
char *tu_shell_args(const struct tu *tu);

/* Unsets CPATH and its kin, clang's include folders from the environment, before a parse or a
 * compile; a set one is warned about: "CPATH is set; USER does not use it: WHY (unset it ...)". */
void tu_clear_include_env(const char *user, const char *why);

#endif
