/* workers: the listener's pool of connection processes (the prefork model).
 * Each worker accepts and serves connections one after another and keeps its
 * database connection, libcurl handle and upstream connections warm between
 * them, so a request pays neither a fork nor a TLS handshake the previous one
 * already paid. The parent only keeps a few idle workers ready: a worker that
 * takes a connection tells it through a pipe, and the parent forks another
 * when fewer than SPARE_MIN are left idle, in growing batches while
 * connections keep waiting (a burst). A scoreboard in shared memory says
 * which workers are busy; a worker that crashes is reaped and replaced.
 * When every worker is busy and none can be added, the pool is "pressed":
 * workers then give up slow and idle clients (serve_pool_pressed), and a
 * connection still waiting after SHED_AFTER_MS gets a 503 from the parent. */
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

#include "clock.h"
#include "route/confwatch.h"
#include "route/route.h"
#include "route/upstream.h"
#include "serve/server.h"

#define SPARE_MIN 2		/* idle workers kept ready to accept */
#define SPARE_MAX 8		/* an idle worker beyond this many leaves */
#define IDLE_CHECK_MS 10000	/* how often an idle worker asks whether it is spare */
#define CONNECTIONS_PER_WORKER 10000	/* then it leaves: bounds what a long life accumulates */
#define STOP_GRACE_MS 5000	/* how long SIGTERM waits for running requests */
#define SPAWN_BATCH_MAX 32	/* workers started in one round of a burst (as Apache's prefork) */
#define SHED_AFTER_MS 1500	/* saturated this long: waiting connections get a 503; longer
				 * than a pressed worker takes to drop a slow client */
#define SHED_PER_ROUND 64	/* 503s per round: the parent stays responsive */
#define PRESSED_CHECK_MS 50	/* how often the parent looks again while saturated */

struct slot {
	pid_t pid;		/* 0: free; written by the parent only */
	atomic_int busy;	/* written by the worker */
};

/* The scoreboard, shared with every worker. */
struct board {
	atomic_int pressed;	/* set by the parent; a worker going idle clears it */
	struct slot slot[];
};

static struct board *pool;
static struct slot *board;	/* pool->slot */
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
	return pool && atomic_load(&pool->pressed);
}

static int count_idle(void)
{
	int n = 0;
	for (int i = 0; i < board_len; i++)
		n += board[i].pid > 0 && !atomic_load(&board[i].busy);
	return n;
}

static int count_free(void)
{
	int n = 0;
	for (int i = 0; i < board_len; i++)
		n += board[i].pid == 0;
	return n;
}

/* One byte on the pipe: "look at the pool again"; a full pipe already says so. */
static void wake_parent(int wake)
{
	if (write(wake, "b", 1) < 0 && errno != EAGAIN)
		fprintf(stderr, "nr-serve: unable to wake the listener: %s\n", strerror(errno));
}

/* A worker's life; `mask`, the signal mask to restore once its own
 * handlers are set (a SIGTERM that came meanwhile is handled then). */
static void worker(int lfd, int wake, const struct serve_config *cfg, const sigset_t *mask)
{
	listen_fd = lfd;
	struct sigaction sa = { .sa_handler = on_worker_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* this worker's own inotify on the conf dirs, before its first request
	 * reads them; when it cannot watch, each request stats its files */
	(void)nr_conf_watch_start();
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
		wake_parent(wake);	/* one spare fewer */
		serve_connection(cfd, cfd, cfg, serve_fd_is_loopback(cfd, 1));
		close(cfd);
		served++;
		atomic_store(&self->busy, 0);
		if (atomic_exchange(&pool->pressed, 0))
			wake_parent(wake);	/* no longer saturated: let it look */
	}
	nr_route_release();
	_exit(0);
}

static void spawn(struct slot *s, int lfd, int wake[2], const struct serve_config *cfg)
{
	atomic_store(&s->busy, 0);
	/* SIGTERM and SIGINT wait while the child is between fork and its own
	 * handlers: the listener's would run in it, set a flag no worker reads,
	 * and the worker would outlive the server */
	sigset_t stop, was;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stop, &was) < 0) {
		fprintf(stderr, "nr-serve: unable to block signals: %s\n", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(wake[0]);
		self = s;
		worker(lfd, wake[1], cfg, &was);
	}
	if (pid < 0)
		fprintf(stderr, "nr-serve: unable to fork: %s\n", strerror(errno));
	else
		s->pid = pid;
	sigprocmask(SIG_SETMASK, &was, NULL);	/* cannot fail: `was` came from it */
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

static int workers_left(void)
{
	int n = 0;
	for (int i = 0; i < board_len; i++)
		n += board[i].pid > 0;
	return n;
}

/* Stop: no more accepting; idle workers leave at once, busy ones after their
 * connection. Waits up to STOP_GRACE_MS for them (a longer stream carries on
 * in its own process), and for them only: a child that is not a worker
 * (nr-start's nr db sync, which ends with this process) is not waited on. */
static void stop_workers(void)
{
	for (int i = 0; i < board_len; i++)
		if (board[i].pid > 0)
			kill(board[i].pid, SIGTERM);
	for (int waited = 0; waited < STOP_GRACE_MS && (reap(), workers_left() > 0); waited += 10)
		usleep(10000);
}

/* Nonzero when a connection waits on the listener for a worker. */
static int listener_waiting(int lfd)
{
	struct pollfd pf = { .fd = lfd, .events = POLLIN };
	return poll(&pf, 1, 0) > 0 && (pf.revents & POLLIN);
}

/* Starts up to n workers in free slots; returns how many started. */
static int spawn_some(int n, int lfd, int wake[2], const struct serve_config *cfg)
{
	int started = 0;
	for (int i = 0; i < board_len && started < n; i++) {
		if (board[i].pid != 0)
			continue;
		spawn(&board[i], lfd, wake, cfg);
		if (board[i].pid <= 0)
			break;	/* fork failed: try again on the next round */
		started++;
	}
	return started;
}

/* Answers the connections waiting on the saturated pool with a 503. */
static void shed(int lfd)
{
	for (int i = 0; i < SHED_PER_ROUND; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;	/* EAGAIN: none left (or a worker took it) */
		serve_refuse_busy(fd);
	}
}

/* One round of the parent: grow the pool, say whether it is pressed, shed
 * what waits too long. Returns the poll timeout (ms) until the next round
 * and whether the parent should also watch the listener. */
static int pool_round(int lfd, int wake[2], const struct serve_config *cfg, int *batch,
		      long long *saturated_since, int *watch_listener)
{
	if (*saturated_since && !atomic_load(&pool->pressed))
		*saturated_since = 0;	/* a worker came free since: the pool moves */
	int idle = count_idle(), free_slots = count_free(), waiting = listener_waiting(lfd);
	int want = SPARE_MIN - idle;
	if (waiting && idle < SPARE_MIN) {
		/* a burst: 1, 2, 4 … SPAWN_BATCH_MAX more for each round it lasts */
		if (want < *batch)
			want = *batch;
		if (*batch < SPAWN_BATCH_MAX)
			*batch *= 2;
	} else if (!waiting) {
		*batch = 1;
	}
	if (want > 0) {
		int n = spawn_some(want, lfd, wake, cfg);
		idle += n;
		free_slots -= n;
	}
	int saturated = waiting && idle == 0 && free_slots == 0;
	atomic_store(&pool->pressed, saturated);
	*watch_listener = idle == 0 && !waiting;	/* woken by the next connection */
	if (!saturated) {
		*saturated_since = 0;
		return waiting ? 10 : 1000;
	}
	long long now = nr_mono_ms();
	if (!*saturated_since)
		*saturated_since = now;
	else if (now - *saturated_since >= SHED_AFTER_MS)
		shed(lfd);
	return PRESSED_CHECK_MS;
}

int serve_accept_loop(int lfd, const struct serve_config *cfg)
{
	board_len = cfg->max_connections > 0 ? cfg->max_connections : SERVE_MAX_CONNECTIONS_DEFAULT;
	size_t size = sizeof *pool + (size_t)board_len * sizeof pool->slot[0];
	pool = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int wake[2];
	if (pool == MAP_FAILED || pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		fprintf(stderr, "nr-serve: unable to set up the workers: %s\n", strerror(errno));
		pool = NULL;
		return -1;
	}
	board = pool->slot;
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

	int batch = 1, watch_listener = 0;
	long long saturated_since = 0;
	while (!stopping) {
		reap();
		int timeout = pool_round(lfd, wake, cfg, &batch, &saturated_since, &watch_listener);
		struct pollfd pf[2] = { { .fd = wake[0], .events = POLLIN },
					{ .fd = lfd, .events = POLLIN } };
		if (poll(pf, watch_listener ? 2 : 1, timeout) > 0 && (pf[0].revents & POLLIN)) {
			char drain[256];
			while (read(wake[0], drain, sizeof drain) > 0)
				;
		}
	}
	close(lfd);
	stop_workers();
	close(wake[0]);
	close(wake[1]);
	munmap(pool, size);
	pool = NULL;
	return 0;
}
