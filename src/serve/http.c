/* http: bounded HTTP/1.1 request reading and response writing. */
#include "serve/http.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "io.h"

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* What a read is waiting for: the clock that applies to it. */
enum { PH_IDLE, PH_HEAD, PH_BODY };

static void set_phase(struct http_conn *c, int phase)
{
	c->phase = phase;
	c->phase_ms = c->last_ms = c->window_ms = nr_mono_ms();
	c->window_bytes = 0;
}

void http_conn_init(struct http_conn *c, int in, int out)
{
	memset(c, 0, sizeof *c);
	c->in = in;
	c->out = out;
	c->timeout_ms = HTTP_READ_TIMEOUT_MS_DEFAULT;
	c->body_max = HTTP_BODY_MAX_DEFAULT;
	/* a pipe (as under inetd tests) reports HUP at EOF for good: only a
	 * socket is watched for a client hanging up */
	struct stat st;
	c->hangup_fd = fstat(in, &st) == 0 && S_ISSOCK(st.st_mode) ? in : -1;
	set_phase(c, PH_HEAD);	/* a new connection owes its first head at once */
}

void http_conn_free(struct http_conn *c)
{
	buf_free(&c->rbuf);
}

/* Before each wait: 0 wait on, 1 give the idle connection up, -1 too slow
 * (errno ETIMEDOUT). */
static int check_clock(struct http_conn *c, long long now)
{
	int pressed = c->pressed && c->pressed();
	if (c->phase == PH_IDLE && pressed)
		return 1;	/* between requests: the worker is wanted elsewhere */
	int slow = now - c->last_ms >= c->timeout_ms;
	if (c->phase == PH_HEAD)
		slow |= now - c->phase_ms >= HTTP_HEAD_DEADLINE_MS ||
			(pressed && now - c->phase_ms >= HTTP_PRESSED_HEAD_MS);
	if (c->phase == PH_BODY && now - c->window_ms >= HTTP_BODY_RATE_WINDOW_MS) {
		slow |= c->window_bytes < (size_t)HTTP_BODY_RATE_MIN * HTTP_BODY_RATE_WINDOW_MS / 1000;
		c->window_ms = now;
		c->window_bytes = 0;
	}
	if (slow)
		errno = ETIMEDOUT;
	return slow ? -1 : 0;
}

/* Waits for input in slices of HTTP_SLICE_MS, so that deadlines and pool
 * pressure are seen while a client is silent. 1 readable, 0 give up, -1 error. */
static int wait_input(struct http_conn *c)
{
	struct pollfd p = { .fd = c->in, .events = POLLIN };
	for (;;) {
		int k = check_clock(c, nr_mono_ms());
		if (k)
			return k > 0 ? 0 : -1;
		int r = poll(&p, 1, HTTP_SLICE_MS);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			return 1;
	}
}

/* Reads more bytes into rbuf. 1 read, 0 EOF (or given up), -1 error (errno
 * ETIMEDOUT when too slow). */
static int fill(struct http_conn *c)
{
	if (c->rpos && c->rpos == c->rbuf.len) {
		buf_reset(&c->rbuf);
		c->rpos = 0;
	}
	int w = c->ready ? 1 : wait_input(c);
	c->ready = 0;
	if (w <= 0)
		return w;
	if (buf_reserve(&c->rbuf, 16384) < 0)
		return -1;
	for (;;) {
		ssize_t n = read(c->in, c->rbuf.p + c->rbuf.len, 16384);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		c->rbuf.len += (size_t)n;
		c->rbuf.p[c->rbuf.len] = '\0';
		c->last_ms = nr_mono_ms();
		c->window_bytes += (size_t)n;
		if (c->phase == PH_IDLE)	/* the next request has begun */
			set_phase(c, PH_HEAD);
		return 1;
	}
}

/* One CRLF- or LF-terminated line of at most max bytes, NUL-terminated in a
 * new string. A NUL or a bare CR in it is malformed (RFC 9112 2.2): strings
 * would stop at the one and smuggle at the other. 1 ok, 0 EOF before any
 * byte, -1 error (*status set). */
static int read_line(struct http_conn *c, size_t max, char **line, int *status, int too_long)
{
	size_t start = c->rpos;
	for (;;) {
		char *base = c->rbuf.p ? c->rbuf.p + c->rpos : NULL;
		size_t avail = c->rbuf.len - c->rpos;
		char *nl = base ? memchr(base, '\n', avail) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - base);
			size_t len = n && base[n - 1] == '\r' ? n - 1 : n;
			if (len > max) {
				*status = too_long;
				return -1;
			}
			if (memchr(base, '\0', len) || memchr(base, '\r', len)) {
				*status = 400;
				return -1;
			}
			*line = strndup(base, len);
			if (!*line) {
				*status = 500;
				return -1;
			}
			c->rpos += n + 1;
			return 1;
		}
		if (avail > max + 1) {	/* + 1: room for the CR of a line at the limit */
			*status = too_long;
			return -1;
		}
		/* compact so that rbuf does not grow with pipelined history */
		if (c->rpos) {
			memmove(c->rbuf.p, c->rbuf.p + c->rpos, avail);
			c->rbuf.len = avail;
			c->rpos = 0;
			start = 0;
		}
		int r = fill(c);
		if (r < 0) {
			*status = errno == ETIMEDOUT ? 408 : 0;
			return -1;
		}
		if (r == 0) {
			if (c->rbuf.len == start)
				return 0;
			*status = 400;	/* EOF inside a line */
			return -1;
		}
	}
}

/* A line that must be there and be empty (the CRLF after chunk data, the end
 * of the trailers): 0, or -1 with *status set (400 when anything else came). */
static int read_empty_line(struct http_conn *c, size_t max, int *status)
{
	char *line = NULL;
	int r = read_line(c, max, &line, status, 400);
	int empty = r == 1 && !*line;
	free(line);
	if (r == 0 || (r == 1 && !empty))
		*status = 400;
	return empty ? 0 : -1;
}

/* Reads exactly n body bytes into out. */
static int read_bytes(struct http_conn *c, size_t n, struct buf *out, int *status)
{
	while (n) {
		size_t avail = c->rbuf.len - c->rpos;
		if (avail) {
			size_t take = avail < n ? avail : n;
			if (buf_append(out, c->rbuf.p + c->rpos, take) < 0) {
				*status = 500;
				return -1;
			}
			c->rpos += take;
			n -= take;
			continue;
		}
		int r = fill(c);
		if (r <= 0) {	/* EOF: the body is shorter than announced */
			*status = r == 0 ? 400 : errno == ETIMEDOUT ? 408 : 0;
			return -1;
		}
	}
	return 0;
}

/* Digits of `base` (10 or 16) only: no sign, blank, "0x" or overflow. The
 * end of the digits in *end. 0, or -1. */
static int parse_digits(const char *s, int base, size_t *out, const char **end)
{
	size_t v = 0;
	const char *p = s;
	for (; base == 16 ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p); p++) {
		size_t d = (size_t)hexval((unsigned char)*p);
		if (v > ((size_t)-1 - d) / (size_t)base)
			return -1;
		v = v * (size_t)base + d;
	}
	if (p == s)
		return -1;
	*out = v;
	*end = p;
	return 0;
}

/* chunk-size [ BWS ";" chunk-ext ] */
static int parse_chunk_size(const char *s, size_t *out)
{
	const char *end;
	if (parse_digits(s, 16, out, &end) < 0)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	return *end && *end != ';' ? -1 : 0;
}

static int read_chunked(struct http_conn *c, struct http_request *req, int *status)
{
	for (;;) {
		char *line = NULL;
		size_t n;
		int r = read_line(c, HTTP_LINE_MAX, &line, status, 400);
		int bad = r == 1 && parse_chunk_size(line, &n) < 0;
		free(line);
		if (r != 1 || bad) {
			if (r != -1)
				*status = 400;
			return -1;
		}
		if (n == 0)
			break;
		if (n > c->body_max - req->body.len) {
			*status = 413;
			return -1;
		}
		if (read_bytes(c, n, &req->body, status) < 0 || read_empty_line(c, 0, status) < 0)
			return -1;
	}
	for (;;) {	/* trailers, ignored, up to the blank line */
		char *line = NULL;
		int r = read_line(c, HTTP_LINE_MAX, &line, status, 431);
		int end = r == 1 && !*line;
		free(line);
		if (r != 1) {
			if (r == 0)
				*status = 400;
			return -1;
		}
		if (end)
			return 0;
	}
}

/* tchar of RFC 9110 5.6.2: what a header name is made of */
static int is_tchar(int ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int add_header(struct http_request *req, char *line, int *status)
{
	char *colon = strchr(line, ':');
	if (!colon || colon == line || req->nheaders >= HTTP_HEADER_COUNT_MAX) {
		*status = colon && colon != line ? 431 : 400;
		return -1;
	}
	for (char *p = line; p < colon; p++) {
		if (!is_tchar((unsigned char)*p)) {	/* no blank before the colon either */
			*status = 400;
			return -1;
		}
		*p = (char)tolower((unsigned char)*p);
	}
	*colon = '\0';
	char *v = colon + 1;
	for (const char *p = v; *p; p++)
		if ((iscntrl((unsigned char)*p) && *p != '\t')) {	/* CTLs, DEL */
			*status = 400;
			return -1;
		}
	while (*v == ' ' || *v == '\t')
		v++;
	size_t vl = strlen(v);
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		v[--vl] = '\0';
	struct http_header *h = reallocarray(req->headers, req->nheaders + 1, sizeof *h);
	if (!h) {
		*status = 500;
		return -1;
	}
	req->headers = h;
	char *name = strdup(line), *value = strdup(v);
	if (!name || !value) {
		free(name);
		free(value);
		*status = 500;
		return -1;
	}
	h[req->nheaders++] = (struct http_header){ name, value };
	return 0;
}

static int parse_request_line(struct http_request *req, char *line, int *status)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ') || sp1 == line || sp2 == sp1 + 1) {
		*status = 400;
		return -1;
	}
	*sp1 = *sp2 = '\0';
	const char *ver = sp2 + 1;
	if (strncmp(ver, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)ver[7]) || ver[8]) {
		*status = strncmp(ver, "HTTP/", 5) == 0 ? 505 : 400;
		return -1;
	}
	for (const char *p = line; *p; p++)
		if (!isupper((unsigned char)*p)) {
			*status = 400;
			return -1;
		}
	if (sp1[1] != '/' && strcmp(sp1 + 1, "*") != 0) {
		*status = 400;
		return -1;
	}
	req->minor = ver[7] - '0';
	req->method = strdup(line);
	req->target = strdup(sp1 + 1);
	if (!req->method || !req->target) {
		*status = 500;
		return -1;
	}
	char *q = strchr(req->target, '?');
	req->path = q ? strndup(req->target, (size_t)(q - req->target)) : strdup(req->target);
	req->query = strdup(q ? q + 1 : "");
	if (!req->path || !req->query) {
		*status = 500;
		return -1;
	}
	return 0;
}

/* How many lines header `name` came on; *first the first one's value, *same
 * whether every line has that value. */
static size_t header_lines(const struct http_request *req, const char *name, const char **first,
			   int *same)
{
	size_t n = 0;
	*first = NULL;
	*same = 1;
	for (size_t i = 0; i < req->nheaders; i++) {
		if (strcmp(req->headers[i].name, name) != 0)
			continue;
		if (n++ == 0)
			*first = req->headers[i].value;
		else if (strcmp(req->headers[i].value, *first) != 0)
			*same = 0;
	}
	return n;
}

/* The body's framing from the headers (RFC 9112 6): 0, or -1 with *status. */
static int decide_framing(struct http_conn *c, struct http_request *req, int *status)
{
	const char *host, *te, *cl;
	int same;
	size_t hosts = header_lines(req, "host", &host, &same);
	size_t tes = header_lines(req, "transfer-encoding", &te, &same);
	size_t cls = header_lines(req, "content-length", &cl, &same);
	*status = 400;
	/* one Host, which HTTP/1.1 must send (RFC 9112 3.2); one coding line,
	 * and equal lengths: a second opinion is a smuggling vector */
	if (hosts > 1 || (hosts == 0 && req->minor >= 1) || tes > 1 || (cls && !same) || (te && cl))
		return -1;
	if (te) {
		if (strcasecmp(te, "chunked") != 0) {
			*status = 501;
			return -1;
		}
		req->framing = HTTP_BODY_CHUNKED;
	} else if (cl) {
		const char *end;
		if (parse_digits(cl, 10, &req->content_length, &end) < 0 || *end)
			return -1;
		if (req->content_length > c->body_max) {
			*status = 413;
			return -1;
		}
		req->framing = HTTP_BODY_LENGTH;
	}
	const char *expect = http_header(req, "expect");
	req->expect_continue = req->minor >= 1 && expect && strcasecmp(expect, "100-continue") == 0;
	*status = 0;
	return 0;
}

int http_read_head(struct http_conn *c, struct http_request *req, int *status)
{
	memset(req, 0, sizeof *req);
	*status = 0;
	if (c->requests++ > 0)	/* after a request: idle until the next one's first byte */
		set_phase(c, c->rpos < c->rbuf.len ? PH_HEAD : PH_IDLE);
	char *line = NULL;
	int r;
	/* RFC 9112: ignore at least one empty line before the request line */
	do {
		free(line);
		line = NULL;
		r = read_line(c, HTTP_LINE_MAX, &line, status, 414);
	} while (r == 1 && !*line);
	if (r <= 0) {
		free(line);
		return r;
	}
	int rc = parse_request_line(req, line, status);
	free(line);
	if (rc < 0)
		return -1;

	size_t header_bytes = 0;
	for (;;) {
		line = NULL;
		r = read_line(c, HTTP_HEADERS_MAX - header_bytes, &line, status, 431);
		if (r <= 0) {
			free(line);
			if (r == 0)
				*status = 400;
			return -1;
		}
		if (!*line) {
			free(line);
			break;
		}
		header_bytes += strlen(line) + 2;
		if (line[0] == ' ' || line[0] == '\t') {	/* obsolete line folding */
			free(line);
			*status = 400;
			return -1;
		}
		rc = add_header(req, line, status);
		free(line);
		if (rc < 0)
			return -1;
	}

	const char *conn = http_header(req, "connection");
	req->keep_alive = req->minor >= 1 ? !(conn && strcasestr(conn, "close"))
					  : (conn && strcasestr(conn, "keep-alive"));
	return decide_framing(c, req, status) < 0 ? -1 : 1;
}

int http_body_pending(const struct http_request *req)
{
	return req->framing == HTTP_BODY_CHUNKED ||
	       (req->framing == HTTP_BODY_LENGTH && req->content_length > req->body.len);
}

int http_body_waits(const struct http_conn *c, const struct http_request *req)
{
	return req->framing == HTTP_BODY_CHUNKED ||
	       (req->framing == HTTP_BODY_LENGTH && c->rbuf.len - c->rpos < req->content_length);
}

int http_read_body(struct http_conn *c, struct http_request *req, int *status)
{
	*status = 0;
	set_phase(c, PH_BODY);
	int rc = 0;
	if (req->framing == HTTP_BODY_CHUNKED)
		rc = read_chunked(c, req, status);
	else if (req->framing == HTTP_BODY_LENGTH)
		rc = read_bytes(c, req->content_length, &req->body, status);
	req->framing = HTTP_BODY_NONE;	/* read: nothing more pending */
	return rc;
}

int http_read_request(struct http_conn *c, struct http_request *req, int *status)
{
	int r = http_read_head(c, req, status);
	if (r == 1 && http_read_body(c, req, status) < 0)
		return -1;
	return r;
}

int http_write_continue(struct http_conn *c, const struct http_request *req)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	if (!req->expect_continue || !http_body_pending(req))
		return 0;
	return write_all(c->out, cont, sizeof cont - 1);
}

void http_linger(struct http_conn *c)
{
	if (shutdown(c->out, SHUT_WR) < 0 && errno != ENOTSOCK)
		return;	/* inetd's pipes have no sending side to shut; drain anyway */
	char junk[4096];
	size_t total = 0;
	long long end = nr_mono_ms() + HTTP_LINGER_MS;
	struct pollfd p = { .fd = c->in, .events = POLLIN };
	while (total < HTTP_LINGER_BYTES && !(c->pressed && c->pressed())) {
		long long left = end - nr_mono_ms();
		if (left <= 0)
			break;
		int r = poll(&p, 1, left < HTTP_SLICE_MS ? (int)left : HTTP_SLICE_MS);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		ssize_t n = read(c->in, junk, sizeof junk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
	}
}

void http_request_free(struct http_request *req)
{
	free(req->method);
	free(req->target);
	free(req->path);
	free(req->query);
	for (size_t i = 0; i < req->nheaders; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->headers);
	buf_free(&req->body);
	memset(req, 0, sizeof *req);
}

const char *http_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (strcmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

int http_header_list(const struct http_request *req, const char *name, struct buf *out)
{
	buf_reset(out);
	for (size_t i = 0; i < req->nheaders; i++) {
		if (strcmp(req->headers[i].name, name) != 0 || !*req->headers[i].value)
			continue;
		if ((out->len > 0 && buf_putc(out, ',') < 0) || buf_puts(out, req->headers[i].value) < 0)
			return -1;
	}
	return 0;
}

char *http_pct_decode(const char *s, size_t n, int plus_is_space)
{
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int h1, h2;
		if (s[i] == '%' && i + 2 < n && (h1 = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (h2 = hexval((unsigned char)s[i + 2])) >= 0 && (h1 | h2)) {
			*o++ = (char)(h1 * 16 + h2);
			i += 2;
		} else {
			*o++ = plus_is_space && s[i] == '+' ? ' ' : s[i];
		}
	}
	*o = '\0';
	return out;
}

char *http_query_param(const struct http_request *req, const char *name)
{
	size_t nl = strlen(name);
	const char *p = req->query ? req->query : "";
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=')
			return http_pct_decode(p + nl + 1, len - nl - 1, 1);
		p += len;
		if (*p == '&')
			p++;
	}
	return NULL;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	case 529: return "Overloaded";
	default: return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
	}
}

/* n in decimal, appended to b; 0 or -1. */
static int put_decimal(struct buf *b, unsigned long long n)
{
	char d[20];	/* 18446744073709551615: 20 digits */
	size_t i = sizeof d;
	do
		d[--i] = (char)('0' + n % 10);
	while (n /= 10);
	return buf_append(b, d + i, sizeof d - i);
}

/* "HTTP/1.1 STATUS REASON\r\n" and the extra headers into b (no printf:
 * every answer's head is made here); 0 or -1. */
static int put_head(struct buf *b, int status, const char *headers)
{
	return buf_puts(b, "HTTP/1.1 ") < 0 || (status < 0 && buf_putc(b, '-') < 0) ||
	       put_decimal(b, status < 0 ? -(unsigned long long)status : (unsigned long long)status) < 0 ||
	       buf_putc(b, ' ') < 0 ||
	       buf_puts(b, http_reason(status)) < 0 || buf_puts(b, "\r\n") < 0 ||
	       (headers && buf_puts(b, headers) < 0) ? -1 : 0;
}

int http_write_response(struct http_conn *c, int status, const char *headers,
			const char *body, size_t len, int keep_alive, int head_only)
{
	struct buf b = BUF_INIT;
	int rc = put_head(&b, status, headers) < 0 || buf_puts(&b, "Content-Length: ") < 0 ||
		 put_decimal(&b, len) < 0 ||
		 buf_puts(&b, keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n") < 0
		 ? -1 : 0;
	if (rc == 0 && !head_only && len)
		rc = buf_append(&b, body, len);
	if (rc == 0)
		rc = write_all(c->out, b.p, b.len);
	buf_free(&b);
	return rc;
}

int http_write_chunked_start(struct http_conn *c, int status, const char *headers, int keep_alive)
{
	struct buf b = BUF_INIT;
	int rc = put_head(&b, status, headers) < 0 ||
		 buf_puts(&b, keep_alive ? "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
					 : "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n") < 0
		 ? -1 : 0;
	if (rc == 0)
		rc = write_all(c->out, b.p, b.len);
	buf_free(&b);
	return rc;
}

int http_write_chunk(struct http_conn *c, const char *p, size_t n)
{
	if (!n)
		return 0;	/* a zero-length chunk would end the body */
	char head[2 * sizeof n + 3];	/* hex digits of a size_t, CRLF, NUL */
	int hl = snprintf(head, sizeof head, "%zx\r\n", n);
	if (hl < 0 || (size_t)hl >= sizeof head)
		return -1;
	/* one writev: size, data and CRLF leave as one packet, not three */
	struct iovec iov[] = { { head, (size_t)hl }, { (void *)p, n }, { "\r\n", 2 } };
	return writev_all(c->out, iov, 3);
}

int http_write_chunked_end(struct http_conn *c)
{
	return write_all(c->out, "0\r\n\r\n", 5);
}
