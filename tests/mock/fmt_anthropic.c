/* fmt_anthropic: Messages answers, whole and as the event sequence
 * message_start, content_block_*, message_delta, message_stop
 * (shapes of ../shared/streams/anthropic/text*.sse). */
#include "mock.h"

static jv usage(const struct answer *a, double output_tokens)
{
	/* anthropic's input_tokens leave out what was read from or written to the cache */
	return JV_OBJECT(S("input_tokens"), N(a->in_tokens - a->cache_read - a->cache_write),
			 S("cache_creation_input_tokens"), N(a->cache_write),
			 S("cache_read_input_tokens"), N(a->cache_read), S("output_tokens"), N(output_tokens));
}

static const char *stop_reason(const struct answer *a)
{
	return a->tool_name ? "tool_use" : "end_turn";
}

/* The message without its content; content and usage given. */
static jv message(const struct answer *a, jv content, jv stop, jv use)
{
	return JV_OBJECT(S("id"), S(a->id), S("type"), S("message"), S("role"), S("assistant"),
			 S("model"), S(a->model), S("content"), content, S("stop_reason"), stop,
			 S("stop_sequence"), jv_null(), S("usage"), use);
}

void anthropic_json(const struct answer *a, struct buf *out)
{
	jv block = a->tool_name
		? JV_OBJECT(S("type"), S("tool_use"), S("id"), S(a->call_id), S("name"), S(a->tool_name),
			    S("input"), answer_args(a))
		: JV_OBJECT(S("type"), S("text"), S("text"), S(a->text));
	json_append(out, message(a, JV_ARRAY(block), S(stop_reason(a)), usage(a, a->out_tokens)));
}

/* One event: data is {"type": type} followed by `fields`. */
static int event(struct sse *s, const char *type, jv fields, int content)
{
	return sse_event(s, type, jv_object_merge(JV_OBJECT(S("type"), S(type)), fields), content);
}

static int delta(struct sse *s, const char *type, const char *key, jv value)
{
	return event(s, "content_block_delta",
		     JV_OBJECT(S("index"), N(0), S("delta"), JV_OBJECT(S("type"), S(type), S(key), value)), 1);
}

int anthropic_stream(const struct answer *a, struct sse *s)
{
	jv block = a->tool_name
		? JV_OBJECT(S("type"), S("tool_use"), S("id"), S(a->call_id), S("name"), S(a->tool_name),
			    S("input"), jv_object())
		: JV_OBJECT(S("type"), S("text"), S("text"), S(""));
	if (event(s, "message_start",
		  JV_OBJECT(S("message"), message(a, jv_array(), jv_null(), usage(a, 1))), 0) < 0 ||
	    event(s, "content_block_start", JV_OBJECT(S("index"), N(0), S("content_block"), block), 0) < 0 ||
	    event(s, "ping", jv_object(), 0) < 0)
		return -1;
	if (a->tool_name) {
		size_t half = answer_args_half(a);
		if (delta(s, "input_json_delta", "partial_json", jv_string_sized(a->tool_args, (int)half)) < 0 ||
		    delta(s, "input_json_delta", "partial_json", S(a->tool_args + half)) < 0)
			return -1;
	} else {
		for (size_t i = 0; i < answer_npieces(a); i++)
			if (delta(s, "text_delta", "text", answer_piece(a, i)) < 0)
				return -1;
	}
	/* message_delta carries the real input count too (PROTOCOLS.md §8) */
	if (event(s, "content_block_stop", JV_OBJECT(S("index"), N(0)), 0) < 0 ||
	    event(s, "message_delta",
		  JV_OBJECT(S("delta"), JV_OBJECT(S("stop_reason"), S(stop_reason(a)), S("stop_sequence"), jv_null()),
			    S("usage"), usage(a, a->out_tokens)), 0) < 0 ||
	    event(s, "message_stop", jv_object(), 0) < 0)
		return -1;
	return 0;
}
