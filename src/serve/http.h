/* http: HTTP/1.1 request parsing and response writing for nr-serve.
 * Every limit is a named constant below, each tested at its edge. */
#ifndef NR_SERVE_HTTP_H
#define NR_SERVE_HTTP_H

#include <stddef.h>

#include "buf.h"

#define HTTP_LINE_MAX (8 * 1024)		/* request line: method, target, version */
#define HTTP_HEADERS_MAX (64 * 1024)		/* all header lines together */
#define HTTP_HEADER_COUNT_MAX 100
#define HTTP_BODY_MAX_DEFAULT (64u * 1024 * 1024)	/* long coding sessions send big bodies */
#define HTTP_READ_TIMEOUT_MS_DEFAULT 30000	/* a client silent this long is dropped */

struct http_header {
	char *name;	/* lowercased */
	char *value;	/* surrounding blanks removed */
};

struct http_request {
	char *method;
	char *target;		/* as sent: path and query */
	char *path;		/* target before '?' */
	char *query;		/* after '?', or "" */
	int minor;		/* HTTP/1.minor */
	struct http_header *headers;
	size_t nheaders;
	struct buf body;
	int keep_alive;
};

struct http_conn {
	int in, out;
	struct buf rbuf;	/* bytes read but not consumed (pipelining) */
	size_t rpos;
	int timeout_ms;
	size_t body_max;
};

void http_conn_init(struct http_conn *c, int in, int out);
void http_conn_free(struct http_conn *c);

/* Reads one request. Returns 1 with *req filled; 0 on a clean EOF before any
 * byte of a request; -1 on an error, with *status the HTTP status to answer
 * (400 malformed, 408 timeout, 413 body too large, 414 target too long,
 * 431 headers too large, 501 unsupported transfer coding, 505 version) or 0
 * when the connection failed and no answer can be sent. */
int http_read_request(struct http_conn *c, struct http_request *req, int *status);
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
