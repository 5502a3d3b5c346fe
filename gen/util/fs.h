/* fs.h: folders: whether one is there, making one with its parents, removing one whole. */
#ifndef KABIGEN_FS_H
#define KABIGEN_FS_H

/* Whether PATH is a folder (or a link to one). */
int fs_is_dir(const char *path);
/* Creates DIR and its parents; 0, or -1 with *WHY (new string) naming the folder that
 * could not be made and why. */
int fs_mkdirs(const char *dir, char **why);
/*
 * PATH as one file is named whatever way it is written: its real path (links followed) when
 * it exists, else its folder's real path and its name, else PATH made absolute. New string.
 */
char *fs_canonical(const char *path);
/* Whether A and B are one existing file (the same device and inode: links and names alike). */
int fs_same_file(const char *a, const char *b);
/* Removes PATH and everything below it, links not followed; what cannot be removed stays. */
void fs_remove_tree(const char *path);
/*
 * Removes what runs that were killed left in DIR: every entry whose name starts with PREFIX,
 * owned by this user and not modified for MAX_AGE seconds (temporary files and folders that
 * a live run would still be writing to are younger).
 */
void fs_remove_stale(const char *dir, const char *prefix, long max_age);

#endif
