/*
 * test_grow.c: xgrow, the growth of arrays built one element at a time. The sanitizer build
 * runs this too, so an element written past the room made would fail it.
 */
#include "util/report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

/* A million elements keep their values, and the block moves only at powers of two: at most
 * 21 times, where growing by one moved it up to a million times (each move a copy). */
static void test_room_doubles(void **state)
{
	size_t n = 0, moves = 0;
	uint64_t *v = NULL;

	(void)state;
	for (uint64_t i = 0; i < 1000000; i++) {
		uint64_t *before = v;

		v = xgrow(v, n, sizeof(*v));
		if (n & (n - 1))
			assert_ptr_equal(v, before);	/* room left: the same block, untouched */
		moves += v != before;
		v[n++] = i * 2654435761u;
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i], (uint64_t)i * 2654435761u);
	assert_true(moves <= 21);	/* at most at n = 0 and the 20 powers of two below 1,000,000 */
	free(v);
}

/* An array cut short and filled again never has less room than it needs. */
static void test_refill(void **state)
{
	size_t n = 0;
	char *v = NULL;

	(void)state;
	for (size_t start = 0; start < 30; start += 7) {
		n = start;
		for (int i = 0; i < 1000; i++) {
			v = xgrow(v, n, 1);
			v[n++] = (char)i;
		}
		for (int i = 0; i < 1000; i++)
			assert_int_equal(v[start + (size_t)i], (char)i);
	}
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_doubles),
		cmocka_unit_test(test_refill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
