/* budget: spend limits per provider and per combo target (see budget.h). */
#include "route/budget.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "route/cooldown.h"
#include "route/dirs.h"

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

/* The spend table's key of target PROVIDER/MODEL into key (cleared first). */
static int target_key(struct buf *key, const char *provider, const char *model)
{
	buf_reset(key);
	return buf_printf(key, "%s/%s", provider, model);
}

double nr_target_spent(sqlite3 *db, const char *provider, const char *model, const char *period)
{
	struct buf key = BUF_INIT;
	double v = target_key(&key, provider, model) < 0 ? 0 : nr_spent(db, key.p, period);
	buf_free(&key);
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

int nr_budget_usd(const char *s, double *usd)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v < 1e12))
		return -1;
	*usd = v;
	return 0;
}

/* v USD appended to b: to the cent, or to its first two figures when less
 * than a cent is at stake (0.000044, not 0.00). */
static int put_usd(struct buf *b, double v)
{
	int figures = v > 0 && v < 0.01 ? 1 - (int)floor(log10(v)) : 2;
	return buf_printf(b, "%.*f", figures < 12 ? figures : 12, v);
}

/* Whether key (a provider, a target's "PROVIDER/MODEL", an nr key's
 * "@NAME") has spent a budget (< 0: none) in this UTC month or day, with why
 * and *rest as nr_budget_over says; whose names the target or the key in
 * why ("target P/M", "key NAME"), NULL for a provider. */
static int over(sqlite3 *db, const char *key, const char *whose, double budget_day, double budget_month,
		struct buf *why, double *rest)
{
	char day[11], month[8];
	double day_left, month_left, s = 0, budget;
	nr_budget_periods(nr_now(), day, month, &day_left, &month_left);
	const char *span, *period;
	if (budget_month >= 0 && (s = nr_spent(db, key, month)) >= budget_month) {
		span = "month", period = month, budget = budget_month, *rest = month_left;
	} else if (budget_day >= 0 && (s = nr_spent(db, key, day)) >= budget_day) {
		span = "day", period = day, budget = budget_day, *rest = day_left;
	} else {
		return 0;
	}
	buf_reset(why);
	if ((whose ? buf_printf(why, "%s over budget: $", whose) : buf_puts(why, "over budget: $")) < 0 ||
	    put_usd(why, s) < 0 || buf_printf(why, " of %sbudget_%s=", whose ? "its " : "", span) < 0 ||
	    put_usd(why, budget) < 0 ||
	    buf_printf(why, " spent %s %s (UTC)", span[0] == 'd' ? "on" : "in", period) < 0)
		buf_reset(why);	/* the caller says "over budget" */
	return 1;
}

int nr_budget_over(sqlite3 *db, const struct nr_provider *p, struct buf *why, double *rest)
{
	if (!db || (p->budget_day < 0 && p->budget_month < 0))
		return 0;
	return over(db, p->name, NULL, p->budget_day, p->budget_month, why, rest);
}

int nr_target_budget_over(sqlite3 *db, const struct nr_target *t, struct buf *why, double *rest)
{
	if (!db || (t->budget_day < 0 && t->budget_month < 0))
		return 0;
	struct buf key = BUF_INIT, whose = BUF_INIT;
	/* out of memory: not known to be over, as an unreadable spend */
	int r = target_key(&key, t->provider, t->model) == 0 && buf_printf(&whose, "target %s", key.p) == 0 &&
		over(db, key.p, whose.p, t->budget_day, t->budget_month, why, rest);
	buf_free(&key);
	buf_free(&whose);
	return r;
}

int nr_key_budget_over(sqlite3 *db, const char *name, double budget_day, double budget_month, struct buf *why,
		       double *rest)
{
	if (!db || (budget_day < 0 && budget_month < 0))
		return 0;
	struct buf key = BUF_INIT, whose = BUF_INIT;
	int r = buf_printf(&key, "@%s", name) == 0 && buf_printf(&whose, "key %s", name) == 0 &&
		over(db, key.p, whose.p, budget_day, budget_month, why, rest);
	buf_free(&key);
	buf_free(&whose);
	return r;
}

static int budgeted(const struct nr_target *v, void *ctx)
{
	(void)ctx;
	return v->budget_day >= 0 || v->budget_month >= 0;
}

/* Combo name's budgeted targets into t: 1 some, 0 none (or not a plain
 * combo that parses), -1 out of memory. */
static int combo_budgets(const char *name, struct nr_targets *t)
{
	struct buf text = BUF_INIT, err = BUF_INIT, what = BUF_INIT;
	*t = (struct nr_targets){ 0 };
	int r = nr_combo_read_text(name, &text, &err);
	if (r == 1) {
		if (buf_printf(&what, "combo %s", name) < 0)
			r = -1;
		else if (nr_combo_parse(text.p ? text.p : "", what.p, t, &err) < 0 || !nr_targets_keep(t, budgeted, NULL))
			r = 0;
		else if (!(t->combo = strdup(name)))
			r = -1;
	} else if (r == 2) {
		r = 0;	/* a program: not run */
	} else if (r < 0) {
		r = 0;	/* unreadable: nr-route says why when it is asked for */
	}
	if (r <= 0)
		nr_targets_free(t);
	buf_free(&text);
	buf_free(&err);
	buf_free(&what);
	return r;
}

int nr_combo_budgets(struct nr_targets **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	size_t nn;
	char **names = nr_dir_names("combos", &nn);
	int rc = 0;
	for (size_t i = 0; i < nn; i++) {
		struct nr_targets t;
		int r = rc == 0 ? combo_budgets(names[i], &t) : 0;
		struct nr_targets *more = r > 0 ? reallocarray(*v, *n + 1, sizeof **v) : NULL;
		if (more) {
			*v = more;
			(*v)[(*n)++] = t;
		} else if (r != 0) {
			if (r > 0)
				nr_targets_free(&t);
			rc = -1;
		}
		free(names[i]);
	}
	free(names);
	if (rc < 0) {
		nr_combo_budgets_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

void nr_combo_budgets_free(struct nr_targets *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nr_targets_free(&v[i]);
	free(v);
}
