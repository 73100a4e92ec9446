/* written: a translated request or whole response keeps the values it
 * carries over as its source wrote them (nr_keep_written, translate.h).
 *
 * The translators build their output with jv, which holds numbers as
 * doubles: 1.0 would go out as 1, 1e-3 as 0.001, 12345678901234567890 as
 * 1.2345678901234567e+19. Rather than teach every translator to carry
 * literals, this file lists where each carried-over value lives in each
 * format, and json_same.c puts the source's bytes back wherever the
 * output still holds the same value. A value nr changed (a clamped
 * temperature, a thinking budget raised to the minimum, a schema key Gemini
 * does not take) differs from the source and stays nr's. */
#include "translate/translate.h"

#include "json_same.h"

#define O NR_FMT_OPENAI
#define A NR_FMT_ANTHROPIC
#define R NR_FMT_RESPONSES
#define G NR_FMT_GEMINI

/* One value, at its path in each format (NULL: the format has none). */
struct place {
	const char *at[NR_FMT_COUNT];
};

/* Many values: the items at `items`, paired by their member `key` (by
 * order when key is NULL); the value is at `value` under each item (the item
 * itself when NULL). */
struct list {
	const char *items[NR_FMT_COUNT];
	const char *key;
	const char *value[NR_FMT_COUNT];
};

#define GC "generationConfig."
#define GC2 "generation_config."

static const struct place request_places[] = {
	{ { [O] = "temperature", [A] = "temperature", [R] = "temperature",
	    [G] = GC "temperature|" GC2 "temperature" } },
	{ { [O] = "top_p", [A] = "top_p", [R] = "top_p",
	    [G] = GC "topP|" GC "top_p|" GC2 "topP|" GC2 "top_p" } },
	{ { [A] = "top_k", [G] = GC "topK|" GC "top_k|" GC2 "topK|" GC2 "top_k" } },
	{ { [O] = "max_completion_tokens|max_tokens", [A] = "max_tokens", [R] = "max_output_tokens",
	    [G] = GC "maxOutputTokens|" GC "max_output_tokens|" GC2 "maxOutputTokens|" GC2 "max_output_tokens" } },
	{ { [A] = "thinking.budget_tokens",
	    [G] = GC "thinkingConfig.thinkingBudget|" GC "thinking_config.thinking_budget|"
		  GC2 "thinkingConfig.thinkingBudget|" GC2 "thinking_config.thinking_budget" } },
	{ { [O] = "stop", [A] = "stop_sequences", [G] = GC "stopSequences|" GC2 "stop_sequences" } },
	{ { [O] = "user", [A] = "metadata.user_id", [R] = "user" } },
};

static const struct list request_lists[] = {
	/* tool definitions: their JSON Schemas, by tool name */
	{ { [O] = "tools.*.function", [A] = "tools.*", [R] = "tools.*.[type=function]",
	    [G] = "tools.*.functionDeclarations.*|tools.*.function_declarations.*" },
	  "name",
	  { [O] = "parameters", [A] = "input_schema", [R] = "parameters",
	    [G] = "parametersJsonSchema|parameters_json_schema|parameters" } },
	/* tool calls in the history: their arguments, in order */
	{ { [O] = "messages.*.tool_calls.*.function.arguments",
	    [A] = "messages.*.content.*.[type=tool_use].input",
	    [R] = "input.*.[type=function_call].arguments",
	    [G] = "contents.*.parts.*.functionCall.args" },
	  NULL, { NULL } },
};

static const struct place response_places[] = {
	{ { [O] = "id", [A] = "id", [R] = "id", [G] = "responseId" } },
	{ { [O] = "model", [A] = "model", [R] = "model", [G] = "modelVersion" } },
	{ { [O] = "usage.prompt_tokens", [A] = "usage.input_tokens", [R] = "usage.input_tokens",
	    [G] = "usageMetadata.promptTokenCount" } },
	{ { [O] = "usage.completion_tokens", [A] = "usage.output_tokens", [R] = "usage.output_tokens",
	    [G] = "usageMetadata.candidatesTokenCount" } },
	{ { [O] = "usage.total_tokens", [R] = "usage.total_tokens", [G] = "usageMetadata.totalTokenCount" } },
	{ { [O] = "usage.prompt_tokens_details.cached_tokens", [A] = "usage.cache_read_input_tokens",
	    [R] = "usage.input_tokens_details.cached_tokens", [G] = "usageMetadata.cachedContentTokenCount" } },
	{ { [O] = "usage.prompt_tokens_details.cache_write_tokens", [A] = "usage.cache_creation_input_tokens",
	    [R] = "usage.input_tokens_details.cache_write_tokens" } },
	{ { [O] = "usage.completion_tokens_details.reasoning_tokens",
	    [A] = "usage.output_tokens_details.thinking_tokens",
	    [R] = "usage.output_tokens_details.reasoning_tokens", [G] = "usageMetadata.thoughtsTokenCount" } },
};

static const struct list response_lists[] = {
	{ { [O] = "choices.0.message.tool_calls.*.function.arguments",
	    [A] = "content.*.[type=tool_use].input",
	    [R] = "output.*.[type=function_call].arguments",
	    [G] = "candidates.0.content.parts.*.functionCall.args" },
	  NULL, { NULL } },
};

struct side {
	const char *doc;
	struct json_span top;
	enum nr_format f;
};

static int keep_places(struct edits *e, const struct side *out, const struct side *src,
		       const struct place *pl, size_t n)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (pl[i].at[out->f] && pl[i].at[src->f])
			rc = json_keep_source(e, out->doc, json_path(out->top, pl[i].at[out->f]),
					      json_path(src->top, pl[i].at[src->f]));
	return rc;
}

/* The value under item, for a list entry in format f. */
static struct json_span value_of(const struct list *l, enum nr_format f, struct json_span item)
{
	return l->value[f] ? json_path(item, l->value[f]) : item;
}

/* The item of `all` whose key member is the same string as `item`'s. */
static struct json_span by_key(const struct json_spans *all, const char *key, struct json_span item)
{
	struct json_span k = json_path(item, key), none = { NULL, 0 };
	if (json_type_of(k) != JSON_STRING)
		return none;
	for (size_t i = 0; i < all->n; i++)
		if (json_same(json_path(all->v[i], key), k))
			return all->v[i];
	return none;
}

static int keep_list(struct edits *e, const struct side *out, const struct side *src, const struct list *l)
{
	struct json_spans os = JSON_SPANS_INIT, ss = JSON_SPANS_INIT;
	int rc = json_path_all(out->top, l->items[out->f], &os) < 0 ||
		 json_path_all(src->top, l->items[src->f], &ss) < 0 ? -1 : 0;
	for (size_t i = 0; rc == 0 && i < os.n; i++) {
		struct json_span s = l->key ? by_key(&ss, l->key, os.v[i])
				 : i < ss.n ? ss.v[i] : (struct json_span){ NULL, 0 };
		if (s.n)
			rc = json_keep_source(e, out->doc, value_of(l, out->f, os.v[i]),
					      value_of(l, src->f, s));
	}
	json_spans_free(&os);
	json_spans_free(&ss);
	return rc;
}

int nr_keep_written(enum nr_body kind, enum nr_format from, const char *src, size_t n,
		    enum nr_format to, struct buf *out)
{
	if (from == to || (unsigned)from >= NR_FMT_COUNT || (unsigned)to >= NR_FMT_COUNT || !out->p)
		return 0;
	struct side s = { src, { NULL, 0 }, from }, o = { out->p, { NULL, 0 }, to };
	char why[16];
	if (json_validate(src ? src : "", n, &s.top, why, sizeof why) < 0 ||
	    json_validate(out->p, out->len, &o.top, why, sizeof why) < 0)
		return 0;	/* nothing to take from (or to fix) */
	const struct place *pl = kind == NR_BODY_REQUEST ? request_places : response_places;
	size_t npl = kind == NR_BODY_REQUEST ? sizeof request_places / sizeof *request_places
					     : sizeof response_places / sizeof *response_places;
	const struct list *ls = kind == NR_BODY_REQUEST ? request_lists : response_lists;
	size_t nls = kind == NR_BODY_REQUEST ? sizeof request_lists / sizeof *request_lists
					     : sizeof response_lists / sizeof *response_lists;
	struct edits e = EDITS_INIT;
	struct buf fixed = BUF_INIT;
	int rc = keep_places(&e, &o, &s, pl, npl);
	for (size_t i = 0; rc == 0 && i < nls; i++)
		rc = keep_list(&e, &o, &s, &ls[i]);
	if (rc == 0 && e.count && (rc = edits_apply(&e, out->p, out->len, &fixed)) == 0) {
		struct buf old = *out;
		*out = fixed;
		fixed = old;
	}
	edits_free(&e);
	buf_free(&fixed);
	return rc;
}
