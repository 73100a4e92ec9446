/* json_out: small helpers shared by the stream and response translators:
 * jv accessors, usage in each format (PROTOCOLS 5.5) and error categories
 * (PROTOCOLS 6.1). JSON string literals are json.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translate/events.h"

long long json_ll(jv v)
{
	long long r = -1;
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		double d = jv_number_value(v);
		if (d >= 0 && d < 9e18)
			r = (long long)d;
	}
	jv_free(v);
	return r;
}

jv json_get_path(jv obj, const char *k1, const char *k2)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_null();
	jv v = jv_object_get(jv_copy(obj), jv_string(k1));
	if (!jv_is_valid(v)) {
		jv_free(v);
		return jv_null();
	}
	if (!k2)
		return v;
	jv w = json_get_path(v, k2, NULL);
	jv_free(v);
	return w;
}

jv json_first(jv arr)
{
	if (jv_get_kind(arr) != JV_KIND_ARRAY || jv_array_length(jv_copy(arr)) == 0) {
		jv_free(arr);
		return jv_null();
	}
	return jv_array_get(arr, 0);
}

const char *json_str_or(jv v, const char *dflt)
{
	return jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : dflt;
}

int json_str_field(jv obj, const char *k, const char **p, size_t *n)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return 0;
	jv v = jv_object_get(jv_copy(obj), jv_string(k));
	int ok = jv_get_kind(v) == JV_KIND_STRING;
	if (ok) {
		*p = jv_string_value(v);
		*n = (size_t)jv_string_length_bytes(jv_copy(v));
	}
	jv_free(v);	/* obj still holds the string: *p stays valid while obj lives */
	return ok;
}

int json_args_object(struct buf *b, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\t' || p[i] == '\r'))
		i++;
	if (i == n)
		return buf_puts(b, "{}");
	jv v = json_parse(p, n);
	int ok = jv_get_kind(v) == JV_KIND_OBJECT;
	jv_free(v);
	if (!ok)
		return -2;
	return buf_append(b, p, n);
}

/* ---- usage ---- */

void usage_merge(struct usage *u, const struct usage *in)
{
	if (in->input >= 0) u->input = in->input;
	if (in->output >= 0) u->output = in->output;
	if (in->cache_read >= 0) u->cache_read = in->cache_read;
	if (in->cache_write >= 0) u->cache_write = in->cache_write;
	if (in->reasoning >= 0) u->reasoning = in->reasoning;
}

/* Where usage_read_from finds the counts: a jq value (span.n == 0), or a
 * span of JSON text (a whole answer's usage, read without parsing it). */
struct usage_src {
	jv v;
	struct json_span span;
};

/* A number span as json_ll reads a jq number: -1 unless 0 <= it < 9e18. */
static long long span_ll(struct json_span m)
{
	if (json_type_of(m) != JSON_NUMBER)
		return -1;
	char tmp[64], *text = m.n < sizeof tmp ? tmp : malloc(m.n + 1);
	if (!text)
		return -1;
	memcpy(text, m.p, m.n);
	text[m.n] = '\0';
	double d = strtod(text, NULL);
	if (text != tmp)
		free(text);
	return d >= 0 && d < 9e18 ? (long long)d : -1;
}

static long long num(const struct usage_src *o, const char *k1, const char *k2)
{
	if (!o->span.n)
		return json_ll(json_get_path(o->v, k1, k2));
	struct json_span m = json_get(o->span, k1);
	if (k2)
		m = json_type_of(m) == JSON_OBJECT ? json_get(m, k2) : (struct json_span){ 0 };
	return span_ll(m);
}

static long long nz(long long v)
{
	return v < 0 ? 0 : v;
}

/* The one mapping of each format's usage fields, over either source. */
static void usage_read_from(enum nr_format f, const struct usage_src *o, struct usage *u)
{
	*u = (struct usage){ -1, -1, -1, -1, -1 };
	switch (f) {
	case NR_FMT_OPENAI:
		u->input = num(o, "prompt_tokens", NULL);
		u->output = num(o, "completion_tokens", NULL);
		u->cache_read = num(o, "prompt_tokens_details", "cached_tokens");
		u->cache_write = num(o, "prompt_tokens_details", "cache_write_tokens");
		u->reasoning = num(o, "completion_tokens_details", "reasoning_tokens");
		break;
	case NR_FMT_ANTHROPIC:	/* input_tokens excludes the cache: the total adds it back */
		u->input = num(o, "input_tokens", NULL);
		u->cache_read = num(o, "cache_read_input_tokens", NULL);
		u->cache_write = num(o, "cache_creation_input_tokens", NULL);
		if (u->input >= 0)
			u->input += nz(u->cache_read) + nz(u->cache_write);
		u->output = num(o, "output_tokens", NULL);
		u->reasoning = num(o, "output_tokens_details", "thinking_tokens");
		break;
	case NR_FMT_RESPONSES:
		u->input = num(o, "input_tokens", NULL);
		u->output = num(o, "output_tokens", NULL);
		u->cache_read = num(o, "input_tokens_details", "cached_tokens");
		u->cache_write = num(o, "input_tokens_details", "cache_write_tokens");
		u->reasoning = num(o, "output_tokens_details", "reasoning_tokens");
		break;
	case NR_FMT_GEMINI: {	/* candidates exclude thoughts: the total adds them */
		long long cand = num(o, "candidatesTokenCount", NULL);
		u->reasoning = num(o, "thoughtsTokenCount", NULL);
		u->input = num(o, "promptTokenCount", NULL);
		u->cache_read = num(o, "cachedContentTokenCount", NULL);
		if (cand >= 0 || u->reasoning >= 0)
			u->output = nz(cand) + nz(u->reasoning);
		break;
	}
	}
}

void usage_read(enum nr_format f, jv o, struct usage *u)
{
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		*u = (struct usage){ -1, -1, -1, -1, -1 };
		return;
	}
	struct usage_src src = { .v = o };
	usage_read_from(f, &src, u);
}

void usage_read_span(enum nr_format f, struct json_span o, struct usage *u)
{
	if (json_type_of(o) != JSON_OBJECT) {
		*u = (struct usage){ -1, -1, -1, -1, -1 };
		return;
	}
	struct usage_src src = { .v = jv_null(), .span = o };
	usage_read_from(f, &src, u);
}

int usage_openai(struct buf *b, const struct usage *u)
{
	long long in = nz(u->input), out = nz(u->output);
	int rc = buf_printf(b, "{\"prompt_tokens\":%lld,\"completion_tokens\":%lld,\"total_tokens\":%lld",
			    in, out, in + out);
	if (!rc && (u->cache_read >= 0 || u->cache_write >= 0)) {
		rc = buf_puts(b, ",\"prompt_tokens_details\":{");
		if (!rc && u->cache_read >= 0)
			rc = buf_printf(b, "\"cached_tokens\":%lld", u->cache_read);
		if (!rc && u->cache_write >= 0)
			rc = buf_printf(b, "%s\"cache_write_tokens\":%lld", u->cache_read >= 0 ? "," : "",
					u->cache_write);
		if (!rc)
			rc = buf_putc(b, '}');
	}
	if (!rc && u->reasoning >= 0)
		rc = buf_printf(b, ",\"completion_tokens_details\":{\"reasoning_tokens\":%lld}", u->reasoning);
	return rc ? rc : buf_putc(b, '}');
}

int usage_anthropic(struct buf *b, const struct usage *u)
{
	long long in = nz(u->input) - nz(u->cache_read) - nz(u->cache_write);
	return buf_printf(b, "{\"input_tokens\":%lld,\"cache_creation_input_tokens\":%lld,"
			  "\"cache_read_input_tokens\":%lld,\"output_tokens\":%lld}",
			  in < 0 ? 0 : in, nz(u->cache_write), nz(u->cache_read), nz(u->output));
}

int usage_responses(struct buf *b, const struct usage *u)
{
	long long in = nz(u->input), out = nz(u->output);
	int rc = buf_printf(b, "{\"input_tokens\":%lld,\"input_tokens_details\":{\"cached_tokens\":%lld",
			    in, nz(u->cache_read));
	if (!rc && u->cache_write >= 0)
		rc = buf_printf(b, ",\"cache_write_tokens\":%lld", u->cache_write);
	if (!rc)
		rc = buf_printf(b, "},\"output_tokens\":%lld,\"output_tokens_details\":"
				"{\"reasoning_tokens\":%lld},\"total_tokens\":%lld}",
				out, nz(u->reasoning), in + out);
	return rc;
}

int usage_gemini(struct buf *b, const struct usage *u)
{
	long long in = nz(u->input), out = nz(u->output), th = nz(u->reasoning);
	/* some servers (xAI) count reasoning apart from completion tokens: a
	 * reasoning count larger than the output cannot be a part of it */
	int thoughts = u->reasoning >= 0 && th <= out;
	int rc = buf_printf(b, "{\"promptTokenCount\":%lld", in);
	if (!rc && u->cache_read >= 0)
		rc = buf_printf(b, ",\"cachedContentTokenCount\":%lld", u->cache_read);
	if (!rc)
		rc = buf_printf(b, ",\"candidatesTokenCount\":%lld", thoughts ? out - th : out);
	if (!rc && thoughts)
		rc = buf_printf(b, ",\"thoughtsTokenCount\":%lld", th);
	return rc ? rc : buf_printf(b, ",\"totalTokenCount\":%lld}", in + out);
}

/* ---- errors: each format's names for nr_error_body's categories ---- */

static const struct {
	const char *name, *type;
} err_names[] = {
	/* anthropic error.type */
	{ "invalid_request_error", "invalid_request" }, { "request_too_large", "invalid_request" },
	{ "authentication_error", "authentication" }, { "permission_error", "permission" },
	{ "not_found_error", "not_found" }, { "rate_limit_error", "rate_limit" },
	{ "billing_error", "rate_limit" }, { "overloaded_error", "overloaded" },
	{ "timeout_error", "timeout" }, { "api_error", "server_error" },
	/* openai / responses type or code */
	{ "context_length_exceeded", "invalid_request" }, { "invalid_api_key", "authentication" },
	{ "model_not_found", "not_found" }, { "rate_limit_exceeded", "rate_limit" },
	{ "insufficient_quota", "rate_limit" }, { "server_error", "server_error" },
	{ "slow_down", "overloaded" }, { "overloaded", "overloaded" },
	/* gemini status */
	{ "INVALID_ARGUMENT", "invalid_request" }, { "FAILED_PRECONDITION", "invalid_request" },
	{ "UNAUTHENTICATED", "authentication" }, { "PERMISSION_DENIED", "permission" },
	{ "NOT_FOUND", "not_found" }, { "RESOURCE_EXHAUSTED", "rate_limit" },
	{ "UNAVAILABLE", "overloaded" }, { "DEADLINE_EXCEEDED", "timeout" },
	{ "INTERNAL", "server_error" },
};

const char *err_type_from(enum nr_format f, const char *name)
{
	(void)f;	/* the names do not clash between formats */
	if (name)
		for (size_t i = 0; i < sizeof err_names / sizeof err_names[0]; i++)
			if (!strcmp(err_names[i].name, name))
				return err_names[i].type;
	return "server_error";
}

int err_status(const char *type)
{
	static const struct { const char *type; int status; } st[] = {
		{ "invalid_request", 400 }, { "authentication", 401 }, { "permission", 403 },
		{ "not_found", 404 }, { "rate_limit", 429 }, { "overloaded", 529 },
		{ "timeout", 504 },
	};
	for (size_t i = 0; i < sizeof st / sizeof st[0]; i++)
		if (!strcmp(st[i].type, type))
			return st[i].status;
	return 500;
}

/* One definition of the tokens nr records (translate.h, README "Usage"):
 * the formats' readings above keep the total input, which translation needs. */
static void recorded(const struct usage *in, struct nr_usage *u)
{
	u->input = in->input < 0 ? -1 : nz(in->input - nz(in->cache_read) - nz(in->cache_write));
	u->output = in->output;
	u->cache_read = in->cache_read;
	u->cache_write = in->cache_write;
}

void nr_usage_read(enum nr_format f, jv obj, struct nr_usage *u)
{
	struct usage got;
	usage_read(f, obj, &got);
	jv_free(obj);
	recorded(&got, u);
}

void nr_usage_read_span(enum nr_format f, struct json_span obj, struct nr_usage *u)
{
	struct usage got;
	usage_read_span(f, obj, &got);
	recorded(&got, u);
}

void nr_usage_of(const struct usage *in, struct nr_usage *u)
{
	recorded(in, u);
}
