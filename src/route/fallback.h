/* fallback: try the targets in order until one answers (doc/route.md lists
 * the rules). Writes the answer to out and returns the exit code:
 * NR_EXIT_OK once an answer (even a non-retryable upstream error) reached the
 * client, NR_EXIT_UPSTREAM when every target failed (the body is then an
 * error in the client's format listing why each failed), NR_EXIT_SYS when the
 * client's side could not be written. */
#ifndef NR_ROUTE_FALLBACK_H
#define NR_ROUTE_FALLBACK_H

#include <jv.h>
#include <sqlite3.h>

#include "format.h"
#include "json_span.h"
#include "route/out.h"
#include "route/target.h"

#define NR_REQUEST_ID_LEN 24	/* hex digits */

struct nr_request {
	enum nr_format from;
	const char *text;		/* the client's request, validated JSON (borrowed) */
	size_t len;
	struct json_span top;		/* its top-level object, in text */
	jv body;			/* text parsed, once a target needs it (reqbody.h) */
	int parsed;			/* body is set (even if invalid) */
	const char *requested;		/* the model name asked for */
	int stream;			/* the client wants SSE */
	const char *client_key;		/* name of the client's nr key, may be NULL */
	long long rtk_bytes, rtk_tokens;	/* rtk-filter's savings, -1 unknown */
	const char *anthropic_beta;	/* the client's anthropic-beta list, may be NULL */
	const char *anthropic_version;	/* the client's anthropic-version, may be NULL */
	const char *client_credential;	/* the client's own key or token, for auth=passthrough
					 * providers (never logged); may be NULL */
	const char *client_account_id;	/* its ChatGPT-Account-ID (Codex logged in with
					 * ChatGPT), sent on with it; may be NULL */
	char id[NR_REQUEST_ID_LEN + 1];	/* hex id of this request (run.c), in every usage row */
};

int nr_route(struct nr_request *rq, const struct nr_targets *t, sqlite3 *db, struct nr_out *out);

#endif
