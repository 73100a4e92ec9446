/* budget: spend limits per provider (see budget.h). */
#include "route/budget.h"

#include <stdio.h>
#include <time.h>

#include "db.h"
#include "route/cooldown.h"

double nr_spent(sqlite3 *db, const char *provider, const char *period)
{
	sqlite3_stmt *st;
	double v = 0;
	if (!db || !(st = nr_db_prepare(db, "SELECT cost FROM spend WHERE provider = ? AND period = ?")))
		return 0;
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_double(st, 0);
	nr_db_done(st);
	return v;
}

void nr_budget_periods(double now, char day[11], char month[8], double *day_left, double *month_left)
{
	time_t t = (time_t)now;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		tm = (struct tm){ .tm_year = 70, .tm_mday = 1 };
	/* the formats of the usage rows' day column (SQLite's date()); a year
	 * past 9999 does not fit, and then matches no period */
	if (strftime(day, 11, "%Y-%m-%d", &tm) == 0)
		day[0] = '\0';
	if (strftime(month, 8, "%Y-%m", &tm) == 0)
		month[0] = '\0';
	struct tm next = { .tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + 1 };
	*day_left = (double)timegm(&next) - now;	/* timegm carries the 32nd into the next month */
	next = (struct tm){ .tm_year = tm.tm_year, .tm_mon = tm.tm_mon + 1, .tm_mday = 1 };
	*month_left = (double)timegm(&next) - now;
}

int nr_budget_over(sqlite3 *db, const struct nr_provider *p, struct buf *why, double *rest)
{
	if (!db || (p->budget_day < 0 && p->budget_month < 0))
		return 0;
	char day[11], month[8];
	double day_left, month_left;
	nr_budget_periods(nr_now(), day, month, &day_left, &month_left);
	double s;
	if (p->budget_month >= 0 && (s = nr_spent(db, p->name, month)) >= p->budget_month) {
		buf_reset(why);
		buf_printf(why, "over budget: $%.2f of budget_month=%.2f spent in %s (UTC)", s, p->budget_month, month);
		*rest = month_left;
		return 1;
	}
	if (p->budget_day >= 0 && (s = nr_spent(db, p->name, day)) >= p->budget_day) {
		buf_reset(why);
		buf_printf(why, "over budget: $%.2f of budget_day=%.2f spent on %s (UTC)", s, p->budget_day, day);
		*rest = day_left;
		return 1;
	}
	return 0;
}
