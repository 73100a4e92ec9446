/* endpoint: which API a request path names, with and without the /v1 prefix
 * the common tools put in (or leave out of) their base URLs. */
#ifndef NR_SERVE_ENDPOINT_H
#define NR_SERVE_ENDPOINT_H

#include "format.h"

enum endpoint_kind {
	EP_NONE,		/* unknown path: 404 */
	EP_HEALTH,		/* GET /health, /api/hello */
	EP_MODELS,		/* GET /v1/models */
	EP_MODEL,		/* GET /v1/models/{id}: model holds the decoded id */
	EP_CHAT,		/* POST a request of `format` */
	EP_COUNT_TOKENS,	/* POST /v1/messages/count_tokens */
	EP_METRICS,		/* GET /metrics (metrics.h) */
	EP_DASHBOARD,		/* /dashboard and below (dashboard.h): its own login */
};

struct endpoint {
	enum endpoint_kind kind;
	enum nr_format format;	/* the client's format (errors are written in it) */
	char *model;		/* gemini, EP_MODEL: from the path; owned, may be NULL */
	int stream;		/* gemini: :streamGenerateContent */
	const char *method;	/* the method it takes */
};

/* Fills *ep from a decoded path; 0, or -1 when out of memory. */
int endpoint_match(const char *path, struct endpoint *ep);
void endpoint_free(struct endpoint *ep);

#endif
