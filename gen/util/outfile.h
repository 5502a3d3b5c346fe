/* outfile.h: the files a run writes, written all or nothing. */
#ifndef KABIGEN_OUTFILE_H
#define KABIGEN_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

enum { OUTFILE_MKDIRS = 1, OUTFILE_NO_SYNC = 2 };

/* One file to write: PATH gets DATA; WHAT names it in messages ("-o", "--depfile"). */
struct outfile {
	const char *path;
	const char *what;
	const char *data;
	size_t len;
	int flags;	/* OUTFILE_MKDIRS: create missing parent folders */
};

/*
 * Writes the N FILES all or none: every destination is checked first (a folder, a device, a
 * link to nothing, a missing or unwritable folder is refused before any byte is written),
 * then each is written to a temporary file beside it (.NAME.kabigen.XXXXXX) and synced, and
 * only then are they renamed into place, together. A reader sees the old file or the new one,
 * never a part. A symbolic link is written through (its target is replaced, the link stays);
 * an existing file keeps its permissions, a new one gets 0644. On any error, dies with one
 * line naming the file, the cause and the fix, leaving every destination as it was.
 */
void outfile_write_all(const struct outfile *files, size_t n);
/* outfile_write_all() of one file, named "-o" in messages. */
void outfile_write(const char *path, const char *data, size_t len, int mkdirs);

/*
 * Whether PATH can be written (checked as outfile_write_all() checks it, nothing written):
 * 0, or -1 with *WHY (new string: "exists and is a folder, not a regular file; nothing was
 * written; move it away, or choose another path for WHAT"), for a run that would rather
 * refuse before its work than after it. FLAGS as in struct outfile.
 */
int outfile_check(const char *path, const char *what, int flags, char **why);

/*
 * One file written alone, returning -1 with *WHY (new string) instead of dying: for files
 * that are only an optimisation, such as the result cache. FLAGS: OUTFILE_MKDIRS;
 * OUTFILE_NO_SYNC for a file whose reader proves it (a cache entry carries its digest): a
 * crash may lose it, and the reader then finds it torn or missing, a miss.
 */
int outfile_try_write(const char *path, const char *data, size_t len, int flags, char **why);

/* Whether NAME (a kernel release from the headers or the result cache) can be one folder
 * name under out/: printable ASCII without '/', not . or .. */
bool outfile_name_valid(const char *name);

/* Removes the temporary files of a write interrupted by die(); for report_set_cleanup(). */
void outfile_cleanup(void);

#endif
