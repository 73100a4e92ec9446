/* route: the router as functions, for nr-route's main() and for nr-serve,
 * which runs it in-process on each request of a connection. */
#ifndef NR_ROUTE_ROUTE_H
#define NR_ROUTE_ROUTE_H

#include <stddef.h>

#include "format.h"
#include "route/out.h"

/* One request's side of the client, as its caller knows it; the router keeps
 * it whole (struct nr_request's args, fallback.h). */
struct nr_route_args {
	enum nr_format from;		/* the client's format */
	const char *model;		/* overrides the body's "model"; may be NULL */
	int stream;			/* gemini: the client asked for SSE (others: the body says) */
	const char *client_key;		/* name of the client's nr key, for usage rows; may be NULL */
	long long rtk_bytes, rtk_tokens;	/* rtk-filter's savings, -1 unknown */
	int caveman;			/* rtk-filter asked for terse answers: 1, 0 not, -1 unknown */
	const char *anthropic_beta;	/* the client's anthropic-beta list (for anthropic
					 * upstreams); may be NULL */
	const char *anthropic_version;	/* the client's anthropic-version; may be NULL */
	const char *client_credential;	/* the client's own key or token, for auth=passthrough
					 * providers (never logged); may be NULL */
	const char *client_account_id;	/* its ChatGPT-Account-ID (Codex logged in with
					 * ChatGPT), sent on with it; may be NULL */
};

/* Routes one request (body: the client's JSON) and writes the answer, or an
 * error in the client's format, to out. Returns nr-route's exit code
 * (doc/route.md). The database (nr_db_shared) and the libcurl handle stay
 * open between calls, so that a worker's later requests reuse them. The
 * usage rows wait in memory: call nr_route_flush() once the answer is out. */
int nr_route_request(const struct nr_route_args *a, const char *body, size_t len, struct nr_out *out);

/* Records the usage rows of the requests routed so far: to SQLite, else to
 * the journal, else they wait in memory (route/usage.h). Never waits long. */
void nr_route_flush(void);

/* How long the usage rows may still wait before nr_route_flush(), in ms:
 * -1 none wait, 0 due now (see nr_usage_due_ms in route/usage.h). */
long nr_route_flush_due(void);

/* A request nr itself refuses: msg on stderr, an error body in format fmt with
 * this status and type to out; returns code (NR_EXIT_SYS if out failed). */
int nr_route_refuse(enum nr_format fmt, struct nr_out *out, int status, const char *type,
		    const char *msg, int code);

/* Flushes the usage rows (what cannot be written goes to stderr) and closes
 * what nr_route_request keeps open (the database, the libcurl handle). */
void nr_route_release(void);

/* nr-route's command line: the request on fd 0, a CGI answer on fd 1. */
int nr_route_main(int argc, char **argv);

#endif
