/* sse: incremental SSE parsing with bounded memory (see sse.h). Lines end in
 * \n, \r\n or \r; a lone \r at the end of the buffered input waits for the
 * next read, which may bring its \n. */
#include <errno.h>
#include <string.h>

#include "translate/sse.h"

/* Finds the end of the line starting at `from`: sets *eol (first terminator
 * byte) and *next (start of the next line). 0 when the line is not complete. */
static int find_line(const char *p, size_t len, size_t from, size_t *eol, size_t *next)
{
	for (size_t i = from; i < len; i++) {
		if (p[i] == '\n') {
			*eol = i, *next = i + 1;
			return 1;
		}
		if (p[i] == '\r') {
			if (i + 1 == len)
				return 0;	/* \r\n may be split across reads */
			*eol = i, *next = i + 1 + (p[i + 1] == '\n');
			return 1;
		}
	}
	return 0;
}

static int field(struct sse *p, const char *line, size_t n)
{
	if (n && line[0] == ':')
		return 0;	/* comment: keep-alive */
	const char *colon = memchr(line, ':', n);
	size_t klen = colon ? (size_t)(colon - line) : n;
	const char *v = colon ? colon + 1 : line + n;
	size_t vlen = (size_t)(line + n - v);
	if (vlen && *v == ' ')
		v++, vlen--;
	p->fields++;
	if (klen == 4 && !memcmp(line, "data", 4)) {
		if (p->has_data && buf_putc(&p->data, '\n') < 0)
			return -1;
		p->has_data = 1;
		return buf_append(&p->data, v, vlen);
	}
	if (klen == 5 && !memcmp(line, "event", 5)) {
		buf_reset(&p->name);
		return buf_append(&p->name, v, vlen);
	}
	return 0;	/* id, retry and unknown fields carry nothing nr uses */
}

static void reset_event(struct sse *p)
{
	buf_reset(&p->data);
	buf_reset(&p->name);
	p->fields = p->has_data = 0;
}

int sse_feed(struct sse *p, const char *s, size_t n, sse_cb *cb, void *ctx)
{
	if (buf_append(&p->in, s, n) < 0)
		return -1;
	size_t start = 0, eol, next;	/* start: first byte of the current event's raw text */
	while (find_line(p->in.p, p->in.len, p->line, &eol, &next)) {
		const char *line = p->in.p + p->line;
		size_t len = eol - p->line;
		p->line = next;
		if (len) {
			if (field(p, line, len) < 0)
				return -1;
			continue;
		}
		if (!p->has_data) {	/* a blank line ending nothing: keep it with the next event */
			reset_event(p);
			continue;
		}
		if (buf_putc(&p->data, '\0') < 0 || buf_putc(&p->name, '\0') < 0)
			return -1;
		struct sse_event ev = {
			p->name.p, p->data.p, p->data.len - 1, p->in.p + start, next - start,
		};
		int rc = cb(ctx, &ev);
		start = next;
		reset_event(p);
		if (rc < 0)
			return -1;
	}
	/* keep only the unfinished event */
	memmove(p->in.p, p->in.p + start, p->in.len - start);
	p->in.len -= start;
	p->line -= start;
	if (p->in.p)
		p->in.p[p->in.len] = '\0';
	if (p->in.len > SSE_EVENT_MAX) {	/* the unfinished event alone is too large */
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int sse_pending(struct sse *p, const char **rest, size_t *len)
{
	*rest = p->in.p ? p->in.p : "";
	*len = p->in.len;
	if (p->fields)
		return 1;
	/* an unterminated last line that is not a comment is part of an event */
	size_t i = p->line;
	return i < p->in.len && p->in.p[i] != ':' && p->in.p[i] != '\r';
}

void sse_free(struct sse *p)
{
	buf_free(&p->in);
	buf_free(&p->data);
	buf_free(&p->name);
}
