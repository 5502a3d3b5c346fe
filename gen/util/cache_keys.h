/* cache_keys.h: the one place that says what decides each kind of cache entry (its key) and its version. */
#ifndef KABIGEN_CACHE_KEYS_H
#define KABIGEN_CACHE_KEYS_H

#include "util/cache.h"

#include <stddef.h>

/*
 * What decides an output of FORMAT (c, rust, json; "model" for the model itself, its JSON
 * dump) besides the files the unit reads, which the entry's manifest covers (autoconf.h
 * among them). FLAVOUR, KCONFIG and OVERRIDES are the provenance the command line gives
 * (each may be NULL or empty).
 */
struct cache_result_inputs {
	const char *format;
	const char *set_file;		/* the set's YAML, hashed */
	const char *profile_file;	/* the arch profile's YAML, hashed */
	char *const *args;		/* the unit's exact clang arguments */
	size_t n_args;
	const char *unit;		/* the unit's text */
	const char *flavour, *kconfig;
	char *const *overrides;		/* --set NAME=VALUE, in order */
	size_t n_overrides;
};

/*
 * Each key is a sha256 (hex, new string) of its kind's version and inputs, framed so
 * that no two sequences of inputs collide; the kinds' versions differ, so no key of one
 * kind is another's. The kind each key is stored as is in parentheses.
 */
/* An output or the model (CACHE_RESULT). */
char *cache_key_result(const struct cache_result_inputs *in);
/* That HEADER's bytes compiled with ARGS (CACHE_PROOF). */
char *cache_key_proof(const char *header, char *const *args, size_t n_args);
/* A set's last answers for UNIT's text and clang TARGET (NULL: none given) (CACHE_ANSWERS). */
char *cache_key_answers(const char *target, const char *unit);
/* A precompiled head of HEAD_LEN bytes parsed with ARGS: the name of its .pch (no entry). */
char *cache_key_pch(char *const *args, size_t n_args, const char *head, size_t head_len);
/* The entry of KIND (CACHE_PCH_INVENTORY or CACHE_PCH_SEEN) kept beside the .pch PCH_KEY names. */
char *cache_key_pch_entry(const char *pch_key, enum cache_kind kind);

#endif
