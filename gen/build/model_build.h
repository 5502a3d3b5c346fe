/*
 * model_build.h: a triple's layout model, from the result cache or from clang, with its
 * provenance. The layer between the stages (input, model, clang, emit) and the commands:
 * it includes those stages' headers and util's; only gen/cmd/ includes it.
 */
#ifndef KABIGEN_MODEL_BUILD_H
#define KABIGEN_MODEL_BUILD_H

#include <stdbool.h>

struct arch_profile;
struct ktree;
struct kset;
struct tu;
struct kabi_model;
struct kabi_provenance;

/*
 * The result cache's key (cache_key_result()) of an output of FORMAT (c, rust, json;
 * "model" for the model itself) of PROFILE, SET and TU, with the provenance the command
 * line gives (CLI's flavour, kconfig and overrides). New string.
 */
char *build_result_key(const char *format, const struct arch_profile *profile, const struct kset *set,
		       const struct tu *tu, const struct kabi_provenance *cli);
/*
 * What to check when the headers fail to parse under the configuration FROM_CLI describes:
 * --kconfig's file and --set's values first, when there are any (new string), else NULL
 * (--arch and the tree).
 */
char *build_parse_advice(const struct kabi_provenance *from_cli);
/*
 * Fills M's provenance but for its release (clang's, already there) and what the command
 * line gives: kabigen's version, the arch, the tree's folders, autoconf.h's sha256. Dies
 * when the tree cannot give them (no UTS_RELEASE, a control character in it).
 */
void build_provenance(struct kabi_model *m, const struct arch_profile *p, const struct ktree *t,
		      const struct kset *s);
/*
 * The layout model of TREE: clang's layouts, the provenance, and what the command line
 * added (FROM_CLI's strings, which the model takes over: FROM_CLI is zeroed).
 * With USE_CACHE, the model the result cache holds for the same key is read back instead
 * of parsing (its JSON dump: every emitter gives the same bytes from it), and a parsed
 * model is stored there, so every later format, diff or check-ko of the triple parses
 * nothing.
 */
struct kabi_model *build_model(const struct arch_profile *profile, const struct ktree *tree, const struct kset *set,
			       const struct tu *tu, struct kabi_provenance *from_cli, bool use_cache);
/* TREE's model for the set in SET_FILE, as build_model() makes it (the set and unit are freed). */
struct kabi_model *build_tree_model(const struct arch_profile *profile, const struct ktree *tree,
				    const char *set_file, struct kabi_provenance *from_cli, bool use_cache);

#endif
