/* response: whole (non-streaming) responses. The source body is decoded into
 * the same events as a stream (the per-format decoders of stream_FORMAT.c),
 * collected into a message, and the target body built from it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "translate/events.h"

static int (*const decode[NR_FMT_COUNT])(struct nr_stream *, jv) = {
	resp_decode_openai, resp_decode_anthropic, resp_decode_responses, resp_decode_gemini,
};
static jv (*const build[NR_FMT_COUNT])(const struct nr_stream *) = {
	resp_build_openai, resp_build_anthropic, resp_build_responses, resp_build_gemini,
};

/* ---- the collecting "encoder": the message as blocks ---- */

static int c_start(struct nr_stream *s)
{
	(void)s;
	return 0;
}

static int c_block_start(struct nr_stream *s)
{
	struct msg *m = s->collect;
	if (m->n == m->cap) {
		int cap = m->cap ? 2 * m->cap : 8;
		struct msg_block *nb = realloc(m->b, (size_t)cap * sizeof *nb);
		if (!nb)
			return -1;
		m->b = nb, m->cap = cap;
	}
	struct msg_block *x = &m->b[m->n];
	*x = (struct msg_block){ s->blk, BUF_INIT, NULL, NULL };
	if (s->blk == BLK_TOOL) {
		x->id = strdup(s->tool_id.p ? s->tool_id.p : "");
		x->name = strdup(s->tool_name.p ? s->tool_name.p : "");
		if (!x->id || !x->name) {
			free(x->id), free(x->name);
			return -1;
		}
	}
	m->n++;
	return 0;
}

static int c_delta(struct nr_stream *s, enum delta d, const char *p, size_t n)
{
	struct msg *m = s->collect;
	if (d == D_SIGNATURE || !m->n)
		return 0;	/* signatures only survive pass-through */
	return buf_append(&m->b[m->n - 1].text, p, n);
}

static int c_block_stop(struct nr_stream *s)
{
	(void)s;
	return 0;
}

static int c_error(struct nr_stream *s, const char *type, const char *code, const char *msg)
{
	(void)type, (void)code;
	free(s->collect->error);
	s->collect->error = strdup(msg);	/* msg lives only as long as the body */
	return -1;
}

const struct encoder enc_collect = { c_start, c_block_start, c_delta, c_block_stop, c_start, c_error };

void msg_free(struct msg *m)
{
	for (int i = 0; i < m->n; i++) {
		buf_free(&m->b[i].text);
		free(m->b[i].id);
		free(m->b[i].name);
	}
	free(m->b);
	free(m->error);
}

jv nr_translate_response(jv resp, enum nr_format from, enum nr_format to, const char *model)
{
	if (from == to)
		return resp;
	if (jv_get_kind(resp) != JV_KIND_OBJECT) {
		jv_free(resp);
		return jv_invalid_with_msg(jv_string("the response body is not a JSON object"));
	}
	struct nr_stream *s = nr_stream_new(from, to, model);
	if (!s) {
		jv_free(resp);
		return jv_invalid_with_msg(jv_string("out of memory"));
	}
	struct msg m = { NULL, 0, 0, NULL };
	s->enc = &enc_collect;
	s->collect = &m;
	s->passthrough = 0;
	jv out;
	if (decode[from](s, resp) < 0) {
		if (m.error)
			out = jv_invalid_with_msg(jv_string_fmt("the %s response reports an error: %s",
								nr_format_name(from), m.error));
		else
			out = jv_invalid_with_msg(jv_string_fmt("cannot translate the %s response: %s",
								nr_format_name(from), s->why ? s->why : "out of memory"));
	} else {
		out = build[to](s);
	}
	msg_free(&m);
	nr_stream_free(s);
	return out;
}

struct nr_stream *nr_stream_whole(enum nr_format from, enum nr_format to, const char *model)
{
	struct nr_stream *s = nr_stream_new(from, to, model);
	struct msg *m = s ? calloc(1, sizeof *m) : NULL;
	if (!m) {
		nr_stream_free(s);
		return NULL;
	}
	s->enc = &enc_collect;
	s->collect = m;
	s->owns_collect = 1;
	s->passthrough = 0;	/* same format too: the events are what is kept */
	return s;
}

jv nr_stream_whole_body(struct nr_stream *s)
{
	struct buf none = BUF_INIT;	/* the collecting encoder writes nothing */
	int rc = nr_stream_end(s, &none);
	buf_free(&none);
	if (rc < 0 || s->collect->error)
		return jv_invalid_with_msg(jv_string_fmt("the %s stream %s: %s", nr_format_name(s->from),
							 s->collect->error ? "reports an error" : "is not whole",
							 s->collect->error ? s->collect->error : s->why ? s->why : "out of memory"));
	return build[s->to](s);
}

void nr_response_usage(jv resp, enum nr_format f, struct nr_usage *u)
{
	struct usage got;
	jv obj = json_get_path(resp, f == NR_FMT_GEMINI ? "usageMetadata" : "usage", NULL);
	usage_read(f, obj, &got);
	jv_free(obj);
	jv_free(resp);
	nr_usage_of(&got, u);
}
