/* yamldoc.c: libyaml's event stream folded into a tree; aliases are refused to keep it a tree. */
#include "util/yamldoc.h"
#include "util/report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static struct ynode *node_new(enum ynode_kind kind, const char *file, const yaml_mark_t *mark)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->file = file;
	n->line = (unsigned)mark->line + 1;
	n->column = (unsigned)mark->column + 1;
	return n;
}

static void node_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_items; i++)
		node_free(n->items[i]);
	free(n->items);
	free(n->scalar);
	free(n);
}

static void node_push(struct ynode *parent, struct ynode *child)
{
	parent->items = xgrow(parent->items, parent->n_items, sizeof(*parent->items));
	parent->items[parent->n_items++] = child;
}

static _Noreturn void parser_die(const char *file, yaml_parser_t *p)
{
	die("%s:%lu:%lu: malformed YAML: %s; fix the file", file,
	    (unsigned long)p->problem_mark.line + 1, (unsigned long)p->problem_mark.column + 1,
	    p->problem ? p->problem : "unknown problem");
}

/* Frees EV, then dies at its position. */
static _Noreturn void event_die(const char *file, yaml_event_t *ev, const char *what)
{
	yaml_mark_t mark = ev->start_mark;

	yaml_event_delete(ev);
	die("%s:%lu:%lu: %s", file, (unsigned long)mark.line + 1, (unsigned long)mark.column + 1, what);
}

/* Deep enough for any layout dump (a member's type inside anonymous records nests about a
 * dozen levels); shallow enough that the recursion here and in the readers cannot exhaust
 * the stack on hostile input. */
#define YDOC_MAX_DEPTH 200
#define YDOC_MAX_DEPTH_TEXT "200"

static int key_cmp(const void *a, const void *b)
{
	const struct ynode *x = *(struct ynode *const *)a, *y = *(struct ynode *const *)b;

	return strcmp(x->scalar, y->scalar);
}

/* A key given twice is an error, not "the first wins": the second was meant to count. */
static void check_unique_keys(const struct ynode *map)
{
	size_t n = 0;
	struct ynode **keys = xcalloc(map->n_items / 2 + 1, sizeof(*keys));

	for (size_t i = 0; i + 1 < map->n_items; i += 2)
		if (map->items[i]->kind == YNODE_SCALAR)
			keys[n++] = map->items[i];
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(keys[i - 1]->scalar, keys[i]->scalar)) {
			const struct ynode *a = keys[i - 1]->line < keys[i]->line ||
							(keys[i - 1]->line == keys[i]->line &&
							 keys[i - 1]->column < keys[i]->column) ? keys[i - 1] : keys[i],
					  *b = a == keys[i] ? keys[i - 1] : keys[i];

			free(keys);
			ynode_die(b, "the key '%s' is given twice (first at line %u); keep one", b->scalar, a->line);
		}
	}
	free(keys);
}

/*
 * Builds into *SLOT the node whose first event is EV, consuming events up to its end.
 * Each node is linked into the tree before its children are read, so that a die() half
 * way frees the whole partial tree through the document.
 */
static void parse_node(yaml_parser_t *p, yaml_event_t *ev, const char *file, struct ynode **slot, unsigned depth)
{
	struct ynode *n;
	yaml_event_type_t end;

	if (depth > YDOC_MAX_DEPTH)
		event_die(file, ev, "nested more than " YDOC_MAX_DEPTH_TEXT " levels deep; no kabigen input needs that");
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		/* A "\0" escape in a quoted scalar: kept, it would cut the value short in silence
		 * ("R_RISCV_64\0junk" read as R_RISCV_64). */
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
			event_die(file, ev, "the value holds a NUL byte (\\0), which would cut it short; remove it");
		*slot = n = node_new(YNODE_SCALAR, file, &ev->start_mark);
		n->scalar = xstrdup((const char *)ev->data.scalar.value);
		yaml_event_delete(ev);
		return;
	case YAML_SEQUENCE_START_EVENT:
		*slot = n = node_new(YNODE_SEQUENCE, file, &ev->start_mark);
		end = YAML_SEQUENCE_END_EVENT;
		break;
	case YAML_MAPPING_START_EVENT:
		*slot = n = node_new(YNODE_MAPPING, file, &ev->start_mark);
		end = YAML_MAPPING_END_EVENT;
		break;
	case YAML_ALIAS_EVENT:
		event_die(file, ev, "YAML aliases are not supported here; write the value out");
	default:
		event_die(file, ev, "unexpected YAML event; fix the file");
	}
	yaml_event_delete(ev);
	for (;;) {
		yaml_event_t child;

		if (!yaml_parser_parse(p, &child))
			parser_die(file, p);
		if (child.type == end) {
			yaml_event_delete(&child);
			if (n->kind == YNODE_MAPPING)
				check_unique_keys(n);
			return;
		}
		node_push(n, NULL);
		parse_node(p, &child, file, &n->items[n->n_items - 1], depth + 1);
	}
}

static void parser_free(void *p)
{
	yaml_parser_delete(p);
	free(p);
}

static void doc_free(void *doc)
{
	ydoc_free(doc);
}

/* Folds the events of PARSER (held, with DOC, by the caller) into DOC. */
static void load_events(yaml_parser_t *parser, struct ydoc *doc)
{
	const char *file = doc->file;
	yaml_event_t ev;

	for (;;) {
		if (!yaml_parser_parse(parser, &ev))
			parser_die(file, parser);
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT ||
		    ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (doc->root)
			event_die(file, &ev, "more than one YAML document; keep one");
		parse_node(parser, &ev, doc->file, &doc->root, 1);
	}
}

/* A document and its parser, held so that a die() while reading frees both. */
static struct ydoc *doc_start(const char *name, yaml_parser_t **parser)
{
	struct ydoc *doc = xcalloc(1, sizeof(*doc));

	doc->file = xstrdup(name);
	report_hold(doc, doc_free);
	*parser = xcalloc(1, sizeof(**parser));
	if (!yaml_parser_initialize(*parser)) {
		free(*parser);
		die("%s: cannot initialise the YAML parser", name);
	}
	report_hold(*parser, parser_free);
	return doc;
}

static struct ydoc *doc_finish(struct ydoc *doc, yaml_parser_t *parser)
{
	report_release(parser);
	parser_free(parser);
	report_release(doc);
	return doc;
}

struct ydoc *ydoc_load(const char *file)
{
	size_t len;
	char *text = read_text(file, "YAML file", 0);
	struct ydoc *doc;

	len = strlen(text);
	report_hold(text, free);
	doc = ydoc_load_buffer(file, text, len);
	report_release(text);
	free(text);
	return doc;
}

struct ydoc *ydoc_load_buffer(const char *name, const char *data, size_t len)
{
	yaml_parser_t *parser;
	struct ydoc *doc = doc_start(name, &parser);

	yaml_parser_set_input_string(parser, (const unsigned char *)data, len);
	load_events(parser, doc);
	return doc_finish(doc, parser);
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	free(doc->file);
	free(doc);
}

void ynode_die(const struct ynode *n, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	report_hold(sb.buf, free);
	die("%s:%u:%u: %s", n->file, n->line, n->column, sb.buf);
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	if (map->kind != YNODE_MAPPING)
		ynode_die(map, "expected a mapping");
	for (size_t i = 0; i + 1 < map->n_items; i += 2)
		if (map->items[i]->kind == YNODE_SCALAR && !strcmp(map->items[i]->scalar, key))
			return map->items[i + 1];
	return NULL;
}

const char *ynode_str(const struct ynode *n, const char *what)
{
	if (n->kind != YNODE_SCALAR)
		ynode_die(n, "%s must be a single value", what);
	return n->scalar;
}

void ynode_check_keys(const struct ynode *map, const char *const *keys)
{
	if (map->kind != YNODE_MAPPING)
		ynode_die(map, "expected a mapping");
	for (size_t i = 0; i + 1 < map->n_items; i += 2) {
		const struct ynode *k = map->items[i];
		const char *const *known;

		if (k->kind != YNODE_SCALAR)
			ynode_die(k, "keys must be plain words");
		for (known = keys; *known; known++)
			if (!strcmp(*known, k->scalar))
				break;
		if (!*known)
			ynode_die(k, "unknown key '%s'; check its spelling", k->scalar);
	}
}

char **ynode_strv(const struct ynode *n, const char *what, size_t *count)
{
	char **v;

	if (n->kind == YNODE_SCALAR) {
		v = xcalloc(1, sizeof(*v));
		v[0] = xstrdup(n->scalar);
		*count = 1;
		return v;
	}
	if (n->kind != YNODE_SEQUENCE)
		ynode_die(n, "%s must be a list", what);
	for (size_t i = 0; i < n->n_items; i++)
		ynode_str(n->items[i], what);
	v = xcalloc(n->n_items ? n->n_items : 1, sizeof(*v));
	for (size_t i = 0; i < n->n_items; i++)
		v[i] = xstrdup(n->items[i]->scalar);
	*count = n->n_items;
	return v;
}

const char *ynode_opt_str(const struct ynode *map, const char *key)
{
	const struct ynode *n = ynode_get(map, key);

	return n ? ynode_str(n, key) : NULL;
}

int ynode_bool(const struct ynode *n, const char *what)
{
	const char *s = ynode_str(n, what);

	if (!strcmp(s, "true") || !strcmp(s, "yes"))
		return 1;
	if (!strcmp(s, "false") || !strcmp(s, "no"))
		return 0;
	ynode_die(n, "%s must be true or false (or yes or no), not '%s'", what, s);
}

int ynode_opt_bool(const struct ynode *map, const char *key, int default_value)
{
	const struct ynode *n = ynode_get(map, key);

	return n ? ynode_bool(n, key) : default_value;
}
