/* outfile.h: files written whole or not at all. */
#ifndef KABIGEN_OUTFILE_H
#define KABIGEN_OUTFILE_H

#include <stddef.h>

/*
 * Writes DATA to PATH through a temporary file in the same folder and a rename, so a
 * reader sees the old file or the new one, never a part. Creates missing parent folders
 * when MKDIRS is set. Dies naming PATH on any error, leaving PATH as it was.
 */
void outfile_write(const char *path, const char *data, size_t len, int mkdirs);

/* Removes a temporary file left by a write interrupted by die(); for report_set_cleanup(). */
void outfile_cleanup(void);

#endif
