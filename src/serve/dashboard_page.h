/* dashboard_page: the dashboard's HTML, drawn from the database: the period's
 * totals, requests / tokens / cost per hour or day stacked by provider or
 * model, caveman mode's answers on and off and its estimated saving, combo
 * fallbacks, latency percentiles, error classes, each account's
 * state and quota windows, budgets, and the last requests (names and
 * numbers only: never a body or a key). */
#ifndef NR_SERVE_DASHBOARD_PAGE_H
#define NR_SERVE_DASHBOARD_PAGE_H

#include <sqlite3.h>

#include "buf.h"
#include "serve/http.h"

#define DASHBOARD_RECENT 20	/* the last requests listed */

struct dashboard_view {
	int range;	/* index into the ranges (24h, 7d, 30d, 365d) */
	int by_model;	/* stacked by PROVIDER/MODEL, else by provider */
};

/* The view the query asks for (?range=24h|7d|30d|365d&by=provider|model;
 * default 30d by provider): NULL, or why the query is bad (a 400). */
const char *dashboard_view_parse(const struct http_request *req, struct dashboard_view *v);

/* The page into *out. csrf and who are the session's (NULL when the server
 * takes no keys: no logout then). 0, or -1 with why in *why. */
int dashboard_page(sqlite3 *db, double now, const struct dashboard_view *v, const char *csrf, const char *who,
		   struct buf *out, struct buf *why);

#endif
