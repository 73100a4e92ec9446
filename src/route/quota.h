/* quota: a subscription's quota windows (the 5-hour and weekly limits of
 * ChatGPT and Claude plans), read from the headers of every answer
 * (SUBSCRIPTIONS.md 2.5 and 3.5) and kept per account in SQLite for
 * `nr quota`. A window found exhausted rests its account until the window
 * resets, so that no request is spent on it before. */
#ifndef NR_ROUTE_QUOTA_H
#define NR_ROUTE_QUOTA_H

#include <sqlite3.h>
#include <stddef.h>

#include "buf.h"

#define NR_WINDOWS_MAX 4

struct nr_window {
	char name[16];		/* "5h", "7d" (anthropic), "primary", "secondary" (codex) */
	double used;		/* percent used, 0 to 100; -1 unknown */
	long minutes;		/* the window's length; -1 unknown */
	double resets_at;	/* unix seconds; -1 unknown */
	int exhausted;		/* said rejected, or 100% used */
};

/* The windows the response headers (lowercased "name: value\n" lines) report,
 * into w[0..NR_WINDOWS_MAX); their count. */
size_t nr_quota_windows(const char *headers, double now, struct nr_window *w);

/* Stores the n windows of provider's account (best-effort, like every
 * request-path write) and, when one is exhausted, rests the account until
 * the latest reset among the exhausted ones, its reason in why (reset then).
 * The seconds of that rest, or 0. */
double nr_quota_record(sqlite3 *db, const char *provider, const char *account, const struct nr_window *w,
		       size_t n, struct buf *why);

#endif
