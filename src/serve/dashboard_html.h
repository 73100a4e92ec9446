/* dashboard_html: what the dashboard's page writers share (dashboard_page.c
 * draws the usage, dashboard_state.c the accounts and quotas): the page
 * under construction, and writes that remember the first failure (as a
 * FILE's error flag does), so that a section reads as the list of what it
 * shows. Internal to the dashboard. */
#ifndef NR_SERVE_DASHBOARD_HTML_H
#define NR_SERVE_DASHBOARD_HTML_H

#include <sqlite3.h>

#include "buf.h"

/* A range is n bars of `grain` seconds (rollup.h), the last one the current
 * hour, day or week. */
struct range {
	const char *name, *title;
	int grain, n;
};

struct page {
	sqlite3 *db;
	struct buf *out, *why;
	int bad;		/* a write or a query failed: the page is not sent */
	const struct range *r;
	long long start;	/* the first bucket's time */
	double now;
};

void pg_put(struct page *pg, const char *s);
void pg_printf(struct page *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pg_text(struct page *pg, const char *s);	/* escaped (html.h) */
void pg_count(struct page *pg, double n);
void pg_usd(struct page *pg, double usd);
void pg_seconds(struct page *pg, double s);	/* 850 ms, 2.3 s, > 300 s */
/* A countdown to t: the text now, and data-until for the script to tick. */
void pg_countdown(struct page *pg, double t);
/* A statement over the sums of the page's range: ?1 grain, ?2 start; NULL
 * (and the page failed) when it cannot be prepared. */
sqlite3_stmt *pg_query(struct page *pg, const char *sql);
/* Finalizes st; rc other than SQLITE_DONE is the page's failure. */
void pg_done(struct page *pg, sqlite3_stmt *st, int rc);
/* A text column, "" for NULL. */
const char *pg_col(sqlite3_stmt *st, int i);

/* The accounts' states and the quota windows and budgets (dashboard_state.c). */
void dashboard_accounts(struct page *pg);
void dashboard_quota(struct page *pg);
/* Caveman mode's answers on and off, and its estimated saving (dashboard_caveman.c). */
void dashboard_caveman(struct page *pg);

#endif
