/*
 * test_archive.c: the archive's apt command lines keep every argument however many there are
 * (apt-cache madison names every linux-headers package of a suite), and a file of its state
 * folder is replaced whole, never truncated in place, on real files in a fresh folder.
 */
#include "input/archive_impl.h"
#include "util/fs.h"
#include "util/report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char root[] = "/tmp/kabigen-test-archive-XXXXXX";

static size_t count(char **v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

/* A tail far longer than any fixed array the command line could be built in. */
static void test_apt_argv_keeps_every_argument(void **state)
{
	struct archive a = { .debarch = "amd64" };
	struct suite s = { .dir = root };
	enum { N = 1000 };
	const char **tail = xcalloc(N + 1, sizeof(*tail));
	char **names = xcalloc(N, sizeof(*names));
	char **head, **v;
	size_t fixed;

	(void)state;
	for (size_t i = 0; i < N; i++)
		tail[i] = names[i] = xasprintf("linux-headers-%zu-amd64", i);
	head = archive_apt_argv(&a, &s, "apt-cache", NULL);
	fixed = count(head);
	assert_string_equal(head[0], "apt-cache");
	v = archive_apt_argv(&a, &s, "apt-cache", tail);
	assert_int_equal(count(v), fixed + N);
	for (size_t i = 0; i < fixed; i++)
		assert_string_equal(v[i], head[i]);
	for (size_t i = 0; i < N; i++)
		assert_string_equal(v[fixed + i], tail[i]);
	archive_argv_free(head);
	archive_argv_free(v);
	strv_free(names, N);
	free(tail);
}

/* A second name for the old file keeps the old text: the path was given a new file. */
static void test_write_text_replaces_whole(void **state)
{
	char *path = xasprintf("%s/sources.list", root), *keep = xasprintf("%s/kept", root), *text;
	const char *old = "deb [arch=amd64] http://old.example sid main\n";
	const char *new = "deb [arch=amd64] http://new.example sid main\n";
	struct stat st;

	(void)state;
	archive_write_text(path, old);
	assert_int_equal(link(path, keep), 0);
	archive_write_text(path, new);
	text = read_file(path, NULL);
	assert_string_equal(text, new);
	free(text);
	text = read_file(keep, NULL);
	assert_string_equal(text, old);
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_nlink, 1);
	unlink(keep);
	unlink(path);
	free(keep);
	free(path);
}

/* Nothing but what the tests wrote is left in ROOT (no temporary file of a write). */
static void test_nothing_left(void **state)
{
	(void)state;
	assert_int_equal(rmdir(root), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fs_remove_tree(root);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apt_argv_keeps_every_argument),
		cmocka_unit_test(test_write_text_replaces_whole),
		cmocka_unit_test(test_nothing_left),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
