/* outfile.h: files written whole or not at all. */
#ifndef KABIGEN_OUTFILE_H
#define KABIGEN_OUTFILE_H

#include <stddef.h>

/*
 * Writes DATA to PATH through a temporary file in the same folder and a rename, so a
 * reader sees the old file or the new one, never a part; a symbolic link is written
 * through (its target is replaced, the link stays). Creates missing parent folders when
 * MKDIRS is set. Dies naming PATH on any error, leaving PATH as it was.
 */
void outfile_write(const char *path, const char *data, size_t len, int mkdirs);

/*
 * The same, but returns -1 with *WHY (new string) instead of dying: for files that are only
 * an optimisation, such as the result cache. FLAGS: OUTFILE_MKDIRS; OUTFILE_NO_SYNC for a
 * file whose reader proves it (a cache entry carries its digest): a crash may lose it, and
 * the reader then finds it torn or missing, a miss.
 */
enum { OUTFILE_MKDIRS = 1, OUTFILE_NO_SYNC = 2 };
int outfile_try_write(const char *path, const char *data, size_t len, int flags, char **why);

/* Whether NAME (a kernel release from the headers or the result cache) can be one folder
 * name under out/: printable ASCII without '/', not . or .. */
int outfile_name_valid(const char *name);

/* Removes a temporary file left by a write interrupted by die(); for report_set_cleanup(). */
void outfile_cleanup(void);

#endif
