/* cache.h: results kept under a hash of what produced them, so that an unchanged run parses nothing. */
#ifndef KABIGEN_CACHE_H
#define KABIGEN_CACHE_H

#include <sha2.h>
#include <stddef.h>

/* Everything that decides an output besides the files the unit reads, hashed in order (sha256). */
struct cache_key {
	SHA2_CTX ctx;
};

void cache_key_init(struct cache_key *k);
void cache_key_add(struct cache_key *k, const char *what, const void *data, size_t len);
void cache_key_add_str(struct cache_key *k, const char *what, const char *s);	/* NULL allowed */
void cache_key_add_file(struct cache_key *k, const char *path);			/* its contents */
/* The programs that compute an output: this executable, the engine library it would load,
 * and the libclang that library links (size, times and inode of each). */
void cache_key_add_programs(struct cache_key *k);
/* The libclang the engine links alone: what a precompiled head depends on. */
void cache_key_add_libclang(struct cache_key *k);
char *cache_key_final(struct cache_key *k);	/* hex; new string */

/* The content digest the manifest records (XXH3-128, 32 hex digits and a NUL). */
#define CACHE_DIGEST_LEN 33
void cache_digest(const void *data, size_t len, char out[CACHE_DIGEST_LEN]);
struct stat;
/* The digest of a regular file's content now, read in pieces, and its stat: 0, or -1 (never
 * blocks on a FIFO). */
int cache_file_digest(const char *path, char out[CACHE_DIGEST_LEN], struct stat *st);

/*
 * What an entry holds, written in it and checked by cache_lookup(): an entry stored as one
 * kind is never served as another. gen/util/cache_keys.c builds each kind's key.
 */
enum cache_kind {
	CACHE_RESULT,		/* an output of a format, or the model (its JSON dump), for a release */
	CACHE_PROOF,		/* a C header's bytes that compiled */
	CACHE_ANSWERS,		/* a set's last answers for a unit and target */
	CACHE_PCH_INVENTORY,	/* what a precompiled head holds, beside its .pch */
	CACHE_PCH_SEEN,		/* a head parsed once before (the next parse saves it precompiled) */
	CACHE_N_KINDS
};
/* Each kind's name in an entry: "result", "proof", "answers", "pch-inventory", "pch-seen". */
extern const char *const cache_kind_names[CACHE_N_KINDS];

/* One result as the cache holds it. */
struct cache_entry {
	enum cache_kind kind;
	char *release;		/* the kernel release a CACHE_RESULT was made for; NULL for other kinds */
	char *text;		/* the output, NUL-terminated; LEN bytes without NULs */
	size_t len;
	char **files;		/* the files the unit read, absolute paths */
	char **digests;		/* the content clang read of each, as cache_digest() gives it */
	long long (*stamps)[3];	/* size, mtime seconds, nanoseconds; -1 when not trusted */
	size_t n_files;
};

/*
 * Reads an entry's bytes, of any kind, as strictly as a command-line value: every field
 * checked, the output's digest (XXH3-128) proven, the entry's own key equal to KEY. Returns
 * 0 and fills *E, or -1 (nothing to free) for anything else. Touches no file: what the
 * fuzzer exercises.
 */
int cache_entry_parse(const char *buf, size_t len, const char *key, struct cache_entry *e);
void cache_entry_free(struct cache_entry *e);
/* Moves E's manifest (files, digests, stamps) out to the caller, who frees it; E keeps the rest. */
void cache_entry_take_files(struct cache_entry *e, char ***files, char ***digests, long long (**stamps)[3],
			    size_t *n_files);
/* The bytes of E stored under KEY, which cache_entry_parse() reads back as E; *LEN set. */
char *cache_entry_format(const char *key, const struct cache_entry *e, size_t *len);	/* the fields; accepts a zeroed entry */

/*
 * The entry of KIND stored under KEY, if it parses, is of that kind, and every file its
 * manifest lists still holds what clang read: the same size and modification time, or
 * failing those the same digest.
 * Returns 0 on a hit, -1 on a miss. Never dies: a damaged entry is a miss, which the
 * next cache_store() replaces; a cache that cannot be read warns once.
 */
int cache_lookup(enum cache_kind kind, const char *key, struct cache_entry *e);

/*
 * Stores TEXT as an entry of KIND under KEY (a CACHE_RESULT made for RELEASE; any other
 * kind with RELEASE NULL, else nothing is stored) with the manifest of FILES, whose DIGESTS
 * are of the content clang read. STAMPS (or NULL) are each file's size and mtime where they
 * already prove that content (cache_digest_read()); every other file is read again and stores
 * nothing when it no longer holds that content. A failure only warns (once): the cache is
 * an optimisation.
 */
void cache_store(enum cache_kind kind, const char *key, const char *release, const char *text, size_t len,
		 char *const *files, char *const *digests, long long (*const stamps)[3], size_t n_files);

/*
 * The digest of what a parser read of PATH, from the file, and its stamp (size, mtime
 * seconds and nanoseconds): when the file still has the MTIME (seconds) the parser saw,
 * and that mtime is at least two seconds older than STARTED (when the parse began), no
 * write since the parser read it can have kept that mtime, so the file holds those bytes.
 * 0 with DIGEST and STAMP, or -1: then ask the parser for its own bytes. (Reading the file
 * costs a tenth of libclang's clang_getFileContents(), which looks each file up among all
 * of the unit's source entries.)
 */
int cache_digest_read(const char *path, long long mtime, long long started, char digest[CACHE_DIGEST_LEN],
		      long long stamp[3]);

/*
 * Says once per run that the cache cannot be used (WHY), and that the work is done
 * without it. The engine library has its own copy of this file: the executable hands it
 * its own cache_warn_once(), so that a run warns once whichever side met the problem.
 */
void cache_warn_once(const char *why);
void cache_set_warn_hook(void (*hook)(const char *why));
/* cache_warn_once() of a formatted reason, through the hook: what either side calls. */
void cache_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A Makefile-style depfile's text: each of TARGETS depends on each of FILES (spaces and '$' escaped); new string. */
char *depfile_text(char *const *targets, size_t n_targets, char *const *files, size_t n_files);

#endif
