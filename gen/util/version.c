/*
 * version.c: Debian's version ordering (deb-version(7)). Each part (epoch, upstream version,
 * revision) is compared as alternating runs: a run of non-digits character by character,
 * where '~' sorts before everything, even the end ("7.2~rc1" < "7.2"), and letters before
 * other characters; then a run of digits as a number ("7.2.13" > "7.2.9").
 */
#include "util/version.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Where C sorts among non-digits: '~' first, then the end of the string, letters, the rest. */
static int weight(char c)
{
	if (c == '~')
		return -1;
	if (!c || isdigit((unsigned char)c))
		return 0;
	if (isalpha((unsigned char)c))
		return (unsigned char)c;
	return (unsigned char)c + 256;
}

/* One part, A[0..NA) against B[0..NB). */
static int compare_part(const char *a, size_t na, const char *b, size_t nb)
{
	const char *ea = a + na, *eb = b + nb;

	while (a < ea || b < eb) {
		int first = 0;

		while ((a < ea && !isdigit((unsigned char)*a)) || (b < eb && !isdigit((unsigned char)*b))) {
			int wa = weight(a < ea ? *a : '\0'), wb = weight(b < eb ? *b : '\0');

			if (wa != wb)
				return wa - wb;
			a++;
			b++;
		}
		while (a < ea && *a == '0')
			a++;
		while (b < eb && *b == '0')
			b++;
		while (a < ea && b < eb && isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			if (!first)
				first = *a - *b;
			a++;
			b++;
		}
		if (a < ea && isdigit((unsigned char)*a))
			return 1;
		if (b < eb && isdigit((unsigned char)*b))
			return -1;
		if (first)
			return first;
	}
	return 0;
}

struct version {
	unsigned long epoch;
	const char *upstream, *revision;
	size_t n_upstream, n_revision;
};

static struct version version_split(const char *v)
{
	struct version r = { 0 };
	const char *colon = strchr(v, ':'), *hyphen;

	if (colon) {
		r.epoch = strtoul(v, NULL, 10);
		v = colon + 1;
	}
	hyphen = strrchr(v, '-');
	r.upstream = v;
	r.n_upstream = hyphen ? (size_t)(hyphen - v) : strlen(v);
	r.revision = hyphen ? hyphen + 1 : "";
	r.n_revision = strlen(r.revision);
	return r;
}

int version_compare(const char *a, const char *b)
{
	struct version x = version_split(a), y = version_split(b);
	int c;

	if (x.epoch != y.epoch)
		return x.epoch < y.epoch ? -1 : 1;
	if ((c = compare_part(x.upstream, x.n_upstream, y.upstream, y.n_upstream)))
		return c;
	return compare_part(x.revision, x.n_revision, y.revision, y.n_revision);
}
