/* report.c: fatal errors, usage errors, warnings, and allocation helpers. */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kabi_cleanup_fn cleanup;
static FILE *stream;

void report_set_stream(FILE *f)
{
	stream = f;
}

struct held {
	void *obj;
	void (*free_fn)(void *);
};
static struct held *held;
static size_t n_held, cap_held;

void report_hold(void *obj, void (*free_fn)(void *))
{
	if (n_held == cap_held) {
		cap_held = cap_held ? cap_held * 2 : 16;
		held = realloc(held, cap_held * sizeof(*held));
		if (!held) {
			fputs("kabigen: error: out of memory\n", stderr);
			exit(KABI_EXIT_ERROR);
		}
	}
	held[n_held++] = (struct held){ obj, free_fn };
}

void report_release(void *obj)
{
	for (size_t i = n_held; i-- > 0;) {
		if (held[i].obj == obj) {
			memmove(&held[i], &held[i + 1], (n_held - i - 1) * sizeof(*held));
			n_held--;
			return;
		}
	}
}

/* Frees what is held, newest first, then runs the cleanup hook (which may not return). */
static void unwind(void)
{
	while (n_held) {
		struct held h = held[--n_held];

		h.free_fn(h.obj);
	}
	free(held);
	held = NULL;
	cap_held = 0;
	if (cleanup)
		cleanup();
}

void report_set_cleanup(kabi_cleanup_fn fn)
{
	cleanup = fn;
}

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	FILE *f = stream ? stream : stderr;

	fprintf(f, "kabigen: %s", prefix);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	unwind();
	exit(KABI_EXIT_ERROR);
}

void usage_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("kabigen: usage: ", stream ? stream : stderr);
	vfprintf(stream ? stream : stderr, fmt, ap);
	fputs("; see 'kabigen --help'\n", stream ? stream : stderr);
	va_end(ap);
	unwind();
	exit(KABI_EXIT_USAGE);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void *xmalloc(unsigned long n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory allocating %lu bytes", n);
	return p;
}

void *xcalloc(unsigned long n, unsigned long size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory allocating %lu bytes", n * size);
	return p;
}

void *xrealloc(void *p, unsigned long n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory allocating %lu bytes", n);
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("out of memory copying a string");
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sb.buf;
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = { 0 };
	char buf[65536];
	size_t n;
	int err;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sb.len + n + 1 > sb.cap) {
			sb.cap = (sb.len + n + 1) * 2;
			sb.buf = xrealloc(sb.buf, sb.cap);
		}
		memcpy(sb.buf + sb.len, buf, n);
		sb.len += n;
		sb.buf[sb.len] = '\0';
	}
	err = ferror(f) ? errno : 0;
	fclose(f);
	if (err) {
		free(sb.buf);
		errno = err;
		return NULL;
	}
	if (len)
		*len = sb.len;
	return sb.buf ? sb.buf : xstrdup("");
}

void strset_add(struct strset *set, const char *s)
{
	for (unsigned long i = 0; i < set->n; i++)
		if (!strcmp(set->v[i], s))
			return;
	set->v = xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
	set->v[set->n++] = xstrdup(s);
}

void strv_free(char **v, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		die("bad format string '%s'", fmt);
	if (sb->len + (unsigned long)n + 1 > sb->cap) {
		sb->cap = (sb->len + (unsigned long)n + 1) * 2;
		sb->buf = xrealloc(sb->buf, sb->cap);
	}
	vsnprintf(sb->buf + sb->len, (unsigned long)n + 1, fmt, ap);
	sb->len += (unsigned long)n;
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sb_add(struct strbuf *sb, const void *data, unsigned long len)
{
	if (sb->len + len + 1 > sb->cap) {
		sb->cap = (sb->len + len + 1) * 2;
		sb->buf = xrealloc(sb->buf, sb->cap);
	}
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_addf(sb, "%s", s);
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}
