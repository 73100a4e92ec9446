/* errors: error bodies as each provider sends them (PROTOCOLS.md §6), and
 * the retry and rate-limit headers. */
#include "mock.h"

#include <stdlib.h>	/* arc4random: glibc 2.36 */
#include <stdio.h>
#include <time.h>

struct error_kind {
	int status;
	const char *openai_type, *openai_code;	/* code NULL: null */
	const char *anthropic_type, *gemini_status, *message;
};

static const struct error_kind kinds[] = {
	{ 400, "invalid_request_error", NULL, "invalid_request_error", "INVALID_ARGUMENT", "Invalid request." },
	{ 401, "invalid_request_error", "invalid_api_key", "authentication_error", "UNAUTHENTICATED",
	  "Incorrect API key provided." },
	{ 402, "insufficient_quota", "insufficient_quota", "billing_error", "RESOURCE_EXHAUSTED",
	  "Payment required." },
	{ 403, "permission_error", "unsupported_country_region_territory", "permission_error",
	  "PERMISSION_DENIED", "You do not have permission to access this resource." },
	{ 404, "invalid_request_error", "model_not_found", "not_found_error", "NOT_FOUND",
	  "The model does not exist or you do not have access to it." },
	{ 405, "invalid_request_error", NULL, "invalid_request_error", "INVALID_ARGUMENT", "Method not allowed." },
	{ 413, "invalid_request_error", NULL, "request_too_large", "INVALID_ARGUMENT", "Request too large." },
	{ 429, "requests", "rate_limit_exceeded", "rate_limit_error", "RESOURCE_EXHAUSTED",
	  "Rate limit reached for requests. Please try again in 1s." },
	{ 500, "server_error", NULL, "api_error", "INTERNAL", "The server had an error while processing your request." },
	{ 502, "server_error", NULL, "api_error", "UNAVAILABLE", "Bad gateway." },
	{ 503, "server_error", "service_unavailable", "api_error", "UNAVAILABLE", "The service is overloaded." },
	{ 504, "server_error", "timeout", "timeout_error", "DEADLINE_EXCEEDED", "Request timed out." },
	{ 529, "server_error", "overloaded", "overloaded_error", "UNAVAILABLE", "Overloaded" },
};

static const struct error_kind other_client = { 0, "invalid_request_error", NULL, "invalid_request_error",
						  "FAILED_PRECONDITION", "Request failed." };
static const struct error_kind other_server = { 0, "server_error", NULL, "api_error", "INTERNAL",
						  "The server had an error." };

/* How each provider says "out of quota" (the text clients and routers match on). */
static const struct error_kind quota = {
	0, "insufficient_quota", "insufficient_quota", "invalid_request_error", "RESOURCE_EXHAUSTED",
	"You exceeded your current quota, please check your plan and billing details."
};
static const char anthropic_quota[] = "Your credit balance is too low to access the Anthropic API. "
				      "Please go to Plans & Billing to upgrade or purchase credits.";

int quota_status(enum nr_format fmt)
{
	return fmt == NR_FMT_ANTHROPIC ? 400 : 429;
}

static const struct error_kind *kind_of(int status)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].status == status)
			return &kinds[i];
	return status >= 500 ? &other_server : &other_client;
}

void error_body(enum nr_format fmt, int status, const struct behaviour *bh, const char *message,
		struct buf *out)
{
	const struct error_kind *k = bh && bh->quota ? &quota : kind_of(status);
	const char *msg = message ? message
		: bh && bh->quota && fmt == NR_FMT_ANTHROPIC ? anthropic_quota : k->message;
	char wait[96];	/* Codex reads the delay from "try again in Ns" */
	if (msg == k->message && status == 429 && bh && !bh->quota && bh->retry_after >= 0) {
		snprintf(wait, sizeof wait, "Rate limit reached for requests. Please try again in %lds.",
			 bh->retry_after);
		msg = wait;
	}
	switch (fmt) {
	case NR_FMT_ANTHROPIC:
		json_append(out, JV_OBJECT(S("type"), S("error"),
					   S("error"), JV_OBJECT(S("type"), S(k->anthropic_type), S("message"), S(msg)),
					   S("request_id"), jv_string_fmt("req_mock%08x", getenv("MOCK_FIXED") ? 0 : arc4random())));
		return;
	case NR_FMT_GEMINI: {
		jv e = JV_OBJECT(S("code"), N(status), S("message"), S(msg), S("status"), S(k->gemini_status));
		if (bh && bh->retry_after >= 0)	/* Gemini's retry hint is in the body */
			e = jv_object_set(e, S("details"), JV_ARRAY(JV_OBJECT(
				S("@type"), S("type.googleapis.com/google.rpc.RetryInfo"),
				S("retryDelay"), jv_string_fmt("%lds", bh->retry_after))));
		json_append(out, JV_OBJECT(S("error"), e));
		return;
	}
	case NR_FMT_OPENAI:
	case NR_FMT_RESPONSES:
		if (status == 429 && bh && bh->window >= 100) {	/* the Codex backend's (3.5) */
			long now = (long)time(NULL);
			json_append(out, JV_OBJECT(S("error"), JV_OBJECT(S("type"), S("usage_limit_reached"),
				S("message"), S("The usage limit has been reached"), S("plan_type"), S("plus"),
				S("resets_at"), N(now + 3600), S("resets_in_seconds"), N(3600))));
			return;
		}
		break;
	}
	json_append(out, JV_OBJECT(S("error"), JV_OBJECT(S("message"), S(msg), S("type"), S(k->openai_type),
							  S("param"), jv_null(),
							  S("code"), k->openai_code ? S(k->openai_code) : jv_null())));
}

/* window-N: a subscription's quota windows as the vendors report them on
 * every answer (SUBSCRIPTIONS.md 2.5, 3.5): the first (5 h) N% used and
 * resetting in an hour, the weekly one 5% used and resetting in 3 days. */
static void window_headers(enum nr_format fmt, long used, struct buf *out)
{
	long now = (long)time(NULL);
	if (fmt == NR_FMT_ANTHROPIC) {
		const char *st = used >= 100 ? "rejected" : "allowed";
		must(buf_printf(out,
				"anthropic-ratelimit-unified-status: %s\r\n"
				"anthropic-ratelimit-unified-5h-status: %s\r\n"
				"anthropic-ratelimit-unified-5h-utilization: %.2f\r\n"
				"anthropic-ratelimit-unified-5h-reset: %ld\r\n"
				"anthropic-ratelimit-unified-7d-status: allowed\r\n"
				"anthropic-ratelimit-unified-7d-utilization: 0.05\r\n"
				"anthropic-ratelimit-unified-7d-reset: %ld\r\n"
				"anthropic-ratelimit-unified-reset: %ld\r\n",
				st, st, used / 100.0, now + 3600, now + 3 * 86400, now + 3600));
		return;
	}
	must(buf_printf(out,
			"x-codex-primary-used-percent: %ld.0\r\n"
			"x-codex-primary-window-minutes: 300\r\n"
			"x-codex-primary-reset-at: %ld\r\n"
			"x-codex-secondary-used-percent: 5.0\r\n"
			"x-codex-secondary-window-minutes: 10080\r\n"
			"x-codex-secondary-reset-at: %ld\r\n",
			used, now + 3600, now + 3 * 86400));
}

void behaviour_headers(const struct behaviour *bh, enum nr_format fmt, struct buf *out)
{
	if (bh->retry_after >= 0)
		must(buf_printf(out, "Retry-After: %ld\r\n", bh->retry_after));
	if (bh->window >= 0)
		window_headers(fmt, bh->window, out);
	if (!bh->ratelimit)
		return;
	long reset = bh->retry_after >= 0 ? bh->retry_after : 60;
	time_t at = time(NULL) + reset;
	struct tm tm;
	char stamp[32];	/* "YYYY-MM-DDTHH:MM:SSZ" fits */
	if (!gmtime_r(&at, &tm) || strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		stamp[0] = '\0';
	must(buf_printf(out,
			"anthropic-ratelimit-requests-limit: 50\r\n"
			"anthropic-ratelimit-requests-remaining: 0\r\n"
			"anthropic-ratelimit-requests-reset: %s\r\n"
			"x-ratelimit-limit-requests: 50\r\n"
			"x-ratelimit-remaining-requests: 0\r\n"
			"x-ratelimit-reset-requests: %lds\r\n",
			stamp, reset));
}
