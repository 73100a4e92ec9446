/* quota: `nr quota [--json]`, each account's quota windows as its last
 * answer reported them (route/quota.h): percent used, the window's length,
 * when it resets with a countdown, and whether it is exhausted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/commands.h"
#include "admin/status.h"
#include "db.h"
#include "exitcodes.h"
#include "json.h"
#include "logsafe.h"
#include "route/budget.h"
#include "route/cooldown.h"
#include "route/dirs.h"
#include "route/provider.h"

static void quota_usage(FILE *f)
{
	fprintf(f, "usage: nr quota [--json]\n"
		   "Each account's quota windows (a subscription's 5-hour and weekly limits),\n"
		   "as the last answer through nr reported them: percent used, the window's\n"
		   "length, when it resets (with a countdown), and whether it is exhausted.\n"
		   "An exhausted window's account is not used until the window resets.\n"
		   "Then each provider's budgets (budget_day=, budget_month= in its file, USD):\n"
		   "spent and left in this UTC day and month; a provider over budget is skipped\n"
		   "until the period turns.\n"
		   "  --json   one JSON object {windows: [...], budgets: [...]}, for scripts\n"
		   "exit: 0 ok, %d usage, %d system error\n",
		NR_EXIT_USAGE, NR_EXIT_SYS);
}

/* "primary (5h)", "7d (7d)": the window's length when it is known. */
static void put_window(struct buf *b, const char *name, long minutes)
{
	buf_puts(b, name);
	if (minutes > 0 && minutes % 1440 == 0)
		buf_printf(b, " (%ldd)", minutes / 1440);
	else if (minutes > 0 && minutes % 60 == 0)
		buf_printf(b, " (%ldh)", minutes / 60);
	else if (minutes > 0)
		buf_printf(b, " (%ldm)", minutes);
}

/* One window: as text on stdout, or (json) appended to out. */
static int print_row(sqlite3_stmt *st, int json, double now, int first, struct buf *out)
{
	const char *provider = (const char *)sqlite3_column_text(st, 0);
	const char *account = (const char *)sqlite3_column_text(st, 1);
	const char *name = (const char *)sqlite3_column_text(st, 2);
	int has_used = sqlite3_column_type(st, 3) != SQLITE_NULL, has_min = sqlite3_column_type(st, 4) != SQLITE_NULL;
	int has_reset = sqlite3_column_type(st, 5) != SQLITE_NULL;
	double used = sqlite3_column_double(st, 3), reset = sqlite3_column_double(st, 5);
	long minutes = has_min ? (long)sqlite3_column_int64(st, 4) : -1;
	int over = has_reset && reset <= now;	/* reset since: what was used is gone */
	int exhausted = sqlite3_column_int(st, 6) && !over;
	struct buf b = BUF_INIT;
	if (json) {
		jv o = JV_OBJECT(jv_string("provider"), jv_string(provider ? provider : ""),
				 jv_string("account"), jv_string(account ? account : ""),
				 jv_string("window"), jv_string(name ? name : ""),
				 jv_string("used_percent"), has_used && !over ? jv_number(used) : jv_null(),
				 jv_string("window_minutes"), has_min ? jv_number((double)minutes) : jv_null(),
				 jv_string("resets_at"), has_reset ? jv_number(reset) : jv_null(),
				 jv_string("resets_in_s"), has_reset && !over ? jv_number(ceil(reset - now)) : jv_null(),
				 jv_string("exhausted"), jv_bool(exhausted),
				 jv_string("seen"), jv_number(sqlite3_column_double(st, 7)));
		buf_free(&b);
		return (!first && buf_putc(out, ',') < 0) || json_dump(out, o) < 0 ? -1 : 0;
	}
	struct buf w = BUF_INIT;
	put_window(&w, name ? name : "?", minutes);
	buf_printf(&b, "  %-12s %-20s %-16s ", provider ? provider : "", account ? account : "", w.p ? w.p : "");
	if (over)
		buf_puts(&b, "reset since the last answer");
	else {
		if (has_used)
			buf_printf(&b, "%5.1f%% used", used);
		else
			buf_puts(&b, "  ?   used");
		if (has_reset) {
			buf_puts(&b, ", resets ");
			status_put_time(&b, reset, now, 0);
			buf_puts(&b, " (in ");
			status_put_span(&b, reset - now);
			buf_puts(&b, ")");
		}
		if (exhausted)
			buf_puts(&b, "  EXHAUSTED: account resting until then");
	}
	printf("%s\n", b.p ? b.p : "");
	buf_free(&w);
	buf_free(&b);
	return 0;
}

/* One period's budget of provider (or, with combo, of the target
 * "PROVIDER/MODEL" of that combo): a line of text, or (json) an object
 * appended to out. */
static int print_budget(const char *provider, const char *combo, const char *period, const char *span, double budget,
			double spent, double left_s, double now, int json, struct buf *out)
{
	if (json) {
		jv o = JV_OBJECT(jv_string(combo ? "target" : "provider"), jv_string(provider),
				jv_string("period"), jv_string(span), jv_string("utc"), jv_string(period),
				jv_string("budget"), jv_number(budget), jv_string("spent"), jv_number(spent),
				jv_string("left"), jv_number(spent < budget ? budget - spent : 0),
				jv_string("resets_in_s"), jv_number(ceil(left_s)));
		if (combo)
			o = jv_object_set(o, jv_string("combo"), jv_string(combo));
		return (out->len && buf_putc(out, ',') < 0) || json_dump(out, o) < 0 ? -1 : 0;
	}
	struct buf b = BUF_INIT;
	buf_printf(&b, "  %-12s budget_%-6s $%.2f of $%.2f spent in %s (UTC), ", provider, span, spent, budget, period);
	if (combo)
		buf_printf(&b, "combo %s, ", combo);
	if (spent >= budget)
		buf_puts(&b, "OVER: skipped until it turns");
	else
		buf_printf(&b, "$%.2f left", budget - spent);
	buf_puts(&b, ", turns ");
	status_put_time(&b, now + left_s, now, 0);
	buf_puts(&b, " (in ");
	status_put_span(&b, left_s);
	buf_puts(&b, ")");
	printf("%s\n", b.p ? b.p : "");
	buf_free(&b);
	return 0;
}

/* Every provider's budgets (budget_day=, budget_month=) with what was spent. */
static int print_budgets(sqlite3 *db, int json, double now, struct buf *out)
{
	size_t n;
	char **names = nr_dir_names("providers", &n);
	char day[11], month[8];
	double day_left, month_left;
	nr_budget_periods(now, day, month, &day_left, &month_left);
	int rc = 0, shown = 0;
	for (size_t i = 0; i < n; i++) {
		struct nr_provider p;
		struct buf err = BUF_INIT;
		if (rc == 0 && nr_provider_load(names[i], &p, &err) == 0) {
			if (!json && !shown && (p.budget_day >= 0 || p.budget_month >= 0) && (shown = 1))
				printf("budgets\n");
			if (p.budget_day >= 0)
				rc |= print_budget(p.name, NULL, day, "day", p.budget_day, nr_spent(db, p.name, day), day_left,
						   now, json, out);
			if (p.budget_month >= 0)
				rc |= print_budget(p.name, NULL, month, "month", p.budget_month, nr_spent(db, p.name, month),
						   month_left, now, json, out);
			nr_provider_free(&p);
		}
		buf_free(&err);
		free(names[i]);
	}
	free(names);
	/* the combo targets' own (budget_day= after a target in a combo file) */
	struct nr_targets *v = NULL;
	size_t nc = 0;
	int got = rc == 0 && nr_combo_budgets(&v, &nc) == 0;
	if (!got)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < nc; i++)
		for (size_t k = 0; k < v[i].n; k++) {
			const struct nr_target *t = &v[i].v[k];
			struct buf label = BUF_INIT;
			if (buf_printf(&label, "%s/%s", t->provider, t->model) < 0) {
				rc = -1;
				break;
			}
			if (!json && !shown && (shown = 1))
				printf("budgets\n");
			if (t->budget_day >= 0)
				rc |= print_budget(label.p, v[i].combo, day, "day", t->budget_day,
						   nr_target_spent(db, t->provider, t->model, day), day_left, now, json, out);
			if (t->budget_month >= 0)
				rc |= print_budget(label.p, v[i].combo, month, "month", t->budget_month,
						   nr_target_spent(db, t->provider, t->model, month), month_left, now, json, out);
			buf_free(&label);
		}
	if (got)
		nr_combo_budgets_free(v, nc);
	return rc;
}

int nr_quota_report(sqlite3 *db, int json, struct buf *json_out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT provider, account, name, used, minutes, resets_at, exhausted, seen"
			       " FROM quota_windows ORDER BY provider, account, minutes, name", -1, &st, NULL) != SQLITE_OK) {
		nr_log("nr quota: unable to read the quota windows: %s", sqlite3_errmsg(db));
		return NR_EXIT_SYS;
	}
	double now = nr_now();
	int rc = NR_EXIT_OK, r, n = 0;
	struct buf out = BUF_INIT;	/* the JSON, printed whole or not at all */
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (print_row(st, json, now, n++ == 0, &out) < 0) {
			rc = NR_EXIT_SYS;
			break;
		}
	if (r != SQLITE_DONE && rc == NR_EXIT_OK) {
		nr_log("nr quota: unable to read the quota windows: %s", sqlite3_errmsg(db));
		rc = NR_EXIT_SYS;
	}
	sqlite3_finalize(st);
	if (!json && n == 0 && rc == NR_EXIT_OK)
		printf("no quota windows seen yet: they come with the answers of subscription providers\n");
	struct buf budgets = BUF_INIT;
	if (rc == NR_EXIT_OK && print_budgets(db, json, now, &budgets) < 0)
		rc = NR_EXIT_SYS;
	if (json && rc == NR_EXIT_OK &&
	    buf_printf(json_out, "{\"windows\":[%s],\"budgets\":[%s]}", out.p ? out.p : "", budgets.p ? budgets.p : "") < 0)
		rc = NR_EXIT_SYS;
	buf_free(&out);
	buf_free(&budgets);
	return rc;
}

int nr_cmd_quota(int argc, char **argv)
{
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			quota_usage(stdout);
			return NR_EXIT_OK;
		}
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(stderr, "nr quota: unknown argument '%s'\n", argv[i]);
			quota_usage(stderr);
			return NR_EXIT_USAGE;
		}
		json = 1;
	}
	sqlite3 *db = nr_admin_db("nr quota");
	if (!db)
		return NR_EXIT_SYS;
	struct buf out = BUF_INIT;
	int rc = nr_quota_report(db, json, &out);
	if (json && rc == NR_EXIT_OK)
		printf("%s\n", out.p);
	buf_free(&out);
	if (fflush(stdout) != 0)
		rc = NR_EXIT_SYS;
	nr_db_close(db);
	return rc;
}
