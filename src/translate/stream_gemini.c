/* stream_gemini: generateContent streams (alt=sse) and bodies ↔ the event
 * model. Stream: `data: {GenerateContentResponse}` with only the new parts;
 * usageMetadata repeated (last wins); finishReason on the last chunk; EOF. */
#include <string.h>

#include "json.h"
#include "json_same.h"
#include "translate/events.h"

#define str json_str_field

static enum fin fin_from(const char *r)
{
	static const char *const filtered[] = {
		"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
		"IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
	};
	if (!strcmp(r, "MAX_TOKENS"))
		return FIN_LENGTH;
	if (!strcmp(r, "MALFORMED_FUNCTION_CALL") || !strcmp(r, "UNEXPECTED_TOOL_CALL") ||
	    !strcmp(r, "TOO_MANY_TOOL_CALLS"))
		return FIN_BAD_TOOL;
	for (size_t i = 0; i < sizeof filtered / sizeof filtered[0]; i++)
		if (!strcmp(filtered[i], r))
			return FIN_FILTER;
	return FIN_STOP;
}

static const char *fin_to(enum fin f)
{
	switch (f) {
	case FIN_LENGTH: case FIN_CONTEXT: return "MAX_TOKENS";
	case FIN_FILTER: return "SAFETY";
	case FIN_BAD_TOOL: return "MALFORMED_FUNCTION_CALL";
	default: return "STOP";	/* a tool-call turn ends with STOP too */
	}
}

/* ---- encoder ---- */

static int chunk_open(struct buf *b)
{
	return buf_puts(b, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[");
}

static int chunk_close(const struct nr_stream *s, struct buf *b, const char *finish)
{
	int rc = buf_puts(b, "]}");
	if (!rc && finish)
		rc = buf_printf(b, ",\"finishReason\":\"%s\"", finish);
	rc = rc || buf_puts(b, ",\"index\":0}]");
	if (!rc && finish && (s->usage.input >= 0 || s->usage.output >= 0))
		rc = buf_puts(b, ",\"usageMetadata\":") || usage_gemini(b, &s->usage);
	return rc || buf_puts(b, ",\"modelVersion\":") || json_str(b, s->model.p, s->model.len) ||
	       buf_puts(b, ",\"responseId\":") || json_str(b, s->id.p, s->id.len) || buf_putc(b, '}') ? -1 : 0;
}

/* a functionCall part: the arguments as an object; -2 when they are not one */
static int call_part(struct buf *b, const char *id, const char *name, const char *args, size_t n)
{
	if (buf_puts(b, "{\"functionCall\":{\"name\":") < 0 || json_cstr(b, name) < 0 ||
	    buf_puts(b, ",\"args\":") < 0)
		return -1;
	int rc = json_args_object(b, args, n);
	if (rc)
		return rc;
	return buf_puts(b, ",\"id\":") || json_cstr(b, id) || buf_puts(b, "}}") ? -1 : 0;
}

static int enc_start(struct nr_stream *s)
{
	(void)s;
	return 0;	/* gemini has no start event: every chunk names the response */
}

static int enc_block_start(struct nr_stream *s)
{
	buf_reset(&s->text);
	return 0;
}

static int enc_delta(struct nr_stream *s, enum delta d, const char *p, size_t n)
{
	struct buf *b = s->out;
	if (d == D_SIGNATURE)
		return 0;	/* thoughtSignature is Google's opaque state: another's does not verify */
	if (d == D_ARGS) {	/* calls arrive whole in gemini: the arguments wait for the block's end */
		if (s->text.len + n > NR_HELD_MAX) {
			s->why = "a tool call's arguments are larger than 64 MiB";
			return -1;
		}
		return buf_append(&s->text, p, n);
	}
	return buf_puts(b, "data: ") || chunk_open(b) || buf_puts(b, "{\"text\":") || json_str(b, p, n) ||
	       buf_puts(b, d == D_THINKING ? ",\"thought\":true}" : "}") || chunk_close(s, b, NULL) ||
	       buf_puts(b, "\n\n") ? -1 : 0;
}

static int enc_block_stop(struct nr_stream *s)
{
	if (s->blk != BLK_TOOL)
		return 0;
	struct buf *b = s->out;
	size_t mark = b->len;
	int rc = buf_puts(b, "data: ") || chunk_open(b) ? -1 : 0;
	if (!rc)
		rc = call_part(b, s->tool_id.p, s->tool_name.p, s->text.p ? s->text.p : "", s->text.len);
	if (rc == -2) {
		b->len = mark;
		s->why = "a tool call's arguments are not a JSON object";
		return -1;
	}
	buf_reset(&s->text);
	return rc || chunk_close(s, b, NULL) || buf_puts(b, "\n\n") ? -1 : 0;
}

static int enc_end(struct nr_stream *s)
{
	struct buf *b = s->out;
	return buf_puts(b, "data: ") || chunk_open(b) || buf_puts(b, "{\"text\":\"\"}") ||
	       chunk_close(s, b, fin_to(ev_final_finish(s))) || buf_puts(b, "\n\n") ? -1 : 0;
}

static const struct { const char *type, *status; int code; } gerr[] = {
	{ "invalid_request", "INVALID_ARGUMENT", 400 }, { "authentication", "UNAUTHENTICATED", 401 },
	{ "permission", "PERMISSION_DENIED", 403 }, { "not_found", "NOT_FOUND", 404 },
	{ "rate_limit", "RESOURCE_EXHAUSTED", 429 }, { "overloaded", "UNAVAILABLE", 503 },
	{ "timeout", "DEADLINE_EXCEEDED", 504 }, { "server_error", "INTERNAL", 500 },
};

/* No documented in-stream error: the error body as a data: event (PROTOCOLS 6.3). */
static int enc_error(struct nr_stream *s, const char *type, const char *code, const char *msg)
{
	(void)code;
	size_t i = 0;
	while (i + 1 < sizeof gerr / sizeof gerr[0] && strcmp(gerr[i].type, type))
		i++;
	struct buf *b = s->out;
	return buf_printf(b, "data: {\"error\":{\"code\":%d,\"message\":", gerr[i].code) ||
	       json_cstr(b, msg) || buf_printf(b, ",\"status\":\"%s\"}}\n\n", gerr[i].status) ? -1 : 0;
}

const struct encoder enc_gemini = {
	enc_start, enc_block_start, enc_delta, enc_block_stop, enc_end, enc_error,
};

/* ---- decoder ---- */

/* The args of the i-th part of the current event, as the upstream wrote
 * them (jv would print 1.0 as 1), or an absent span. */
static struct json_span raw_args(const struct nr_stream *s, int i)
{
	struct json_iter it = json_iter_init(s->d.gemini.parts);
	struct json_span v = { NULL, 0 };
	while (json_array_next(&it, &v) && i-- > 0)
		;
	if (i >= 0)
		return (struct json_span){ NULL, 0 };
	v = json_get(json_get(v, "functionCall"), "args");
	return json_type_of(v) == JSON_OBJECT ? v : (struct json_span){ NULL, 0 };
}

static int part(struct nr_stream *s, jv p, int index)
{
	const char *t;
	size_t n;
	if (str(p, "text", &t, &n)) {
		jv th = json_get_path(p, "thought", NULL);
		int thought = jv_get_kind(th) == JV_KIND_TRUE;
		jv_free(th);
		return ev_delta(s, thought ? D_THINKING : D_TEXT, t, n);
	}
	jv fc = json_get_path(p, "functionCall", NULL);
	int rc = 0;
	if (jv_get_kind(fc) == JV_KIND_OBJECT) {
		jv id = json_get_path(fc, "id", NULL), name = json_get_path(fc, "name", NULL),
		   args = json_get_path(fc, "args", NULL);
		rc = ev_tool(s, json_str_or(id, NULL), json_str_or(name, ""));
		struct json_span raw = raw_args(s, index);
		if (!rc && raw.n) {
			rc = ev_delta(s, D_ARGS, raw.p, raw.n);
		} else if (!rc && jv_get_kind(args) == JV_KIND_OBJECT) {
			jv txt = jv_dump_string(jv_copy(args), 0);
			rc = ev_delta(s, D_ARGS, jv_string_value(txt), (size_t)jv_string_length_bytes(jv_copy(txt)));
			jv_free(txt);
		}
		rc = rc ? rc : ev_block_end(s);
		jv_free(id), jv_free(name), jv_free(args);
	}
	jv_free(fc);
	return rc;	/* thoughtSignature, inlineData…: not carried (PROTOCOLS 5.7) */
}

static int response_chunk(struct nr_stream *s, jv j)
{
	jv err = json_get_path(j, "error", NULL);
	if (jv_get_kind(err) == JV_KIND_OBJECT) {
		jv st = json_get_path(err, "status", NULL), msg = json_get_path(err, "message", NULL);
		int rc = ev_error(s, err_type_from(NR_FMT_GEMINI, json_str_or(st, NULL)), NULL,
				  json_str_or(msg, "the upstream reported an error"));
		jv_free(st), jv_free(msg), jv_free(err);
		return rc;
	}
	jv_free(err);
	jv id = json_get_path(j, "responseId", NULL), model = json_get_path(j, "modelVersion", NULL);
	int rc = ev_start(s, json_str_or(id, NULL), json_str_or(model, NULL));
	jv_free(id), jv_free(model);
	jv cand = json_first(json_get_path(j, "candidates", NULL));
	jv parts = json_get_path(cand, "content", "parts");
	if (jv_get_kind(parts) == JV_KIND_ARRAY)
		jv_array_foreach(parts, i, p) {
			if (!rc)
				rc = part(s, p, i);
			jv_free(p);
		}
	jv_free(parts);
	const char *r;
	size_t n;
	if (str(cand, "finishReason", &r, &n)) {
		ev_finish(s, fin_from(r));
		s->d.gemini.finish_seen = 1;
	}
	jv_free(cand);
	jv block = json_get_path(j, "promptFeedback", "blockReason");
	if (jv_get_kind(block) == JV_KIND_STRING) {	/* the prompt was refused: no candidates */
		ev_finish(s, FIN_FILTER);
		s->d.gemini.finish_seen = 1;
	}
	jv_free(block);
	jv u = json_get_path(j, "usageMetadata", NULL);
	struct usage got;
	usage_read(NR_FMT_GEMINI, u, &got);
	usage_merge(&s->usage, &got);
	jv_free(u);
	return rc;
}

static int dec_event(struct nr_stream *s, const struct sse_event *e)
{
	jv j = json_parse(e->data, e->data_len);
	if (jv_get_kind(j) != JV_KIND_OBJECT) {
		jv_free(j);
		return ev_broken(s, "an event's data is not a JSON object");
	}
	struct json_span top = { NULL, 0 };
	char why[16];
	s->d.gemini.parts = top;
	if (memmem(e->data, e->data_len, "functionCall", 12) &&
	    json_validate(e->data, e->data_len, &top, why, sizeof why) == 0)
		s->d.gemini.parts = json_path(top, "candidates.0.content.parts");
	int rc = response_chunk(s, j);
	s->d.gemini.parts = (struct json_span){ NULL, 0 };	/* e->data goes away */
	jv_free(j);
	return rc;
}

/* The end comes with EOF after the chunk with finishReason: held until then,
 * since a usage-only chunk may still follow. */
static int dec_complete(struct nr_stream *s)
{
	if (!s->d.gemini.finish_seen)
		return 0;
	return ev_done(s) == 0;
}

const struct decoder dec_gemini = { dec_event, dec_complete };

/* ---- whole responses ---- */

int resp_decode_gemini(struct nr_stream *s, jv r)
{
	int rc = response_chunk(s, r);
	jv_free(r);
	if (!rc && !s->finished && !s->d.gemini.finish_seen)
		ev_finish(s, FIN_STOP);
	return rc ? rc : ev_done(s);
}

jv resp_build_gemini(const struct nr_stream *s)
{
	const struct msg *m = s->collect;
	struct buf b = BUF_INIT;
	int rc = chunk_open(&b), k = 0;
	for (int i = 0; i < m->n && !rc; i++) {
		const struct msg_block *x = &m->b[i];
		const char *t = x->text.p ? x->text.p : "";
		rc = k++ && buf_putc(&b, ',');
		if (rc)
			break;
		if (x->type == BLK_TOOL) {
			if ((rc = call_part(&b, x->id, x->name, t, x->text.len)) == -2) {
				buf_free(&b);
				return jv_invalid_with_msg(jv_string("a tool call's arguments are not a JSON object"));
			}
		} else {
			rc = buf_puts(&b, "{\"text\":") || json_str(&b, t, x->text.len) ||
			     buf_puts(&b, x->type == BLK_THINKING ? ",\"thought\":true}" : "}");
		}
	}
	if (!rc && !k)
		rc = buf_puts(&b, "{\"text\":\"\"}");	/* gemini parts are never empty */
	rc = rc || chunk_close(s, &b, fin_to(ev_final_finish(s)));
	jv out = rc ? jv_invalid_with_msg(jv_string("out of memory")) : jv_parse_sized(b.p, (int)b.len);
	buf_free(&b);
	return out;
}
