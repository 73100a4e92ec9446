/* usage: tokens read from the upstream's answer (whole JSON or SSE, in the
 * upstream's own format, whatever the client's), and one usage row per
 * attempt in SQLite, written after the answer (usage_row.c, usage_flush.c).
 * The counts mean what struct nr_usage says (translate.h). */
#ifndef NR_ROUTE_USAGE_H
#define NR_ROUTE_USAGE_H

#include <jv.h>
#include <sqlite3.h>

#include "buf.h"
#include "translate/translate.h"

/* Merges the usage an upstream JSON object of format f carries (usage,
 * message.usage, response.usage or usageMetadata) into u, read by
 * nr_usage_read (translate.h: what input, cached and output mean); consumes obj. */
void nr_usage_from_json(jv obj, enum nr_format f, struct nr_usage *u);
/* One usage object itself, given as JSON text (a whole answer's usage or
 * usageMetadata member, read in place); what it knows replaces what u had. */
void nr_usage_from_span(struct json_span obj, enum nr_format f, struct nr_usage *u);

/* One attempt, as stored (strings may be NULL). */
struct nr_usage_row {
	double ts;
	const char *request;	/* this run's id, shared by its attempts */
	int attempt;		/* 0, 1, 2 … within the request: (request, attempt) is unique */
	const char *client_key, *requested, *combo, *provider, *model, *account;
	int position, status;
	const char *outcome, *reason;
	long latency_ms, ttfb_ms;	/* -1 unknown */
	struct nr_usage u;
	double cost;			/* -1 unknown */
	long long rtk_bytes, rtk_tokens;	/* -1 unknown */
	double rtk_cost;		/* USD the saved tokens would have cost as input, -1 unknown */
	int caveman;			/* caveman mode: 1 on, 0 off, -1 unknown (route.h) */
	double output_cost;		/* USD of the output tokens alone (part of cost), -1 unknown */
};

/* A row as one line of JSON, the usage table's column names as keys (unknown
 * values, negative or not finite, left out): the form rows wait in in the
 * journal, and go to stderr in. Appended to out; 0 or -1. */
int nr_usage_row_json(const struct nr_usage_row *r, struct buf *out);

/* Inserts a row, unless a row with its request and attempt is there already:
 * as the struct (what waits in memory), or given as nr_usage_row_json()
 * wrote it; both are bound alike, to one statement. 0, -1 on a database
 * error, 1 when the text is not such a row (it is skipped). A new row's cost
 * is kept for nr_usage_spend_write(), which the transaction must run before
 * its COMMIT (or nr_usage_spend_drop() after a ROLLBACK). */
int nr_usage_insert_row(sqlite3 *db, const struct nr_usage_row *r);
int nr_usage_insert(sqlite3 *db, const char *json, size_t len);

/* Adds the cost of the rows inserted since the last call to the spend table,
 * one upsert a provider or target and period for all of them; 0 or -1. */
int nr_usage_spend_write(sqlite3 *db);
void nr_usage_spend_drop(void);

/* Rows are recorded after the answer has reached the client: nr_usage_defer()
 * queues a row in memory; nr_usage_flush() writes the queue to SQLite in one
 * transaction with a short busy timeout (replaying the journal in the same
 * transaction), else appends it to the journal (journal.h), else keeps it in
 * memory (at most NR_USAGE_QUEUE_MAX rows; beyond that the oldest goes to
 * stderr). nr-serve flushes after each answer, nr-route after closing its
 * stdout; nr_usage_flush_final() flushes at exit and writes whatever is left
 * to stderr, each row as "nr-route: usage row not recorded: JSON". */
#define NR_USAGE_QUEUE_MAX 1000
void nr_usage_defer(const struct nr_usage_row *r);
void nr_usage_flush(void);

/* A busy nr-serve worker writes its rows in batches, one transaction for
 * many: a write transaction per request was more than half of a routed
 * request's CPU and most of its p99 (workers queue on SQLite's write lock).
 * How long the queue may still wait, in ms: -1 when nothing is queued, 0
 * when it is due (NR_USAGE_BATCH rows, or the oldest has waited
 * NR_USAGE_WAIT_MS). The worker flushes when due or when its connection
 * goes quiet (serve/conn.c). */
#define NR_USAGE_BATCH 64
#define NR_USAGE_WAIT_MS 100
long nr_usage_due_ms(void);
void nr_usage_flush_final(void);

/* Replays the journal into db in one transaction, waiting at most busy_ms for
 * the lock; the rows replayed, or -1 with the reason in why (the journal is kept). */
long nr_usage_replay(sqlite3 *db, int busy_ms, struct buf *why);

/* Estimated cost in USD from prices per million tokens, -1 when no token count is known. */
struct nr_price;
double nr_cost(const struct nr_price *price, const struct nr_usage *u);
/* What `tokens` saved input tokens would have cost, in USD; -1 when either is unknown. */
double nr_saved_cost(const struct nr_price *price, long long tokens);
/* What `tokens` output tokens cost, in USD; -1 when either is unknown. */
double nr_output_cost(const struct nr_price *price, long long tokens);

#endif
