/*
 * self.h: where kabigen finds itself and its files: its executable, the engine library,
 * the configs folder and the cache. The one place that reads /proc/self/exe or
 * XDG_CACHE_HOME. Every function returns a new string.
 */
#ifndef KABIGEN_SELF_H
#define KABIGEN_SELF_H

#include <stddef.h>

/* The running executable's path; dies when /proc/self/exe cannot tell. */
char *self_exe(void);
/* The places libkabigen-engine.so may be, in the order to try: beside the executable (the
 * build tree), then where it is installed relative to the executable. */
char **self_engine_paths(size_t *n);
/* configs/: $KABIGEN_CONFIGS, else where it is installed relative to the executable, else
 * beside the executable (the build tree links it there). */
char *self_configs_dir(void);
/* kabigen's cache folder: $XDG_CACHE_HOME/kabigen (an absolute XDG_CACHE_HOME), else
 * ~/.cache/kabigen; NULL when neither is set (self_cache_dir dies instead). */
char *self_cache_dir_if_any(void);
char *self_cache_dir(void);

#endif
