/* combo: read a combo file, or run it when it is executable (see target.h):
 * no descriptor of ours, an allowlisted environment (combo_env.h), a time
 * limit for it and its children, a bounded output. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "logsafe.h"
#include "route/combo_cache.h"
#include "route/combo_env.h"
#include "route/dirs.h"
#include "route/target.h"

/* Reads fd into out until EOF (more than NR_COMBO_OUTPUT_MAX is an error) and,
 * when errfd >= 0, errfd into said (kept up to NR_COMBO_STDERR_MAX, the rest
 * dropped) until it ends too; both within the deadline. */
static int read_capped(int fd, int errfd, struct buf *out, struct buf *said, long long deadline, const char *path,
		       struct buf *err)
{
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { errfd, POLLIN, 0 } };	/* fd -1: ignored */
	char chunk[4096];
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		long long left = deadline - nr_mono_ms();
		int r = left > 0 ? poll(p, 2, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				buf_printf(err, "combo %s: no answer within %d s (stopped)", path, NR_COMBO_RUN_MS / 1000);
			else
				buf_printf(err, "combo %s: %s", path, strerror(errno));
			return -1;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;	/* poll says again */
			if (n < 0) {
				buf_printf(err, "unable to read combo %s: %s", path, strerror(errno));
				return -1;
			}
			if (n == 0) {
				p[i].fd = -1;
				continue;
			}
			struct buf *to = i ? said : out;
			size_t room = i ? NR_COMBO_STDERR_MAX - to->len : (size_t)n;
			if (!i && out->len + (size_t)n > NR_COMBO_OUTPUT_MAX) {
				buf_printf(err, "combo %s: more than %d bytes", path, NR_COMBO_OUTPUT_MAX);
				return -1;
			}
			if (buf_append(to, chunk, (size_t)n < room ? (size_t)n : room) < 0) {
				buf_printf(err, "out of memory");
				return -1;
			}
		}
	}
	return 0;
}

/* In the child: nothing of nr-route's but stdin /dev/null, stdout and
 * stderr the pipes; default signal dispositions (nr-serve ignores SIGPIPE). */
static int move_fd(int from, int to)
{
	return from == to ? fcntl(to, F_SETFD, 0) : dup2(from, to);	/* dup2 alone would keep O_CLOEXEC */
}

static void child_exec(const char *path, int null, int out, int said, char **env)
{
	if (setpgid(0, 0) < 0 || move_fd(null, 0) < 0 || move_fd(out, 1) < 0 || move_fd(said, 2) < 0)
		_exit(127);
	if (close_range(3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)	/* kernels before 5.9 */
			close(fd);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);	/* fails harmlessly for SIGKILL, SIGSTOP and the RT range */
	char *argv[] = { (char *)path, NULL };
	execve(path, argv, env);
	const char *why = strerror(errno);
	(void)!write(2, why, strlen(why));
	_exit(127);
}

/* Runs the executable combo at `path` and collects its stdout; what it
 * writes on stderr is logged, escaped. */
static int run_combo(const char *path, const char *name, const char *from, struct buf *out, struct buf *err)
{
	struct combo_env env;
	int p[2] = { -1, -1 }, e[2] = { -1, -1 }, null = -1, rc = -1;
	struct buf said = BUF_INIT;
	if (combo_env_build(&env, name, from) < 0) {
		buf_printf(err, "out of memory");
		return -1;
	}
	pid_t pid = -1;
	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0 ||
	    (null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 || (pid = fork()) < 0) {
		buf_printf(err, "unable to run combo %s: %s", path, strerror(errno));
		goto out;
	}
	if (pid == 0)
		child_exec(path, null, p[1], e[1], env.v);
	setpgid(pid, pid);	/* also done by the child: whichever runs first */
	close(p[1]);
	close(e[1]);
	p[1] = e[1] = -1;
	rc = read_capped(p[0], e[0], out, &said, nr_mono_ms() + NR_COMBO_RUN_MS, path, err);
	if (rc < 0)
		kill(-pid, SIGKILL);	/* our own child's group, over its limits: its children too */
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			buf_printf(err, "unable to wait for combo %s: %s", path, strerror(errno));
			rc = -1;
			goto out;
		}
	if (said.len)
		nr_log("nr-route: combo %s wrote on stderr: %s", path, said.p);
	if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		buf_printf(err, "combo %s failed (%s %d)", path, WIFEXITED(st) ? "exit" : "signal",
			   WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		rc = -1;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		if (e[i] >= 0)
			close(e[i]);
	}
	if (null >= 0)
		close(null);
	buf_free(&said);
	combo_env_free(&env);
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
	int rc = read_capped(fd, -1, out, NULL, nr_mono_ms() + NR_COMBO_RUN_MS, path, err);
	close(fd);
	return rc;
}

/* The text of the combo file at path (now id), or that it is a program: 1 and
 * *exec; -1 on error in err. Read once while the file stays as it is. */
static int read_cached(const char *path, const struct nr_file_id *id, int checked, int *exec, struct buf *out,
		       struct buf *err)
{
	int r = combo_cache_get(path, id, checked, exec, out);
	if (r != 0) {
		if (r < 0)
			buf_printf(err, "out of memory");
		return r;
	}
	/* stat'ed before the read: a change after it shows at the next check */
	*exec = access(path, X_OK) == 0;
	if (!*exec && read_file(path, out, err) < 0)
		return -1;
	combo_cache_put(path, id, *exec, out->p, out->len);
	return 1;
}

/* Combo `name`'s text into out, or, when it is a program, its output when
 * run (else 2); 1, 0 no such combo, -1 error in err. */
static int combo_lookup(const char *name, const char *from, int run, struct buf *out, struct buf *err)
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
		struct nr_file_id id;
		int exec, checked = combo_cache_checked(path.p, &id);
		if (!checked && nr_file_id(path.p, &id) < 0)
			continue;
		if (!id.present || !S_ISREG(id.mode)) {
			if (!checked)	/* that there is none holds while nothing changes */
				combo_cache_put(path.p, &id, 0, NULL, 0);
			continue;
		}
		rc = read_cached(path.p, &id, checked, &exec, out, err) < 0 ? -1 : 1;
		if (rc > 0 && exec)
			rc = !run ? 2 : run_combo(path.p, name, from, out, err) < 0 ? -1 : 1;
	}
	buf_free(&dir);
	buf_free(&path);
	return rc;
}

int nr_combo_read(const char *name, const char *from, struct buf *out, struct buf *err)
{
	return combo_lookup(name, from, 1, out, err);
}

int nr_combo_read_text(const char *name, struct buf *out, struct buf *err)
{
	return combo_lookup(name, NULL, 0, out, err);
}
