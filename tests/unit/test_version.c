/*
 * test_version.c: version_compare against dpkg itself. Every pair of a list of versions
 * (epochs, revisions, '~', letters, leading zeros, Debian's kernel releases) must order
 * as 'dpkg --compare-versions' orders them: the truth is dpkg, not a typed table.
 */
#include "util/version.h"

#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <cmocka.h>

extern char **environ;

static const char *const versions[] = {
	"7.2.13+deb14", "7.2.9+deb14", "7.2.13+deb13", "7.2.13", "7.2.13~rc1", "7.2.13~rc1~1",
	"7.2.12-1~bpo13+1", "7.2.13-1", "7.2.13-1.1", "7.2.13-10", "7.2.13-1a", "1:7.2.13-1",
	"0:7.2.13-1", "6.12.118+deb13", "6.12.9", "6.1.0-37", "6.1.0-037", "6.1", "6.10",
	"7.3~rc4-1~exp1", "7.3.4+deb13", "1.0a", "1.0+", "1.0.", "1.0~", "1.0",
};

/* dpkg's sign for A against B: -1, 0 or 1. */
static int dpkg_sign(const char *a, const char *b)
{
	static const char *const ops[] = { "lt", "eq", "gt" };

	for (int i = 0; i < 3; i++) {
		char *argv[] = { "dpkg", "--compare-versions", (char *)a, (char *)ops[i], (char *)b, NULL };
		pid_t pid;
		int status;

		assert_int_equal(posix_spawnp(&pid, "dpkg", NULL, NULL, argv, environ), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) <= 1);
		if (WEXITSTATUS(status) == 0)
			return i - 1;
	}
	fail_msg("dpkg says neither lt, eq nor gt for %s and %s", a, b);
	return 0;
}

static void test_order_as_dpkg(void **state)
{
	size_t n = sizeof(versions) / sizeof(versions[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			int ours = version_compare(versions[i], versions[j]);
			int want = dpkg_sign(versions[i], versions[j]);

			if ((ours > 0) - (ours < 0) != want)
				fail_msg("%s against %s: version_compare says %d, dpkg %d", versions[i], versions[j],
					 ours, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_as_dpkg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
