/* extract.h: parses a translation unit with libclang and fills the layout model from it. */
#ifndef KABIGEN_EXTRACT_H
#define KABIGEN_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

struct kabi_model;
struct kset;

/* A parse of a set's unit: what extract_model() and extract_resolve() take. */
struct extract_request {
	const struct kset *set;
	const char *file_name;	/* the name the unit is parsed under */
	const char *text;	/* the unit (tu_source()) */
	char *const *args;	/* the clang arguments */
	size_t n_args;
	const char *origin;	/* names the input in messages: the --kdir folder, or a fixture */
	const char *advice;	/* what to check when the headers fail to parse; NULL: --arch and the tree */
	/* Start from what the cache holds of these headers (a precompiled head, the set's last
	 * answers: gen/clang/pch.h, answers.h), which changes the cost, never the result. */
	bool use_cache;
};

/*
 * Parses the unit and takes from it every struct, enum, constant, string and extern list
 * the set names, with the layouts clang computed for the target. Dies on a parse error (the
 * first diagnostics, with file and line, and RQ's advice) and on a required struct the
 * headers do not define.
 */
struct kabi_model *extract_model(const struct extract_request *rq);

/*
 * Whether this run has used libclang already (the executable loads the engine on first
 * use; the sanitizer build links it in, and there this means used): then one more small
 * parse costs only itself, not the ~0.1 s of mapping libLLVM.
 */
bool extract_engine_loaded(void);

/*
 * Parses TEXT (named FILE_NAME) with ARGS and returns NULL when it compiles, or the
 * first error as one line. Used to prove an emitted header before it is written.
 */
char *extract_check_compiles(const char *file_name, const char *text, char *const *args, size_t n_args);

/*
 * Parses TEXT (named FILE_NAME) with ARGS and evaluates the integer constant NAMES[i]
 * declares as "static const long long kabigen__const_NAME = (EXPR);" into VALUES[i].
 * Dies, naming ORIGIN, on a parse error or a value that is not an integer constant.
 */
void extract_eval_ints(const char *file_name, const char *text, char *const *args, size_t n_args,
		       const char *origin, char *const *names, long long *values, size_t n);

/*
 * The unit as extract_model() parses it: with the set's type tests (defined(struct NAME))
 * and prefixes answered by parsing it. New string.
 */
char *extract_resolve(const struct extract_request *rq);

/*
 * The entry points above as the kabigen executable reaches them: it does not link
 * libclang, but loads this stage as a shared library (libkabigen-engine.so) the first time
 * a run parses, so that a result-cache hit never pays for mapping libLLVM (gen/clang/engine.c).
 */
struct extract_engine {
	/*
	 * Called once, first: the engine carries its own copy of the helpers it uses (report.c,
	 * layout.c, cache.c, ...), so a die() inside it must also unwind the executable's
	 * (HOST_UNWIND: its held objects and its cleanup hook, which removes temporary files),
	 * and a cache it cannot use is said once with the executable's (HOST_CACHE_WARN).
	 */
	void (*attach)(void (*host_unwind)(void), void (*host_cache_warn)(const char *why));
	struct kabi_model *(*model)(const struct extract_request *rq);
	char *(*check_compiles)(const char *file_name, const char *text, char *const *args, size_t n_args);
	void (*eval_ints)(const char *file_name, const char *text, char *const *args, size_t n_args,
			  const char *origin, char *const *names, long long *values, size_t n);
	char *(*resolve)(const struct extract_request *rq);
};

#define EXTRACT_ENGINE_SYMBOL "kabigen_extract_engine"

#endif
