/* http: HTTP/1.1 request parsing and response writing for nr-serve.
 * Every limit is a named constant below, each tested at its edge. */
#ifndef NR_SERVE_HTTP_H
#define NR_SERVE_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "request_max.h"

#define HTTP_LINE_MAX (8 * 1024)		/* request line: method, target, version */
#define HTTP_HEADERS_MAX (64 * 1024)		/* all header lines together */
#define HTTP_HEADER_COUNT_MAX 100
#define HTTP_BODY_MAX_DEFAULT NR_REQUEST_MAX
#define HTTP_READ_TIMEOUT_MS_DEFAULT 30000	/* a client silent this long is dropped */

/* Slow clients (slowloris). A real client sends its head in one packet and
 * its body as fast as its link allows; these bounds are far below any link. */
#define HTTP_HEAD_DEADLINE_MS 10000	/* request line + headers, from the first byte
					 * (the connection's start for its first request) */
#define HTTP_BODY_RATE_MIN 256		/* bytes a second a body must average ... */
#define HTTP_BODY_RATE_WINDOW_MS 5000	/* ... over each window from the body's start */
#define HTTP_SLICE_MS 200		/* reads wait in slices this long, to see the pool */
#define HTTP_PRESSED_HEAD_MS 1000	/* pool pressed: a head taking longer is dropped */
/* A request refused before its body: the answer is sent, the sending side
 * shut, and what the client still sends is discarded for this long (or this
 * many bytes) so that it reads the answer instead of a reset. */
#define HTTP_LINGER_MS 2000
#define HTTP_LINGER_BYTES (64u * 1024 * 1024)

struct http_header {
	char *name;	/* lowercased */
	char *value;	/* surrounding blanks removed */
};

enum http_framing { HTTP_BODY_NONE, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED };

struct http_request {
	char *method;
	char *target;		/* as sent: path and query */
	char *path;		/* target before '?' */
	char *query;		/* after '?', or "" */
	int minor;		/* HTTP/1.minor */
	struct http_header *headers;
	size_t nheaders;
	enum http_framing framing;	/* decided by the head */
	size_t content_length;	/* HTTP_BODY_LENGTH */
	int expect_continue;	/* Expect: 100-continue on HTTP/1.1 */
	struct buf body;	/* filled by http_read_body */
	int keep_alive;
};

struct http_conn {
	int in, out;
	struct buf rbuf;	/* bytes read but not consumed (pipelining) */
	size_t rpos;
	int timeout_ms;
	size_t body_max;
	int (*pressed)(void);	/* nonzero: give the connection up early (may be NULL) */
	/* the clock of the read under way (http.c) */
	int phase;
	long long phase_ms, last_ms, window_ms;
	size_t window_bytes;
	unsigned long requests;	/* heads read on this connection */
	int ready;	/* a poll found input just now: the next read need not wait */
	int hangup_fd;	/* c->in when it is a socket (a hang-up is seen), else -1 */
};

void http_conn_init(struct http_conn *c, int in, int out);
void http_conn_free(struct http_conn *c);

/* Reads a request's head: request line, headers, and its framing (length or
 * chunked, checked per RFC 9112). Returns 1 with *req filled but its body
 * unread; 0 on a clean EOF before any byte of a request (or an idle
 * connection given up under pool pressure); -1 on an error, with *status the
 * HTTP status to answer (400 malformed, 408 too slow, 413 body too large,
 * 414 target too long, 431 headers too large, 501 unsupported transfer
 * coding, 505 version) or 0 when the connection failed and no answer can be
 * sent. */
int http_read_head(struct http_conn *c, struct http_request *req, int *status);
/* Nonzero when the head announced a body that is still to be read. */
int http_body_pending(const struct http_request *req);
/* Nonzero when http_read_body would wait on the client: the body the head
 * announced is not all read in yet (a chunked one counts as not). */
int http_body_waits(const struct http_conn *c, const struct http_request *req);
/* Reads the body the head announced into req->body: 0, or -1 with *status
 * as above (408 also when it arrives slower than HTTP_BODY_RATE_MIN). */
int http_read_body(struct http_conn *c, struct http_request *req, int *status);
/* Head and body: one whole request, with http_read_head's results. */
int http_read_request(struct http_conn *c, struct http_request *req, int *status);
/* "100 Continue" when the client waits for it before sending its body. */
int http_write_continue(struct http_conn *c, const struct http_request *req);
/* After an answer that leaves the request's body unread: shuts the sending
 * side and discards input for HTTP_LINGER_MS (HTTP_LINGER_BYTES at most). */
void http_linger(struct http_conn *c);
void http_request_free(struct http_request *req);
/* The value of header `name` (lowercase), or NULL. */
const char *http_header(const struct http_request *req, const char *name);
/* Every value of header `name` (lowercase), in order, joined with "," into
 * *out (emptied first; len 0 when there is none): a list header sent on
 * several lines is one list (RFC 9110 5.3). 0, or -1 with errno. */
int http_header_list(const struct http_request *req, const char *name, struct buf *out);
/* The value of query parameter `name`, decoded, in a new string; NULL if absent. */
char *http_query_param(const struct http_request *req, const char *name);
/* The n bytes at s with %XX escapes decoded (and '+' as a space when
 * plus_is_space), in a new string; %00 and broken escapes stay as they are.
 * NULL when out of memory. */
char *http_pct_decode(const char *s, size_t n, int plus_is_space);

const char *http_reason(int status);
/* Writes a whole response. `headers` holds extra "Name: value\r\n" lines (may
 * be NULL). Adds Content-Length and Connection. 0, or -1 with errno. */
int http_write_response(struct http_conn *c, int status, const char *headers,
			const char *body, size_t len, int keep_alive, int head_only);
/* Streaming: the status line and headers with chunked encoding, then chunks. */
int http_write_chunked_start(struct http_conn *c, int status, const char *headers, int keep_alive);
int http_write_chunk(struct http_conn *c, const char *p, size_t n);
int http_write_chunked_end(struct http_conn *c);

#endif
