/* report.c: every line to stderr (errors, usage errors, warnings, notes, progress), and allocation helpers. */
#include "util/report.h"
#include "util/escape.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static kabi_cleanup_fn cleanup;
static FILE *stream;
static unsigned n_errors;

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

void report_unwind(void)
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

/* Where messages go: report_set_stream()'s stream, or stderr. */
static FILE *out(void)
{
	return stream ? stream : stderr;
}

/*
 * The one writer of messages: "STARTkabigen: PREFIXmessageEND", one write. Inputs end up in
 * messages (file names, YAML values, a module's strings, a kernel tree's strings), so the
 * whole formatted message is escaped as text (escape.h: a newline shows as \n, ESC as \x1b),
 * not just what a caller remembered to quote: a message cannot move the cursor, clear the
 * terminal or forge a line of its own ("kabigen: wrote ..."). Only kabigen's own start,
 * prefix and end (a suffix and the newline, or a progress line's erase) are written raw.
 */
static void vwrite_message(const char *start, const char *prefix, const char *end, const char *fmt, va_list ap)
{
	FILE *f = out();
	struct strbuf msg = { 0 }, sb = { 0 };

	sb_vaddf(&msg, fmt, ap);
	sb_addf(&sb, "%skabigen: %s", start, prefix);
	escape_text(&sb, msg.buf ? msg.buf : "");
	sb_adds(&sb, end);
	fwrite(sb.buf, 1, sb.len, f);
	fflush(f);
	sb_release(&msg);
	sb_release(&sb);
}

/* One message line: "kabigen: PREFIXmessageSUFFIX\n". */
static void vreport(const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
	char *end = xasprintf("%s\n", suffix);

	vwrite_message("", prefix, end, fmt, ap);
	free(end);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", "", fmt, ap);
	va_end(ap);
	report_unwind();
	exit(KABI_EXIT_ERROR);
}

void usage_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("usage: ", "; see 'kabigen --help'", fmt, ap);
	va_end(ap);
	report_unwind();
	exit(KABI_EXIT_USAGE);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", "", fmt, ap);
	va_end(ap);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", "", fmt, ap);
	va_end(ap);
	n_errors++;
	return -1;
}

unsigned report_error_count(void)
{
	return n_errors;
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("note: ", "", fmt, ap);
	va_end(ap);
}

/* "\r" and "erase to the end of the line": a progress line is redrawn, never scrolled. */
void report_redraw(const char *fmt, ...)
{
	va_list ap;

	if (!fmt) {
		fputs("\r\033[K", out());
		fflush(out());
		return;
	}
	va_start(ap, fmt);
	vwrite_message("\r", "", "\033[K", fmt, ap);
	va_end(ap);
}

void report_relay(const char *text)
{
	fputs(text, out());
	fflush(out());
}

void inform(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", "", fmt, ap);
	va_end(ap);
}

void trace(const char *fmt, ...)
{
	va_list ap;

	if (!getenv("KABIGEN_TRACE"))
		return;
	va_start(ap, fmt);
	vreport("trace: ", "", fmt, ap);
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

void *xgrow(void *p, size_t n, size_t size)
{
	if (n & (n - 1))	/* not a power of two (nor 0): the room made at the last one remains */
		return p;
	if (n > SIZE_MAX / 2 / (size ? size : 1))
		die("out of memory growing an array of %zu elements", n);
	return xrealloc(p, (n ? 2 * n : 1) * size);
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

/* Opens PATH for reading without blocking on a FIFO; -1 with errno EINVAL if it is not a regular file. */
static int open_regular(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, st))
		err = errno;
	else if (!S_ISREG(st->st_mode))
		err = EINVAL;
	if (err) {
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

char *read_file(const char *path, size_t *len)
{
	struct strbuf sb = { 0 };
	struct stat st;
	char buf[65536];
	ssize_t n;
	int fd = open_regular(path, &st), err = 0;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		sb_add(&sb, buf, (unsigned long)n);
	}
	close(fd);
	if (err) {
		free(sb.buf);
		errno = err;
		return NULL;
	}
	if (len)
		*len = sb.len;
	return sb.buf ? sb.buf : xstrdup("");
}

const char *report_file_kind(unsigned mode)
{
	return S_ISFIFO(mode) ? "a FIFO (named pipe)" : S_ISCHR(mode) ? "a character device"
	       : S_ISBLK(mode) ? "a block device" : S_ISSOCK(mode) ? "a socket" : S_ISDIR(mode) ? "a folder"
	       : S_ISREG(mode) ? "a regular file" : "a special file";
}

char *read_text(const char *path, const char *what, int missing_ok)
{
	struct stat st;
	size_t len;
	char *text, *nul;

	/* stat first: open() on a FIFO with no writer would not block, but reading a device might. */
	if (stat(path, &st)) {
		if (missing_ok && errno == ENOENT)
			return NULL;
		die("%s: cannot read the %s: %s", path, what, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		die("%s: the %s is %s, not a regular file; give a file", path, what, report_file_kind(st.st_mode));
	if (!(text = read_file(path, &len)))
		die("%s: cannot read the %s: %s", path, what, strerror(errno));
	if ((nul = memchr(text, '\0', len))) {
		unsigned line = 1;

		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		free(text);
		die("%s:%u: the %s holds a NUL byte (a damaged file); fix or regenerate it", path, line, what);
	}
	return text;
}

void strset_add(struct strset *set, const char *s)
{
	for (unsigned long i = 0; i < set->n; i++)
		if (!strcmp(set->v[i], s))
			return;
	set->v = xgrow(set->v, set->n, sizeof(*set->v));
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
