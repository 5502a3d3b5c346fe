/*
 * test_fs.c: one file however it is spelt (fs_canonical), and the sweep of old temporaries
 * that removes kabigen's own and nothing of the user's (fs_remove_stale_temps), on real
 * files, folders and links in a fresh folder.
 */
#include "util/fs.h"
#include "util/report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

static char root[] = "/tmp/kabigen-test-fs-XXXXXX";
static char *real_root;	/* ROOT as realpath() gives it (/tmp may be a link) */

static char *at(const char *name)
{
	return xasprintf("%s/%s", root, name);
}

/* Makes NAME last modified HOURS_OLD hours ago. */
static void age(const char *name, int hours_old)
{
	char *path = at(name);
	struct timeval old[2];

	gettimeofday(&old[0], NULL);
	old[0].tv_sec -= hours_old * 3600;
	old[1] = old[0];
	assert_int_equal(utimes(path, old), 0);
	free(path);
}

static void make_file(const char *name, int hours_old)
{
	char *path = at(name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(name, f);
	fclose(f);
	free(path);
	age(name, hours_old);
}

static void make_dir(const char *name, int hours_old)
{
	char *path = at(name);

	assert_int_equal(mkdir(path, 0777), 0);
	free(path);
	age(name, hours_old);
}

static void make_link(const char *name, const char *target)
{
	char *path = at(name);

	assert_int_equal(symlink(target, path), 0);
	free(path);
}

static int exists(const char *name)
{
	char *path = at(name);
	struct stat st;
	int there = !lstat(path, &st);

	free(path);
	return there;
}

/* NAME (relative to the test folder, as the current folder) is canonical WANT (likewise). */
static void expect_canonical(const char *name, const char *want)
{
	char *got = fs_canonical(name), *full = *want ? xasprintf("%s/%s", real_root, want) : xstrdup(real_root);

	assert_string_equal(got, full);
	free(got);
	free(full);
}

static void test_canonical(void **state)
{
	(void)state;
	make_dir("real", 0);
	make_link("to-real", "real");
	make_link("dangling", "not-yet");
	make_link("loop", "loop");
	/* A folder, there or not, however spelt: the spellings matrix took for two folders. */
	expect_canonical("mo", "mo");
	expect_canonical("./mo/", "mo");
	expect_canonical("mo/.", "mo");
	expect_canonical("mo/x/..", "mo");
	expect_canonical("real//", "real");
	expect_canonical("to-real/", "real");
	expect_canonical("to-real/a/b", "real/a/b");
	/* A link to what is not there yet names what a write through it would make. */
	expect_canonical("dangling", "not-yet");
	expect_canonical("./dangling/x", "not-yet/x");
	/* A loop of links ends (a name, not a hang). */
	expect_canonical("loop", "loop");
	expect_canonical(".", "");
}

static void test_stale_temps(void **state)
{
	(void)state;
	/* A user's files beside kabi.h, however old: none is kabigen's. */
	make_file(".kabi.h.swp", 2);
	make_file(".kabi.h.orig", 2);
	make_file(".kabi.h.backup", 2);
	make_dir(".kabi.h.d", 2);
	make_file(".kabi.h.d/notes", 2);
	age(".kabi.h.d", 2);
	make_file(".kabi.h.kabigen.Ab12C", 2);	/* five characters: not mkstemp's */
	make_file(".kabi.h.kabigen.Ab12Cd.x", 2);
	make_dir(".kabi.h.kabigen.Fo1der", 2);	/* kabigen's name, but a folder */
	/* kabigen's own: the old one goes, the young one (a run at work) stays. */
	make_file(".kabi.h.kabigen.Ab12Cd", 2);
	make_file(".kabi.h.kabigen.Yo0ng1", 0);
	fs_remove_stale_temps(root, ".kabi.h.kabigen.", S_IFREG, 3600);
	assert_true(exists(".kabi.h.swp"));
	assert_true(exists(".kabi.h.orig"));
	assert_true(exists(".kabi.h.backup"));
	assert_true(exists(".kabi.h.d/notes"));
	assert_true(exists(".kabi.h.kabigen.Ab12C"));
	assert_true(exists(".kabi.h.kabigen.Ab12Cd.x"));
	assert_true(exists(".kabi.h.kabigen.Fo1der"));
	assert_false(exists(".kabi.h.kabigen.Ab12Cd"));
	assert_true(exists(".kabi.h.kabigen.Yo0ng1"));
	/* Folders only when asked for (matrix's log folders): with what is in them. */
	make_dir("kabigen-matrix-Qw12Er", 2);
	make_file("kabigen-matrix-Qw12Er/0.log", 2);
	age("kabigen-matrix-Qw12Er", 2);
	make_file("kabigen-matrix-As34Df", 2);
	fs_remove_stale_temps(root, "kabigen-matrix-", S_IFDIR, 3600);
	assert_false(exists("kabigen-matrix-Qw12Er"));
	assert_true(exists("kabigen-matrix-As34Df"));
}

static int setup(void **state)
{
	(void)state;
	return !mkdtemp(root) || chdir(root) || !(real_root = realpath(root, NULL));
}

static int teardown(void **state)
{
	(void)state;
	fs_remove_tree(root);
	free(real_root);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_stale_temps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
