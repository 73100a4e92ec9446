/* retry_hint: how long an upstream asks us to wait before trying again. */
#ifndef NR_ROUTE_RETRY_HINT_H
#define NR_ROUTE_RETRY_HINT_H

/* How long the upstream asks us to wait, from its response headers (lowercased
 * "name: value\n" lines) and error body: retry-after-ms, retry-after (seconds
 * or HTTP date), the anthropic-ratelimit-*-reset and x-ratelimit-reset-*
 * headers (preferring those whose remaining count is 0), gemini's
 * RetryInfo.retryDelay. Seconds, or -1 when there is no hint. */
double nr_retry_hint(const char *headers, const char *body);

#endif
