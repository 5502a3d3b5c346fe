/* fs.h: folders: whether one is there, making one with its parents, removing one whole. */
#ifndef KABIGEN_FS_H
#define KABIGEN_FS_H

#include <stdbool.h>
#include <sys/types.h>

/* Whether PATH is a folder (or a link to one). */
bool fs_is_dir(const char *path);
/* Creates DIR and its parents; 0, or -1 with *WHY (new string) naming the folder that
 * could not be made and why. */
int fs_mkdirs(const char *dir, char **why);
/*
 * PATH as one file is named whatever way it is written: its real path (links followed) when
 * it exists, else the real path of the part that exists and the rest ("mo", "./mo/" and a
 * link to mo are one name, existing or not; a dangling link is followed). New string.
 */
char *fs_canonical(const char *path);
/* Whether A and B are one existing file (the same device and inode: links and names alike). */
bool fs_same_file(const char *a, const char *b);
/* Removes PATH and everything below it, links not followed; what cannot be removed stays. */
void fs_remove_tree(const char *path);
/* fs_remove_tree(PATH), then free(PATH): a temporary folder's path held with report_hold(). */
void fs_remove_tree_free(void *path);
/*
 * Removes what runs that were killed left in DIR: every entry whose name starts with PREFIX,
 * owned by this user and not modified for MAX_AGE seconds (temporary files and folders that
 * a live run would still be writing to are younger).
 */
void fs_remove_stale(const char *dir, const char *prefix, long max_age);
/*
 * The same for kabigen's own temporaries only: entries named exactly PREFIX and the six
 * characters mkstemp() or mkdtemp() put for XXXXXX, of TYPE (S_IFREG, or S_IFDIR: removed
 * with what is in them). A user's ".kabi.h.swp" or ".kabi.h.d/" is never one.
 */
void fs_remove_stale_temps(const char *dir, const char *prefix, mode_t type, long max_age);

#endif
