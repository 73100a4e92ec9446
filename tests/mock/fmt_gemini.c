/* fmt_gemini: generateContent answers, whole and as streamGenerateContent
 * chunks, each holding only its new parts, finishReason on the last
 * (shapes of ../shared/streams/gemini/gemini-3*.sse). */
#include "mock.h"

/* A GenerateContentResponse with these parts; finish NULL but on the last. */
static jv chunk(const struct answer *a, jv parts, const char *finish)
{
	jv cand = JV_OBJECT(S("content"), JV_OBJECT(S("parts"), parts, S("role"), S("model")), S("index"), N(0));
	if (finish)
		cand = jv_object_set(cand, S("finishReason"), S(finish));
	jv use = JV_OBJECT(S("promptTokenCount"), N(a->in_tokens), S("candidatesTokenCount"), N(a->out_tokens),
			   S("totalTokenCount"), N(a->in_tokens + a->out_tokens));
	if (a->cache_read > 0)
		use = jv_object_set(use, S("cachedContentTokenCount"), N(a->cache_read));
	return JV_OBJECT(S("candidates"), JV_ARRAY(cand), S("usageMetadata"), use,
			 S("modelVersion"), S(a->model), S("responseId"), S(a->id));
}

static jv call_part(const struct answer *a)
{
	return JV_OBJECT(S("functionCall"), JV_OBJECT(S("name"), S(a->tool_name), S("args"), answer_args(a)));
}

void gemini_json(const struct answer *a, struct buf *out)
{
	jv part = a->tool_name ? call_part(a) : JV_OBJECT(S("text"), S(a->text));
	json_append(out, chunk(a, JV_ARRAY(part), "STOP"));
}

int gemini_stream(const struct answer *a, struct sse *s)
{
	if (a->tool_name) {
		/* the call arrives whole; newer models end with an empty text part */
		if (sse_event(s, NULL, chunk(a, JV_ARRAY(call_part(a)), NULL), 1) < 0 ||
		    sse_event(s, NULL, chunk(a, JV_ARRAY(JV_OBJECT(S("text"), S(""))), "STOP"), 0) < 0)
			return -1;
		return 0;
	}
	size_t n = answer_npieces(a);
	for (size_t i = 0; i < n; i++)
		if (sse_event(s, NULL, chunk(a, JV_ARRAY(JV_OBJECT(S("text"), answer_piece(a, i))),
					     i + 1 == n ? "STOP" : NULL), 1) < 0)
			return -1;
	return 0;
}
