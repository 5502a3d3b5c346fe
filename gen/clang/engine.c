/*
 * engine.c: the extract stage, loaded on first use. The kabigen executable does not link
 * libclang: mapping and relocating libLLVM costs about 18 ms at every start, which a
 * result-cache hit would otherwise pay without parsing anything. The first call here
 * dlopen()s libkabigen-engine.so (extract.c and libclang) from beside the executable, or
 * from ../lib/kabigen when installed, and forwards to it.
 */
#include "extract.h"
#include "report.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct extract_engine *engine(void)
{
	static const struct extract_engine *loaded;
	static const char *const places[] = { "%s/libkabigen-engine.so", "%s/../lib/kabigen/libkabigen-engine.so" };
	char exe[PATH_MAX], *slash, *first_error = NULL;
	ssize_t n;

	if (loaded)
		return loaded;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		die("cannot find kabigen's own folder through /proc/self/exe; it holds libkabigen-engine.so");
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	*slash = '\0';
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]) && !loaded; i++) {
		char *path = xasprintf(places[i], exe);
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

		if (h)
			loaded = dlsym(h, EXTRACT_ENGINE_SYMBOL);
		else if (!first_error)
			first_error = xstrdup(dlerror());
		free(path);
	}
	if (!loaded)
		die("cannot load libkabigen-engine.so beside %s: %s; reinstall kabigen", exe,
		    first_error ? first_error : "no kabigen_extract_engine in it");
	free(first_error);
	return loaded;
}

struct kabi_model *extract_model(const struct kset *set, const char *file_name, const char *text,
				 char *const *args, size_t n_args, const char *origin)
{
	return engine()->model(set, file_name, text, args, n_args, origin);
}

char *extract_check_compiles(const char *file_name, const char *text, char *const *args, size_t n_args)
{
	return engine()->check_compiles(file_name, text, args, n_args);
}

void extract_eval_ints(const char *file_name, const char *text, char *const *args, size_t n_args,
		       const char *origin, char *const *names, long long *values, size_t n)
{
	engine()->eval_ints(file_name, text, args, n_args, origin, names, values, n);
}

char *extract_resolve(const char *file_name, const char *text, char *const *args, size_t n_args,
		      const char *origin)
{
	return engine()->resolve(file_name, text, args, n_args, origin);
}
