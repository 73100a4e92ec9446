/* http_call: one small HTTP request with libcurl, the answer kept whole, for
 * the OAuth endpoints of a login or a token refresh (rare, small answers).
 * Not for model calls: those stream through route/upstream.c's kept handle.
 * TLS verification is always on; HTTP(S)_PROXY is honoured. */
#ifndef NR_HTTP_CALL_H
#define NR_HTTP_CALL_H

#include "buf.h"

#define NR_HTTP_CALL_MAX (1L << 20)	/* an OAuth answer larger than 1 MiB is no answer */

/* method "GET" or "POST"; headers a NULL-terminated list of "Name: value"
 * (may be NULL); body sent when non-NULL. On an answer (any status) returns 0
 * with *status and its body in resp; -1 when none came, with why in err
 * (never a header's value: they hold tokens). */
/* Appends s percent-encoded (all but RFC 3986's unreserved characters): for
 * a query or form value, or a path segment. */
void nr_url_encode(struct buf *b, const char *s);

int nr_http_call(const char *method, const char *url, const char *const *headers, const char *body,
		 long timeout_ms, long *status, struct buf *resp, struct buf *err);

#endif
