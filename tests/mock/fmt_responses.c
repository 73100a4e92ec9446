/* fmt_responses: OpenAI Responses answers, whole and as the response.*
 * event sequence with sequence_number (shapes of ../shared/streams/responses/). */
#include "mock.h"

#include <stdlib.h>
#include <time.h>

/* Item ids share the response id's random part: msg_<hex>, fc_<hex>. */
static jv item_id(const struct answer *a)
{
	return jv_string_fmt("%s_%s", a->tool_name ? "fc" : "msg", a->id + 5);
}

static jv text_part(jv text)
{
	return JV_OBJECT(S("type"), S("output_text"), S("annotations"), jv_array(), S("logprobs"), jv_array(),
			 S("text"), text);
}

/* The output item; done: completed with its whole content. */
static jv item(const struct answer *a, int done)
{
	const char *status = done ? "completed" : "in_progress";
	if (a->tool_name)
		return JV_OBJECT(S("id"), item_id(a), S("type"), S("function_call"), S("status"), S(status),
				 S("arguments"), S(done ? a->tool_args : ""), S("call_id"), S(a->call_id),
				 S("name"), S(a->tool_name));
	return JV_OBJECT(S("id"), item_id(a), S("type"), S("message"), S("status"), S(status),
			 S("content"), done ? JV_ARRAY(text_part(S(a->text))) : jv_array(),
			 S("role"), S("assistant"));
}

static jv response(const struct answer *a, int done)
{
	jv use = JV_OBJECT(S("input_tokens"), N(a->in_tokens), S("input_tokens_details"),
			   JV_OBJECT(S("cached_tokens"), N(a->cache_read)), S("output_tokens"), N(a->out_tokens),
			   S("output_tokens_details"), JV_OBJECT(S("reasoning_tokens"), N(0)),
			   S("total_tokens"), N(a->in_tokens + a->out_tokens));
	return JV_OBJECT(S("id"), S(a->id), S("object"), S("response"), S("created_at"), N(mock_now()),
			 S("status"), S(done ? "completed" : "in_progress"), S("error"), jv_null(),
			 S("incomplete_details"), jv_null(), S("model"), S(a->model),
			 S("output"), done ? JV_ARRAY(item(a, 1)) : jv_array(),
			 S("usage"), done ? use : (jv_free(use), jv_null()));
}

void responses_json(const struct answer *a, struct buf *out)
{
	json_append(out, response(a, 1));
}

/* One event: data is {"type": type} followed by `fields`; sse adds sequence_number. */
static int event(struct sse *s, const char *type, jv fields, int content)
{
	return sse_event(s, type, jv_object_merge(JV_OBJECT(S("type"), S(type)), fields), content);
}

/* item_id, output_index and content_index, which most events carry */
static jv where(const struct answer *a, jv fields)
{
	jv w = JV_OBJECT(S("item_id"), item_id(a), S("output_index"), N(0));
	if (!a->tool_name)
		w = jv_object_set(w, S("content_index"), N(0));
	return jv_object_merge(w, fields);
}

static int stream_text(const struct answer *a, struct sse *s)
{
	if (event(s, "response.content_part.added", where(a, JV_OBJECT(S("part"), text_part(S("")))), 0) < 0)
		return -1;
	for (size_t i = 0; i < answer_npieces(a); i++)
		if (event(s, "response.output_text.delta",
			  where(a, JV_OBJECT(S("delta"), answer_piece(a, i), S("logprobs"), jv_array())), 1) < 0)
			return -1;
	if (event(s, "response.output_text.done",
		  where(a, JV_OBJECT(S("text"), S(a->text), S("logprobs"), jv_array())), 0) < 0 ||
	    event(s, "response.content_part.done", where(a, JV_OBJECT(S("part"), text_part(S(a->text)))), 0) < 0)
		return -1;
	return 0;
}

static int stream_call(const struct answer *a, struct sse *s)
{
	size_t half = answer_args_half(a);
	const char *delta = "response.function_call_arguments.delta";
	if (event(s, delta, where(a, JV_OBJECT(S("delta"), jv_string_sized(a->tool_args, (int)half))), 1) < 0 ||
	    event(s, delta, where(a, JV_OBJECT(S("delta"), S(a->tool_args + half))), 1) < 0 ||
	    event(s, "response.function_call_arguments.done",
		  where(a, JV_OBJECT(S("name"), S(a->tool_name), S("arguments"), S(a->tool_args))), 0) < 0)
		return -1;
	return 0;
}

int responses_stream(const struct answer *a, struct sse *s)
{
	if (event(s, "response.created", JV_OBJECT(S("response"), response(a, 0)), 0) < 0 ||
	    event(s, "response.in_progress", JV_OBJECT(S("response"), response(a, 0)), 0) < 0 ||
	    event(s, "response.output_item.added", JV_OBJECT(S("output_index"), N(0), S("item"), item(a, 0)), 0) < 0 ||
	    (a->tool_name ? stream_call(a, s) : stream_text(a, s)) < 0 ||
	    event(s, "response.output_item.done", JV_OBJECT(S("output_index"), N(0), S("item"), item(a, 1)), 0) < 0 ||
	    event(s, "response.completed", JV_OBJECT(S("response"), response(a, 1)), 0) < 0)
		return -1;
	return 0;
}
