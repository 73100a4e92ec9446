/* dispatch: runs an authenticated API request through rtk-filter and the
 * router, both in-process, streaming the answer to the client. */
#ifndef NR_SERVE_DISPATCH_H
#define NR_SERVE_DISPATCH_H

#include "format.h"
#include "serve/auth.h"
#include "serve/endpoint.h"
#include "serve/http.h"
#include "serve/server.h"

/* Writes the whole answer; 0 when the connection may be kept, -1 otherwise. */
int dispatch(struct http_conn *c, struct http_request *req, const struct endpoint *ep,
	     const struct serve_config *cfg, const struct auth_result *who);

#endif
