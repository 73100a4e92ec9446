/* budget: spend limits (budget_day=, budget_month= in USD) of a provider (in
 * its file) and of a combo target (on its combo line), checked against the
 * cost the usage rows recorded in this UTC day and month: the spend table,
 * kept with the rows, one row per provider and period and one per target
 * (keyed "PROVIDER/MODEL": a provider's name has no '/') and period. A
 * provider or target over budget is skipped like a cooling one until the day
 * or month turns. A target's spend is that provider+model's, however it was
 * asked for (any combo, an alias, by name). Rows still waiting to be written
 * (a fraction of a second) are not counted. */
#ifndef NR_ROUTE_BUDGET_H
#define NR_ROUTE_BUDGET_H

#include <stddef.h>
#include <sqlite3.h>

#include "buf.h"
#include "route/provider.h"
#include "route/target.h"

/* The cost recorded for provider in period ("2026-12-06" or "2026-12"); 0
 * when none or unreadable. */
double nr_spent(sqlite3 *db, const char *provider, const char *period);

/* The same for the target PROVIDER/MODEL. */
double nr_target_spent(sqlite3 *db, const char *provider, const char *model, const char *period);

/* The current UTC day and month as spend periods, and the seconds until each
 * turns; day and month hold 11 and 8 bytes. */
void nr_budget_periods(double now, char day[11], char month[8], double *day_left, double *month_left);

/* A budget's value ("5", "0.5"; USD from 0, below 10^12) into *usd; 0, or
 * -1 when it is not one. */
int nr_budget_usd(const char *s, double *usd);

/* 1 when p has spent its day's or month's budget: why says which and how
 * much, *rest the seconds until that period turns; else 0. */
int nr_budget_over(sqlite3 *db, const struct nr_provider *p, struct buf *why, double *rest);

/* The same for a combo target's budget_day= and budget_month=; why names
 * the target. */
int nr_target_budget_over(sqlite3 *db, const struct nr_target *t, struct buf *why, double *rest);

/* The same for nr key NAME's budget_day= and budget_month= (nr key set;
 * route/key_policy.h), against the spend of the rows made with it. */
int nr_key_budget_over(sqlite3 *db, const char *name, double budget_day, double budget_month, struct buf *why,
		       double *rest);

/* The combo targets that have a budget, for nr quota: one nr_targets per
 * combo (t->combo its name, in name order, the user's combo over a shipped
 * one) holding only its targets with budget_day >= 0 or budget_month >= 0;
 * combos without any are left out, and so are those that do not parse and
 * executable ones (they are not run: what they print may change). Spent:
 * nr_target_spent(db, t.provider, t.model, period) with nr_budget_periods().
 * 0 with *v (NULL when *n is 0) to free with nr_combo_budgets_free, or -1
 * out of memory. */
int nr_combo_budgets(struct nr_targets **v, size_t *n);
void nr_combo_budgets_free(struct nr_targets *v, size_t n);

#endif
