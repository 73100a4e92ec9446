/* upstream: libcurl POST with streaming callbacks and timeouts (see upstream.h).
 * The transfer runs on a multi handle of our own, driven with
 * curl_multi_socket_action from one poll() loop here: curl_easy_perform's
 * loop polled the socket four times a request (its wake-up pair, then the
 * socket again before each send and read with a zero timeout), where the
 * socket interface hands libcurl what poll() saw and it reads or writes
 * straight away. The loop also watches the client (a hang-up stops the
 * call at once), the idle timeout and nr_upstream_stop. */
#include "route/upstream.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CURLM *multi;	/* its connection cache outlives each attempt */
static CURL *handle;	/* reused: its options reset, its DNS and TLS caches kept */
static int global_done;
static int watch_fd = -1;

/* The sockets libcurl asks us to watch for the transfer, and its timer. */
struct watched {
	curl_socket_t fd;
	short events;
};
static struct watched *socks;
static size_t nsocks, socks_cap;
static long long timer_at = -1;	/* monotonic ms at which libcurl wants a timeout action; -1 none */

#define MAXCONNECTS 5	/* upstream connections kept per worker: CURLOPT_MAXCONNECTS's default */
#define POLL_MAX_MS 1000	/* the loop wakes at least this often for the idle timeout */

int nr_upstream_global_init(void)
{
	if (!global_done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	global_done = 1;
	return 0;
}

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
	(void)e, (void)userp, (void)sockp;
	size_t i = 0;
	while (i < nsocks && socks[i].fd != s)
		i++;
	if (what == CURL_POLL_REMOVE) {
		if (i < nsocks)
			socks[i] = socks[--nsocks];
		return 0;
	}
	if (i == nsocks) {
		if (nsocks == socks_cap) {
			size_t cap = socks_cap ? 2 * socks_cap : 4;
			struct watched *v = reallocarray(socks, cap, sizeof *v);
			if (!v)
				return -1;	/* libcurl fails the transfer */
			socks = v;
			socks_cap = cap;
		}
		socks[nsocks++].fd = s;
	}
	socks[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) | (what & CURL_POLL_OUT ? POLLOUT : 0));
	return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
	(void)m, (void)userp;
	timer_at = timeout_ms < 0 ? -1 : nr_mono_ms() + timeout_ms;
	return 0;
}

int nr_upstream_init(void)
{
	if (nr_upstream_global_init() < 0)
		return -1;
	if (!multi) {
		if (!(multi = curl_multi_init()))
			return -1;
		if (curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
		    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer) != CURLM_OK ||
		    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)MAXCONNECTS) != CURLM_OK) {
			curl_multi_cleanup(multi);
			multi = NULL;
			return -1;
		}
	}
	if (!handle)
		handle = curl_easy_init();
	return handle ? 0 : -1;
}

void nr_upstream_cleanup(void)
{
	if (multi)
		curl_multi_cleanup(multi);	/* closes the kept connections */
	multi = NULL;
	if (handle)
		curl_easy_cleanup(handle);
	handle = NULL;
	free(socks);
	socks = NULL;
	nsocks = socks_cap = 0;
	timer_at = -1;
	if (global_done)
		curl_global_cleanup();
	global_done = 0;
}

void nr_upstream_watch(int fd)
{
	watch_fd = fd;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct nr_call *c = ctx;
	size_t len = size * n;
	c->last_ms = nr_mono_ms();
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {	/* a new response (after 1xx): start over */
		buf_reset(&c->headers_in);
		return len;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	size_t start = c->headers_in.len;
	if (buf_append(&c->headers_in, p, len) < 0)
		return 0;
	for (size_t i = start; i < start + (size_t)(colon - p); i++)
		c->headers_in.p[i] = (char)tolower((unsigned char)c->headers_in.p[i]);
	/* "\r\n" → "\n" so values end cleanly */
	while (c->headers_in.len > start && (c->headers_in.p[c->headers_in.len - 1] == '\n' ||
					     c->headers_in.p[c->headers_in.len - 1] == '\r'))
		c->headers_in.len--;
	return buf_putc(&c->headers_in, '\n') < 0 ? 0 : len;
}

static size_t on_write(char *p, size_t size, size_t n, void *ctx)
{
	struct nr_call *c = ctx;
	size_t len = size * n;
	c->last_ms = nr_mono_ms();
	if (c->ttfb_ms < 0)
		c->ttfb_ms = c->last_ms - c->start_ms;
	if (c->status == 0)
		curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &c->status);
	if (c->on_body(c->ctx, p, len) < 0) {
		c->aborted = 1;
		return 0;
	}
	return len;
}

volatile sig_atomic_t nr_upstream_stop;

/* Why the loop stops a transfer that libcurl would go on with: 1 when it
 * must (c->client_gone or c->idle_timeout_hit set), else 0. */
static int must_stop(struct nr_call *c, const struct pollfd *client)
{
	if (nr_upstream_stop ||
	    (client && (client->revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))) {
		c->client_gone = 1;
		return 1;
	}
	if (nr_mono_ms() - c->last_ms > c->idle_timeout_ms) {
		c->idle_timeout_hit = 1;
		return 1;
	}
	return 0;
}

/* The transfer of handle on multi, to its end or until must_stop: its result. */
static CURLcode perform(struct nr_call *c)
{
	if (curl_multi_add_handle(multi, handle) != CURLM_OK)
		return CURLE_FAILED_INIT;
	int running = 1;
	CURLMcode mc = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	struct pollfd *pf = NULL;
	size_t pf_cap = 0;
	CURLcode rc = CURLE_OK;
	while (mc == CURLM_OK && running) {
		/* the client last: a hang-up, not the next pipelined request (POLLIN) */
		size_t n = nsocks + (watch_fd >= 0);
		if (n > pf_cap) {
			struct pollfd *v = reallocarray(pf, n, sizeof *v);
			if (!v) {
				rc = CURLE_OUT_OF_MEMORY;
				break;
			}
			pf = v;
			pf_cap = n;
		}
		for (size_t i = 0; i < nsocks; i++)
			pf[i] = (struct pollfd){ .fd = socks[i].fd, .events = socks[i].events };
		if (watch_fd >= 0)
			pf[nsocks] = (struct pollfd){ .fd = watch_fd, .events = POLLRDHUP };
		long long now = nr_mono_ms();
		long long wait = POLL_MAX_MS;
		if (timer_at >= 0 && timer_at - now < wait)
			wait = timer_at > now ? timer_at - now : 0;
		int r = poll(pf, (nfds_t)n, (int)wait);
		if (r < 0 && errno != EINTR) {
			rc = CURLE_RECV_ERROR;
			break;
		}
		if (must_stop(c, r > 0 && watch_fd >= 0 ? &pf[n - 1] : NULL)) {
			rc = CURLE_ABORTED_BY_CALLBACK;
			strcpy(c->error, "Callback aborted");	/* what libcurl says for a stopped transfer */
			break;
		}
		size_t ns = n - (watch_fd >= 0);	/* libcurl's, as they were polled */
		for (size_t i = 0; r > 0 && i < ns && mc == CURLM_OK; i++) {
			short ev = pf[i].revents;
			if (!ev)
				continue;
			int bits = (ev & (POLLIN | POLLHUP) ? CURL_CSELECT_IN : 0) | (ev & POLLOUT ? CURL_CSELECT_OUT : 0) |
				   (ev & (POLLERR | POLLNVAL) ? CURL_CSELECT_ERR : 0);
			mc = curl_multi_socket_action(multi, pf[i].fd, bits, &running);
		}
		if (mc == CURLM_OK && running && timer_at >= 0 && nr_mono_ms() >= timer_at)
			mc = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	free(pf);
	if (rc == CURLE_OK && mc != CURLM_OK) {
		rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
		snprintf(c->error, sizeof c->error, "%s", curl_multi_strerror(mc));
	}
	if (rc == CURLE_OK) {
		int left;
		CURLMsg *m;
		rc = CURLE_RECV_ERROR;	/* no message: not expected once it stopped running */
		while ((m = curl_multi_info_read(multi, &left)))
			if (m->msg == CURLMSG_DONE && m->easy_handle == handle)
				rc = m->data.result;
	}
	/* a transfer stopped midway closes its connection; a finished one's is kept */
	curl_multi_remove_handle(multi, handle);
	timer_at = -1;
	return rc;
}

int nr_upstream_post(struct nr_call *c)
{
	c->status = 0;
	c->ttfb_ms = -1;
	c->idle_timeout_hit = c->aborted = c->client_gone = 0;
	c->error[0] = '\0';
	buf_reset(&c->headers_in);
	c->start_ms = c->last_ms = nr_mono_ms();

	if (nr_upstream_init() < 0) {
		c->rc = CURLE_FAILED_INIT;
		strcpy(c->error, "unable to initialise libcurl");
		return -1;
	}
	CURL *h = handle;
	curl_easy_reset(h);	/* options only: the connection cache survives */
	int bad = 0;
	bad |= curl_easy_setopt(h, CURLOPT_URL, c->url) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers) != CURLE_OK;
	/* HTTP/2 over TLS when the server offers it; plain HTTP/1.1 on http:// */
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms) != CURLE_OK;
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	/* libcurl's default since 7.50.2 (Debian 12 has 7.88.1); said for older ones */
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, c) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, c) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->error) != CURLE_OK;
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (bad) {
		c->rc = CURLE_FAILED_INIT;
		strcpy(c->error, "unable to set up the request");
		return -1;
	}
	c->rc = perform(c);
	if (c->status == 0)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
	if (c->rc != CURLE_OK && !c->error[0])
		strncpy(c->error, curl_easy_strerror(c->rc), sizeof c->error - 1);
	return c->rc == CURLE_OK ? 0 : -1;
}
