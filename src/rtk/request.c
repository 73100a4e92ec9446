/* request: --request mode. The request is validated, its tool results are
 * found by walking the format's message array, each result's text goes
 * through the filter engine (or becomes a reference to an identical or nearly
 * identical earlier result), and the request is copied once with only those
 * string literals replaced: every other byte stays as it came.
 *
 * What counts as a tool result's text, per format:
 *   anthropic  user messages' tool_result blocks: content string, or its
 *              type:"text" blocks (images and documents untouched); skipped
 *              when is_error is true
 *   openai     role:"tool" messages (and legacy role:"function"): content
 *              string, or its type:"text" parts
 *   responses  input items function_call_output / custom_tool_call_output:
 *              output string, or its type:"input_text" parts
 *   gemini     functionResponse parts: every string member directly inside
 *              "response" (output, content, result...); skipped when
 *              "response" has an "error" member
 * On running out of memory the request is passed on unchanged, as the text
 * mode does on any internal failure. */
#include "rtk/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtk/engine.h"
#include "rtk/request_caveman.h"
#include "json_edit.h"
#include "json_span.h"
#include "rtk/request_reuse.h"

struct rq {
	const char *doc;
	struct edits edits;
	struct reuse reuse;
	struct buf text, shown, standin, lit, label;	/* scratch, reused per text */
	struct rtk_request_stats *st;
	int keep;	/* RTK_REQUEST_KEEP_RESULTS: results are counted, never changed */
	char err[256];
};

/* Compresses the string literal `str`, the text (or one text block) of the
 * tool result named rq->label. 1 when it was made smaller, 0 when kept, -1
 * when memory ran out. */
static int compress_text(struct rq *rq, struct json_span str)
{
	buf_reset(&rq->text);
	if (json_str_decode(str, &rq->text) < 0)
		return -1;
	rq->st->in_bytes += rq->text.len;
	if (rq->keep) {
		rq->st->out_bytes += rq->text.len;
		return 0;
	}
	if (rtk_filter_mem(rq->text.p, rq->text.len, NULL, &rq->shown, NULL) < 0)
		return -1;
	buf_reset(&rq->standin);
	int r = reuse_standin(&rq->reuse, rq->shown.p, rq->shown.len, rq->shown.len, &rq->standin);
	if (r < 0)
		return -1;
	if (r == 0 && reuse_add(&rq->reuse, rq->shown.p, rq->shown.len, rq->label.p,
				rq->label.len) < 0)
		return -1;
	const struct buf *now = r ? &rq->standin : &rq->shown;
	/* kept unless what is sent gets smaller: the filter's text (fewer bytes,
	 * or as many on fewer lines, each newline two bytes in JSON) */
	int same = now->len > rq->text.len ||
		   (now->len == rq->text.len && (!now->len || memcmp(now->p, rq->text.p, now->len) == 0));
	buf_reset(&rq->lit);
	if (!same && json_str(&rq->lit, now->p, now->len) < 0)
		return -1;
	if (same || rq->lit.len >= str.n) {
		rq->st->out_bytes += rq->text.len;	/* not smaller: the original bytes stay */
		return 0;
	}
	if (edits_add(&rq->edits, (size_t)(str.p - rq->doc), str.n, rq->lit.p, rq->lit.len) < 0)
		return -1;
	rq->st->out_bytes += now->len;
	return 1;
}

/* Sets rq->label: the decoded id, or `fallback` numbered by result order. */
static int set_label(struct rq *rq, struct json_span id, const char *fallback)
{
	buf_reset(&rq->label);
	if (json_type_of(id) == JSON_STRING && id.n > 2)
		return json_str_decode(id, &rq->label);
	if (json_type_of(id) == JSON_NUMBER)
		return buf_append(&rq->label, id.p, id.n);
	return buf_printf(&rq->label, "%s #%llu", fallback, rq->st->results);
}

/* The text of a string, or of each part of an array whose "type" is
 * `part_type` (its member "text"). Returns 1 if anything shrank, 0, -1. */
static int compress_content(struct rq *rq, struct json_span content, const char *part_type)
{
	if (json_type_of(content) == JSON_STRING)
		return compress_text(rq, content);
	if (json_type_of(content) != JSON_ARRAY)
		return 0;
	struct json_iter it = json_iter_init(content);
	struct json_span part;
	int any = 0;
	while (json_array_next(&it, &part)) {
		if (!json_str_is(json_get(part, "type"), part_type))
			continue;
		struct json_span text = json_get(part, "text");
		if (json_type_of(text) != JSON_STRING)
			continue;
		int r = compress_text(rq, text);
		if (r < 0)
			return -1;
		any |= r;
	}
	return any;
}

/* Counts one tool result and its outcome. */
static int counted(struct rq *rq, int r)
{
	if (r > 0)
		rq->st->compressed++;
	return r < 0 ? -1 : 0;
}

static int walk_anthropic(struct rq *rq, struct json_span messages)
{
	struct json_iter it = json_iter_init(messages);
	struct json_span m, block;
	while (json_array_next(&it, &m)) {
		if (!json_str_is(json_get(m, "role"), "user"))
			continue;
		struct json_span content = json_get(m, "content");
		if (json_type_of(content) != JSON_ARRAY)
			continue;
		struct json_iter bi = json_iter_init(content);
		while (json_array_next(&bi, &block)) {
			if (!json_str_is(json_get(block, "type"), "tool_result"))
				continue;
			rq->st->results++;
			if (json_is_true(block, "is_error"))
				continue;
			if (set_label(rq, json_get(block, "tool_use_id"), "tool_result") < 0 ||
			    counted(rq, compress_content(rq, json_get(block, "content"), "text")) < 0)
				return -1;
		}
	}
	return 0;
}

static int walk_openai(struct rq *rq, struct json_span messages)
{
	struct json_iter it = json_iter_init(messages);
	struct json_span m;
	while (json_array_next(&it, &m)) {
		struct json_span role = json_get(m, "role");
		int legacy = json_str_is(role, "function");	/* the old function-calling result */
		if (!legacy && !json_str_is(role, "tool"))
			continue;
		rq->st->results++;
		struct json_span id = json_get(m, legacy ? "name" : "tool_call_id");
		if (set_label(rq, id, "tool") < 0 ||
		    counted(rq, compress_content(rq, json_get(m, "content"), "text")) < 0)
			return -1;
	}
	return 0;
}

static int walk_responses(struct rq *rq, struct json_span input)
{
	struct json_iter it = json_iter_init(input);
	struct json_span item;
	while (json_array_next(&it, &item)) {
		struct json_span type = json_get(item, "type");
		if (!json_str_is(type, "function_call_output") &&
		    !json_str_is(type, "custom_tool_call_output"))
			continue;
		rq->st->results++;
		if (set_label(rq, json_get(item, "call_id"), "function_call_output") < 0 ||
		    counted(rq, compress_content(rq, json_get(item, "output"), "input_text")) < 0)
			return -1;
	}
	return 0;
}

/* Every string member directly inside functionResponse.response. */
static int compress_gemini_response(struct rq *rq, struct json_span response)
{
	struct json_iter it = json_iter_init(response);
	struct json_span k, v;
	int any = 0;
	while (json_object_next(&it, &k, &v)) {
		if (json_type_of(v) != JSON_STRING)
			continue;
		int r = compress_text(rq, v);
		if (r < 0)
			return -1;
		any |= r;
	}
	return any;
}

static int walk_gemini(struct rq *rq, struct json_span contents)
{
	struct json_iter it = json_iter_init(contents);
	struct json_span c, part;
	while (json_array_next(&it, &c)) {
		struct json_span parts = json_get(c, "parts");
		if (json_type_of(parts) != JSON_ARRAY)
			continue;
		struct json_iter pi = json_iter_init(parts);
		while (json_array_next(&pi, &part)) {
			struct json_span fr = json_get(part, "functionResponse");
			if (json_type_of(fr) != JSON_OBJECT)
				continue;
			rq->st->results++;
			struct json_span response = json_get(fr, "response");
			if (json_type_of(response) != JSON_OBJECT || json_get(response, "error").n)
				continue;	/* an error result is left as it is */
			struct json_span id = json_get(fr, "id"), name = json_get(fr, "name");
			int rc = id.n ? set_label(rq, id, "functionResponse") : 0;
			if (!id.n) {	/* no id: the name, numbered by result order */
				buf_reset(&rq->label);
				rc = json_type_of(name) == JSON_STRING ?
					json_str_decode(name, &rq->label) : 0;
				if (rc == 0)
					rc = buf_printf(&rq->label, " #%llu", rq->st->results);
			}
			if (rc < 0 || counted(rq, compress_gemini_response(rq, response)) < 0)
				return -1;
		}
	}
	return 0;
}

/* The format's message array, or an error in rq->err. */
static int walk(struct rq *rq, struct json_span top, enum nr_format format)
{
	static const char *const key[NR_FMT_COUNT] = {
		[NR_FMT_OPENAI] = "messages", [NR_FMT_ANTHROPIC] = "messages",
		[NR_FMT_RESPONSES] = "input", [NR_FMT_GEMINI] = "contents",
	};
	struct json_span list = json_get(top, key[format]);
	enum json_type t = json_type_of(list);
	if (format == NR_FMT_RESPONSES && list.n && t == JSON_STRING)
		return 0;	/* plain text input: no tool results */
	if (!list.n || t != JSON_ARRAY) {
		snprintf(rq->err, sizeof rq->err, "a %s request needs a \"%s\" array%s",
			 nr_format_name(format), key[format],
			 format == NR_FMT_RESPONSES ? " (or string)" : "");
		return -1;
	}
	switch (format) {
	case NR_FMT_ANTHROPIC:
		return walk_anthropic(rq, list);
	case NR_FMT_OPENAI:
		return walk_openai(rq, list);
	case NR_FMT_RESPONSES:
		return walk_responses(rq, list);
	default:
		return walk_gemini(rq, list);
	}
}

static void rq_free(struct rq *rq)
{
	edits_free(&rq->edits);
	reuse_free(&rq->reuse);
	buf_free(&rq->text);
	buf_free(&rq->shown);
	buf_free(&rq->standin);
	buf_free(&rq->lit);
	buf_free(&rq->label);
}

int rtk_request(const char *json, size_t n, enum nr_format format, int flags,
		struct buf *out, struct rtk_request_stats *st, char **err)
{
	struct rtk_request_stats dummy;
	struct rq rq = { .doc = json, .edits = EDITS_INIT, .reuse = REUSE_INIT,
			 .st = st ? st : &dummy, .keep = (flags & RTK_REQUEST_KEEP_RESULTS) != 0 };
	struct json_span top;
	*rq.st = (struct rtk_request_stats){ 0 };
	*err = NULL;
	buf_reset(out);
	if ((unsigned)format >= NR_FMT_COUNT) {
		*err = strdup("unknown request format");
		return -1;
	}
	int rc = json_validate(json, n, &top, rq.err, sizeof rq.err);
	if (rc == 0 && json_type_of(top) != JSON_OBJECT) {
		snprintf(rq.err, sizeof rq.err, "the request is not a JSON object");
		rc = -1;
	}
	if (rc == 0)
		rc = walk(&rq, top, format);
	if (rc == 0 && (flags & RTK_REQUEST_CAVEMAN))
		rc = caveman_insert(json, top, format, &rq.edits, rq.err, sizeof rq.err);
	if (rc == 0)
		rc = edits_apply(&rq.edits, json, n, out);
	if (rc < 0 && !rq.err[0]) {
		/* not the input's fault (memory ran out): it goes on as it came */
		buf_reset(out);
		st = rq.st;
		*st = (struct rtk_request_stats){ st->results, 0, st->in_bytes, st->in_bytes };
		rc = buf_append(out, json, n);
		snprintf(rq.err, sizeof rq.err, "out of memory");
	}
	if (rc < 0) {
		buf_reset(out);
		*err = strdup(rq.err);
	}
	rq_free(&rq);
	return rc < 0 ? -1 : 0;
}

struct nr_facts rtk_request_facts(const struct rtk_request_stats *st, int flags)
{
	unsigned long long saved = st->in_bytes - st->out_bytes;
	return (struct nr_facts){ (long long)saved, (long long)rtk_estimate_tokens(saved),
				  (flags & RTK_REQUEST_CAVEMAN) ? 1 : 0 };
}
