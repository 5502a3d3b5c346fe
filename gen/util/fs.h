/* fs.h: folders: whether one is there, and making one with its parents. */
#ifndef KABIGEN_FS_H
#define KABIGEN_FS_H

/* Whether PATH is a folder (or a link to one). */
int fs_is_dir(const char *path);
/* Creates DIR and its parents; 0, or -1 with *WHY (new string) naming the folder that
 * could not be made and why. */
int fs_mkdirs(const char *dir, char **why);

#endif
