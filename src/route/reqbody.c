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

/* Whether drop= names the member of key span k (or, k.p NULL, name). */
static int dropped(const struct nr_provider *p, struct json_span k, const char *name)
{
	for (size_t i = 0; i < p->ndrop; i++)
		if (k.p ? json_str_is(k, p->drop[i]) : strcmp(name, p->drop[i]) == 0)
			return 1;
	return 0;
}

/* The rule for the member of key span k (the last line for its name), or NULL. */
static const struct nr_body_rule *rule_for(const struct nr_provider *p, struct json_span k)
{
	for (size_t i = p->nrules; i-- > 0;)
		if (json_str_is(k, p->rules[i].name))
			return &p->rules[i];
	return NULL;
}

/* Whether a member's value counts as missing for default.NAME: null or "". */
static int blank(struct json_span v)
{
	return (v.n == 4 && memcmp(v.p, "null", 4) == 0) || (v.n == 2 && memcmp(v.p, "\"\"", 2) == 0);
}

/* p's rewrites of the body: the top object written again member by member,
 * each kept one with its own bytes (key and value as they were), the set
 * ones with the file's JSON. 0, or -1 (out of memory, or not an object). */
static int rewrite(const struct nr_provider *p, struct buf *body)
{
	struct json_span top, k, v;
	char e[64];
	if (json_validate(body->p ? body->p : "", body->len, &top, e, sizeof e) < 0 || json_type_of(top) != JSON_OBJECT)
		return -1;
	struct buf out = BUF_INIT;
	int rc = buf_putc(&out, '{'), n = 0;
	struct json_iter it = json_iter_init(top);
	while (rc == 0 && json_object_next(&it, &k, &v)) {
		int drop = dropped(p, k, NULL);
		const struct nr_body_rule *r = drop ? NULL : rule_for(p, k);
		int stream = p->stream_always && json_str_is(k, "stream");
		if (drop || stream || (r && (!r->only_missing || blank(v))))
			continue;	/* gone, or written below with the rule's value */
		rc = (n++ ? buf_putc(&out, ',') : 0) || buf_append(&out, k.p, (size_t)(v.p + v.n - k.p));
	}
	for (size_t i = 0; rc == 0 && i < p->nrules; i++) {
		const struct nr_body_rule *r = &p->rules[i];
		int later = 0;	/* a later line for the same name wins */
		for (size_t j = i + 1; j < p->nrules; j++)
			later |= strcmp(p->rules[j].name, r->name) == 0;
		/* a default the body has (and drop= leaves) was kept above */
		struct json_span had = json_get(top, r->name), none = { 0 };
		if (later || (r->only_missing && had.n && !blank(had) && !dropped(p, none, r->name)))
			continue;
		rc = (n++ ? buf_putc(&out, ',') : 0) || json_cstr(&out, r->name) || buf_putc(&out, ':') ||
		     buf_puts(&out, r->json);
	}
	if (rc == 0 && p->stream_always)
		rc = (n++ ? buf_putc(&out, ',') : 0) || buf_puts(&out, "\"stream\":true");
	if (rc == 0)
		rc = buf_putc(&out, '}');
	if (rc == 0) {
		buf_free(body);
		*body = out;
	} else {
		buf_free(&out);
	}
	return rc ? -1 : 0;
}

static int body_for(struct nr_request *rq, const struct nr_target *t, enum nr_format to,
		    struct buf *out, int *usage_added, struct buf *why);

int nr_request_body(struct nr_request *rq, const struct nr_target *t, const struct nr_provider *p,
		    struct buf *out, int *usage_added, struct buf *why)
{
	int rc = body_for(rq, t, p->format, out, usage_added, why);
	if (rc == 0 && nr_provider_rewrites(p) && rewrite(p, out) < 0) {
		buf_puts(why, "out of memory");
		rc = -1;
	}
	return rc;
}

static int body_for(struct nr_request *rq, const struct nr_target *t, enum nr_format to,
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
