/* self.c: where kabigen finds itself: the executable, its engine and configs, its cache. */
#include "util/self.h"
#include "util/fs.h"
#include "util/report.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Where the install puts the engine library and the configs, relative to the installed
 * executable (GNUInstallDirs: ../lib/kabigen, ../share/kabigen/configs). Relative, so that
 * no path of the machine that built kabigen is compiled into it.
 */
#ifndef KABIGEN_ENGINE_FROM_BINDIR
#define KABIGEN_ENGINE_FROM_BINDIR "../lib/kabigen"
#endif
#ifndef KABIGEN_CONFIGS_FROM_BINDIR
#define KABIGEN_CONFIGS_FROM_BINDIR "../share/kabigen/configs"
#endif

char *self_exe(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		die("cannot find kabigen's own executable through /proc/self/exe; is /proc mounted?");
	exe[n] = '\0';
	return xstrdup(exe);
}

/* The executable's folder. */
static char *self_dir(void)
{
	char *exe = self_exe();

	*strrchr(exe, '/') = '\0';
	return exe;
}

char **self_engine_paths(size_t *n)
{
	char *dir = self_dir(), **v = xcalloc(2, sizeof(*v));

	v[0] = xasprintf("%s/libkabigen-engine.so", dir);
	v[1] = xasprintf("%s/" KABIGEN_ENGINE_FROM_BINDIR "/libkabigen-engine.so", dir);
	*n = 2;
	free(dir);
	return v;
}

char *self_configs_dir(void)
{
	const char *env = getenv("KABIGEN_CONFIGS");
	char *dir, *installed, *beside;

	if (env && *env)
		return xstrdup(env);
	dir = self_dir();
	installed = xasprintf("%s/" KABIGEN_CONFIGS_FROM_BINDIR, dir);
	beside = xasprintf("%s/configs", dir);
	free(dir);
	if (fs_is_dir(installed) || !fs_is_dir(beside)) {
		free(beside);
		return installed;
	}
	free(installed);
	return beside;
}

char *self_cache_dir_if_any(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		return xasprintf("%s/kabigen", xdg);
	if (!home || !*home)
		return NULL;
	return xasprintf("%s/.cache/kabigen", home);
}

char *self_cache_dir(void)
{
	char *dir = self_cache_dir_if_any();

	if (!dir)
		die("cannot find a cache folder: set XDG_CACHE_HOME or HOME");
	return dir;
}
