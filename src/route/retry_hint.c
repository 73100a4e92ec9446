/* retry_hint: the upstreams' retry hints (see retry_hint.h). */
#include "route/retry_hint.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "route/headers.h"
#include "route/now.h"

/* "6m0s", "1.5s", "20ms", "1h2m", "37s", or a bare number of seconds. */
static double parse_duration(const char *s)
{
	double total = 0;
	int any = 0;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -1;
		s = end;
		if (strncmp(s, "ms", 2) == 0)
			v /= 1000, s += 2;
		else if (*s == 'h')
			v *= 3600, s++;
		else if (*s == 'm')
			v *= 60, s++;
		else if (*s == 's')
			s++;
		else if (*s)
			return -1;
		total += v;
		any = 1;
	}
	return any ? total : -1;
}

/* RFC 3339 "2026-11-26T01:02:03Z" (fractions and offsets tolerated). */
static double parse_rfc3339(const char *s, double now)
{
	struct tm tm = { 0 };
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return -1;
	double t = (double)timegm(&tm);
	if (*rest == '.')
		t += strtod(rest, NULL);
	return t - now;
}

/* A reset header: a duration (openai) or a timestamp (anthropic). */
static double reset_seconds(const char *v, double now)
{
	double d = parse_duration(v);
	return d >= 0 ? d : parse_rfc3339(v, now);
}

static double hint_from_resets(const char *headers, double now)
{
	static const char *const pairs[][2] = {
		{ "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset" },
		{ "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset" },
		{ "anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset" },
		{ "anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset" },
		{ "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests" },
		{ "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens" },
	};
	struct buf v = BUF_INIT;
	double exhausted = -1, any = -1;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		if (!nr_header_get(headers, pairs[i][1], &v))
			continue;
		double s = reset_seconds(v.p, now);
		if (s < 0)
			continue;
		any = s > any ? s : any;
		if (nr_header_get(headers, pairs[i][0], &v) && strcmp(v.p, "0") == 0)
			exhausted = s > exhausted ? s : exhausted;
	}
	buf_free(&v);
	return exhausted >= 0 ? exhausted : any;
}

double nr_retry_hint(const char *headers, const char *body)
{
	struct buf v = BUF_INIT;
	double now = nr_now(), hint = -1;
	if (nr_header_get(headers, "retry-after-ms", &v))
		hint = strtod(v.p, NULL) / 1000.0;
	else if (nr_header_get(headers, "retry-after", &v)) {
		hint = parse_duration(v.p);
		if (hint < 0) {
			time_t t = curl_getdate(v.p, NULL);
			hint = t > 0 ? (double)t - now : -1;
		}
	}
	buf_free(&v);
	if (hint < 0)
		hint = hint_from_resets(headers, now);
	const char *rd = body ? strstr(body, "\"retryDelay\"") : NULL;
	if (hint < 0 && rd) {	/* gemini: "retryDelay": "37s" */
		const char *q = strchr(rd + 12, '"');
		const char *e = q ? strchr(q + 1, '"') : NULL;
		if (q && e && e - q < 32) {
			char d[32];
			memcpy(d, q + 1, (size_t)(e - q - 1));
			d[e - q - 1] = '\0';
			hint = parse_duration(d);
		}
	}
	/* the Codex backend's usage_limit_reached: "resets_at" (unix seconds), or
	 * "resets_in_seconds" in older builds */
	const char *ra = body && hint < 0 ? strstr(body, "\"resets_at\"") : NULL;
	const char *ri = body && hint < 0 ? strstr(body, "\"resets_in_seconds\"") : NULL;
	if (ra && (ra = strchr(ra + 11, ':'))) {
		double t = strtod(ra + 1, NULL);
		hint = t > now ? t - now : -1;
	}
	if (hint < 0 && ri && (ri = strchr(ri + 19, ':')))
		hint = strtod(ri + 1, NULL);
	return hint < 0 ? -1 : hint;
}
