/* request: nr_translate_request, one parse into the IR and one emit (ir.h). */
#include "translate/ir.h"
#include "translate/translate.h"

static jv (*const parse[NR_FMT_COUNT])(jv, const char *) = {
	[NR_FMT_OPENAI] = req_openai_parse,
	[NR_FMT_ANTHROPIC] = req_anthropic_parse,
	[NR_FMT_RESPONSES] = req_responses_parse,
	[NR_FMT_GEMINI] = req_gemini_parse,
};

static jv (*const emit[NR_FMT_COUNT])(jv) = {
	[NR_FMT_OPENAI] = req_openai_emit,
	[NR_FMT_ANTHROPIC] = req_anthropic_emit,
	[NR_FMT_RESPONSES] = req_responses_emit,
	[NR_FMT_GEMINI] = req_gemini_emit,
};

jv nr_translate_request(jv req, enum nr_format from, enum nr_format to, const char *model)
{
	if (from == to)		/* untouched: cache_control, signatures, unknown fields survive */
		return req;
	if ((unsigned)from >= NR_FMT_COUNT || (unsigned)to >= NR_FMT_COUNT) {
		jv_free(req);
		return jv_invalid_with_msg(jv_string("unknown request format"));
	}
	jv ir = parse[from](req, model);
	if (!jv_is_valid(ir))
		return ir;
	return emit[to](ir);
}
