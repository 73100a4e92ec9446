/* dashboard_html: the page writers' shared helpers (dashboard_html.h). */
#include "serve/dashboard_html.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "admin/status.h"
#include "serve/html.h"
#include "serve/rollup.h"

void pg_put(struct page *pg, const char *s)
{
	if (!pg->bad && buf_puts(pg->out, s) < 0)
		pg->bad = 1;
}

void pg_printf(struct page *pg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (!pg->bad && vasprintf(&s, fmt, ap) < 0)
		s = NULL, pg->bad = 1;
	va_end(ap);
	pg_put(pg, s ? s : "");
	free(s);
}

void pg_text(struct page *pg, const char *s)
{
	if (!pg->bad && html_text(pg->out, s ? s : "") < 0)
		pg->bad = 1;
}

void pg_count(struct page *pg, double n)
{
	if (!pg->bad && html_count(pg->out, n) < 0)
		pg->bad = 1;
}

void pg_usd(struct page *pg, double usd)
{
	if (!pg->bad && html_usd(pg->out, usd) < 0)
		pg->bad = 1;
}

/* A countdown to t: the text now, and data-until for the script to tick. */
void pg_countdown(struct page *pg, double t)
{
	struct buf b = BUF_INIT;
	status_put_span(&b, t - pg->now);
	pg_printf(pg, "<span class=\"countdown\" data-until=\"%.0f\">in %s</span>", t, b.p ? b.p : "?");
	buf_free(&b);
}

/* A statement over the sums of the page's range: ?1 grain, ?2 start. */
sqlite3_stmt *pg_query(struct page *pg, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (pg->bad)
		return NULL;
	if (sqlite3_prepare_v2(pg->db, sql, -1, &st, NULL) != SQLITE_OK) {
		buf_printf(pg->why, "%s", sqlite3_errmsg(pg->db));
		pg->bad = 1;
		return NULL;
	}
	sqlite3_bind_int(st, 1, pg->r->grain);
	sqlite3_bind_int64(st, 2, pg->start);
	return st;
}

/* Ends a statement; a step that failed is the page's failure. */
void pg_done(struct page *pg, sqlite3_stmt *st, int rc)
{
	if (st && rc != SQLITE_DONE && !pg->bad) {
		buf_printf(pg->why, "%s", sqlite3_errmsg(pg->db));
		pg->bad = 1;
	}
	sqlite3_finalize(st);
}

const char *pg_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

void pg_seconds(struct page *pg, double s)
{
	if (isinf(s))
		pg_printf(pg, "&gt; %g s", rollup_bucket_s[ROLLUP_NBUCKETS - 1]);
	else if (s < 1)
		pg_printf(pg, "%.0f ms", s * 1000);
	else
		pg_printf(pg, "%.1f s", s);
}

