/* yamldoc.h: a YAML (or JSON) file read with libyaml into a small tree that remembers positions. */
#ifndef KABIGEN_YAMLDOC_H
#define KABIGEN_YAMLDOC_H

#include <stddef.h>

enum ynode_kind { YNODE_SCALAR, YNODE_SEQUENCE, YNODE_MAPPING };

struct ynode {
	enum ynode_kind kind;
	const char *file;	/* borrowed from the document */
	unsigned line, column;	/* 1-based, for messages */
	char *scalar;		/* YNODE_SCALAR */
	struct ynode **items;	/* YNODE_SEQUENCE: values; YNODE_MAPPING: key, value, key, value, ... */
	size_t n_items;
};

struct ydoc {
	char *file;
	struct ynode *root;	/* NULL for an empty file */
};

/* Reads FILE; dies with "FILE:LINE:COL: ..." when it is not well-formed YAML. */
struct ydoc *ydoc_load(const char *file);
/* The same for LEN bytes at DATA (not copied; need not be NUL-terminated); NAME is used in messages. */
struct ydoc *ydoc_load_buffer(const char *name, const char *data, size_t len);
void ydoc_free(struct ydoc *doc);

/* Dies with "FILE:LINE:COL: WHAT" for a node that has the wrong shape. */
_Noreturn void ynode_die(const struct ynode *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The value of KEY in mapping MAP, or NULL. Dies if MAP is not a mapping. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* The scalar text of N; dies (naming WHAT) if N is not a scalar. */
const char *ynode_str(const struct ynode *n, const char *what);
/* A sequence of scalars (or one scalar) as a new array of *COUNT new strings; dies naming WHAT
 * (before allocating anything) if an item is not a scalar. */
char **ynode_strv(const struct ynode *n, const char *what, size_t *count);
/* The value of KEY in MAP as text, or NULL when MAP has no KEY; dies if it is not a scalar. */
const char *ynode_opt_str(const struct ynode *map, const char *key);
/* A boolean, by kabigen's one rule for every file it reads: true or yes, false or no; anything
 * else dies naming WHAT (a typo must not read as false). */
int ynode_bool(const struct ynode *n, const char *what);
/* The boolean value of KEY in MAP; DEFAULT_VALUE when MAP has no KEY. */
int ynode_opt_bool(const struct ynode *map, const char *key, int default_value);
/* Dies unless every key of MAP is one of the NULL-terminated KEYS: typos are errors, not silence. */
void ynode_check_keys(const struct ynode *map, const char *const *keys);

#endif
