/* reqbody: the request body one target gets (see reqbody.h). */
#include "route/reqbody.h"

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "json_edit.h"
#include "translate/translate.h"

jv nr_request_json(struct nr_request *rq)
{
	if (!rq->parsed) {
		rq->body = json_parse(rq->text, rq->len);
		rq->parsed = 1;
	}
	return rq->body;
}

/* The member a target's max_tokens goes in, for format `to`. */
static const char *max_tokens_name(enum nr_format to, int has_completion_tokens)
{
	switch (to) {
	case NR_FMT_RESPONSES: return "max_output_tokens";
	case NR_FMT_OPENAI: return has_completion_tokens ? "max_completion_tokens" : "max_tokens";
	case NR_FMT_GEMINI: return "maxOutputTokens";	/* inside generationConfig */
	default: return "max_tokens";
	}
}

/* Sets name inside the object member `outer` of top, creating it if need be. */
static int set_nested(struct edits *e, const char *doc, struct json_span top, const char *outer,
		      const char *name, const char *val)
{
	struct json_span o = json_get(top, outer);
	if (json_type_of(o) == JSON_OBJECT && o.n)
		return edits_set_member(e, doc, o, name, val, strlen(val));
	struct buf m = BUF_INIT;
	int rc = buf_putc(&m, '{');
	if (rc == 0)
		rc = json_cstr(&m, name);
	if (rc == 0)
		rc = buf_printf(&m, ":%s}", val);
	if (rc == 0)
		rc = edits_set_member(e, doc, top, outer, m.p, m.len);
	buf_free(&m);
	return rc;
}

/* The client's bytes with the members nr sets edited in place. */
static int same_format(const struct nr_request *rq, const struct nr_target *t, enum nr_format to,
		       struct buf *out, int *usage_added)
{
	struct edits e = EDITS_INIT;
	struct buf v = BUF_INIT;
	const char *doc = rq->text;
	int rc = 0;
	if (to != NR_FMT_GEMINI) {
		if (!json_str_is(json_get(rq->top, "model"), t->model))
			rc = json_cstr(&v, t->model) < 0 ? -1 : edits_set_member(&e, doc, rq->top, "model", v.p, v.len);
		if (rc == 0 && rq->stream)
			rc = edits_set_member(&e, doc, rq->top, "stream", "true", 4);
		/* usage in openai streams only comes when asked: nr always asks */
		if (rc == 0 && rq->stream && to == NR_FMT_OPENAI &&
		    !json_is_true(json_get(rq->top, "stream_options"), "include_usage")) {
			rc = set_nested(&e, doc, rq->top, "stream_options", "include_usage", "true");
			*usage_added = 1;
		}
	}
	if (rc == 0 && t->max_tokens > 0) {
		buf_reset(&v);
		rc = buf_printf(&v, "%ld", (long)t->max_tokens);
		const char *name = max_tokens_name(to, json_get(rq->top, "max_completion_tokens").n > 0);
		if (rc == 0 && to == NR_FMT_GEMINI)
			rc = set_nested(&e, doc, rq->top, "generationConfig", name, v.p);
		else if (rc == 0)
			rc = edits_set_member(&e, doc, rq->top, name, v.p, v.len);
	}
	if (rc == 0)
		rc = edits_apply(&e, doc, rq->len, out);
	edits_free(&e);
	buf_free(&v);
	return rc;
}

/* The request translated F→T, model and stream set, the target's max_tokens applied. */
static jv translated(struct nr_request *rq, const struct nr_target *t, enum nr_format to)
{
	jv req = nr_request_json(rq);
	if (!jv_is_valid(req))
		return jv_copy(req);
	jv b = nr_translate_request(jv_copy(req), rq->from, to, t->model);
	if (!jv_is_valid(b) || jv_get_kind(b) != JV_KIND_OBJECT)
		return jv_is_valid(b) ? (jv_free(b), jv_invalid_with_msg(jv_string("not an object"))) : b;
	if (to != NR_FMT_GEMINI) {
		b = jv_object_set(b, jv_string("model"), jv_string(t->model));
		if (rq->stream)
			b = jv_object_set(b, jv_string("stream"), jv_true());
		if (rq->stream && to == NR_FMT_OPENAI)
			b = jv_object_set(b, jv_string("stream_options"),
					  JV_OBJECT(jv_string("include_usage"), jv_true()));
	}
	if (t->max_tokens > 0) {
		jv n = jv_number((double)t->max_tokens);
		const char *name = max_tokens_name(to, jv_object_has(jv_copy(b), jv_string("max_completion_tokens")));
		if (to == NR_FMT_GEMINI) {
			jv gc = jv_object_get(jv_copy(b), jv_string("generationConfig"));
			if (jv_get_kind(gc) != JV_KIND_OBJECT) {
				jv_free(gc);
				gc = jv_object();
			}
			b = jv_object_set(b, jv_string("generationConfig"), jv_object_set(gc, jv_string(name), n));
		} else {
			b = jv_object_set(b, jv_string(name), n);
		}
	}
	return b;
}

int nr_request_body(struct nr_request *rq, const struct nr_target *t, enum nr_format to,
		    struct buf *out, int *usage_added, struct buf *why)
{
	*usage_added = 0;
	buf_reset(out);
	/* an empty {} would take two inserted members without a comma between them */
	if (to == rq->from && !json_is_empty(rq->top)) {
		if (same_format(rq, t, to, out, usage_added) == 0)
			return 0;
		buf_puts(why, "out of memory");
		return -1;
	}
	jv b = translated(rq, t, to);
	if (!jv_is_valid(b)) {
		jv m = jv_invalid_get_msg(b);
		buf_printf(why, "unable to translate the request to %s: %s", nr_format_name(to),
			   jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "invalid JSON");
		jv_free(m);
		return -2;
	}
	/* the values carried over go out as the client wrote them (1.0, not 1) */
	if (json_dump(out, b) < 0 ||
	    nr_keep_written(NR_BODY_REQUEST, rq->from, rq->text, rq->len, to, out) < 0) {
		buf_puts(why, "out of memory");
		return -1;
	}
	return 0;
}
