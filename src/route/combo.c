/* combo: read a combo file, or run it when it is executable (see target.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "route/dirs.h"
#include "route/target.h"

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Appends what fd gives until EOF, the size cap or the deadline. */
static int read_capped(int fd, struct buf *out, long deadline, const char *path, struct buf *err)
{
	char chunk[4096];
	for (;;) {
		long left = deadline - now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			buf_printf(err, "combo %s: %s", path, r == 0 ? "no answer within the time limit"
									: strerror(errno));
			return -1;
		}
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "unable to read combo %s: %s", path, strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > NR_COMBO_OUTPUT_MAX) {
			buf_printf(err, "combo %s: more than %d bytes", path, NR_COMBO_OUTPUT_MAX);
			return -1;
		}
		if (buf_append(out, chunk, (size_t)n) < 0) {
			buf_printf(err, "out of memory");
			return -1;
		}
	}
}

/* Runs the executable combo at `path` and collects its stdout. */
static int run_combo(const char *path, const char *name, const char *from, struct buf *out, struct buf *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		buf_printf(err, "unable to run combo %s: %s", path, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		buf_printf(err, "unable to run combo %s: %s", path, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0)
			_exit(127);
		setenv("NR_MODEL", name, 1);
		setenv("NR_FROM", from ? from : "", 1);
		execl(path, path, (char *)NULL);
		fprintf(stderr, "nr-route: unable to run combo %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	int rc = read_capped(p[0], out, now_ms() + NR_COMBO_RUN_MS, path, err);
	close(p[0]);
	if (rc < 0)
		kill(pid, SIGKILL);	/* our own child, which overran its limits */
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			buf_printf(err, "unable to wait for combo %s: %s", path, strerror(errno));
			return -1;
		}
	if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		buf_printf(err, "combo %s failed (%s %d)", path, WIFEXITED(st) ? "exit" : "signal",
			   WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		rc = -1;
	}
	return rc;
}

static int read_file(const char *path, struct buf *out, struct buf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "unable to read combo %s: %s", path, strerror(errno));
		return -1;
	}
	/* a regular file never blocks: the deadline only guards against FIFOs */
	int rc = read_capped(fd, out, now_ms() + NR_COMBO_RUN_MS, path, err);
	close(fd);
	return rc;
}

int nr_combo_read(const char *name, const char *from, struct buf *out, struct buf *err)
{
	struct buf dir = BUF_INIT, path = BUF_INIT;
	int rc = 0;
	for (int i = 0; i < 2 && rc == 0; i++) {	/* the user's combo replaces a shipped one */
		if ((i == 0 ? nr_config_dir(&dir) : nr_share_dir(&dir)) < 0)
			continue;
		buf_reset(&path);
		if (buf_printf(&path, "%s/combos/%s", dir.p, name) < 0) {
			buf_printf(err, "out of memory");
			rc = -1;
			break;
		}
		struct stat st;
		if (stat(path.p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (access(path.p, X_OK) == 0)
			rc = run_combo(path.p, name, from, out, err);
		else
			rc = read_file(path.p, out, err);
		rc = rc < 0 ? -1 : 1;
	}
	buf_free(&dir);
	buf_free(&path);
	return rc;
}
