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
#include "route/route.h"
#include "route/target.h"

#define NR_REQUEST_ID_LEN 24	/* hex digits */

struct nr_request {
	enum nr_format from;		/* the client's format (= args.from) */
	const char *text;		/* the client's request, validated JSON (borrowed) */
	size_t len;
	struct json_span top;		/* its top-level object, in text */
	jv body;			/* text parsed, once a target needs it (reqbody.h) */
	int parsed;			/* body is set (even if invalid) */
	const char *requested;		/* the model name asked for: args.model, else the body's */
	int stream;			/* the client wants SSE: args.stream for gemini, else
					 * the body's "stream" (run.c) */
	struct nr_route_args args;	/* the caller's, as given (route.h): the client's key name,
					 * credential and headers, rtk-filter's savings */
	char id[NR_REQUEST_ID_LEN + 1];	/* hex id of this request (run.c), in every usage row */
};

int nr_route(struct nr_request *rq, const struct nr_targets *t, sqlite3 *db, struct nr_out *out);

#endif
