/* usage: tokens read from the upstream's answer (whole JSON or SSE, in the
 * upstream's own format, whatever the client's), and one usage row per
 * attempt in SQLite. Normalised: input = uncached input tokens; cache_read and
 * cache_write apart; output includes reasoning/thinking tokens. -1 = unknown. */
#ifndef NR_ROUTE_USAGE_H
#define NR_ROUTE_USAGE_H

#include <jv.h>
#include <sqlite3.h>

#include "buf.h"
#include "translate/translate.h"

#define NR_USAGE_EVENT_MAX (1024 * 1024)	/* larger SSE events are content, not usage: skipped */

/* Merges the usage an upstream JSON object carries (usage, message.usage,
 * response.usage or usageMetadata) into u; consumes obj. */
void nr_usage_from_json(jv obj, struct nr_usage *u);

/* An SSE reader that only looks at events mentioning usage. */
struct nr_usage_scan {
	struct buf line, data;
	int skip_line, skip_event, last_cr;
	struct nr_usage u;
};
void nr_usage_scan_init(struct nr_usage_scan *s);
void nr_usage_scan_feed(struct nr_usage_scan *s, const char *p, size_t n);
void nr_usage_scan_free(struct nr_usage_scan *s);

/* One attempt, as stored (strings may be NULL). */
struct nr_usage_row {
	double ts;
	const char *request;	/* this run's id, shared by its attempts */
	const char *client_key, *requested, *combo, *provider, *model, *account;
	int position, status;
	const char *outcome, *reason;
	long latency_ms, ttfb_ms;	/* -1 unknown */
	struct nr_usage u;
	double cost;			/* -1 unknown */
	long long rtk_bytes, rtk_tokens;	/* -1 unknown */
	double rtk_cost;		/* USD the saved tokens would have cost as input, -1 unknown */
};
int nr_usage_record(sqlite3 *db, const struct nr_usage_row *r);

/* Estimated cost in USD from prices per million tokens, -1 when no token count is known. */
struct nr_price;
double nr_cost(const struct nr_price *price, const struct nr_usage *u);
/* What `tokens` saved input tokens would have cost, in USD; -1 when either is unknown. */
double nr_saved_cost(const struct nr_price *price, long long tokens);

#endif
