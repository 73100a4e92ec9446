/* error: upstream error bodies from one format to another, and nr's own
 * errors, in each format's shape (PROTOCOLS.md §6). An error is read into a
 * category (rate limit, overloaded…) and a message, then written in the
 * target's shape with the status that format uses for that category. */
#include <string.h>

#include "json_span.h"
#include "translate/ir.h"
#include "translate/translate.h"
#include "utf8.h"

/* Longest upstream text (an HTML page, say) kept as a message. */
#define MESSAGE_MAX 1000

enum cat {
	C_INVALID, C_AUTH, C_PERMISSION, C_NOT_FOUND, C_TOO_LARGE, C_RATE, C_BILLING,
	C_OVERLOADED, C_TIMEOUT, C_SERVER, C_COUNT
};

static const struct {
	const char *nr;			/* nr_error_body's type */
	int status;			/* HTTP status, anthropic's view */
	int openai_status;		/* where openai/responses differ */
	const char *openai_type, *openai_code;
	const char *anthropic;
	const char *gemini;
	int gemini_status;
} cats[C_COUNT] = {
	[C_INVALID] = { "invalid_request", 400, 400, "invalid_request_error", NULL,
			"invalid_request_error", "INVALID_ARGUMENT", 400 },
	[C_AUTH] = { "authentication", 401, 401, "invalid_request_error", "invalid_api_key",
		     "authentication_error", "UNAUTHENTICATED", 401 },
	[C_PERMISSION] = { "permission", 403, 403, "permission_error", NULL,
			   "permission_error", "PERMISSION_DENIED", 403 },
	[C_NOT_FOUND] = { "not_found", 404, 404, "invalid_request_error", "not_found",
			  "not_found_error", "NOT_FOUND", 404 },
	[C_TOO_LARGE] = { "request_too_large", 413, 413, "invalid_request_error", NULL,
			  "request_too_large", "INVALID_ARGUMENT", 413 },
	[C_RATE] = { "rate_limit", 429, 429, "rate_limit_error", "rate_limit_exceeded",
		     "rate_limit_error", "RESOURCE_EXHAUSTED", 429 },
	/* OpenAI reports exhausted credit as a 429 insufficient_quota */
	[C_BILLING] = { "billing", 402, 429, "insufficient_quota", "insufficient_quota",
			"billing_error", "RESOURCE_EXHAUSTED", 429 },
	/* 529 is Anthropic's own: other formats say 503 */
	[C_OVERLOADED] = { "overloaded", 529, 503, "server_error", "overloaded",
			   "overloaded_error", "UNAVAILABLE", 503 },
	[C_TIMEOUT] = { "timeout", 504, 504, "server_error", "timeout",
			"timeout_error", "DEADLINE_EXCEEDED", 504 },
	[C_SERVER] = { "server_error", 500, 500, "server_error", NULL,
		       "api_error", "INTERNAL", 500 },
};

static enum cat cat_of_status(int status)
{
	switch (status) {
	case 401: return C_AUTH;
	case 402: return C_BILLING;
	case 403: return C_PERMISSION;
	case 404: return C_NOT_FOUND;
	case 408: case 504: return C_TIMEOUT;
	case 413: return C_TOO_LARGE;
	case 429: return C_RATE;
	case 503: case 529: return C_OVERLOADED;
	}
	return status >= 400 && status < 500 ? C_INVALID : C_SERVER;
}

/* The category a type, status or code name stands for, or -1. */
static int cat_of_name(const char *s)
{
	static const struct {
		const char *name;
		enum cat cat;
	} names[] = {
		{ "authentication_error", C_AUTH }, { "invalid_api_key", C_AUTH },
		{ "UNAUTHENTICATED", C_AUTH }, { "permission_error", C_PERMISSION },
		{ "PERMISSION_DENIED", C_PERMISSION }, { "not_found_error", C_NOT_FOUND },
		{ "model_not_found", C_NOT_FOUND }, { "NOT_FOUND", C_NOT_FOUND },
		{ "request_too_large", C_TOO_LARGE }, { "rate_limit_error", C_RATE },
		{ "rate_limit_exceeded", C_RATE }, { "RESOURCE_EXHAUSTED", C_RATE },
		{ "billing_error", C_BILLING }, { "insufficient_quota", C_BILLING },
		{ "overloaded_error", C_OVERLOADED }, { "UNAVAILABLE", C_OVERLOADED },
		{ "timeout_error", C_TIMEOUT }, { "DEADLINE_EXCEEDED", C_TIMEOUT },
	};
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i].name) == 0)
			return (int)names[i].cat;
	for (int c = 0; c < C_COUNT; c++)
		if (strcmp(s, cats[c].nr) == 0)
			return c;
	return -1;
}

static int status_for(enum cat c, enum nr_format to, int upstream)
{
	int s = to == NR_FMT_ANTHROPIC ? cats[c].status
		: to == NR_FMT_GEMINI ? cats[c].gemini_status : cats[c].openai_status;
	/* a generic category keeps the upstream's own status of the same class */
	if (c == C_INVALID && upstream >= 400 && upstream < 500)
		return upstream;
	if (c == C_SERVER && upstream >= 500 && upstream < 600 && upstream != 529)
		return upstream;
	return s;
}

/* The body of an error of category c in format `to`. */
static jv build(enum nr_format to, enum cat c, int status, jv message)
{
	if (to == NR_FMT_ANTHROPIC) {
		return JV_OBJECT(jv_string("type"), jv_string("error"), jv_string("error"),
			JV_OBJECT(jv_string("type"), jv_string(cats[c].anthropic),
				  jv_string("message"), message));
	}
	if (to == NR_FMT_GEMINI) {
		return JV_OBJECT(jv_string("error"), JV_OBJECT(jv_string("code"),
			jv_number(status), jv_string("message"), message,
			jv_string("status"), jv_string(cats[c].gemini)));
	}
	jv code = cats[c].openai_code ? jv_string(cats[c].openai_code) : jv_null();
	return JV_OBJECT(jv_string("error"), JV_OBJECT(jv_string("message"), message,
		jv_string("type"), jv_string(cats[c].openai_type),
		jv_string("param"), jv_null(), jv_string("code"), code));
}

static jv clip(const char *s)
{
	s += strspn(s, " \t\r\n");
	size_t n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	if (n == 0)
		return jv_invalid();
	size_t cut = utf8_cut(s, n, MESSAGE_MAX);
	jv m = jv_string_sized(s, (int)cut);
	return cut < n ? jv_string_append_str(m, "…") : m;
}

/* openai and responses share one error shape */
static int same_shape(enum nr_format from, enum nr_format to)
{
	return from == to || (from != NR_FMT_ANTHROPIC && from != NR_FMT_GEMINI &&
			      to != NR_FMT_ANTHROPIC && to != NR_FMT_GEMINI);
}

/* 529 is anthropic's own "overloaded"; others say 503 */
static int forwarded_status(enum nr_format to, int status)
{
	return to == NR_FMT_ANTHROPIC || status != 529 ? status : 503;
}

int nr_error_forward(const char *p, size_t n, int status, enum nr_format from, enum nr_format to,
		     int *out_status)
{
	struct json_span top;
	char why[16];
	if (!same_shape(from, to) || json_validate(p ? p : "", n, &top, why, sizeof why) < 0 ||
	    json_type_of(top) != JSON_OBJECT || !json_get(top, "error").n)
		return 0;
	*out_status = forwarded_status(to, status);
	return 1;
}

jv nr_translate_error(jv body, int status, enum nr_format from, enum nr_format to,
		      int *out_status)
{
	if (same_shape(from, to) && jis(body, JV_KIND_OBJECT) &&
	    jv_object_has(jv_copy(body), jv_string("error"))) {
		/* clients match on the exact wording: forward it */
		*out_status = forwarded_status(to, status);
		return body;
	}
	if (jis(body, JV_KIND_ARRAY)) {		/* gemini may wrap it: [{"error":…}] */
		jv first = jv_array_get(jv_copy(body), 0);
		jv_free(body);
		body = first;
	}
	jv err = jget(body, "error");
	jv message = jv_invalid(), code = jv_invalid();
	const char *type = NULL;
	if (jis(err, JV_KIND_OBJECT)) {
		message = jget(err, "message");
		type = jstr(err, "type");
		if (!type)
			type = jstr(err, "status");
		code = jget(err, "code");
	} else if (jis(err, JV_KIND_STRING)) {
		message = jv_copy(err);
	} else {
		message = jget(body, "message");
	}
	if (jis(body, JV_KIND_STRING)) {
		jv_free(message);
		message = clip(jv_string_value(body));
	} else if (jis(message, JV_KIND_STRING)) {
		jv m = clip(jv_string_value(message));
		jv_free(message);
		message = m;
	}
	enum cat c = cat_of_status(status);
	int named = cat_of_name(type);
	if (named < 0 && jis(code, JV_KIND_STRING))
		named = cat_of_name(jv_string_value(code));
	/* a precise name beats a generic status; exhausted credit is not a
	 * retryable rate limit though both come as 429 */
	if (named >= 0 && (c == C_INVALID || c == C_SERVER || named == C_BILLING))
		c = (enum cat)named;
	if (!jis(message, JV_KIND_STRING)) {
		jv_free(message);
		message = jv_string_fmt("upstream error (HTTP %d)", status);
	}
	*out_status = status_for(c, to, status);
	jv out = nr_error_body(to, *out_status, cats[c].nr, jv_string_value(message));
	jv_free(message);
	if (to != NR_FMT_ANTHROPIC && to != NR_FMT_GEMINI && jis(code, JV_KIND_STRING))
		/* an openai code (context_length_exceeded…) says more than ours */
		out = jv_setpath(out, JV_ARRAY(jv_string("error"), jv_string("code")), code);
	else
		jv_free(code);
	jv_free(err);
	jv_free(body);
	return out;
}

jv nr_error_body(enum nr_format to, int status, const char *type, const char *message)
{
	int c = cat_of_name(type);
	if (c < 0)
		c = (int)cat_of_status(status);
	if (to == NR_FMT_GEMINI && status == 529)
		status = 503;
	return build(to, (enum cat)c, status, jv_string(message ? message : "error"));
}
