/* upstream: one POST to a provider with libcurl, the answer handed to a
 * callback as it arrives. One easy handle and one multi handle per process,
 * reused for every attempt: the multi handle's connection cache keeps
 * upstream connections (HTTP/2 over TLS where the provider offers it) alive
 * between requests, the easy handle its DNS and TLS session caches. The
 * transfer is driven from upstream.c's own poll loop. TLS verification is
 * always on; HTTP(S)_PROXY / NO_PROXY are honoured (libcurl's default). */
#ifndef NR_ROUTE_UPSTREAM_H
#define NR_ROUTE_UPSTREAM_H

#include <curl/curl.h>
#include <stddef.h>

#include "buf.h"
#include "clock.h"	/* nr_mono_ms, which the callers of nr_upstream_post use */

#define NR_CONNECT_TIMEOUT_MS 10000	/* default; provider connect_timeout_ms, env NR_CONNECT_TIMEOUT_MS */
#define NR_IDLE_TIMEOUT_MS 300000	/* no byte for this long (first byte included) aborts */

struct nr_call {
	/* in */
	const char *url;
	struct curl_slist *headers;
	const char *body;
	size_t body_len;
	long connect_timeout_ms, idle_timeout_ms;
	/* Called with each piece of the body as it arrives; the status and the
	 * response headers are known by then. Returns 0, or -1 to abort. */
	int (*on_body)(void *ctx, const char *p, size_t n);
	void *ctx;
	/* out */
	long status;			/* 0 when no response came */
	struct buf headers_in;		/* "name: value\n", names lowercased; the last response's */
	CURLcode rc;
	int idle_timeout_hit, aborted;	/* aborted: on_body asked to stop */
	int client_gone;		/* stopped: nr_upstream_stop set, or the watched client left */
	long ttfb_ms;			/* first body byte, -1 when none */
	char error[CURL_ERROR_SIZE];	/* libcurl's message when rc != CURLE_OK */
	/* private */
	long long start_ms, last_ms;
};

/* libcurl's global set-up (OpenSSL's included, a few ms): 0 or -1. Done once;
 * nr-serve's listener does it before forking so its children start warm. */
int nr_upstream_global_init(void);
/* The global set-up if not done, and the shared handle: 0 or -1. Idempotent. */
int nr_upstream_init(void);
void nr_upstream_cleanup(void);
/* Stops transfers (as client_gone) once the peer of this socket hangs up;
 * -1 watches nothing. For nr-serve, which runs the router in-process. */
void nr_upstream_watch(int fd);

/* Performs the call; 0 when an HTTP response (any status) arrived in full,
 * -1 otherwise (c->rc, c->error, c->idle_timeout_hit say why). */
int nr_upstream_post(struct nr_call *c);

/* Set from a signal handler (SIGTERM: nr-serve's client went away): the
 * running transfer stops within about a second and is recorded as such. */
#include <signal.h>
extern volatile sig_atomic_t nr_upstream_stop;

#endif
