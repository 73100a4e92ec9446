/* stream_responses: OpenAI Responses streams and bodies ↔ the event model.
 * Stream: named events with increasing sequence_number; output items added,
 * streamed, done; then response.completed / .incomplete / .failed. */
#include <string.h>

#include "json.h"
#include "translate/events.h"

#define str json_str_field

/* "msg_<index>_<response id>": item ids made of safe bytes only */
static int item_id(struct buf *b, const struct nr_stream *s, enum blk type, int index)
{
	const char *prefix = type == BLK_TEXT ? "msg" : type == BLK_THINKING ? "rs" : "fc";
	if (buf_printf(b, "\"%s_%d_", prefix, index) < 0)
		return -1;
	for (size_t i = 0; i < s->id.len; i++) {
		char c = s->id.p[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '_' || c == '-';
		if (buf_putc(b, ok ? c : '_') < 0)
			return -1;
	}
	return buf_putc(b, '"');
}

int responses_item(struct buf *b, const struct nr_stream *s, int index, enum blk type,
		   const char *text, size_t n, const char *call_id, const char *name)
{
	if (buf_puts(b, "{\"id\":") < 0 || item_id(b, s, type, index))
		return -1;
	int rc;
	if (type == BLK_TEXT)
		rc = buf_puts(b, ",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\","
			      "\"content\":[{\"type\":\"output_text\",\"text\":") ||
		     json_str(b, text, n) || buf_puts(b, ",\"annotations\":[]}]}");
	else if (type == BLK_THINKING)
		rc = buf_puts(b, ",\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":") ||
		     json_str(b, text, n) || buf_puts(b, "}]}");
	else
		rc = buf_puts(b, ",\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":") ||
		     json_cstr(b, call_id) || buf_puts(b, ",\"name\":") || json_cstr(b, name) ||
		     buf_puts(b, ",\"arguments\":") || json_str(b, text, n) || buf_putc(b, '}');
	return rc ? -1 : 0;
}

/* ---- encoder ---- */

static int event(struct nr_stream *s, const char *name)
{
	return buf_printf(s->out, "event: %s\ndata: {\"type\":\"%s\",\"sequence_number\":%lld", name, name,
			  s->seq++);
}

static int end_event(struct nr_stream *s)
{
	return buf_puts(s->out, "}\n\n");
}

/* the response object; `tail` adds its last fields (status-dependent) */
static int response(struct nr_stream *s, const char *status, const char *tail)
{
	struct buf *b = s->out;
	return buf_puts(b, ",\"response\":{\"id\":") || json_str(b, s->id.p, s->id.len) ||
	       buf_printf(b, ",\"object\":\"response\",\"created_at\":%lld,\"status\":\"%s\",\"model\":",
			  s->created, status) ||
	       json_str(b, s->model.p, s->model.len) || buf_puts(b, ",\"output\":[") ||
	       buf_append(b, s->items.p ? s->items.p : "", s->items.len) || buf_putc(b, ']') ||
	       buf_puts(b, tail) ? -1 : 0;
}

static int enc_start(struct nr_stream *s)
{
	s->sent_start = 1;
	return event(s, "response.created") || response(s, "in_progress", "}") || end_event(s) ||
	       event(s, "response.in_progress") || response(s, "in_progress", "}") || end_event(s) ? -1 : 0;
}

/* item_id and output_index of the open block */
static int where(struct nr_stream *s)
{
	return buf_puts(s->out, ",\"item_id\":") || item_id(s->out, s, s->blk, s->nblocks - 1) ||
	       buf_printf(s->out, ",\"output_index\":%d", s->nblocks - 1) ? -1 : 0;
}

static int enc_block_start(struct nr_stream *s)
{
	struct buf *b = s->out;
	int i = s->nblocks - 1, rc;
	rc = event(s, "response.output_item.added") || buf_printf(b, ",\"output_index\":%d,\"item\":{\"id\":", i) ||
	     item_id(b, s, s->blk, i);
	if (rc)
		return -1;
	if (s->blk == BLK_TEXT)
		return buf_puts(b, ",\"type\":\"message\",\"status\":\"in_progress\",\"role\":\"assistant\","
			       "\"content\":[]}") || end_event(s) ||
		       event(s, "response.content_part.added") || where(s) ||
		       buf_puts(b, ",\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\","
			       "\"annotations\":[]}") || end_event(s) ? -1 : 0;
	if (s->blk == BLK_THINKING)
		return buf_puts(b, ",\"type\":\"reasoning\",\"summary\":[]}") || end_event(s) ||
		       event(s, "response.reasoning_summary_part.added") || where(s) ||
		       buf_puts(b, ",\"summary_index\":0,\"part\":{\"type\":\"summary_text\",\"text\":\"\"}") ||
		       end_event(s) ? -1 : 0;
	return buf_puts(b, ",\"type\":\"function_call\",\"status\":\"in_progress\",\"call_id\":") ||
	       json_str(b, s->tool_id.p, s->tool_id.len) || buf_puts(b, ",\"name\":") ||
	       json_str(b, s->tool_name.p, s->tool_name.len) || buf_puts(b, ",\"arguments\":\"\"}") ||
	       end_event(s) ? -1 : 0;
}

/* Each block's text is kept until its output_item.done, and every done item
 * until response.completed: a Responses client reads the turn from those
 * whole items (PROTOCOLS 3), so this target needs the whole output. */
static int enc_delta(struct nr_stream *s, enum delta d, const char *p, size_t n)
{
	struct buf *b = s->out;
	if (d == D_SIGNATURE)
		return 0;	/* encrypted_content is bound to OpenAI's item id: none to give */
	if (s->items.len + s->text.len + n > NR_HELD_MAX) {
		s->why = "the response is larger than 64 MiB";
		return -1;
	}
	if (buf_append(&s->text, p, n) < 0)
		return -1;
	const char *name = d == D_TEXT ? "response.output_text.delta"
			 : d == D_THINKING ? "response.reasoning_summary_text.delta"
			 : "response.function_call_arguments.delta";
	const char *extra = d == D_TEXT ? ",\"content_index\":0,\"logprobs\":[]"
			  : d == D_THINKING ? ",\"summary_index\":0" : "";
	return event(s, name) || where(s) || buf_puts(b, extra) || buf_puts(b, ",\"delta\":") ||
	       json_str(b, p, n) || end_event(s) ? -1 : 0;
}

static int enc_block_stop(struct nr_stream *s)
{
	struct buf *b = s->out;
	const char *t = s->text.p ? s->text.p : "";
	size_t n = s->text.len;
	int rc;
	if (s->blk == BLK_TEXT)
		rc = event(s, "response.output_text.done") || where(s) ||
		     buf_puts(b, ",\"content_index\":0,\"logprobs\":[],\"text\":") || json_str(b, t, n) ||
		     end_event(s) || event(s, "response.content_part.done") || where(s) ||
		     buf_puts(b, ",\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":") ||
		     json_str(b, t, n) || buf_puts(b, ",\"annotations\":[]}") || end_event(s);
	else if (s->blk == BLK_THINKING)
		rc = event(s, "response.reasoning_summary_text.done") || where(s) ||
		     buf_puts(b, ",\"summary_index\":0,\"text\":") || json_str(b, t, n) || end_event(s) ||
		     event(s, "response.reasoning_summary_part.done") || where(s) ||
		     buf_puts(b, ",\"summary_index\":0,\"part\":{\"type\":\"summary_text\",\"text\":") ||
		     json_str(b, t, n) || buf_putc(b, '}') || end_event(s);
	else
		rc = event(s, "response.function_call_arguments.done") || where(s) ||
		     buf_puts(b, ",\"arguments\":") || json_str(b, t, n) || end_event(s);
	if (rc)
		return -1;
	size_t mark = s->items.len;
	if ((s->items.len && buf_putc(&s->items, ',') < 0) ||
	    responses_item(&s->items, s, s->nblocks - 1, s->blk, t, n, s->tool_id.p, s->tool_name.p) < 0) {
		s->items.len = mark;
		return -1;
	}
	const char *item = s->items.p + mark + (mark ? 1 : 0);
	rc = event(s, "response.output_item.done") || buf_printf(b, ",\"output_index\":%d,\"item\":", s->nblocks - 1) ||
	     buf_append(b, item, s->items.len - (size_t)(item - s->items.p)) || end_event(s);
	buf_reset(&s->text);
	return rc ? -1 : 0;
}

static int enc_end(struct nr_stream *s)
{
	enum fin f = ev_final_finish(s);
	int incomplete = f == FIN_LENGTH || f == FIN_CONTEXT || f == FIN_FILTER;
	struct buf tail = BUF_INIT;
	int rc = buf_puts(&tail, ",\"error\":null,\"incomplete_details\":");
	if (!rc)
		rc = incomplete ? buf_printf(&tail, "{\"reason\":\"%s\"}",
					     f == FIN_FILTER ? "content_filter" : "max_output_tokens")
				: buf_puts(&tail, "null");
	if (!rc)
		rc = buf_puts(&tail, ",\"usage\":");
	if (!rc)
		rc = s->usage.input >= 0 || s->usage.output >= 0 ? usage_responses(&tail, &s->usage)
								  : buf_puts(&tail, "null");
	if (!rc)
		rc = buf_putc(&tail, '}');
	if (!rc)
		rc = event(s, incomplete ? "response.incomplete" : "response.completed") ||
		     response(s, incomplete ? "incomplete" : "completed", tail.p) || end_event(s) ? -1 : 0;
	buf_free(&tail);
	return rc;
}

/* An error event, then response.failed: the event Codex acts on (PROTOCOLS 6.3). */
static int enc_error(struct nr_stream *s, const char *type, const char *code, const char *msg)
{
	struct buf *b = s->out;
	if (!s->sent_start && !(s->passthrough && s->started)) {
		if (ev_fill_ids(s) < 0 || enc_start(s) < 0)
			return -1;
	}
	code = openai_err_code(type, code);
	struct buf tail = BUF_INIT;
	int rc = buf_puts(&tail, ",\"error\":{\"code\":") || json_cstr(&tail, code) ||
		 buf_puts(&tail, ",\"message\":") || json_cstr(&tail, msg) ||
		 buf_puts(&tail, "},\"incomplete_details\":null,\"usage\":null}");
	rc = rc || event(s, "error") || buf_puts(b, ",\"code\":") || json_cstr(b, code) ||
	     buf_puts(b, ",\"message\":") || json_cstr(b, msg) || buf_puts(b, ",\"param\":null") ||
	     end_event(s) || event(s, "response.failed") || response(s, "failed", tail.p) || end_event(s);
	buf_free(&tail);
	return rc ? -1 : 0;
}

const struct encoder enc_responses = {
	enc_start, enc_block_start, enc_delta, enc_block_stop, enc_end, enc_error,
};

/* ---- decoder ---- */

static int start(struct nr_stream *s, jv resp)
{
	jv id = json_get_path(resp, "id", NULL), model = json_get_path(resp, "model", NULL);
	long long created = json_ll(json_get_path(resp, "created_at", NULL));
	if (created > 0 && !s->started)
		s->created = created;
	int rc = ev_start(s, json_str_or(id, NULL), json_str_or(model, NULL));
	jv_free(id), jv_free(model);
	return rc;
}

/* The text of a done item, for items whose content was not streamed as deltas
 * (or a whole response body). Borrows item. */
static int item_whole(struct nr_stream *s, jv item, int open_tool)
{
	const char *type = "", *p;
	size_t n;
	int rc = 0;
	str(item, "type", &type, &n);
	if (!strcmp(type, "message")) {
		jv c = json_get_path(item, "content", NULL);
		if (jv_get_kind(c) == JV_KIND_ARRAY)
			jv_array_foreach(c, i, part) {
				const char *pt = "";
				str(part, "type", &pt, &n);
				if (!rc && !strcmp(pt, "output_text") && str(part, "text", &p, &n))
					rc = ev_delta(s, D_TEXT, p, n);
				jv_free(part);
			}
		jv_free(c);
	} else if (!strcmp(type, "reasoning")) {
		static const char *const keys[] = { "summary", "content" };
		for (int k = 0; k < 2; k++) {
			jv c = json_get_path(item, keys[k], NULL);
			if (jv_get_kind(c) == JV_KIND_ARRAY)
				jv_array_foreach(c, i, part) {
					if (!rc && i && (rc = ev_delta(s, D_THINKING, "\n\n", 2)) < 0)
						break;
					if (!rc && str(part, "text", &p, &n))
						rc = ev_delta(s, D_THINKING, p, n);
					jv_free(part);
				}
			jv_free(c);
		}
	} else if (!strcmp(type, "function_call")) {
		if (open_tool) {
			jv id = json_get_path(item, "call_id", NULL), name = json_get_path(item, "name", NULL);
			rc = ev_tool(s, json_str_or(id, ""), json_str_or(name, ""));
			jv_free(id), jv_free(name);
		}
		if (!rc && str(item, "arguments", &p, &n))
			rc = ev_delta(s, D_ARGS, p, n);
	}
	return rc;
}

static int item_added(struct nr_stream *s, jv item)
{
	const char *type = "";
	size_t n;
	str(item, "type", &type, &n);
	s->d.responses.item_deltas = 0;
	s->d.responses.summary_index = 0;
	if (!strcmp(type, "function_call")) {
		s->d.responses.in_item = 1;
		jv id = json_get_path(item, "call_id", NULL), name = json_get_path(item, "name", NULL);
		int rc = ev_tool(s, json_str_or(id, ""), json_str_or(name, ""));
		jv_free(id), jv_free(name);
		return rc;
	}
	/* built-in tools' items have no meaning elsewhere (PROTOCOLS 5.7) */
	s->d.responses.in_item = !strcmp(type, "message") || !strcmp(type, "reasoning") ? 1 : 2;
	return 0;
}

static int item_done(struct nr_stream *s, jv item)
{
	int rc = 0;
	if (s->d.responses.in_item != 2 && !s->d.responses.item_deltas) {
		rc = item_whole(s, item, !s->d.responses.in_item || s->blk != BLK_TOOL);
	}
	s->d.responses.in_item = 0;
	return rc ? rc : ev_block_end(s);
}

static int delta(struct nr_stream *s, enum delta d, jv j)
{
	const char *p;
	size_t n;
	if (s->d.responses.in_item == 2 || !str(j, "delta", &p, &n))
		return 0;
	if (d == D_THINKING) {	/* summary parts of one item, kept apart by a blank line */
		long long si = json_ll(json_get_path(j, "summary_index", NULL));
		if (si > s->d.responses.summary_index) {
			s->d.responses.summary_index = (int)si;
			if (ev_delta(s, D_THINKING, "\n\n", 2) < 0)
				return -1;
		}
	}
	s->d.responses.item_deltas++;
	return ev_delta(s, d, p, n);
}

static int error_obj(struct nr_stream *s, jv e)
{
	jv code = json_get_path(e, "code", NULL), type = json_get_path(e, "type", NULL),
	   msg = json_get_path(e, "message", NULL);
	const char *c = json_str_or(code, NULL);
	int rc = ev_error(s, err_type_from(NR_FMT_RESPONSES, c ? c : json_str_or(type, NULL)), c,
			  json_str_or(msg, "the upstream reported an error"));
	jv_free(code), jv_free(type), jv_free(msg);
	return rc;
}

static int terminal(struct nr_stream *s, const char *type, jv resp)
{
	jv u = json_get_path(resp, "usage", NULL);
	struct usage got;
	usage_read(NR_FMT_RESPONSES, u, &got);
	usage_merge(&s->usage, &got);
	jv_free(u);
	if (!strcmp(type, "response.failed")) {
		jv e = json_get_path(resp, "error", NULL);
		if (jv_get_kind(e) != JV_KIND_OBJECT) {	/* null or missing: a bare failure */
			jv_free(e);
			e = jv_object();
		}
		int rc = error_obj(s, e);
		jv_free(e);
		return rc;
	}
	if (!strcmp(type, "response.incomplete")) {
		jv r = json_get_path(resp, "incomplete_details", "reason");
		ev_finish(s, !strcmp(json_str_or(r, ""), "content_filter") ? FIN_FILTER : FIN_LENGTH);
		jv_free(r);
	} else {
		ev_finish(s, FIN_STOP);
	}
	return ev_done(s);
}

static int dispatch(struct nr_stream *s, const char *type, jv j)
{
	if (!strncmp(type, "response.", 9)) {
		const char *t = type + 9;
		if (!strcmp(t, "output_text.delta"))
			return delta(s, D_TEXT, j);
		if (!strcmp(t, "function_call_arguments.delta"))
			return delta(s, D_ARGS, j);
		if (!strcmp(t, "reasoning_summary_text.delta") || !strcmp(t, "reasoning_text.delta"))
			return delta(s, D_THINKING, j);
	}
	int rc = 0;
	if (!strcmp(type, "response.output_item.added") || !strcmp(type, "response.output_item.done")) {
		jv item = json_get_path(j, "item", NULL);
		rc = type[21] == 'a' ? item_added(s, item) : item_done(s, item);
		jv_free(item);
	} else if (!strcmp(type, "response.created") || !strcmp(type, "response.in_progress")) {
		jv r = json_get_path(j, "response", NULL);
		rc = start(s, r);
		jv_free(r);
	} else if (!strcmp(type, "response.completed") || !strcmp(type, "response.incomplete") ||
		   !strcmp(type, "response.failed")) {
		jv r = json_get_path(j, "response", NULL);
		rc = terminal(s, type, r);
		jv_free(r);
	} else if (!strcmp(type, "error")) {	/* {code,message} or {error:{…}} */
		jv e = json_get_path(j, "error", NULL);
		rc = error_obj(s, jv_get_kind(e) == JV_KIND_OBJECT ? e : j);
		jv_free(e);
	}
	return rc;
}

static int dec_event(struct nr_stream *s, const struct sse_event *e)
{
	if (!strcmp(e->data, "[DONE]"))
		return 0;	/* not sent by OpenAI here, tolerated */
	jv j = json_parse(e->data, e->data_len);
	if (jv_get_kind(j) != JV_KIND_OBJECT) {
		jv_free(j);
		return ev_broken(s, "an event's data is not a JSON object");
	}
	long long seq = json_ll(json_get_path(j, "sequence_number", NULL));
	if (seq >= s->seq)	/* pass-through: nr's own events continue the numbering */
		s->seq = seq + 1;
	const char *type = e->name;
	size_t n;
	str(j, "type", &type, &n);
	int rc = dispatch(s, type, j);
	jv_free(j);
	return rc;
}

static int dec_complete(struct nr_stream *s)
{
	(void)s;
	return 0;	/* complete only with response.completed / .incomplete / .failed */
}

const struct decoder dec_responses = { dec_event, dec_complete };

/* ---- whole responses ---- */

int resp_decode_responses(struct nr_stream *s, jv r)
{
	int rc = start(s, r);
	jv out = json_get_path(r, "output", NULL);
	if (jv_get_kind(out) == JV_KIND_ARRAY)
		jv_array_foreach(out, i, item) {
			if (!rc)
				rc = item_whole(s, item, 1);
			if (!rc)
				rc = ev_block_end(s);
			jv_free(item);
		}
	jv_free(out);
	jv status = json_get_path(r, "status", NULL);
	const char *st = json_str_or(status, "completed");
	if (!rc)
		rc = terminal(s, !strcmp(st, "incomplete") ? "response.incomplete"
				 : !strcmp(st, "failed") ? "response.failed" : "response.completed", r);
	jv_free(status);
	jv_free(r);
	return rc;
}

jv resp_build_responses(const struct nr_stream *s)
{
	const struct msg *m = s->collect;
	enum fin f = ev_final_finish(s);
	int incomplete = f == FIN_LENGTH || f == FIN_CONTEXT || f == FIN_FILTER;
	struct buf b = BUF_INIT;
	int rc = buf_puts(&b, "{\"id\":") || json_str(&b, s->id.p, s->id.len) ||
		 buf_printf(&b, ",\"object\":\"response\",\"created_at\":%lld,\"status\":\"%s\",\"model\":",
			    s->created, incomplete ? "incomplete" : "completed") ||
		 json_str(&b, s->model.p, s->model.len) || buf_puts(&b, ",\"output\":[");
	for (int i = 0; i < m->n && !rc; i++) {
		const struct msg_block *x = &m->b[i];
		rc = (i && buf_putc(&b, ',')) ||
		     responses_item(&b, s, i, x->type, x->text.p ? x->text.p : "", x->text.len, x->id, x->name);
	}
	rc = rc || buf_puts(&b, "],\"error\":null,\"incomplete_details\":") ||
	     (incomplete ? buf_printf(&b, "{\"reason\":\"%s\"}", f == FIN_FILTER ? "content_filter" : "max_output_tokens")
			 : buf_puts(&b, "null"));
	if (!rc && (s->usage.input >= 0 || s->usage.output >= 0))
		rc = buf_puts(&b, ",\"usage\":") || usage_responses(&b, &s->usage);
	rc = rc || buf_putc(&b, '}');
	jv out = rc ? jv_invalid_with_msg(jv_string("out of memory")) : jv_parse_sized(b.p, (int)b.len);
	buf_free(&b);
	return out;
}
