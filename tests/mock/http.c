/* http: reading HTTP/1.1 requests (Content-Length or chunked bodies) from a
 * connection, and writing response heads and chunks. */
#include "mock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "io.h"

/* Reads more bytes into c->in; 1, 0 on EOF, -1 on error. */
static int conn_fill(struct conn *c)
{
	if (c->off > 0 && c->off == c->in.len) {
		buf_reset(&c->in);
		c->off = 0;
	}
	must(buf_reserve(&c->in, 16384));
	for (;;) {
		ssize_t r = read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : 0;
		c->in.len += (size_t)r;
		c->in.p[c->in.len] = '\0';
		return 1;
	}
}

/* The next line without its "\r\n" or "\n" (NUL-terminated in place), at
 * most `max` bytes. 1, 0 on EOF, -1 on error or too long (*too_long set). */
static int conn_line(struct conn *c, char **line, size_t max, int *too_long)
{
	for (;;) {
		char *start = c->in.p ? c->in.p + c->off : NULL;
		char *nl = start ? memchr(start, '\n', c->in.len - c->off) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - start);
			size_t text = n > 0 && start[n - 1] == '\r' ? n - 1 : n;
			if (text > max) {
				*too_long = 1;
				return -1;
			}
			start[text] = '\0';
			/* keep the line valid across later fills: move it out */
			*line = strdup(start);
			must(*line ? 0 : -1);
			c->off += n + 1;
			return 1;
		}
		if (c->in.len - c->off > max) {
			*too_long = 1;
			return -1;
		}
		int r = conn_fill(c);
		if (r <= 0)
			return r;
	}
}

/* Appends exactly n bytes of the connection to out; 0, or -1 when it ended. */
static int conn_take(struct conn *c, size_t n, struct buf *out)
{
	while (n > 0) {
		if (c->off == c->in.len && conn_fill(c) <= 0)
			return -1;
		size_t have = c->in.len - c->off;
		size_t k = have < n ? have : n;
		must(buf_append(out, c->in.p + c->off, k));
		c->off += k;
		n -= k;
	}
	return 0;
}

static int read_chunked(struct conn *c, struct buf *body, int *status)
{
	int too_long = 0;
	for (;;) {
		char *line = NULL, *end;
		if (conn_line(c, &line, 1024, &too_long) <= 0)
			return -1;
		errno = 0;
		unsigned long long n = strtoull(line, &end, 16);
		int bad = end == line || errno || (*end && *end != ';' && *end != ' ');
		free(line);
		if (bad) {
			*status = 400;
			return -1;
		}
		if (n > MOCK_MAX_BODY || body->len + n > MOCK_MAX_BODY) {
			*status = 413;
			return -1;
		}
		if (n == 0)
			break;
		if (conn_take(c, (size_t)n, body) < 0 || conn_line(c, &line, 0, &too_long) <= 0)
			return -1;
		free(line);
	}
	/* trailers, up to the blank line */
	for (;;) {
		char *line = NULL;
		if (conn_line(c, &line, MOCK_MAX_HEAD, &too_long) <= 0)
			return -1;
		int blank = line[0] == '\0';
		free(line);
		if (blank)
			return 0;
	}
}

static int add_header(struct request *rq, char *line)
{
	char *colon = strchr(line, ':');
	if (!colon || colon == line)
		return -1;
	*colon = '\0';
	for (char *p = line; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t vl = strlen(v);
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		v[--vl] = '\0';
	struct header *h = reallocarray(rq->hdr, rq->nhdr + 1, sizeof *h);
	must(h ? 0 : -1);
	rq->hdr = h;
	h[rq->nhdr].name = strdup(line);
	h[rq->nhdr].value = strdup(v);
	must(h[rq->nhdr].name && h[rq->nhdr].value ? 0 : -1);
	rq->nhdr++;
	return 0;
}

/* "METHOD TARGET HTTP/1.x" → rq fields; -1 when malformed. */
static int parse_request_line(struct request *rq, const char *line, int *http10)
{
	const char *sp1 = strchr(line, ' ');
	const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || sp1[1] != '/' || strchr(sp2 + 1, ' '))
		return -1;
	const char *version = sp2 + 1;
	if (strcmp(version, "HTTP/1.1") != 0 && strcmp(version, "HTTP/1.0") != 0)
		return -1;
	*http10 = strcmp(version, "HTTP/1.0") == 0;
	const char *target = sp1 + 1;
	const char *q = memchr(target, '?', (size_t)(sp2 - target));
	const char *path_end = q ? q : sp2;
	rq->method = strndup(line, (size_t)(sp1 - line));
	rq->path = strndup(target, (size_t)(path_end - target));
	rq->query = q ? strndup(q + 1, (size_t)(sp2 - q - 1)) : strdup("");
	must(rq->method && rq->path && rq->query ? 0 : -1);
	return 0;
}

int http_read_request(struct conn *c, struct request *rq, int *status)
{
	memset(rq, 0, sizeof *rq);
	*status = 0;
	int too_long = 0, http10 = 0;
	char *line = NULL;
	int r;
	/* tolerate blank lines between requests (RFC 9112 §2.2) */
	while ((r = conn_line(c, &line, MOCK_MAX_HEAD, &too_long)) == 1 && line[0] == '\0')
		free(line);
	if (r <= 0) {
		*status = too_long ? 431 : 0;
		return r == 0 ? 0 : -1;
	}
	int bad = parse_request_line(rq, line, &http10);
	free(line);
	if (bad) {
		*status = 400;
		return -1;
	}
	size_t head = 0;
	for (;;) {
		if ((r = conn_line(c, &line, MOCK_MAX_HEAD, &too_long)) <= 0) {
			*status = too_long ? 431 : 0;
			return -1;
		}
		head += strlen(line);
		if (line[0] == '\0' || head > MOCK_MAX_HEAD) {
			free(line);
			break;
		}
		bad = add_header(rq, line);
		free(line);
		if (bad) {
			*status = 400;
			return -1;
		}
	}
	if (head > MOCK_MAX_HEAD) {
		*status = 431;
		return -1;
	}
	const char *conn = request_header(rq, "connection");
	rq->keep_alive = http10 ? conn && strcasecmp(conn, "keep-alive") == 0
				: !(conn && strcasecmp(conn, "close") == 0);
	const char *expect = request_header(rq, "expect");
	if (expect && strcasecmp(expect, "100-continue") == 0) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (write_all(c->fd, cont, sizeof cont - 1) < 0)
			return -1;
	}
	const char *te = request_header(rq, "transfer-encoding");
	const char *cl = request_header(rq, "content-length");
	if (te && strcasecmp(te, "chunked") == 0)
		return read_chunked(c, &rq->body, status) < 0 ? -1 : 1;
	if (te) {
		*status = 400;	/* RFC 9112 §6.1: an unknown coding cannot be framed */
		return -1;
	}
	if (cl) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(cl, &end, 10);
		if (end == cl || *end || errno || cl[0] == '-') {
			*status = 400;
			return -1;
		}
		if (n > MOCK_MAX_BODY) {
			*status = 413;
			return -1;
		}
		must(buf_reserve(&rq->body, (size_t)n));
		if (conn_take(c, (size_t)n, &rq->body) < 0)
			return -1;
	}
	return 1;
}

void request_free(struct request *rq)
{
	free(rq->method);
	free(rq->path);
	free(rq->query);
	for (size_t i = 0; i < rq->nhdr; i++) {
		free(rq->hdr[i].name);
		free(rq->hdr[i].value);
	}
	free(rq->hdr);
	buf_free(&rq->body);
	memset(rq, 0, sizeof *rq);
}

const char *request_header(const struct request *rq, const char *name)
{
	for (size_t i = 0; i < rq->nhdr; i++)
		if (strcmp(rq->hdr[i].name, name) == 0)
			return rq->hdr[i].value;
	return NULL;
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* Decodes n bytes of a query or form field onto out ('+' is a space, %XX a
 * byte); -1 on a malformed escape or an encoded NUL. */
static int form_decode(const char *p, size_t n, struct buf *out)
{
	must(buf_puts(out, ""));
	for (size_t i = 0; i < n; i++) {
		char c = p[i] == '+' ? ' ' : p[i];
		if (c == '%') {
			if (n - i < 3 || !isxdigit((unsigned char)p[i + 1]) || !isxdigit((unsigned char)p[i + 2]))
				return -1;
			c = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
			if (c == '\0')
				return -1;
			i += 2;
		}
		must(buf_putc(out, c));
	}
	return 0;
}

jv form_parse(const char *p, size_t n)
{
	jv fields = jv_object();
	for (size_t i = 0; i < n;) {
		const char *amp = memchr(p + i, '&', n - i);
		size_t end = amp ? (size_t)(amp - p) : n;
		const char *eq = memchr(p + i, '=', end - i);
		size_t name_end = eq ? (size_t)(eq - p) : end;
		struct buf name = BUF_INIT, value = BUF_INIT;
		int bad = form_decode(p + i, name_end - i, &name) < 0 ||
			  form_decode(eq ? eq + 1 : p + end, eq ? end - name_end - 1 : 0, &value) < 0;
		if (!bad && name.len > 0 && !jv_object_has(jv_copy(fields), jv_string(name.p)))
			fields = jv_object_set(fields, jv_string(name.p), jv_string_sized(value.p, (int)value.len));
		buf_free(&name);
		buf_free(&value);
		if (bad) {
			jv_free(fields);
			return jv_invalid();
		}
		i = end + 1;
	}
	return fields;
}

char *request_query(const struct request *rq, const char *name)
{
	jv fields = form_parse(rq->query, strlen(rq->query));
	jv v = jv_is_valid(fields) ? jv_object_get(fields, jv_string(name)) : fields;
	char *s = NULL;
	if (jv_is_valid(v)) {
		s = strdup(jv_string_value(v));
		must(s ? 0 : -1);
	}
	jv_free(v);
	return s;
}

void url_encode(struct buf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			must(buf_putc(out, (char)c));
		else
			must(buf_printf(out, "%%%02X", c));
	}
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 529: return "Overloaded";
	default: return "Status";
	}
}

int http_head(int fd, int status, const char *content_type, long content_length,
	      const char *extra, int keep_alive)
{
	struct buf h = BUF_INIT;
	must(buf_printf(&h, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n", status, reason(status),
			content_type));
	if (content_length >= 0)
		must(buf_printf(&h, "Content-Length: %ld\r\n", content_length));
	else
		must(buf_puts(&h, "Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\n"));
	must(buf_printf(&h, "Connection: %s\r\n%s\r\n", keep_alive ? "keep-alive" : "close",
			extra ? extra : ""));
	int rc = write_all(fd, h.p, h.len);
	buf_free(&h);
	return rc;
}

int http_reply(int fd, int status, const char *content_type, const struct buf *body,
	       const char *extra, int keep_alive)
{
	if (http_head(fd, status, content_type, (long)body->len, extra, keep_alive) < 0)
		return -1;
	raw_answer(body->p, body->len);
	return write_all(fd, body->p ? body->p : "", body->len);
}

int http_chunk(int fd, const void *p, size_t n)
{
	if (n == 0)
		return 0;	/* an empty chunk would end the body */
	/* one write per chunk: an event leaves in one segment */
	struct buf c = BUF_INIT;
	must(buf_printf(&c, "%zx\r\n", n));
	must(buf_append(&c, p, n));
	must(buf_puts(&c, "\r\n"));
	int rc = write_all(fd, c.p, c.len);
	buf_free(&c);
	raw_answer(p, n);
	return rc;
}

int http_chunk_end(int fd)
{
	return write_all(fd, "0\r\n\r\n", 5);
}
