/* refuse: the listener's answer to a connection its saturated pool cannot
 * take (workers.c): 503 with Retry-After rather than a wait in the backlog
 * that no one ever answers. It runs in the parent, so it never blocks: it
 * answers from what has already arrived and moves on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "serve/endpoint.h"
#include "serve/server.h"
#include "translate/translate.h"

#define SNIFF_MAX 4096		/* enough for a request line; a longer one gets OpenAI's shape */
#define DRAIN_MAX (256 * 1024)	/* what is read and dropped before closing, at most */
#define RETRY_AFTER_S 1

/* The client's format from the request line at the start of p[0..n), or
 * OpenAI's when it has not (all) arrived or names no endpoint. */
static enum nr_format sniff_format(const char *p, size_t n)
{
	const char *sp = memchr(p, ' ', n);
	if (!sp)
		return NR_FMT_OPENAI;
	const char *path = sp + 1, *end = path;
	while (end < p + n && *end != ' ' && *end != '?' && *end != '\r' && *end != '\n')
		end++;
	if (end == p + n)
		return NR_FMT_OPENAI;	/* cut: the line did not all fit */
	char *s = strndup(path, (size_t)(end - path));
	struct endpoint ep;
	enum nr_format f = NR_FMT_OPENAI;
	if (s && endpoint_match(s, &ep) == 0) {
		if (ep.kind == EP_CHAT || ep.kind == EP_COUNT_TOKENS)
			f = ep.format;
		endpoint_free(&ep);
	}
	free(s);
	return f;
}

/* Reads and drops what has arrived, up to `max` bytes; the first bytes in
 * head[0..*hn) when head is given. Data left unread at close() makes the
 * kernel send a RST, which can destroy the answer before the client reads it. */
static void drain(int fd, char *head, size_t *hn, size_t max)
{
	char tmp[4096];
	for (size_t total = 0; total < max;) {
		ssize_t r = read(fd, tmp, sizeof tmp);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;	/* EAGAIN: nothing more yet; 0: the client is done */
		if (head && *hn < SNIFF_MAX) {
			size_t k = (size_t)r < SNIFF_MAX - *hn ? (size_t)r : SNIFF_MAX - *hn;
			memcpy(head + *hn, tmp, k);
			*hn += k;
		}
		total += (size_t)r;
	}
}

void serve_refuse_busy(int fd)
{
	char head[SNIFF_MAX];
	size_t hn = 0;
	drain(fd, head, &hn, DRAIN_MAX);
	jv body = nr_error_body(sniff_format(head, hn), 503, "overloaded",
				"every worker of this server is busy; try again shortly");
	jv text = jv_dump_string(body, 0);
	struct buf b = BUF_INIT;
	const char *t = jv_string_value(text);
	if (buf_printf(&b, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
			   "Retry-After: %d\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		       RETRY_AFTER_S, strlen(t), t) == 0) {
		/* a fresh socket's send buffer takes it whole; if not, the client gets less */
		if (send(fd, b.p, b.len, MSG_NOSIGNAL) < 0 && errno != EAGAIN && errno != EPIPE &&
		    errno != ECONNRESET)
			fprintf(stderr, "nr-serve: unable to answer a refused connection: %s\n",
				strerror(errno));
	}
	buf_free(&b);
	jv_free(text);
	shutdown(fd, SHUT_WR);	/* the answer ends here; the client sees EOF after it */
	drain(fd, NULL, NULL, DRAIN_MAX);
	close(fd);
}
