/* json.h: the one JSON writer: objects and arrays on one line or an item a line, escaped. */
#ifndef KABIGEN_JSON_H
#define KABIGEN_JSON_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

/*
 * How a container lays out its items. kabigen's JSON is written for 'git diff': a list of
 * structs or constants has an item a line, each item on one line.
 */
enum json_style {
	JSON_INLINE,	/* {"a": 1, "b": 2} */
	JSON_LINES,	/* an item a line, indented two spaces a level; empty: {} or [] */
	JSON_BLOCK,	/* the same, but empty too the closing bracket on a line of its own: "[\n  ]" */
};

struct json_level;

/* A writer appending to SB; zero it with json_start(), free with json_finish(). */
struct json {
	struct strbuf *sb;
	struct json_level *open;	/* the containers open, outermost first */
	size_t n_open;
};

void json_start(struct json *j, struct strbuf *sb);
/* Ends the writer; every container must be closed. */
void json_finish(struct json *j);

/*
 * Every value below goes into the container open innermost: an object takes it under KEY,
 * an array (and the top level) takes it as is, KEY NULL.
 */
void json_object(struct json *j, const char *key, enum json_style style);
void json_array(struct json *j, const char *key, enum json_style style);
/* Closes the container open innermost. */
void json_end(struct json *j);

/* A string, escaped (escape_json_string()); nothing at all when VALUE is NULL: absent is none. */
void json_string(struct json *j, const char *key, const char *value);
void json_u64(struct json *j, const char *key, uint64_t value);
void json_i64(struct json *j, const char *key, int64_t value);
void json_bool(struct json *j, const char *key, int value);
void json_null(struct json *j, const char *key);
/* TEXT as it is: a number already written as JSON (diff's values keep their C type's sign). */
void json_raw(struct json *j, const char *key, const char *text);

#endif
