/*
 * cache_keys.c: every key of the result cache and the precompiled heads, built here and
 * nowhere else, with the version each is made under.
 *
 *	kind		version				also hashed
 *	result		"kabigen" KABIGEN_VERSION	the programs' stamps, format, set, profile,
 *							arguments, unit, flavour, kconfig, --set
 *	proof		"kabigen header proof" VERSION	the programs' stamps, arguments, header
 *	answers		"kabigen answers 1"		target, unit
 *	pch (.pch)	"kabigen pch 1"			libclang's stamp, arguments, head
 *	pch-inventory	the pch key's			"facts" and the pch key
 *	pch-seen	the pch key's			"seen" and the pch key
 *
 * Change what one key hashes, or what an entry of its kind holds, and bump its version
 * (result and proof follow kabigen's own version and the executable's stamp). The keys'
 * bytes are those kabigen 0.2 built in five places; what an entry holds is cache.c's
 * (its format's version is there).
 */
#include "util/cache_keys.h"

/* The answers' text (answers_format()) and what decides it. */
#define ANSWERS_VERSION "kabigen answers 1"
/* The inventory's text (pch_inventory_format()) and the .pch file's; a kabigen that writes them otherwise bumps this. */
#define PCH_VERSION "kabigen pch 1"

static void add_args(struct cache_key *k, char *const *args, size_t n_args)
{
	for (size_t i = 0; i < n_args; i++)
		cache_key_add_str(k, "arg", args[i]);
}

char *cache_key_result(const struct cache_result_inputs *in)
{
	struct cache_key k;

	cache_key_init(&k);
	cache_key_add_str(&k, "kabigen", KABIGEN_VERSION);
	cache_key_add_programs(&k);
	cache_key_add_str(&k, "format", in->format);
	cache_key_add_file(&k, in->set_file);
	cache_key_add_file(&k, in->profile_file);
	add_args(&k, in->args, in->n_args);
	cache_key_add_str(&k, "unit", in->unit);
	cache_key_add_str(&k, "flavour", in->flavour);
	cache_key_add_str(&k, "kconfig", in->kconfig);
	for (size_t i = 0; i < in->n_overrides; i++)
		cache_key_add_str(&k, "set", in->overrides[i]);
	return cache_key_final(&k);
}

char *cache_key_proof(const char *header, char *const *args, size_t n_args)
{
	struct cache_key k;

	cache_key_init(&k);
	cache_key_add_str(&k, "kabigen header proof", KABIGEN_VERSION);
	cache_key_add_programs(&k);
	add_args(&k, args, n_args);
	cache_key_add_str(&k, "header", header);
	return cache_key_final(&k);
}

char *cache_key_answers(const char *target, const char *unit)
{
	struct cache_key k;

	cache_key_init(&k);
	cache_key_add_str(&k, "answers", ANSWERS_VERSION);
	if (target)
		cache_key_add_str(&k, "target", target);
	cache_key_add_str(&k, "unit", unit);
	return cache_key_final(&k);
}

char *cache_key_pch(char *const *args, size_t n_args, const char *head, size_t head_len)
{
	struct cache_key k;

	cache_key_init(&k);
	cache_key_add_str(&k, "format", PCH_VERSION);
	/* The file layout and the parse are libclang's: another libclang is another key. */
	cache_key_add_libclang(&k);
	add_args(&k, args, n_args);
	cache_key_add(&k, "head", head, head_len);
	return cache_key_final(&k);
}

char *cache_key_pch_entry(const char *pch_key, enum cache_kind kind)
{
	struct cache_key k;

	cache_key_init(&k);
	/* "facts": the inventory's old word, kept so that no key changes. */
	cache_key_add_str(&k, kind == CACHE_PCH_SEEN ? "seen" : "facts", pch_key);
	return cache_key_final(&k);
}
