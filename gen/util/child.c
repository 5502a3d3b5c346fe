/* child.c: posix_spawnp with pipes; no shell ever sees an argument. */
#include "util/child.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void drain(int fd, struct strbuf *sb, int *open_flag)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		if (sb->len + (unsigned long)n + 1 > sb->cap) {
			sb->cap = (sb->len + (unsigned long)n + 1) * 2;
			sb->buf = xrealloc(sb->buf, sb->cap);
		}
		memcpy(sb->buf + sb->len, buf, (size_t)n);
		sb->len += (unsigned long)n;
		sb->buf[sb->len] = '\0';
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		close(fd);
		*open_flag = 0;
	}
}

int child_run(char *const argv[], const char *dir, enum child_stdout mode, char **out, char **err)
{
	posix_spawn_file_actions_t fa;
	int opipe[2] = { -1, -1 }, epipe[2] = { -1, -1 }, status, rc;
	int o_open = 0, e_open = 0;
	struct strbuf ob = { 0 }, eb = { 0 };
	pid_t pid;

	if ((mode == CHILD_CAPTURE && pipe2(opipe, O_CLOEXEC)) || (err && pipe2(epipe, O_CLOEXEC)))
		die("cannot create a pipe to run %s: %s", argv[0], strerror(errno));
	posix_spawn_file_actions_init(&fa);
	if (dir)
		posix_spawn_file_actions_addchdir_np(&fa, dir);
	if (mode == CHILD_CAPTURE)
		posix_spawn_file_actions_adddup2(&fa, opipe[1], STDOUT_FILENO);
	else if (mode == CHILD_TO_STDERR)
		posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (err)
		posix_spawn_file_actions_adddup2(&fa, epipe[1], STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (opipe[1] >= 0)
		close(opipe[1]);
	if (epipe[1] >= 0)
		close(epipe[1]);
	if (rc) {
		if (opipe[0] >= 0)
			close(opipe[0]);
		if (epipe[0] >= 0)
			close(epipe[0]);
		if (out)
			*out = xstrdup("");
		if (err)
			*err = xasprintf("cannot start %s: %s", argv[0], strerror(rc));
		return -1;
	}
	o_open = opipe[0] >= 0;
	e_open = epipe[0] >= 0;
	while (o_open || e_open) {
		struct pollfd p[2];
		int n = 0;

		if (o_open)
			p[n++] = (struct pollfd){ .fd = opipe[0], .events = POLLIN };
		if (e_open)
			p[n++] = (struct pollfd){ .fd = epipe[0], .events = POLLIN };
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (p[i].fd == opipe[0])
				drain(opipe[0], &ob, &o_open);
			else
				drain(epipe[0], &eb, &e_open);
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = ob.buf ? ob.buf : xstrdup("");
	else
		free(ob.buf);
	if (err)
		*err = eb.buf ? eb.buf : xstrdup("");
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int child_start(char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		errno = rc;
		return -1;
	}
	return (int)pid;
}

int child_wait(int pid)
{
	int status;

	while (waitpid((pid_t)pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int child_wait_any(int *status)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, 0)) < 0)
		if (errno != EINTR)
			return -1;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return (int)pid;
}
