/* stage_run: run a pipeline stage as a process and pump its pipes (stage_run.h). */
#include "serve/stage_run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

#define STOP_GRACE_MS 2000	/* after SIGTERM, before SIGKILL */
/* The last stage's stdout has ended: its exit status tells a whole answer
 * from one cut by its death, as the death closes stdout a moment before the
 * process can be reaped. nr-route exits once its usage rows are written;
 * a stage that goes on longer is taken to have answered. */
#define EXIT_GRACE_MS 50

struct proc {
	pid_t pid;
	int pidfd, in_w, out_r, err_r;
	const char *in;
	size_t n, off;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Starts the stage with pipes on its stdin, stdout and (capture_err) stderr,
 * in a process group of its own, with default signal dispositions (nr-serve
 * ignores SIGPIPE, which a child would inherit) and no other fd of ours. */
static int spawn(const struct stage *st, char *const envp[], int capture_err, struct proc *p,
		 struct stage_result *r)
{
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 }, ep[2] = { -1, -1 }, rc = -1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	sigemptyset(&none);
	sigemptyset(&def);
	const int sigs[] = { SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&def, sigs[i]);
	if (posix_spawn_file_actions_init(&fa) != 0) {
		r->spawn_errno = ENOMEM;
		return -1;
	}
	if (posix_spawnattr_init(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		r->spawn_errno = ENOMEM;
		return -1;
	}
	int e = 0;
	if (pipe2(ip, O_CLOEXEC) < 0 || pipe2(op, O_CLOEXEC) < 0 || (capture_err && pipe2(ep, O_CLOEXEC) < 0)) {
		e = errno;
		goto out;
	}
	if ((e = posix_spawn_file_actions_adddup2(&fa, ip[0], 0)) ||
	    (e = posix_spawn_file_actions_adddup2(&fa, op[1], 1)) ||
	    (capture_err && (e = posix_spawn_file_actions_adddup2(&fa, ep[1], 2))) ||
	    (e = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) ||
	    (e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
					       POSIX_SPAWN_SETSIGMASK)) ||
	    (e = posix_spawnattr_setpgroup(&at, 0)) || (e = posix_spawnattr_setsigdefault(&at, &def)) ||
	    (e = posix_spawnattr_setsigmask(&at, &none)))
		goto out;
	if ((e = posix_spawn(&p->pid, st->path, &fa, &at, st->argv, envp)) != 0)
		goto out;
	p->pidfd = pidfd_open(p->pid, 0);
	if (p->pidfd < 0) {	/* cannot watch it: stop it at once */
		e = errno;
		kill(-p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	p->in_w = ip[1], p->out_r = op[0], p->err_r = ep[0];
	ip[1] = op[0] = ep[0] = -1;
	if (fcntl(p->in_w, F_SETFL, O_NONBLOCK) < 0) {
		e = errno;
		goto out;	/* the caller stops it */
	}
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		close_fd(&ip[i]);
		close_fd(&op[i]);
		close_fd(&ep[i]);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc < 0)
		r->spawn_errno = e ? e : EIO;
	return rc;
}

static void reap(struct proc *p, struct stage_result *r)
{
	int status;
	pid_t w;
	while ((w = waitpid(p->pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w == p->pid) {
		r->exited = 1;
		r->status = status;
	}
	close_fd(&p->pidfd);
	p->pid = 0;
}

/* Nonzero once the process is a zombie, waiting up to ms (-1: for ever). */
static int ended(struct proc *p, int ms)
{
	struct pollfd pf = { .fd = p->pidfd, .events = POLLIN };
	int k;
	while ((k = poll(&pf, 1, ms)) < 0 && errno == EINTR)
		;
	return k > 0;
}

/* Stops the stage's whole process group: SIGKILL at once, or SIGTERM (which
 * lets nr-route record the attempt it was making) and SIGKILL after a grace. */
static void stop(struct proc *p, int gently, struct stage_result *r)
{
	close_fd(&p->in_w);
	close_fd(&p->out_r);
	close_fd(&p->err_r);
	kill(-p->pid, gently ? SIGTERM : SIGKILL);
	if (gently && !ended(p, STOP_GRACE_MS))
		kill(-p->pid, SIGKILL);
	reap(p, r);
}

/* The ms from now to deadline, for poll: 0 once it has passed. */
static int ms_until(long long deadline)
{
	long long left = deadline - nr_mono_ms();
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

typedef int (*sink_fn)(void *ctx, const char *p, size_t n);

/* Moves bytes until the stage's stdout (and captured stderr) end: the request
 * into its stdin, its stdout to sink. -1 on a stop (a flag in *r, or sink
 * said -1). */
static int pump(struct proc *p, long long deadline, int hangup_fd, sink_fn sink, void *ctx,
		struct stage_result *r)
{
	char chunk[65536];
	if (p->n == 0)
		close_fd(&p->in_w);
	while (p->out_r >= 0 || p->err_r >= 0) {
		struct pollfd pf[4];
		int np = 0, iw = -1, io = -1, ie = -1, ih = -1;
		if (p->in_w >= 0)
			pf[iw = np++] = (struct pollfd){ p->in_w, POLLOUT, 0 };
		if (p->out_r >= 0)
			pf[io = np++] = (struct pollfd){ p->out_r, POLLIN, 0 };
		if (p->err_r >= 0)
			pf[ie = np++] = (struct pollfd){ p->err_r, POLLIN, 0 };
		if (hangup_fd >= 0)
			pf[ih = np++] = (struct pollfd){ hangup_fd, POLLRDHUP, 0 };
		int wait = -1;
		if (deadline >= 0) {
			if ((wait = ms_until(deadline)) == 0) {
				r->timed_out = 1;
				return -1;
			}
		}
		int k = poll(pf, (nfds_t)np, wait);
		if (k < 0 && errno != EINTR)
			return -1;
		if (k <= 0)
			continue;
		if (ih >= 0 && (pf[ih].revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			r->client_gone = 1;
			return -1;
		}
		if (iw >= 0 && pf[iw].revents) {
			ssize_t w = write(p->in_w, p->in + p->off, p->n - p->off);
			if (w > 0)
				p->off += (size_t)w;
			/* EPIPE: it stopped reading, which is its business */
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || p->off == p->n)
				close_fd(&p->in_w);
		}
		if (io >= 0 && pf[io].revents) {
			ssize_t got = read(p->out_r, chunk, sizeof chunk);
			if (got > 0 && sink(ctx, chunk, (size_t)got) < 0)
				return -1;
			if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
				close_fd(&p->out_r);
		}
		if (ie >= 0 && pf[ie].revents) {
			ssize_t got = read(p->err_r, chunk, sizeof chunk);
			if (got > 0 && r->err.len < STAGE_ERR_MAX) {
				size_t keep = (size_t)got;
				if (keep > STAGE_ERR_MAX - r->err.len)
					keep = STAGE_ERR_MAX - r->err.len;
				if (buf_append(&r->err, chunk, keep) < 0)
					return -1;
			}
			if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
				close_fd(&p->err_r);
		}
	}
	close_fd(&p->in_w);
	return 0;
}

struct filter_sink {
	struct buf *out;
	size_t max;
	struct stage_result *r;
};

static int filter_sink(void *ctx, const char *p, size_t n)
{
	struct filter_sink *f = ctx;
	if (n > f->max - f->out->len) {
		f->r->too_big = 1;
		return -1;
	}
	return buf_append(f->out, p, n);
}

int stage_filter(const struct stage *st, char *const envp[], const char *in, size_t n,
		 int timeout_ms, int hangup_fd, size_t out_max, struct buf *out,
		 struct stage_result *r)
{
	struct proc p = { .pid = 0, .pidfd = -1, .in_w = -1, .out_r = -1, .err_r = -1, .in = in, .n = n };
	long long deadline = nr_mono_ms() + timeout_ms;
	if (spawn(st, envp, 1, &p, r) < 0) {
		if (p.pid > 0)
			stop(&p, 0, r);
		return -1;
	}
	struct filter_sink fs = { out, out_max, r };
	if (pump(&p, deadline, hangup_fd, filter_sink, &fs, r) < 0) {
		stop(&p, r->client_gone, r);
		return -1;
	}
	if (!ended(&p, ms_until(deadline))) {
		r->timed_out = 1;	/* its stdout ended, but it did not */
		stop(&p, 0, r);
		return -1;
	}
	reap(&p, r);
	return r->exited && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0 ? 0 : -1;
}

/* ---- the last stage's CGI answer ---- */

struct answer_sink {
	struct nr_out *o;
	struct buf head, extra;
	int in_body;
	struct stage_result *r;
};

static int is_token_char(char c)
{
	return c > ' ' && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

/* The CGI head in h (len bytes, lines ending in \n or \r\n, no blank line):
 * what the router's out_head needs. -1 when it is no CGI head. */
static int parse_head(char *h, size_t len, int *status, const char **ctype, const char **target,
		      long *retry, struct buf *extra)
{
	*status = 200;
	*ctype = *target = NULL;
	*retry = 0;
	for (char *line = h; line < h + len;) {
		char *nl = memchr(line, '\n', (size_t)(h + len - line));
		char *end = nl ? nl : h + len;
		char *next = nl ? nl + 1 : h + len;
		if (end > line && end[-1] == '\r')
			end--;
		*end = '\0';
		char *colon = line;
		while (is_token_char(*colon))
			colon++;
		if (colon == line || *colon != ':')
			return -1;
		*colon = '\0';
		char *v = colon + 1 + strspn(colon + 1, " \t");
		if (strchr(v, '\r'))
			return -1;
		if (strcasecmp(line, "Status") == 0) {
			char *e;
			long s = strtol(v, &e, 10);
			if (s < 100 || s > 599 || e != v + 3 || (*e && *e != ' '))
				return -1;
			*status = (int)s;
		} else if (strcasecmp(line, "Content-Type") == 0) {
			*ctype = v;
		} else if (strcasecmp(line, "X-Nr-Target") == 0) {
			*target = v;
		} else if (strcasecmp(line, "Retry-After") == 0) {
			char *e;
			long s = strtol(v, &e, 10);
			if (s > 0 && !*e)
				*retry = s;
		} else if (strcasecmp(line, "Content-Length") && strcasecmp(line, "Transfer-Encoding") &&
			   strcasecmp(line, "Connection") && strcasecmp(line, "Keep-Alive")) {
			/* the framing is nr-serve's own */
			if (buf_printf(extra, "%s: %s\r\n", line, v) < 0)
				return -1;
		}
		line = next;
	}
	return *ctype ? 0 : -1;
}

static int answer_sink(void *ctx, const char *p, size_t n)
{
	struct answer_sink *a = ctx;
	if (a->in_body)
		return nr_out_write(a->o, p, n);
	size_t from = a->head.len > 3 ? a->head.len - 3 : 0;
	if (buf_append(&a->head, p, n) < 0)
		return -1;
	/* the blank line: \n\n or \n\r\n */
	char *h = a->head.p;
	size_t end = 0, body = 0;
	for (size_t i = from; i < a->head.len; i++) {
		if (h[i] != '\n')
			continue;
		if (i + 1 < a->head.len && h[i + 1] == '\n') {
			end = i, body = i + 2;
			break;
		}
		if (i + 2 < a->head.len && h[i + 1] == '\r' && h[i + 2] == '\n') {
			end = i, body = i + 3;
			break;
		}
	}
	if (!body) {
		if (a->head.len > STAGE_HEAD_MAX) {
			a->r->bad_answer = 1;
			return -1;
		}
		return 0;
	}
	int status;
	const char *ctype, *target;
	long retry;
	if (parse_head(h, end, &status, &ctype, &target, &retry, &a->extra) < 0) {
		a->r->bad_answer = 1;
		return -1;
	}
	a->o->retry_after = retry;
	a->o->extra_headers = a->extra.len ? a->extra.p : NULL;
	if (nr_out_begin(a->o, status, ctype, target) < 0)
		return -1;
	a->in_body = 1;
	return nr_out_write(a->o, h + body, a->head.len - body);
}

int stage_answer(const struct stage *st, char *const envp[], const char *in, size_t n,
		 int hangup_fd, struct nr_out *o, struct stage_result *r)
{
	struct proc p = { .pid = 0, .pidfd = -1, .in_w = -1, .out_r = -1, .err_r = -1, .in = in, .n = n };
	r->pid = 0;
	r->pidfd = -1;
	if (spawn(st, envp, 0, &p, r) < 0) {
		if (p.pid > 0)
			stop(&p, 0, r);
		return -1;
	}
	struct answer_sink a = { o, BUF_INIT, BUF_INIT, 0, r };
	int rc = pump(&p, -1, hangup_fd, answer_sink, &a, r);
	if (rc < 0) {
		stop(&p, 1, r);	/* SIGTERM: nr-route records the attempt */
	} else if (!a.in_body) {
		r->bad_answer = 1;	/* its stdout ended before a whole head */
		rc = -1;
	}
	if (p.pid > 0 && ended(&p, EXIT_GRACE_MS))
		reap(&p, r);
	if (rc == 0 && r->exited && WIFSIGNALED(r->status))
		rc = -1;	/* it died while answering: the answer may be cut */
	if (p.pid > 0) {
		r->pid = p.pid;	/* still running: stage_reap */
		r->pidfd = p.pidfd;
	}
	buf_free(&a.head);
	buf_free(&a.extra);
	return rc;
}

void stage_reap(struct stage_result *r)
{
	if (r->pid <= 0)
		return;
	struct proc p = { .pid = r->pid, .pidfd = r->pidfd, .in_w = -1, .out_r = -1, .err_r = -1 };
	reap(&p, r);
	r->pid = 0;
	r->pidfd = -1;
}

void stage_result_free(struct stage_result *r)
{
	stage_reap(r);
	buf_free(&r->err);
}
