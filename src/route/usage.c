/* usage: token counts from upstream answers (see usage.h). */
#include "route/usage.h"

#include <string.h>

static void set(long long *dst, long long v)
{
	if (v >= 0)
		*dst = v;
}

/* One usage object, read by the translator's reader (one definition of the
 * counts for the whole program); what it knows replaces what u had. */
static void merge(jv obj, enum nr_format f, struct nr_usage *out)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		jv_free(obj);
		return;
	}
	struct nr_usage got;
	nr_usage_read(f, obj, &got);
	set(&out->input, got.input);
	set(&out->output, got.output);
	set(&out->cache_read, got.cache_read);
	set(&out->cache_write, got.cache_write);
}

void nr_usage_from_json(jv obj, enum nr_format f, struct nr_usage *u)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		jv_free(obj);
		return;
	}
	static const char *const wrappers[] = { "message", "response" };
	for (int i = 0; i < 2; i++) {	/* anthropic message_start, responses response.completed */
		jv w = jv_object_get(jv_copy(obj), jv_string(wrappers[i]));
		if (jv_get_kind(w) == JV_KIND_OBJECT)
			merge(jv_object_get(w, jv_string("usage")), f, u);
		else
			jv_free(w);
	}
	merge(jv_object_get(jv_copy(obj), jv_string("usage")), f, u);
	merge(jv_object_get(obj, jv_string("usageMetadata")), f, u);
}

void nr_usage_scan_init(struct nr_usage_scan *s, enum nr_format f)
{
	*s = (struct nr_usage_scan){ .line = BUF_INIT, .data = BUF_INIT, .format = f };
	s->u.input = s->u.output = s->u.cache_read = s->u.cache_write = -1;
}

void nr_usage_scan_free(struct nr_usage_scan *s)
{
	buf_free(&s->line);
	buf_free(&s->data);
}

static void end_event(struct nr_usage_scan *s)
{
	if (!s->skip_event && s->data.len && memmem(s->data.p, s->data.len, "sage", 4))
		nr_usage_from_json(jv_parse_sized(s->data.p, (int)s->data.len), s->format, &s->u);
	buf_reset(&s->data);
	s->skip_event = 0;
}

static void end_line(struct nr_usage_scan *s)
{
	struct buf *l = &s->line;
	if (s->skip_line)
		s->skip_event = 1;	/* an over-long line: the event is content */
	else if (l->len == 0)
		end_event(s);
	else if (l->len >= 5 && memcmp(l->p, "data:", 5) == 0 && !s->skip_event) {
		size_t off = l->len > 5 && l->p[5] == ' ' ? 6 : 5;
		if ((s->data.len && buf_putc(&s->data, '\n') < 0) ||
		    buf_append(&s->data, l->p + off, l->len - off) < 0)
			s->skip_event = 1;
	}
	buf_reset(l);
	s->skip_line = 0;
}

void nr_usage_scan_feed(struct nr_usage_scan *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\n' && s->last_cr) {	/* the \n of \r\n */
			s->last_cr = 0;
			continue;
		}
		s->last_cr = c == '\r';
		if (c == '\n' || c == '\r') {
			end_line(s);
			continue;
		}
		/* copy runs of ordinary bytes at once */
		size_t j = i;
		while (j < n && p[j] != '\n' && p[j] != '\r')
			j++;
		if (!s->skip_line) {
			if (s->line.len + (j - i) > NR_USAGE_EVENT_MAX || buf_append(&s->line, p + i, j - i) < 0) {
				s->skip_line = 1;
				buf_reset(&s->line);
			}
		}
		i = j - 1;
	}
}
