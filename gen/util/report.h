/*
 * report.h: the one way kabigen writes to standard error: every message, progress line and
 * relayed child report goes through report.c (the test build.message-path checks it).
 *
 * One return convention for what can fail:
 *  - a function whose failure the caller can go on from returns int: 0 on success, -1 on
 *    failure with its one line already reported, so it ends in `return error(...)`; one
 *    whose caller words the message returns -1 with *WHY (a new string) instead;
 *  - a failure the run cannot go on from dies (die(), usage_die()): one line, nothing written;
 *  - a question (is this a module's name?) returns bool and never fails; a lookup returns a
 *    pointer, NULL when there is none; a command's run() returns its exit status (KABI_EXIT_*).
 * Apart: ko_loader_section() answers with a letter (how a profile treats a section), and
 * pch_build() reports a failure as bool false (the caller goes on without a precompiled head).
 * child_run()'s exit status is a result.
 */
#ifndef KABIGEN_REPORT_H
#define KABIGEN_REPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes, as git and abidiff use them: 1 a failure, 2 a bad invocation. */
enum kabi_exit {
	KABI_EXIT_OK = 0,
	KABI_EXIT_ERROR = 1,
	KABI_EXIT_USAGE = 2,
};

/* Where messages go (default stderr); the fuzz harnesses send them to /dev/null. */
void report_set_stream(FILE *f);

/* Set by main so that hooks (removing a temporary file) run before exit. */
typedef void (*kabi_cleanup_fn)(void);
void report_set_cleanup(kabi_cleanup_fn fn);

/*
 * Objects under construction that die() frees before it exits, newest first, so that an
 * error path leaks nothing (LeakSanitizer stays quiet, and a fuzzer that turns die()
 * into a return through the cleanup hook does not grow). release() hands one back.
 */
void report_hold(void *obj, void (*free_fn)(void *));
void report_release(void *obj);
/* Frees what is held, newest first, then runs the cleanup hook (which may not return). */
void report_unwind(void);

/*
 * Every message is one line: what the format makes of its arguments is escaped as text
 * (escape.h), newlines included, so a quoted input cannot forge a line or reach the terminal.
 */
/* One line on stderr, "kabigen: error: ...", then exit 1. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line on stderr, "kabigen: usage: ...", then exit 2. */
_Noreturn void usage_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * One line on stderr, "kabigen: error: ...", without exiting: a failure among others (a
 * module). Counted: a command that returns success after one exits 1 (main.c). Returns -1,
 * for `return error(...)`. (The engine library counts its own: call it from gen/cmd.)
 */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The errors error() has reported in this process. */
unsigned report_error_count(void);
/* One line on stderr, "kabigen: ...": what a run did ("kabigen: wrote kabi.h"). */
void inform(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line on stderr, "kabigen: note: ...": what the user may want to know beside the
 * result, neither wrong nor a risk (a warning is a risk). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line on stderr, "kabigen: warning: ..."; goes on. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A progress line on a terminal (progress.c): "\rkabigen: ..." and erase to the end of the
 * line, no newline, so the next one overwrites it; escaped as every message is. With FMT
 * NULL, the line is cleared.
 */
void report_redraw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A kabigen child's own messages or report (build-ko's check-ko), passed on as they are:
 * the child escaped its inputs. */
void report_relay(const char *text);
/*
 * With KABIGEN_TRACE set in the environment, one line on stderr, "kabigen: trace: ...":
 * what a run did that its output does not show (what it parsed, what the cache gave), for
 * tests that must know the work was done and for the benchmark.
 */
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that cannot fail: out of memory is fatal. */
void *xmalloc(unsigned long n);
void *xcalloc(unsigned long n, unsigned long size);
void *xrealloc(void *p, unsigned long n);
/*
 * Room for element N of the array P of SIZE-byte elements that only ever grows one at a time
 * through xgrow from NULL: its room doubles at each power of two, so N additions cost linear
 * time. (Growing by one with realloc is quadratic under AddressSanitizer, whose realloc always
 * copies: a dump of 240,000 members took more than 15 minutes.)
 */
void *xgrow(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A whole regular file, NUL-terminated (it may hold NULs; *LEN, if given, counts them all), or
 * NULL with errno set when it cannot be opened or read (EINVAL: not a regular file; a FIFO
 * or a device is never opened for a blocking read). */
char *read_file(const char *path, size_t *len);
/* A whole text input (named WHAT in messages: "configuration", "YAML file"): dies with one
 * line when it is missing (unless MISSING_OK: NULL), not a regular file, unreadable, or holds
 * a NUL byte, which would silently cut it short. */
char *read_text(const char *path, const char *what, int missing_ok);
/* What a file of st_mode MODE is, for a message: "a FIFO (named pipe)", "a character device". */
const char *report_file_kind(unsigned mode);
/* Frees N strings and the array holding them. */
void strv_free(char **v, unsigned long n);

/* A list of distinct strings, in the order they were added. */
struct strset {
	char **v;
	unsigned long n;
};
void strset_add(struct strset *set, const char *s);	/* copies S unless already there */

/* A growable string. */
struct strbuf {
	char *buf;
	unsigned long len, cap;
};
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_adds(struct strbuf *sb, const char *s);
void sb_add(struct strbuf *sb, const void *data, unsigned long len);	/* bytes, NULs allowed */
void sb_release(struct strbuf *sb);

#endif
