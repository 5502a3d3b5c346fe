/* str.h: small string helpers, inline so that any stage (the engine too) can use them. */
#ifndef KABIGEN_STR_H
#define KABIGEN_STR_H

#include <stdbool.h>
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

#endif
