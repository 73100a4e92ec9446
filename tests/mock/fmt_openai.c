/* fmt_openai: Chat Completions answers, whole and as chat.completion.chunk
 * events (shapes of ../shared/streams/openai/gpt-4o-*.sse). */
#include "mock.h"

#include <time.h>

void json_append(struct buf *out, jv v)
{
	jv text = jv_dump_string(v, 0);
	must(buf_puts(out, jv_string_value(text)));
	jv_free(text);
}

static jv tool_call(const struct answer *a, jv arguments)
{
	return JV_OBJECT(S("id"), S(a->call_id), S("type"), S("function"),
			 S("function"), JV_OBJECT(S("name"), S(a->tool_name), S("arguments"), arguments));
}

void openai_json(const struct answer *a, struct buf *out)
{
	jv msg = JV_OBJECT(S("role"), S("assistant"),
			   S("content"), a->text ? S(a->text) : jv_null(), S("refusal"), jv_null());
	if (a->tool_name)
		msg = jv_object_set(msg, S("tool_calls"), JV_ARRAY(tool_call(a, S(a->tool_args))));
	jv choice = JV_OBJECT(S("index"), N(0), S("message"), msg, S("logprobs"), jv_null(),
			      S("finish_reason"), S(a->tool_name ? "tool_calls" : "stop"));
	json_append(out, JV_OBJECT(S("id"), S(a->id), S("object"), S("chat.completion"),
				   S("created"), N(mock_now()), S("model"), S(a->model),
				   S("choices"), JV_ARRAY(choice), S("usage"), answer_usage_openai(a)));
}

/* One chat.completion.chunk; finish is NULL until the last choice chunk. */
static int chunk(const struct answer *a, struct sse *s, jv delta, const char *finish, int content)
{
	jv choice = JV_OBJECT(S("index"), N(0), S("delta"), delta, S("logprobs"), jv_null(),
			      S("finish_reason"), finish ? S(finish) : jv_null());
	return sse_event(s, NULL, JV_OBJECT(S("id"), S(a->id), S("object"), S("chat.completion.chunk"),
					    S("created"), N(mock_now()), S("model"), S(a->model),
					    S("choices"), JV_ARRAY(choice)), content);
}

static jv args_fragment(jv piece)
{
	return JV_OBJECT(S("tool_calls"), JV_ARRAY(JV_OBJECT(S("index"), N(0), S("function"),
							     JV_OBJECT(S("arguments"), piece))));
}

int openai_stream(const struct answer *a, struct sse *s, int usage)
{
	if (a->tool_name) {
		jv call = jv_object_set(tool_call(a, S("")), S("index"), N(0));
		size_t half = answer_args_half(a);
		if (chunk(a, s, JV_OBJECT(S("role"), S("assistant"), S("content"), jv_null(),
					  S("tool_calls"), JV_ARRAY(call)), NULL, 0) < 0 ||
		    chunk(a, s, args_fragment(jv_string_sized(a->tool_args, (int)half)), NULL, 1) < 0 ||
		    chunk(a, s, args_fragment(S(a->tool_args + half)), NULL, 1) < 0 ||
		    chunk(a, s, jv_object(), "tool_calls", 0) < 0)
			return -1;
	} else {
		if (chunk(a, s, JV_OBJECT(S("role"), S("assistant"), S("content"), S("")), NULL, 0) < 0)
			return -1;
		for (size_t i = 0; i < answer_npieces(a); i++)
			if (chunk(a, s, JV_OBJECT(S("content"), answer_piece(a, i)), NULL, 1) < 0)
				return -1;
		if (chunk(a, s, jv_object(), "stop", 0) < 0)
			return -1;
	}
	/* the usage chunk comes only when the request set stream_options.include_usage */
	if (usage && sse_event(s, NULL, JV_OBJECT(S("id"), S(a->id), S("object"), S("chat.completion.chunk"),
						  S("created"), N(mock_now()), S("model"), S(a->model),
						  S("choices"), jv_array(), S("usage"), answer_usage_openai(a)), 0) < 0)
		return -1;
	return sse_done(s);
}
