/* child.h: child processes, started with an argument vector (never a shell). */
#ifndef KABIGEN_CHILD_H
#define KABIGEN_CHILD_H

#include <stddef.h>

enum child_stdout {
	CHILD_CAPTURE,		/* collect the child's stdout into *out */
	CHILD_TO_STDERR,	/* the child's stdout goes to our stderr (progress, messages) */
	CHILD_DISCARD,
};

/*
 * Runs ARGV (NULL-terminated; argv[0] is looked up in PATH) in DIR (NULL: here).
 * Returns the exit status (0-255), or -1 if it could not start or died of a signal.
 * With CHILD_CAPTURE, *out receives its stdout (a new string, even when it failed).
 * The child's stderr is kept in *err when ERR is not NULL (new string), else passed through.
 */
int child_run(char *const argv[], const char *dir, enum child_stdout mode, char **out, char **err);

/* Starts ARGV with stdin from /dev/null and stdout and stderr into LOG (created or truncated).
 * Returns the child's pid, or -1 (errno set) if it could not start. */
int child_start(char *const argv[], const char *log);

/* Waits for PID; returns its exit status (0-255), or -1 if it died of a signal. */
int child_wait(int pid);

/* Waits for any child; returns its pid (or -1 when there is none) and its status in *STATUS. */
int child_wait_any(int *status);

#endif
