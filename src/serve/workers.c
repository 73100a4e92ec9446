/* workers: the listener's pool of connection processes (the prefork model).
 * Each worker accepts and serves connections one after another and keeps its
 * database connection, libcurl handle and upstream connections warm between
 * them, so a request pays neither a fork nor a TLS handshake the previous one
 * already paid. The parent only keeps a few idle workers ready: a worker that
 * takes a connection tells it through a pipe, and the parent forks another
 * when fewer than SPARE_MIN are left idle. A scoreboard in shared memory
 * says which workers are busy; a worker that crashes is reaped and replaced. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "route/route.h"
#include "route/upstream.h"
#include "serve/server.h"

#define SPARE_MIN 2		/* idle workers kept ready to accept */
#define SPARE_MAX 8		/* an idle worker beyond this many leaves */
#define IDLE_CHECK_MS 10000	/* how often an idle worker asks whether it is spare */
#define CONNECTIONS_PER_WORKER 10000	/* then it leaves: bounds what a long life accumulates */
#define STOP_GRACE_MS 5000	/* how long SIGTERM waits for running requests */

struct slot {
	pid_t pid;		/* 0: free; written by the parent only */
	atomic_int busy;	/* written by the worker */
};

static struct slot *board;
static int board_len;
static volatile sig_atomic_t stopping;

/* In a worker: its slot and the listener, for the signal handler. */
static struct slot *self;
static int listen_fd = -1;
static volatile sig_atomic_t worker_stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void on_child(int sig)
{
	(void)sig;	/* wakes poll(); workers are reaped in the loop */
}

/* SIGTERM in a worker: an idle one leaves now; a busy one stops accepting
 * (so the port is closed once the parent is gone) and leaves after its
 * connection, which is not cut. */
static void on_worker_stop(int sig)
{
	(void)sig;
	if (!atomic_load(&self->busy))
		_exit(0);
	close(listen_fd);
	worker_stopping = 1;
}

int serve_pool_pressed(void)
{
	return 0;	/* not yet measured: see serve_accept_loop */
}

static int count_idle(void)
{
	int n = 0;
	for (int i = 0; i < board_len; i++)
		n += board[i].pid > 0 && !atomic_load(&board[i].busy);
	return n;
}

static void worker(int lfd, int wake, const struct serve_config *cfg)
{
	listen_fd = lfd;
	struct sigaction sa = { .sa_handler = on_worker_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_DFL);
	for (int served = 0; served < CONNECTIONS_PER_WORKER && !worker_stopping;) {
		struct pollfd pf = { .fd = lfd, .events = POLLIN };
		int r = poll(&pf, 1, IDLE_CHECK_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (r == 0) {
			if (count_idle() > SPARE_MAX)
				break;
			continue;
		}
		atomic_store(&self->busy, 1);
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {	/* EAGAIN: another worker took it */
			atomic_store(&self->busy, 0);
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				usleep(100000);	/* let connections finish and free descriptors */
			continue;
		}
		/* one byte: "look at the spares"; a full pipe already says so */
		if (write(wake, "b", 1) < 0 && errno != EAGAIN)
			fprintf(stderr, "nr-serve: unable to wake the listener: %s\n", strerror(errno));
		serve_connection(cfd, cfd, cfg, serve_fd_is_loopback(cfd, 1));
		close(cfd);
		served++;
		atomic_store(&self->busy, 0);
	}
	nr_route_release();
	_exit(0);
}

static void spawn(struct slot *s, int lfd, int wake[2], const struct serve_config *cfg)
{
	atomic_store(&s->busy, 0);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "nr-serve: unable to fork: %s\n", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(wake[0]);
		self = s;
		worker(lfd, wake[1], cfg);
	}
	s->pid = pid;
}

static void reap(void)
{
	pid_t pid;
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (int i = 0; i < board_len; i++)
			if (board[i].pid == pid) {
				board[i].pid = 0;
				atomic_store(&board[i].busy, 0);
			}
}

/* Stop: no more accepting; idle workers leave at once, busy ones after their
 * connection. Waits up to STOP_GRACE_MS for them (a longer stream carries on
 * in its own process). */
static void stop_workers(void)
{
	for (int i = 0; i < board_len; i++)
		if (board[i].pid > 0)
			kill(board[i].pid, SIGTERM);
	for (int waited = 0; waited < STOP_GRACE_MS; waited += 10) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p < 0 && errno == ECHILD)
			break;
		if (p <= 0)
			usleep(10000);
	}
}

int serve_accept_loop(int lfd, const struct serve_config *cfg)
{
	board_len = cfg->max_connections > 0 ? cfg->max_connections : SERVE_MAX_CONNECTIONS_DEFAULT;
	board = mmap(NULL, (size_t)board_len * sizeof *board, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int wake[2];
	if (board == MAP_FAILED || pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		fprintf(stderr, "nr-serve: unable to set up the workers: %s\n", strerror(errno));
		return -1;
	}
	/* workers poll, then accept: the loser of a race must get EAGAIN, not block */
	int fl = fcntl(lfd, F_GETFL);
	if (fl < 0 || fcntl(lfd, F_SETFL, fl | O_NONBLOCK) < 0) {
		fprintf(stderr, "nr-serve: unable to set up the listener: %s\n", strerror(errno));
		return -1;
	}
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);	/* no SA_RESTART: poll returns EINTR to reap */
	/* libcurl's and OpenSSL's set-up once here, not in every worker */
	if (nr_upstream_global_init() < 0)
		fprintf(stderr, "nr-serve: unable to initialise libcurl; each worker will try\n");

	while (!stopping) {
		reap();
		int idle = count_idle();
		for (int i = 0; i < board_len && idle < SPARE_MIN; i++) {
			if (board[i].pid != 0)
				continue;
			spawn(&board[i], lfd, wake, cfg);
			if (board[i].pid <= 0)
				break;	/* fork failed: try again on the next round */
			idle++;
		}
		struct pollfd pf = { .fd = wake[0], .events = POLLIN };
		if (poll(&pf, 1, 1000) > 0) {
			char drain[256];
			while (read(wake[0], drain, sizeof drain) > 0)
				;
		}
	}
	close(lfd);
	stop_workers();
	close(wake[0]);
	close(wake[1]);
	munmap(board, (size_t)board_len * sizeof *board);
	return 0;
}
