/* usage: token counts from upstream answers (see usage.h). */
#include "route/usage.h"

#include <math.h>
#include <string.h>

/* A token count, or -1 when absent or not believable: only whole numbers
 * below 2^53 (exact in a double) are taken, so no cast is undefined. */
static long long num(jv obj, const char *key)
{
	jv v = jv_object_get(obj, jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : -1;
	jv_free(v);
	return d >= 0 && d < 9007199254740992.0 && d == floor(d) ? (long long)d : -1;
}

static long long nested(jv obj, const char *outer, const char *key)
{
	jv o = jv_object_get(obj, jv_string(outer));
	long long r = jv_get_kind(o) == JV_KIND_OBJECT ? num(jv_copy(o), key) : -1;
	jv_free(o);
	return r;
}

static void set(long long *dst, long long v)
{
	if (v >= 0)
		*dst = v;
}

/* One usage object; the field names tell the format apart. Consumes u. */
static void merge(jv u, struct nr_usage *out)
{
	if (jv_get_kind(u) != JV_KIND_OBJECT) {
		jv_free(u);
		return;
	}
	long long v;
	if ((v = num(jv_copy(u), "prompt_tokens")) >= 0) {	/* openai: prompt includes cached */
		long long cached = nested(jv_copy(u), "prompt_tokens_details", "cached_tokens");
		out->input = v - (cached > 0 ? cached : 0);
		set(&out->cache_read, cached);
		set(&out->output, num(jv_copy(u), "completion_tokens"));
	} else if ((v = num(jv_copy(u), "promptTokenCount")) >= 0) {	/* gemini */
		long long cached = num(jv_copy(u), "cachedContentTokenCount");
		long long cand = num(jv_copy(u), "candidatesTokenCount");
		long long thoughts = num(jv_copy(u), "thoughtsTokenCount");
		out->input = v - (cached > 0 ? cached : 0);
		set(&out->cache_read, cached);
		if (cand >= 0 || thoughts >= 0)
			out->output = (cand > 0 ? cand : 0) + (thoughts > 0 ? thoughts : 0);
	} else {	/* anthropic (input excludes cache) or responses (input includes cached) */
		long long cached = nested(jv_copy(u), "input_tokens_details", "cached_tokens");
		if ((v = num(jv_copy(u), "input_tokens")) >= 0)
			out->input = v - (cached > 0 ? cached : 0);
		set(&out->cache_read, cached);
		set(&out->cache_read, num(jv_copy(u), "cache_read_input_tokens"));
		set(&out->cache_write, num(jv_copy(u), "cache_creation_input_tokens"));
		set(&out->output, num(jv_copy(u), "output_tokens"));
	}
	jv_free(u);
}

void nr_usage_from_json(jv obj, struct nr_usage *u)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		jv_free(obj);
		return;
	}
	static const char *const wrappers[] = { "message", "response" };
	for (int i = 0; i < 2; i++) {	/* anthropic message_start, responses response.completed */
		jv w = jv_object_get(jv_copy(obj), jv_string(wrappers[i]));
		if (jv_get_kind(w) == JV_KIND_OBJECT)
			merge(jv_object_get(w, jv_string("usage")), u);
		else
			jv_free(w);
	}
	merge(jv_object_get(jv_copy(obj), jv_string("usage")), u);
	merge(jv_object_get(obj, jv_string("usageMetadata")), u);
}

void nr_usage_scan_init(struct nr_usage_scan *s)
{
	*s = (struct nr_usage_scan){ .line = BUF_INIT, .data = BUF_INIT };
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
		nr_usage_from_json(jv_parse_sized(s->data.p, (int)s->data.len), &s->u);
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
