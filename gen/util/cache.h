/* cache.h: results kept under a hash of what produced them, so that an unchanged run parses nothing. */
#ifndef KABIGEN_CACHE_H
#define KABIGEN_CACHE_H

#include <sha2.h>
#include <stddef.h>

/* Everything that decides an output besides the files the unit reads, hashed in order. */
struct cache_key {
	SHA2_CTX ctx;
};

void cache_key_init(struct cache_key *k);
void cache_key_add(struct cache_key *k, const char *what, const void *data, size_t len);
void cache_key_add_str(struct cache_key *k, const char *what, const char *s);	/* NULL allowed */
void cache_key_add_file(struct cache_key *k, const char *path);			/* its contents */
char *cache_key_final(struct cache_key *k);	/* hex; new string */

/*
 * The output stored under KEY, if every file its manifest lists is unchanged: the same
 * size and modification time, or failing those the same sha256. Returns NULL on a miss.
 * *FILES receives the files the unit read (for --depfile). Never dies: a damaged entry
 * is a miss.
 */
char *cache_lookup(const char *key, size_t *len, char **release, char ***files, size_t *n_files);

/* Stores TEXT (made for RELEASE) under KEY with the manifest of FILES; a failure only warns. */
void cache_store(const char *key, const char *release, const char *text, size_t len, char *const *files,
		 size_t n_files);

/* A Makefile-style depfile: TARGET depends on each of FILES (spaces and '$' escaped). */
void depfile_write(const char *path, const char *target, char *const *files, size_t n_files);

#endif
