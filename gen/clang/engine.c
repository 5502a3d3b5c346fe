/*
 * engine.c: the extract stage, loaded on first use. The kabigen executable does not link
 * libclang: mapping and relocating libLLVM costs about 18 ms at every start, which a
 * result-cache hit would otherwise pay without parsing anything. The first call here
 * dlopen()s libkabigen-engine.so (extract.c and libclang) from beside the executable, or
 * from where it is installed (self_engine_paths), and forwards to it.
 */
#include "clang/extract.h"
#include "util/cache.h"
#include "util/report.h"
#include "util/self.h"

#include <dlfcn.h>
#include <stdlib.h>

static const struct extract_engine *loaded;

static const struct extract_engine *engine(void)
{
	char **places, *first_error = NULL;
	size_t n;

	if (loaded)
		return loaded;
	places = self_engine_paths(&n);
	for (size_t i = 0; i < n && !loaded; i++) {
		void *h = dlopen(places[i], RTLD_NOW | RTLD_LOCAL);

		if (h)
			loaded = dlsym(h, EXTRACT_ENGINE_SYMBOL);
		else if (!first_error)
			first_error = xstrdup(dlerror());
	}
	if (!loaded)
		die("cannot load %s: %s; reinstall kabigen", places[0],
		    first_error ? first_error : "no kabigen_extract_engine in it");
	free(first_error);
	strv_free(places, n);
	loaded->attach(report_unwind, cache_warn_once);
	return loaded;
}

bool extract_engine_loaded(void)
{
	return loaded != NULL;
}

struct kabi_model *extract_model(const struct extract_request *rq)
{
	return engine()->model(rq);
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

char *extract_resolve(const struct extract_request *rq)
{
	return engine()->resolve(rq);
}
