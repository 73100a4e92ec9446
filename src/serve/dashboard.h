/* dashboard: GET /dashboard, a page that shows where the requests, tokens and
 * money went and what is about to run out, drawn on the server (svg.h) from
 * the usage sums (rollup.h), the providers' state and the quota windows.
 * Read-only. Its own login: an nr key posted once to /dashboard/login opens a
 * session (session.h) kept in a cookie; /dashboard/logout ends it. Its
 * stylesheet and script are files in share/dashboard/, served at
 * /dashboard/NAME; nothing comes from another origin. */
#ifndef NR_SERVE_DASHBOARD_H
#define NR_SERVE_DASHBOARD_H

#include "serve/http.h"
#include "serve/server.h"

#define DASHBOARD_FORM_MAX 4096	/* a login or logout form; more is a 413 before it is read */

/* Before the body is read: 0 to go on, else the status to refuse with and
 * *msg why. */
int dashboard_admit(const struct http_request *req, const char **msg);

/* Answers a request under /dashboard; 0, or -1 when writing failed. */
int dashboard_answer(struct http_conn *c, const struct http_request *req, const struct serve_config *cfg,
		     int loopback);

#endif
