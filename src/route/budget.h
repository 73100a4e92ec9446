/* budget: a provider's spend limits (budget_day=, budget_month= in USD, in
 * its file), checked against the cost its usage rows recorded in this UTC
 * day and month (the spend table, kept with the rows): a provider over
 * budget is skipped like a cooling one until the day or month turns. Rows
 * still waiting to be written (a fraction of a second) are not counted. */
#ifndef NR_ROUTE_BUDGET_H
#define NR_ROUTE_BUDGET_H

#include <sqlite3.h>

#include "buf.h"
#include "route/provider.h"

/* The cost recorded for provider in period ("2026-12-06" or "2026-12"); 0
 * when none or unreadable. */
double nr_spent(sqlite3 *db, const char *provider, const char *period);

/* The current UTC day and month as spend periods, and the seconds until each
 * turns; day and month hold 11 and 8 bytes. */
void nr_budget_periods(double now, char day[11], char month[8], double *day_left, double *month_left);

/* 1 when p has spent its day's or month's budget: why says which and how
 * much, *rest the seconds until that period turns; else 0. */
int nr_budget_over(sqlite3 *db, const struct nr_provider *p, struct buf *why, double *rest);

#endif
