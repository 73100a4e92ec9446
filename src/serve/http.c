/* http: bounded HTTP/1.1 request reading and response writing. */
#include "serve/http.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "io.h"

void http_conn_init(struct http_conn *c, int in, int out)
{
	memset(c, 0, sizeof *c);
	c->in = in;
	c->out = out;
	c->timeout_ms = HTTP_READ_TIMEOUT_MS_DEFAULT;
	c->body_max = HTTP_BODY_MAX_DEFAULT;
}

void http_conn_free(struct http_conn *c)
{
	buf_free(&c->rbuf);
}

/* Reads more bytes into rbuf. 1 read, 0 EOF, -1 error (errno ETIMEDOUT on timeout). */
static int fill(struct http_conn *c)
{
	if (c->rpos && c->rpos == c->rbuf.len) {
		buf_reset(&c->rbuf);
		c->rpos = 0;
	}
	struct pollfd p = { .fd = c->in, .events = POLLIN };
	for (;;) {
		int r = poll(&p, 1, c->timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		break;
	}
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
		return 1;
	}
}

/* One CRLF- or LF-terminated line of at most max bytes, NUL-terminated in a
 * new string. 1 ok, 0 EOF before any byte, -1 error (*status set). */
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

static int parse_size(const char *s, int base, size_t *out)
{
	if (!*s || !isxdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, base);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || (*end && *end != ';') || v > (size_t)-1)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int read_chunked(struct http_conn *c, struct http_request *req, int *status)
{
	for (;;) {
		char *line = NULL;
		size_t n;
		if (read_line(c, HTTP_LINE_MAX, &line, status, 400) <= 0) {
			if (!*status)
				*status = 400;
			free(line);
			return -1;
		}
		int bad = parse_size(line, 16, &n) < 0;
		free(line);
		if (bad) {
			*status = 400;
			return -1;
		}
		if (n == 0)
			break;
		if (n > c->body_max - req->body.len) {
			*status = 413;
			return -1;
		}
		if (read_bytes(c, n, &req->body, status) < 0)
			return -1;
		if (read_line(c, 2, &line, status, 400) <= 0 || *line) {
			free(line);
			*status = *status ? *status : 400;
			return -1;
		}
		free(line);
	}
	for (;;) {	/* trailers, ignored, up to the blank line */
		char *line = NULL;
		if (read_line(c, HTTP_LINE_MAX, &line, status, 431) <= 0) {
			free(line);
			*status = *status ? *status : 400;
			return -1;
		}
		int end = !*line;
		free(line);
		if (end)
			return 0;
	}
}

static int add_header(struct http_request *req, char *line, int *status)
{
	char *colon = strchr(line, ':');
	if (!colon || colon == line || req->nheaders >= HTTP_HEADER_COUNT_MAX) {
		*status = colon && colon != line ? 431 : 400;
		return -1;
	}
	for (char *p = line; p < colon; p++) {
		if (*p == ' ' || *p == '\t') {	/* no blank before the colon (RFC 9112) */
			*status = 400;
			return -1;
		}
		*p = (char)tolower((unsigned char)*p);
	}
	*colon = '\0';
	char *v = colon + 1;
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

int http_read_request(struct http_conn *c, struct http_request *req, int *status)
{
	memset(req, 0, sizeof *req);
	*status = 0;
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
			if (r == 0 || !*status)
				*status = *status ? *status : 400;
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
	const char *te = http_header(req, "transfer-encoding");
	const char *cl = http_header(req, "content-length");
	if (te) {
		if (strcasecmp(te, "chunked") != 0) {
			*status = 501;
			return -1;
		}
		if (cl) {	/* both: a smuggling vector; refuse */
			*status = 400;
			return -1;
		}
		return read_chunked(c, req, status) < 0 ? -1 : 1;
	}
	if (cl) {
		size_t n;
		if (parse_size(cl, 10, &n) < 0 || strchr(cl, ';')) {
			*status = 400;
			return -1;
		}
		if (n > c->body_max) {
			*status = 413;
			return -1;
		}
		if (read_bytes(c, n, &req->body, status) < 0)
			return -1;
	}
	return 1;
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

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
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

int http_write_response(struct http_conn *c, int status, const char *headers,
			const char *body, size_t len, int keep_alive, int head_only)
{
	struct buf b = BUF_INIT;
	int rc = buf_printf(&b, "HTTP/1.1 %d %s\r\n%sContent-Length: %zu\r\nConnection: %s\r\n\r\n",
			    status, http_reason(status), headers ? headers : "", len,
			    keep_alive ? "keep-alive" : "close");
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
	int rc = buf_printf(&b, "HTTP/1.1 %d %s\r\n%sTransfer-Encoding: chunked\r\n"
				"Connection: %s\r\n\r\n",
			    status, http_reason(status), headers ? headers : "",
			    keep_alive ? "keep-alive" : "close");
	if (rc == 0)
		rc = write_all(c->out, b.p, b.len);
	buf_free(&b);
	return rc;
}

int http_write_chunk(struct http_conn *c, const char *p, size_t n)
{
	if (!n)
		return 0;	/* a zero-length chunk would end the body */
	char head[32];
	int hl = snprintf(head, sizeof head, "%zx\r\n", n);
	if (write_all(c->out, head, (size_t)hl) < 0 || write_all(c->out, p, n) < 0)
		return -1;
	return write_all(c->out, "\r\n", 2);
}

int http_write_chunked_end(struct http_conn *c)
{
	return write_all(c->out, "0\r\n\r\n", 5);
}
