/* str.h: small string helpers, inline so that any stage (the engine too) can use them. */
#ifndef KABIGEN_STR_H
#define KABIGEN_STR_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Whether S starts with PREFIX; if so and OUT is given, *OUT is what follows it (git's skip_prefix). */
static inline bool skip_prefix(const char *s, const char *prefix, const char **out)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n))
		return false;
	if (out)
		*out = s + n;
	return true;
}

static inline bool starts_with(const char *s, const char *prefix)
{
	return skip_prefix(s, prefix, NULL);
}

/* Whether S ends with SUFFIX; if so, *LEN is the length of what comes before it (git's strip_suffix). */
static inline bool strip_suffix(const char *s, const char *suffix, size_t *len)
{
	size_t n = strlen(s), m = strlen(suffix);

	if (n < m || strcmp(s + n - m, suffix))
		return false;
	*len = n - m;
	return true;
}

/* Whether S is one word of printable ASCII or UTF-8: not empty, no space, no control character. */
static inline bool is_printable_word(const char *s)
{
	if (!*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* qsort's comparison of two char * by strcmp. */
static inline int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The one line reader of every line format kabigen reads (the tree list and md5sums,
 * .config and autoconf.h, symbol lists, Module.symvers): the next line of the text at
 * *CURSOR, cut in place (its '\n' becomes NUL) with *CURSOR moved past it; NULL at the end.
 * Empty lines come too, so line numbers stay true (strtok_r skipped them); a '\r' stays
 * for the format to judge.
 */
static inline char *line_next(char **cursor)
{
	char *line = *cursor, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	*cursor = nl ? nl + 1 : line + strlen(line);
	return line;
}

/*
 * The one number parser of those formats: the digits of BASE (10 or 16) at S as *V, and
 * where they end; NULL when S does not start with one (no sign or space is taken; in base 16
 * a "0x", as Module.symvers writes its CRCs) or the number does not fit in 64 bits.
 */
static inline const char *scan_u64(const char *s, int base, uint64_t *v)
{
	char *end;

	if (!*s || !strchr(base == 16 ? "0123456789abcdefABCDEF" : "0123456789", *s))
		return NULL;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno ? NULL : end;
}

/* The whole of S as a number of BASE (scan_u64() with nothing after it): 0, or -1. */
static inline int parse_u64(const char *s, int base, uint64_t *v)
{
	const char *end = scan_u64(s, base, v);

	return end && !*end ? 0 : -1;
}

/* The whole of S as a signed decimal number within 64 bits ("-" then scan_u64()): 0, or -1. */
static inline int parse_i64(const char *s, int64_t *v)
{
	uint64_t u;

	if (parse_u64(s + (*s == '-'), 10, &u) || u > (uint64_t)INT64_MAX + (*s == '-'))
		return -1;
	*v = *s == '-' ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

#endif
