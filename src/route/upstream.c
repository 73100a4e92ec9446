/* upstream: libcurl POST with streaming callbacks and timeouts (see upstream.h). */
#include "route/upstream.h"

#include <ctype.h>
#include <poll.h>
#include <string.h>

static CURL *handle;	/* reused: keeps the connection cache between attempts */
static int global_done;
static int watch_fd = -1;

int nr_upstream_global_init(void)
{
	if (!global_done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	global_done = 1;
	return 0;
}

int nr_upstream_init(void)
{
	if (nr_upstream_global_init() < 0)
		return -1;
	if (!handle)
		handle = curl_easy_init();
	return handle ? 0 : -1;
}

void nr_upstream_cleanup(void)
{
	if (handle)
		curl_easy_cleanup(handle);
	handle = NULL;
	if (global_done)
		curl_global_cleanup();
	global_done = 0;
}

void nr_upstream_watch(int fd)
{
	watch_fd = fd;
}

/* The watched client hung up (a peer's shutdown or reset). */
/* libcurl calls the progress function several times even for a short answer:
 * a poll on each call cost more than the whole idle-timeout check */
#define CLIENT_CHECK_MS 20

static int client_left(void)
{
	static long long checked_ms;
	if (watch_fd < 0)
		return 0;
	long long now = nr_mono_ms();
	if (now - checked_ms < CLIENT_CHECK_MS)
		return 0;
	checked_ms = now;
	struct pollfd pf = { .fd = watch_fd, .events = POLLRDHUP };
	return poll(&pf, 1, 0) > 0 && (pf.revents & (POLLRDHUP | POLLHUP | POLLERR));
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

/* The idle timeout and stop requests: libcurl calls this at least about once a second. */
static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	struct nr_call *c = ctx;
	if (nr_upstream_stop || client_left()) {
		c->client_gone = 1;
		return 1;
	}
	if (nr_mono_ms() - c->last_ms > c->idle_timeout_ms) {
		c->idle_timeout_hit = 1;
		return 1;
	}
	return 0;
}

int nr_upstream_post(struct nr_call *c)
{
	c->status = 0;
	c->ttfb_ms = -1;
	c->idle_timeout_hit = c->aborted = c->client_gone = 0;
	c->error[0] = '\0';
	buf_reset(&c->headers_in);
	c->start_ms = c->last_ms = nr_mono_ms();

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
	bad |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, c) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->error) != CURLE_OK;
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (bad) {
		c->rc = CURLE_FAILED_INIT;
		strcpy(c->error, "unable to set up the request");
		return -1;
	}
	c->rc = curl_easy_perform(h);
	if (c->status == 0)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
	if (c->rc != CURLE_OK && !c->error[0])
		strncpy(c->error, curl_easy_strerror(c->rc), sizeof c->error - 1);
	return c->rc == CURLE_OK ? 0 : -1;
}
