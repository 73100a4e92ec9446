/* stream_anthropic: Messages streams and bodies ↔ the event model.
 * Stream: named events message_start, content_block_start/delta/stop (blocks
 * strictly one after another), message_delta (stop reason + usage together),
 * message_stop; ping anywhere; error. */
#include <string.h>

#include "json.h"
#include "translate/events.h"

#define str json_str_field

static enum fin fin_from(const char *r)
{
	static const struct { const char *name; enum fin f; } t[] = {
		{ "end_turn", FIN_STOP }, { "stop_sequence", FIN_STOP_SEQ }, { "max_tokens", FIN_LENGTH },
		{ "model_context_window_exceeded", FIN_CONTEXT }, { "tool_use", FIN_TOOL },
		{ "refusal", FIN_FILTER }, { "pause_turn", FIN_PAUSE },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(t[i].name, r))
			return t[i].f;
	return FIN_STOP;
}

static const char *fin_to(enum fin f)
{
	switch (f) {
	case FIN_STOP_SEQ: return "stop_sequence";
	case FIN_LENGTH: return "max_tokens";
	case FIN_CONTEXT: return "model_context_window_exceeded";
	case FIN_TOOL: return "tool_use";
	case FIN_FILTER: return "refusal";
	case FIN_PAUSE: return "pause_turn";
	default: return "end_turn";
	}
}

/* Tool ids must match ^[a-zA-Z0-9_-]+$: other bytes become '_' (the same
 * mapping everywhere, so a tool_result's id maps like its tool_use's). */
static int tool_id(struct buf *b, const char *id, size_t n)
{
	if (buf_putc(b, '"') < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '_' || c == '-';
		if (buf_putc(b, ok ? c : '_') < 0)
			return -1;
	}
	return buf_putc(b, '"');
}

/* ---- encoder ---- */

static int event(struct nr_stream *s, const char *name)
{
	return buf_printf(s->out, "event: %s\ndata: {\"type\":\"%s\"", name, name);
}

static int enc_start(struct nr_stream *s)
{
	struct buf *b = s->out;
	if (event(s, "message_start") < 0 || buf_puts(b, ",\"message\":{\"id\":") < 0 ||
	    json_str(b, s->id.p, s->id.len) < 0 ||
	    buf_puts(b, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":") < 0 ||
	    json_str(b, s->model.p, s->model.len) < 0 ||
	    buf_puts(b, ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":") < 0 ||
	    usage_anthropic(b, &s->usage) < 0)
		return -1;
	return buf_puts(b, "}}\n\n");
}

static int enc_block_start(struct nr_stream *s)
{
	struct buf *b = s->out;
	if (event(s, "content_block_start") < 0 ||
	    buf_printf(b, ",\"index\":%d,\"content_block\":", s->nblocks - 1) < 0)
		return -1;
	int rc;
	if (s->blk == BLK_TEXT)
		rc = buf_puts(b, "{\"type\":\"text\",\"text\":\"\"}");
	else if (s->blk == BLK_THINKING)
		rc = buf_puts(b, "{\"type\":\"thinking\",\"thinking\":\"\"}");
	else
		rc = buf_puts(b, "{\"type\":\"tool_use\",\"id\":") ||
		     tool_id(b, s->tool_id.p, s->tool_id.len) || buf_puts(b, ",\"name\":") ||
		     json_str(b, s->tool_name.p, s->tool_name.len) || buf_puts(b, ",\"input\":{}}");
	return rc ? -1 : buf_puts(b, "}\n\n");
}

static int enc_delta(struct nr_stream *s, enum delta d, const char *p, size_t n)
{
	static const char *const kind[][2] = {
		[D_TEXT] = { "text_delta", "text" }, [D_THINKING] = { "thinking_delta", "thinking" },
		[D_SIGNATURE] = { "signature_delta", "signature" },
		[D_ARGS] = { "input_json_delta", "partial_json" },
	};
	struct buf *b = s->out;
	if (event(s, "content_block_delta") < 0 ||
	    buf_printf(b, ",\"index\":%d,\"delta\":{\"type\":\"%s\",\"%s\":", s->nblocks - 1,
		       kind[d][0], kind[d][1]) < 0 ||
	    json_str(b, p, n) < 0)
		return -1;
	return buf_puts(b, "}}\n\n");
}

static int enc_block_stop(struct nr_stream *s)
{
	if (event(s, "content_block_stop") < 0)
		return -1;
	return buf_printf(s->out, ",\"index\":%d}\n\n", s->nblocks - 1);
}

/* Stop reason and usage go out together in message_delta: a source that sends
 * them apart (openai: finish chunk, then usage chunk) is held until its end. */
static int enc_end(struct nr_stream *s)
{
	struct buf *b = s->out;
	if (event(s, "message_delta") < 0 ||
	    buf_printf(b, ",\"delta\":{\"stop_reason\":\"%s\",\"stop_sequence\":null},\"usage\":",
		       fin_to(ev_final_finish(s))) < 0 ||
	    usage_anthropic(b, &s->usage) < 0 || buf_puts(b, "}\n\n") < 0 ||
	    event(s, "message_stop") < 0)
		return -1;
	return buf_puts(b, "}\n\n");
}

static const char *err_type_to(const char *type)
{
	static const char *const t[][2] = {
		{ "invalid_request", "invalid_request_error" }, { "authentication", "authentication_error" },
		{ "permission", "permission_error" }, { "not_found", "not_found_error" },
		{ "rate_limit", "rate_limit_error" }, { "overloaded", "overloaded_error" },
		{ "timeout", "timeout_error" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(t[i][0], type))
			return t[i][1];
	return "api_error";
}

static int enc_error(struct nr_stream *s, const char *type, const char *code, const char *msg)
{
	(void)code;
	struct buf *b = s->out;
	if (event(s, "error") < 0 || buf_printf(b, ",\"error\":{\"type\":\"%s\",\"message\":", err_type_to(type)) < 0 ||
	    json_cstr(b, msg) < 0)
		return -1;
	return buf_puts(b, "}}\n\n");
}

const struct encoder enc_anthropic = {
	enc_start, enc_block_start, enc_delta, enc_block_stop, enc_end, enc_error,
};

/* ---- decoder ---- */

/* message_start and message_delta carry usage; message_delta's is cumulative
 * and may lack the input fields, which message_start then gave. */
static void usage(struct nr_stream *s, jv u)
{
	if (jv_get_kind(u) != JV_KIND_OBJECT)
		return;
	long long in = json_ll(json_get_path(u, "input_tokens", NULL));
	long long cr = json_ll(json_get_path(u, "cache_read_input_tokens", NULL));
	long long cw = json_ll(json_get_path(u, "cache_creation_input_tokens", NULL));
	if (in >= 0) s->d.anthropic.in = in;
	if (cr >= 0) s->d.anthropic.cache_read = cr;
	if (cw >= 0) s->d.anthropic.cache_write = cw;
	struct usage got;
	usage_read(NR_FMT_ANTHROPIC, u, &got);
	got.cache_read = s->d.anthropic.cache_read;
	got.cache_write = s->d.anthropic.cache_write;
	got.input = s->d.anthropic.in < 0 ? -1 : s->d.anthropic.in +
		(got.cache_read < 0 ? 0 : got.cache_read) + (got.cache_write < 0 ? 0 : got.cache_write);
	usage_merge(&s->usage, &got);
}

static int block_start(struct nr_stream *s, jv cb)
{
	const char *type = "", *p;
	size_t n;
	str(cb, "type", &type, &n);
	s->d.anthropic.skip_block = 0;
	if (!strcmp(type, "text"))
		return str(cb, "text", &p, &n) ? ev_delta(s, D_TEXT, p, n) : 0;
	if (!strcmp(type, "thinking"))
		return str(cb, "thinking", &p, &n) ? ev_delta(s, D_THINKING, p, n) : 0;
	if (!strcmp(type, "tool_use")) {
		jv id = json_get_path(cb, "id", NULL), name = json_get_path(cb, "name", NULL);
		int rc = ev_tool(s, json_str_or(id, ""), json_str_or(name, ""));
		jv_free(id), jv_free(name);
		return rc;
	}
	/* redacted_thinking, server tools and their results: no meaning elsewhere (PROTOCOLS 5.7) */
	s->d.anthropic.skip_block = 1;
	return 0;
}

static int block_delta(struct nr_stream *s, jv d)
{
	const char *type = "", *p;
	size_t n;
	if (s->d.anthropic.skip_block || !str(d, "type", &type, &n))
		return 0;
	if (!strcmp(type, "text_delta") && str(d, "text", &p, &n))
		return ev_delta(s, D_TEXT, p, n);
	if (!strcmp(type, "thinking_delta") && str(d, "thinking", &p, &n))
		return ev_delta(s, D_THINKING, p, n);
	if (!strcmp(type, "signature_delta") && str(d, "signature", &p, &n))
		return ev_delta(s, D_SIGNATURE, p, n);
	if (!strcmp(type, "input_json_delta") && str(d, "partial_json", &p, &n))
		return ev_delta(s, D_ARGS, p, n);
	return 0;	/* citations_delta and newer kinds */
}

static int error_event(struct nr_stream *s, jv err)
{
	jv t = json_get_path(err, "type", NULL), m = json_get_path(err, "message", NULL);
	int rc = ev_error(s, err_type_from(NR_FMT_ANTHROPIC, json_str_or(t, NULL)), NULL,
			  json_str_or(m, "the upstream reported an error"));
	jv_free(t), jv_free(m);
	return rc;
}

static int dispatch(struct nr_stream *s, const char *type, jv j)
{
	int rc = 0;
	if (!strcmp(type, "content_block_delta")) {
		jv d = json_get_path(j, "delta", NULL);
		rc = block_delta(s, d);
		jv_free(d);
	} else if (!strcmp(type, "content_block_start")) {
		jv cb = json_get_path(j, "content_block", NULL);
		rc = block_start(s, cb);
		jv_free(cb);
	} else if (!strcmp(type, "content_block_stop")) {
		if (s->d.anthropic.skip_block)
			s->d.anthropic.skip_block = 0;
		else
			rc = ev_block_end(s);
	} else if (!strcmp(type, "message_start")) {
		jv m = json_get_path(j, "message", NULL), id = json_get_path(m, "id", NULL),
		   model = json_get_path(m, "model", NULL), u = json_get_path(m, "usage", NULL);
		usage(s, u);
		rc = ev_start(s, json_str_or(id, NULL), json_str_or(model, NULL));
		jv_free(m), jv_free(id), jv_free(model), jv_free(u);
	} else if (!strcmp(type, "message_delta")) {
		jv d = json_get_path(j, "delta", NULL), u = json_get_path(j, "usage", NULL);
		const char *r;
		size_t n;
		if (str(d, "stop_reason", &r, &n))
			ev_finish(s, fin_from(r));
		usage(s, u);
		jv_free(d), jv_free(u);
	} else if (!strcmp(type, "message_stop")) {
		rc = ev_done(s);
	} else if (!strcmp(type, "error")) {
		jv err = json_get_path(j, "error", NULL);
		rc = error_event(s, err);
		jv_free(err);
	}
	return rc;	/* ping and unknown events: nothing */
}

static int dec_event(struct nr_stream *s, const struct sse_event *e)
{
	jv j = json_parse(e->data, e->data_len);
	if (jv_get_kind(j) != JV_KIND_OBJECT) {
		jv_free(j);
		return ev_broken(s, "an event's data is not a JSON object");
	}
	const char *type = e->name;
	size_t n;
	str(j, "type", &type, &n);	/* data.type names the event; the event: line is a copy */
	int rc = dispatch(s, type, j);
	jv_free(j);
	return rc;
}

static int dec_complete(struct nr_stream *s)
{
	(void)s;
	return 0;	/* complete only with message_stop */
}

const struct decoder dec_anthropic = { dec_event, dec_complete };

/* ---- whole responses ---- */

int resp_decode_anthropic(struct nr_stream *s, jv r)
{
	s->d.anthropic.in = s->d.anthropic.cache_read = s->d.anthropic.cache_write = -1;
	jv id = json_get_path(r, "id", NULL), model = json_get_path(r, "model", NULL),
	   content = json_get_path(r, "content", NULL), u = json_get_path(r, "usage", NULL);
	int rc = ev_start(s, json_str_or(id, NULL), json_str_or(model, NULL));
	usage(s, u);
	if (jv_get_kind(content) == JV_KIND_ARRAY)
		jv_array_foreach(content, i, cb) {
			const char *type = "", *p;
			size_t n;
			str(cb, "type", &type, &n);
			if (!rc)
				rc = block_start(s, cb);
			if (!rc && !strcmp(type, "thinking") && str(cb, "signature", &p, &n))
				rc = ev_delta(s, D_SIGNATURE, p, n);
			if (!rc && !strcmp(type, "tool_use")) {
				jv in = json_get_path(cb, "input", NULL);
				jv txt = jv_dump_string(jv_get_kind(in) == JV_KIND_OBJECT ? in : (jv_free(in), jv_object()), 0);
				rc = ev_delta(s, D_ARGS, jv_string_value(txt),
					      (size_t)jv_string_length_bytes(jv_copy(txt)));
				jv_free(txt);
			}
			if (!rc)
				rc = s->d.anthropic.skip_block ? 0 : ev_block_end(s);
			jv_free(cb);
		}
	const char *r2;
	size_t n;
	if (str(r, "stop_reason", &r2, &n))
		ev_finish(s, fin_from(r2));
	jv_free(id), jv_free(model), jv_free(content), jv_free(u), jv_free(r);
	return rc ? rc : ev_done(s);
}

jv resp_build_anthropic(const struct nr_stream *s)
{
	const struct msg *m = s->collect;
	struct buf b = BUF_INIT;
	int rc = buf_puts(&b, "{\"id\":") || json_str(&b, s->id.p, s->id.len) ||
		 buf_puts(&b, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":") ||
		 json_str(&b, s->model.p, s->model.len) || buf_puts(&b, ",\"content\":[");
	for (int i = 0; i < m->n && !rc; i++) {
		const struct msg_block *x = &m->b[i];
		const char *t = x->text.p ? x->text.p : "";
		rc = i && buf_putc(&b, ',');
		if (rc)
			break;
		if (x->type == BLK_TEXT)
			rc = buf_puts(&b, "{\"type\":\"text\",\"text\":") || json_str(&b, t, x->text.len);
		else if (x->type == BLK_THINKING)	/* no signature: it would not verify (PROTOCOLS 5.7) */
			rc = buf_puts(&b, "{\"type\":\"thinking\",\"thinking\":") || json_str(&b, t, x->text.len);
		else {
			rc = buf_puts(&b, "{\"type\":\"tool_use\",\"id\":") ||
			     tool_id(&b, x->id, strlen(x->id)) || buf_puts(&b, ",\"name\":") ||
			     json_cstr(&b, x->name) || buf_puts(&b, ",\"input\":");
			if (!rc && (rc = json_args_object(&b, t, x->text.len)) == -2) {
				buf_free(&b);
				return jv_invalid_with_msg(jv_string("a tool call's arguments are not a JSON object"));
			}
		}
		rc = rc || buf_putc(&b, '}');
	}
	rc = rc || buf_printf(&b, "],\"stop_reason\":\"%s\",\"stop_sequence\":null,\"usage\":",
			      fin_to(ev_final_finish(s))) ||
	     usage_anthropic(&b, &s->usage) || buf_putc(&b, '}');
	jv out = rc ? jv_invalid_with_msg(jv_string("out of memory")) : jv_parse_sized(b.p, (int)b.len);
	buf_free(&b);
	return out;
}
