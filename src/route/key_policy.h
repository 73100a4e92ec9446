/* key_policy: what one nr key may do, set with `nr key set NAME allow=…
 * deny=… budget_day=… budget_month=… rate=…`, kept with the key (db.c, 12)
 * and enforced by nr-route for every request made with it (its name comes
 * from nr-serve, or --client-key / NR_CLIENT_KEY):
 *
 *   deny=PAT,…    a requested name, or a target PROVIDER/MODEL, that matches
 *                 one (fnmatch(3) globs) is refused; deny beats allow
 *   allow=PAT,…   when set, only targets that match one, or whose request
 *                 named a matching model, combo or alias, are used
 *   budget_day=USD, budget_month=USD
 *                 the key's spend this UTC day / month (the cost of the rows
 *                 made with it): at the budget, its requests get a 429
 *   rate=N        requests a minute (one window a calendar minute, counted in
 *                 SQLite, so every worker and process shares it): a 429 past it
 *
 * A refused request gets a 403 (the model) or a 429 (budget, rate, with
 * Retry-After) in the client's format, naming the rule. */
#ifndef NR_ROUTE_KEY_POLICY_H
#define NR_ROUTE_KEY_POLICY_H

#include <sqlite3.h>

#include "buf.h"

struct key_policy {
	struct buf allow, deny;		/* comma-separated patterns; empty: none */
	double budget_day, budget_month;	/* USD, < 0: none */
	long rate;			/* requests a minute, 0: none */
};

#define KEY_POLICY_INIT { BUF_INIT, BUF_INIT, -1, -1, 0 }
#define KEY_RATE_MAX 1000000

/* Live key NAME's policy into *p (KEY_POLICY_INIT first): 1, 0 when there
 * is no live key of that name, -1 on error. */
int key_policy_load(sqlite3 *db, const char *name, struct key_policy *p);
void key_policy_free(struct key_policy *p);

/* 1 when arg is "FIELD=VALUE" for a field of the policy (allow, deny,
 * budget_day, budget_month, rate). */
int key_policy_field(const char *arg);

/* Sets a field of live key NAME from arg, "FIELD=VALUE" (an empty VALUE or
 * "none" clears it): 1 set, 0 no live key of that name, -1 with the reason
 * in err (a bad value, or SQLite's). */
int key_policy_set(sqlite3 *db, const char *name, const char *arg, struct buf *err);

/* The first pattern of the comma-separated list that matches s, into pat:
 * 1, else 0 (-1 out of memory). */
int key_policy_match(const char *list, const char *s, struct buf *pat);

/* Counts a request of key NAME in the current minute (a write transaction
 * of its own): the count with this one, *rest the seconds to the next
 * minute; -1 on error. */
long key_policy_count(sqlite3 *db, const char *name, double now, double *rest);

#endif
