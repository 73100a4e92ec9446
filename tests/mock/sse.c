/* sse: writes a stream's events as HTTP chunks, one event per chunk, and
 * plays the stream failures the model name asks for (stall, cut, badjson). */
#include "mock.h"

#include <string.h>

/* Gemini separates events with CRLF pairs, as streamGenerateContent does. */
static const char *eol(const struct sse *s)
{
	return s->fmt == NR_FMT_GEMINI ? "\r\n" : "\n";
}

static int write_event(struct sse *s, const char *name, const char *data, size_t n)
{
	struct buf ev = BUF_INIT;
	if (name)
		must(buf_printf(&ev, "event: %s%s", name, eol(s)));
	must(buf_puts(&ev, "data: "));
	must(buf_append(&ev, data, n));
	must(buf_printf(&ev, "%s%s", eol(s), eol(s)));
	int rc = http_chunk(s->fd, ev.p, ev.len);
	buf_free(&ev);
	return rc;
}

int sse_event(struct sse *s, const char *name, jv data, int content)
{
	if (s->fmt == NR_FMT_RESPONSES)
		data = jv_object_set(data, jv_string("sequence_number"), jv_number(s->seq++));
	jv text = jv_dump_string(data, 0);
	const char *p = jv_string_value(text);
	size_t n = strlen(p);
	/* badjson: the second event carries only the first half of its JSON */
	if (s->bh->badjson && s->events == 1)
		n /= 2;
	int rc = write_event(s, name, p, n);
	jv_free(text);
	if (rc < 0)
		return -1;
	if (++s->events == 1 && s->bh->stall_ms > 0)
		sleep_ms(s->bh->stall_ms);
	/* cut: the caller closes, with no terminal event and no last chunk */
	return s->bh->cut && content ? -1 : 0;
}

int sse_done(struct sse *s)
{
	return write_event(s, NULL, "[DONE]", 6);
}

int sse_end(struct sse *s)
{
	return http_chunk_end(s->fd);
}
