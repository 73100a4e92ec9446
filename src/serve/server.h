/* server: how nr-serve gets its connections (inetd, systemd, --listen) and
 * what it does with each. */
#ifndef NR_SERVE_SERVER_H
#define NR_SERVE_SERVER_H

#include <stddef.h>

struct pipeline;

struct serve_config {
	size_t body_max;	/* largest request body accepted */
	int timeout_ms;		/* read timeout for a silent client */
	int auth;		/* 1: every request needs a valid API key */
	int caveman;		/* ask models for terse answers (rtk-filter --caveman) */
	int no_rtk;		/* leave tool results as they came (a key or header may differ) */
	int max_connections;	/* listener: connections served at once (workers) */
	const struct pipeline *pipeline;	/* the request's way (pipeline.h) */
	int stage_timeout_ms;	/* a request stage run as a process has this long */
	int metrics_public;	/* GET /metrics without a key, for loopback clients */
};

#define SERVE_STAGE_TIMEOUT_S_DEFAULT 30

#define SERVE_MAX_CONNECTIONS_DEFAULT 256	/* a stream holds a worker for its whole length */

/* Serves every request of one connection (keep-alive) on in/out, then returns. */
void serve_connection(int in, int out, const struct serve_config *cfg, int peer_is_loopback);

/* Serves the listening socket fd with a pool of worker processes (workers.c)
 * until SIGTERM/SIGINT. Returns 0 on a clean stop, -1 on error. */
int serve_accept_loop(int lfd, const struct serve_config *cfg);

/* Nonzero in a worker while the pool is saturated: every worker is busy, no
 * more can be started, and a connection is waiting. A connection that is slow
 * to send its request, or idle between requests, then gives its worker up.
 * Always 0 outside the listener's pool (--inetd). */
int serve_pool_pressed(void);

/* The answer to a connection the saturated pool cannot take (refuse.c): 503
 * with Retry-After and an error body in the client's format when its request
 * line has arrived, then a close that does not reset. Never blocks: fd is
 * non-blocking. Closes fd. */
void serve_refuse_busy(int fd);

/* Opens a listening TCP socket on "HOST:PORT" ("[::1]:PORT" for IPv6).
 * *loopback tells whether the address is a loopback one. -1 with a message on stderr. */
int serve_listen(const char *addr, int *loopback);

/* The local port of a socket, or -1. */
int serve_local_port(int fd);

/* systemd socket activation: the number of fds passed (0 when none or not
 * for this process); they start at fd 3. */
int serve_listen_fds(void);

/* Switches Nagle off on a client's TCP socket: an SSE event is a small write
 * that would otherwise wait for the client's delayed ACK (~40 ms). 0 when set
 * or when fd is no TCP socket (a pipe); -1, said on stderr, when it failed. */
int serve_set_nodelay(int fd);

/* Nonzero when the socket fd is listening (Accept=no) rather than connected. */
int serve_fd_is_listening(int fd);
/* Nonzero when the peer (or, for a listener, the local address) is loopback. */
int serve_fd_is_loopback(int fd, int peer);

#endif
