/* json.c: the one JSON writer (kabi.json, diff reports): separators, indentation, escaping. */
#include "util/json.h"
#include "util/escape.h"
#include "util/report.h"

#include <inttypes.h>
#include <stdlib.h>

struct json_level {
	enum json_style style;
	char close;		/* '}' or ']' */
	size_t n_items;
	size_t indent;		/* levels of JSON_LINES or JSON_BLOCK around it: its items go one deeper */
};

void json_start(struct json *j, struct strbuf *sb)
{
	*j = (struct json){ .sb = sb };
}

void json_finish(struct json *j)
{
	if (j->n_open)
		die("internal error: a JSON writer ended with %zu containers open", j->n_open);
	free(j->open);
	j->open = NULL;
}

static void indent(struct strbuf *sb, size_t levels)
{
	for (size_t i = 0; i < levels; i++)
		sb_adds(sb, "  ");
}

/* What comes before a value: the separator, the line and indentation of its container, the key. */
static void item(struct json *j, const char *key)
{
	struct json_level *l = j->n_open ? &j->open[j->n_open - 1] : NULL;

	if (l) {
		if (l->n_items++)
			sb_adds(j->sb, l->style == JSON_INLINE ? ", " : ",");
		if (l->style != JSON_INLINE) {
			sb_adds(j->sb, "\n");
			indent(j->sb, l->indent + 1);
		}
	}
	if (key) {
		escape_json_string(j->sb, key);
		sb_adds(j->sb, ": ");
	}
}

static void open_container(struct json *j, const char *key, enum json_style style, char open, char close)
{
	size_t depth = 0;

	item(j, key);
	if (j->n_open) {
		const struct json_level *outer = &j->open[j->n_open - 1];

		depth = outer->indent + (outer->style != JSON_INLINE);
	}
	sb_add(j->sb, &open, 1);
	j->open = xgrow(j->open, j->n_open, sizeof(*j->open));
	j->open[j->n_open++] = (struct json_level){ .style = style, .close = close, .indent = depth };
}

void json_object(struct json *j, const char *key, enum json_style style)
{
	open_container(j, key, style, '{', '}');
}

void json_array(struct json *j, const char *key, enum json_style style)
{
	open_container(j, key, style, '[', ']');
}

void json_end(struct json *j)
{
	const struct json_level *l = &j->open[--j->n_open];

	if (l->style == JSON_BLOCK || (l->style == JSON_LINES && l->n_items)) {
		sb_adds(j->sb, "\n");
		indent(j->sb, l->indent);
	}
	sb_add(j->sb, &l->close, 1);
}

void json_string(struct json *j, const char *key, const char *value)
{
	if (!value)
		return;
	item(j, key);
	escape_json_string(j->sb, value);
}

void json_u64(struct json *j, const char *key, uint64_t value)
{
	item(j, key);
	sb_addf(j->sb, "%" PRIu64, value);
}

void json_i64(struct json *j, const char *key, int64_t value)
{
	item(j, key);
	sb_addf(j->sb, "%" PRId64, value);
}

void json_bool(struct json *j, const char *key, int value)
{
	item(j, key);
	sb_adds(j->sb, value ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
	item(j, key);
	sb_adds(j->sb, "null");
}

void json_raw(struct json *j, const char *key, const char *text)
{
	item(j, key);
	sb_adds(j->sb, text);
}
