/* stream_openai: Chat Completions streams and bodies ↔ the event model.
 * Stream: `data: {chat.completion.chunk}` events, then `data: [DONE]`. */
#include <string.h>

#include "json.h"
#include "translate/events.h"

/* ---- finish reasons (PROTOCOLS 5.4) ---- */

static enum fin fin_from(const char *r)
{
	if (!strcmp(r, "length")) return FIN_LENGTH;
	if (!strcmp(r, "tool_calls") || !strcmp(r, "function_call")) return FIN_TOOL;
	if (!strcmp(r, "content_filter")) return FIN_FILTER;
	return FIN_STOP;
}

static const char *fin_to(enum fin f)
{
	switch (f) {
	case FIN_LENGTH: case FIN_CONTEXT: return "length";
	case FIN_TOOL: return "tool_calls";
	case FIN_FILTER: return "content_filter";
	default: return "stop";
	}
}

/* ---- encoder ---- */

static int head(struct nr_stream *s)
{
	struct buf *b = s->out;
	if (buf_puts(b, "data: {\"id\":") < 0 || json_str(b, s->id.p, s->id.len) < 0 ||
	    buf_printf(b, ",\"object\":\"chat.completion.chunk\",\"created\":%lld,\"model\":", s->created) < 0 ||
	    json_str(b, s->model.p, s->model.len) < 0)
		return -1;
	return buf_puts(b, ",\"choices\":[");
}

static int tail(struct nr_stream *s)
{
	return buf_puts(s->out, "},\"finish_reason\":null}]}\n\n");
}

static int enc_start(struct nr_stream *s)
{
	if (head(s) < 0 || buf_puts(s->out, "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"") < 0)
		return -1;
	return tail(s);
}

static int enc_block_start(struct nr_stream *s)
{
	if (s->blk != BLK_TOOL)
		return 0;	/* text and reasoning need no announcement */
	struct buf *b = s->out;
	if (head(s) < 0 || buf_printf(b, "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,\"id\":",
				       s->ntools - 1) < 0 ||
	    json_str(b, s->tool_id.p, s->tool_id.len) < 0 ||
	    buf_puts(b, ",\"type\":\"function\",\"function\":{\"name\":") < 0 ||
	    json_str(b, s->tool_name.p, s->tool_name.len) < 0 || buf_puts(b, ",\"arguments\":\"\"}}]") < 0)
		return -1;
	return tail(s);
}

static int enc_delta(struct nr_stream *s, enum delta d, const char *p, size_t n)
{
	struct buf *b = s->out;
	int rc;
	switch (d) {
	case D_SIGNATURE:
		return 0;	/* no place for opaque reasoning state (PROTOCOLS 5.7) */
	case D_TEXT:
		rc = head(s) < 0 || buf_puts(b, "{\"index\":0,\"delta\":{\"content\":") < 0 ||
		     json_str(b, p, n) < 0;
		break;
	case D_THINKING:	/* the non-standard field OpenAI-compatible servers use */
		rc = head(s) < 0 || buf_puts(b, "{\"index\":0,\"delta\":{\"reasoning_content\":") < 0 ||
		     json_str(b, p, n) < 0;
		break;
	default:
		rc = head(s) < 0 ||
		     buf_printf(b, "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,\"function\":"
				"{\"arguments\":", s->ntools - 1) < 0 ||
		     json_str(b, p, n) < 0 || buf_puts(b, "}}]") < 0;
	}
	return rc ? -1 : tail(s);
}

static int enc_block_stop(struct nr_stream *s)
{
	(void)s;
	return 0;
}

static int enc_end(struct nr_stream *s)
{
	struct buf *b = s->out;
	if (head(s) < 0 || buf_printf(b, "{\"index\":0,\"delta\":{},\"finish_reason\":\"%s\"}]}\n\n",
				       fin_to(ev_final_finish(s))) < 0)
		return -1;
	/* the usage chunk comes after the finish chunk, with no choices */
	if (s->usage.input >= 0 || s->usage.output >= 0) {
		if (head(s) < 0 || buf_puts(b, "],\"usage\":") < 0 || usage_openai(b, &s->usage) < 0 ||
		    buf_puts(b, "}\n\n") < 0)
			return -1;
	}
	return buf_puts(b, "data: [DONE]\n\n");
}

static const char *err_type_to(const char *type)
{
	static const char *const t[][2] = {
		{ "invalid_request", "invalid_request_error" }, { "authentication", "authentication_error" },
		{ "permission", "permission_error" }, { "not_found", "not_found_error" },
		{ "rate_limit", "rate_limit_error" }, { "overloaded", "server_error" },
		{ "timeout", "timeout" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(t[i][0], type))
			return t[i][1];
	return "server_error";
}

/* openai and responses share error codes: keep the source's, else one per category */
const char *openai_err_code(const char *type, const char *code)
{
	if (code)
		return code;
	if (!strcmp(type, "rate_limit")) return "rate_limit_exceeded";
	if (!strcmp(type, "invalid_request")) return "invalid_request_error";
	if (!strcmp(type, "authentication")) return "invalid_api_key";
	if (!strcmp(type, "not_found")) return "model_not_found";
	return "server_error";
}

static int enc_error(struct nr_stream *s, const char *type, const char *code, const char *msg)
{
	/* no [DONE] after an error (PROTOCOLS 6.3) */
	struct buf *b = s->out;
	if (buf_puts(b, "data: {\"error\":{\"message\":") < 0 || json_cstr(b, msg) < 0 ||
	    buf_printf(b, ",\"type\":\"%s\",\"param\":null,\"code\":", err_type_to(type)) < 0 ||
	    json_cstr(b, openai_err_code(type, code)) < 0)
		return -1;
	return buf_puts(b, "}}\n\n");
}

const struct encoder enc_openai = {
	enc_start, enc_block_start, enc_delta, enc_block_stop, enc_end, enc_error,
};

/* ---- decoder ---- */

#define str json_str_field

/* borrows err */
static int error_event(struct nr_stream *s, jv err)
{
	jv codev = json_get_path(err, "code", NULL), typev = json_get_path(err, "type", NULL),
	   msgv = json_get_path(err, "message", NULL);
	const char *c = json_str_or(codev, NULL), *t = json_str_or(typev, NULL);
	int rc = ev_error(s, err_type_from(NR_FMT_OPENAI, c ? c : t), c,
			  json_str_or(msgv, "the upstream reported an error"));
	jv_free(codev), jv_free(typev), jv_free(msgv);
	return rc;
}

/* One tool_calls fragment. Calls arrive one after another (the first fragment
 * of each carries its id and name); a fragment for a call already closed
 * cannot be written to targets whose blocks are sequential. */
static int tool_fragment(struct nr_stream *s, jv tc)
{
	long long idx = json_ll(json_get_path(tc, "index", NULL));
	jv idv = json_get_path(tc, "id", NULL), fn = json_get_path(tc, "function", NULL);
	const char *id = json_str_or(idv, ""), *name = NULL, *args = NULL;
	size_t nlen = 0, alen = 0;
	if (!str(fn, "name", &name, &nlen) || !nlen)
		name = NULL;
	str(fn, "arguments", &args, &alen);
	if (idx < 0)
		idx = s->d.openai.tool_index < 0 ? 0 : s->d.openai.tool_index;	/* no index: the current call */
	int rc = 0;
	int same = s->blk == BLK_TOOL && idx == s->d.openai.tool_index &&
		   (!*id || !strcmp(id, s->tool_id.p ? s->tool_id.p : ""));
	if (!same) {
		if (*id || name) {
			if (idx < s->d.openai.tool_index)
				rc = ev_broken(s, "tool-call fragments interleaved across calls");
			else if ((rc = ev_tool(s, id, name)) == 0)
				s->d.openai.tool_index = (int)idx;
		} else if (alen) {
			rc = ev_broken(s, "tool-call arguments for a call that is not open");
		}
	}
	if (!rc && alen && s->blk == BLK_TOOL)
		rc = ev_delta(s, D_ARGS, args, alen);
	jv_free(idv), jv_free(fn);
	return rc;
}

/* one choice's delta (or a whole message); borrows ch and delta */
static int choice(struct nr_stream *s, jv ch, jv delta)
{
	const char *p;
	size_t n;
	int rc = 0;
	if (str(delta, "reasoning_content", &p, &n) || str(delta, "reasoning", &p, &n))
		rc = ev_delta(s, D_THINKING, p, n);
	if (!rc && str(delta, "content", &p, &n))
		rc = ev_delta(s, D_TEXT, p, n);
	jv tcs = json_get_path(delta, "tool_calls", NULL);
	if (jv_get_kind(tcs) == JV_KIND_ARRAY)
		jv_array_foreach(tcs, i, tc) {
			if (!rc)
				rc = tool_fragment(s, tc);
			jv_free(tc);
		}
	jv_free(tcs);
	if (!rc && str(ch, "finish_reason", &p, &n)) {
		ev_finish(s, fin_from(p));
		s->d.openai.finish_seen = 1;
	}
	return rc;
}

static int chunk(struct nr_stream *s, jv j)
{
	jv err = json_get_path(j, "error", NULL);
	if (jv_get_kind(err) == JV_KIND_OBJECT) {
		int rc = error_event(s, err);
		jv_free(err);
		return rc;
	}
	jv_free(err);
	jv choices = json_get_path(j, "choices", NULL);
	int rc = 0;
	if (jv_get_kind(choices) == JV_KIND_ARRAY && jv_array_length(jv_copy(choices)) > 0) {
		if (!s->started) {
			jv id = json_get_path(j, "id", NULL), model = json_get_path(j, "model", NULL);
			long long created = json_ll(json_get_path(j, "created", NULL));
			if (created > 0)
				s->created = created;
			rc = ev_start(s, json_str_or(id, NULL), json_str_or(model, NULL));
			jv_free(id), jv_free(model);
		}
		jv ch = jv_array_get(jv_copy(choices), 0);	/* one choice: n>1 is not translated */
		jv delta = json_get_path(ch, "delta", NULL);
		if (!rc)
			rc = choice(s, ch, delta);
		jv_free(delta);
		jv_free(ch);
	}
	int no_choices = jv_get_kind(choices) == JV_KIND_ARRAY && jv_array_length(jv_copy(choices)) == 0;
	jv_free(choices);
	jv u = json_get_path(j, "usage", NULL);
	if (jv_get_kind(u) == JV_KIND_OBJECT) {
		struct usage got;
		s->usage_only = no_choices;
		usage_read(NR_FMT_OPENAI, u, &got);
		usage_merge(&s->usage, &got);
	}
	jv_free(u);
	return rc;
}

static int dec_event(struct nr_stream *s, const struct sse_event *e)
{
	if (!strcmp(e->data, "[DONE]"))
		return ev_done(s);
	jv j = json_parse(e->data, e->data_len);
	if (jv_get_kind(j) != JV_KIND_OBJECT) {
		jv_free(j);
		return ev_broken(s, "an event's data is not a JSON object");
	}
	int rc = chunk(s, j);
	jv_free(j);
	return rc;
}

/* A stream that gave its finish_reason and then closed without [DONE] is
 * complete: many OpenAI-compatible servers omit it. */
static int dec_complete(struct nr_stream *s)
{
	if (!s->d.openai.finish_seen)
		return 0;
	return ev_done(s) == 0;
}

const struct decoder dec_openai = { dec_event, dec_complete };

/* ---- whole responses ---- */

int resp_decode_openai(struct nr_stream *s, jv r)
{
	s->d.openai.tool_index = -1;
	jv ch = json_first(json_get_path(r, "choices", NULL));
	if (!jv_is_valid(ch) || jv_get_kind(ch) != JV_KIND_OBJECT) {
		jv_free(ch);
		jv_free(r);
		return ev_broken(s, "no choices[0] in the openai response");
	}
	long long created = json_ll(json_get_path(r, "created", NULL));
	if (created > 0)
		s->created = created;
	jv id = json_get_path(r, "id", NULL), model = json_get_path(r, "model", NULL);
	int rc = ev_start(s, json_str_or(id, NULL), json_str_or(model, NULL));
	jv_free(id), jv_free(model);
	jv msg = json_get_path(ch, "message", NULL);
	if (!rc) {
		/* the message reads like one delta holding everything */
		rc = choice(s, ch, msg);
	}
	jv_free(msg);
	jv_free(ch);
	jv u = json_get_path(r, "usage", NULL);
	struct usage got;
	usage_read(NR_FMT_OPENAI, u, &got);
	usage_merge(&s->usage, &got);
	jv_free(u);
	jv_free(r);
	return rc ? rc : ev_done(s);
}

jv resp_build_openai(const struct nr_stream *s)
{
	const struct msg *m = s->collect;
	struct buf b = BUF_INIT, text = BUF_INIT, think = BUF_INIT;
	int rc = 0;
	for (int i = 0; i < m->n && !rc; i++)
		if (m->b[i].type == BLK_TEXT)
			rc = buf_append(&text, m->b[i].text.p, m->b[i].text.len);
		else if (m->b[i].type == BLK_THINKING)
			rc = buf_append(&think, m->b[i].text.p, m->b[i].text.len);
	rc = rc || buf_puts(&b, "{\"id\":") || json_str(&b, s->id.p, s->id.len) ||
	     buf_printf(&b, ",\"object\":\"chat.completion\",\"created\":%lld,\"model\":", s->created) ||
	     json_str(&b, s->model.p, s->model.len) ||
	     buf_puts(&b, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":") ||
	     (text.len || !s->ntools ? json_str(&b, text.p ? text.p : "", text.len) : buf_puts(&b, "null"));
	if (!rc && think.len)
		rc = buf_puts(&b, ",\"reasoning_content\":") || json_str(&b, think.p, think.len);
	if (!rc && s->ntools) {
		rc = buf_puts(&b, ",\"tool_calls\":[");
		for (int i = 0, k = 0; i < m->n && !rc; i++) {
			const struct msg_block *x = &m->b[i];
			if (x->type != BLK_TOOL)
				continue;
			rc = buf_puts(&b, k++ ? ",{\"id\":" : "{\"id\":") || json_cstr(&b, x->id) ||
			     buf_puts(&b, ",\"type\":\"function\",\"function\":{\"name\":") ||
			     json_cstr(&b, x->name) || buf_puts(&b, ",\"arguments\":") ||
			     json_str(&b, x->text.p ? x->text.p : "", x->text.len) || buf_puts(&b, "}}");
		}
		rc = rc || buf_putc(&b, ']');
	}
	rc = rc || buf_printf(&b, "},\"logprobs\":null,\"finish_reason\":\"%s\"}]",
			      fin_to(ev_final_finish(s)));
	if (!rc && (s->usage.input >= 0 || s->usage.output >= 0))
		rc = buf_puts(&b, ",\"usage\":") || usage_openai(&b, &s->usage);
	rc = rc || buf_putc(&b, '}');
	jv out = rc ? jv_invalid_with_msg(jv_string("out of memory")) : jv_parse_sized(b.p, (int)b.len);
	buf_free(&b), buf_free(&text), buf_free(&think);
	return out;
}
