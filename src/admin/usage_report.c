/* usage_report: `nr usage`, totals and cost from the usage rows nr-route
 * writes, grouped by day, key, account, provider, model or combo, and how
 * often each combo had to fall back. Text for people, --json for scripts. */
#include <errno.h>
#include <getopt.h>
#include <jv.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin/commands.h"
#include "buf.h"
#include "caveman_saving.h"
#include "cli.h"
#include "db.h"
#include "exitcodes.h"
#include "logsafe.h"
#include "route/journal.h"
#include "route/usage.h"

static const struct group {
	const char *name, *column;
} groups[] = {
	{ "day", "day" }, { "key", "coalesce(client_key, '-')" }, { "account", "coalesce(account, '-')" },
	{ "provider", "provider" }, { "model", "provider || '/' || model" }, { "combo", "coalesce(combo, '-')" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: nr usage [--json] [--since YYYY-MM-DD] [--by day|key|account|provider|model|combo]\n\n"
		   "Requests, attempts, tokens and estimated cost (USD) per group, the totals,\n"
		   "the tokens rtk-filter saved and what they would have cost as input at the\n"
		   "price of the model that answered (saved_tokens, saved_usd),\n"
		   "and for each combo how many requests fell back past its first target.\n"
		   "Caveman mode: the answers (with an output count) whose row says it was on\n"
		   "or off, their average output tokens, and the saving estimated from them,\n"
		   "(average off - average on) x answers on, at the caveman answers' output\n"
		   "price: an estimate from the comparison, not a measurement.\n"
		   "key is the client's nr key name, account the upstream key's env var name.\n"
		   "Rows waiting in usage.journal (the database was locked, full or read-only)\n"
		   "are written first; those that still cannot be are counted apart (pending).\n"
		   "Then the subscriptions' quota windows and the budgets, as nr quota shows\n"
		   "them (--json: the member \"quota\").\n");
}

static int valid_day(const char *s)
{
	int y, m, d;
	char tail;
	return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 &&
	       d >= 1 && d <= 31;
}

/* The columns every group and the totals share. */
#define SUMS "count(DISTINCT request), count(*), sum(outcome = 'ok'), sum(outcome = 'fallback')," \
	     " coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0)," \
	     " coalesce(sum(cache_read_tokens), 0), coalesce(sum(cache_write_tokens), 0)," \
	     " coalesce(sum(cost), 0), coalesce(sum(rtk_saved_tokens), 0), coalesce(sum(rtk_saved_cost), 0)"
static const char *const sum_names[] = { "requests", "attempts", "ok", "failed_attempts", "input_tokens",
	"output_tokens", "cache_read_tokens", "cache_write_tokens", "cost", "rtk_saved_tokens", "rtk_saved_cost" };
#define NSUMS 11

/* One row of SUMS starting at column `first` as a jv object. */
static jv sums(sqlite3_stmt *st, int first)
{
	jv o = jv_object();
	for (int i = 0; i < NSUMS; i++) {
		double v = sqlite3_column_double(st, first + i);
		o = jv_object_set(o, jv_string(sum_names[i]), jv_number(v));
	}
	return o;
}

static jv query(sqlite3 *db, const char *sql, const char *since, int grouped, struct buf *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		buf_printf(err, "%s", sqlite3_errmsg(db));
		return jv_invalid();
	}
	sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	jv rows = jv_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jv r = grouped ? sums(st, 1) : sums(st, 0);
		if (grouped)
			r = jv_object_set(r, jv_string("group"), jv_string((const char *)sqlite3_column_text(st, 0)));
		rows = jv_array_append(rows, r);
	}
	if (rc != SQLITE_DONE) {
		buf_printf(err, "%s", sqlite3_errmsg(db));
		jv_free(rows);
		rows = jv_invalid();
	}
	sqlite3_finalize(st);
	return rows;
}

static jv combos(sqlite3 *db, const char *since, struct buf *err)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT combo, count(DISTINCT request),"
			  " count(DISTINCT CASE WHEN outcome = 'fallback' THEN request END),"
			  " count(DISTINCT CASE WHEN outcome IN ('ok', 'cut', 'error') THEN request END)"
			  " FROM usage WHERE combo IS NOT NULL AND day >= ?1 GROUP BY combo ORDER BY combo";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		buf_printf(err, "%s", sqlite3_errmsg(db));
		return jv_invalid();
	}
	sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	jv rows = jv_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		rows = jv_array_append(rows, JV_OBJECT(
			jv_string("combo"), jv_string((const char *)sqlite3_column_text(st, 0)),
			jv_string("requests"), jv_number(sqlite3_column_double(st, 1)),
			jv_string("fell_back"), jv_number(sqlite3_column_double(st, 2)),
			jv_string("answered"), jv_number(sqlite3_column_double(st, 3))));
	sqlite3_finalize(st);
	return rows;
}

/* Caveman mode's two sides over the answers since `since` (caveman_saving.h). */
static int caveman_sides(sqlite3 *db, const char *since, struct caveman_sides *s, struct buf *err)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT coalesce(sum(caveman = 1), 0),"
			  " coalesce(sum(CASE WHEN caveman = 1 THEN output_tokens END), 0),"
			  " coalesce(sum(CASE WHEN caveman = 1 THEN output_cost END), 0), coalesce(sum(caveman = 0), 0),"
			  " coalesce(sum(CASE WHEN caveman = 0 THEN output_tokens END), 0) FROM usage"
			  " WHERE day >= ?1 AND outcome = 'ok' AND output_tokens IS NOT NULL";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		buf_printf(err, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*s = (struct caveman_sides){ sqlite3_column_double(st, 0), sqlite3_column_double(st, 1),
					     sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
					     sqlite3_column_double(st, 4) };
	else
		buf_printf(err, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static jv number_or_null(double v)
{
	return isfinite(v) ? jv_number(v) : jv_null();
}

static jv caveman_json(const struct caveman_sides *s)
{
	struct caveman_saving e;
	caveman_saving(s, &e);
	return JV_OBJECT(jv_string("on"), JV_OBJECT(jv_string("answers"), jv_number(s->on_answers),
						    jv_string("output_tokens"), jv_number(s->on_tokens),
						    jv_string("output_cost"), jv_number(s->on_cost)),
			 jv_string("off"), JV_OBJECT(jv_string("answers"), jv_number(s->off_answers),
						     jv_string("output_tokens"), jv_number(s->off_tokens)),
			 jv_string("saved_tokens_estimate"), number_or_null(e.tokens),
			 jv_string("saved_usd_estimate"), number_or_null(e.usd));
}

/* The sides and the estimate, when any answer says which side it is on. */
static void print_caveman(const struct caveman_sides *s)
{
	if (s->on_answers <= 0 && s->off_answers <= 0)
		return;
	struct caveman_saving e;
	caveman_saving(s, &e);
	printf("\n%-32s %8s %10s\n", "caveman", "answers", "output_avg");
	const double n[2] = { s->on_answers, s->off_answers }, avg[2] = { e.avg_on, e.avg_off };
	for (int i = 0; i < 2; i++) {
		printf("%-32s %8.0f ", i ? "off" : "on", n[i]);
		if (isfinite(avg[i]))
			printf("%10.1f\n", avg[i]);
		else
			printf("%10s\n", "-");
	}
	if (!isfinite(e.tokens))
		printf("saved (estimate): none, no answers with caveman mode %s to compare with\n",
		       s->on_answers > 0 ? "off" : "on");
	else if (e.tokens < 0)
		printf("saved (estimate): none, the answers with it on averaged more output (%.0f tokens in all)\n",
		       -e.tokens);
	else
		printf("saved (estimate): %.0f output tokens, $%.4f: (average off - average on) x answers on\n",
		       e.tokens, isfinite(e.usd) ? e.usd : 0);
}

static double usd(jv o, const char *k)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	double r = jv_number_value(v);
	jv_free(v);
	return r;
}

static long long n(jv o, const char *k)
{
	return (long long)usd(o, k);
}

static void print_row(const char *label, jv r)
{
	printf("%-32s %8lld %8lld %8lld %12lld %12lld %12lld %10.4f %12lld %10.4f\n", label, n(r, "requests"),
	       n(r, "attempts"), n(r, "failed_attempts"), n(r, "input_tokens"), n(r, "output_tokens"),
	       n(r, "cache_read_tokens") + n(r, "cache_write_tokens"), usd(r, "cost"), n(r, "rtk_saved_tokens"),
	       usd(r, "rtk_saved_cost"));
	jv_free(r);
}

static void print_text(const char *by, jv rows, jv total, jv cmb)
{
	printf("%-32s %8s %8s %8s %12s %12s %12s %10s %12s %10s\n", by, "requests", "attempts", "failed", "input",
	       "output", "cache", "cost_usd", "saved_tokens", "saved_usd");
	jv_array_foreach(rows, i, r) {
		jv g = jv_object_get(jv_copy(r), jv_string("group"));
		print_row(jv_string_value(g), r);
		jv_free(g);
	}
	print_row("total", total);
	if (jv_array_length(jv_copy(cmb)) > 0) {
		printf("\n%-32s %8s %10s %8s\n", "combo", "requests", "fell_back", "answered");
		jv_array_foreach(cmb, i, r) {
			jv name = jv_object_get(jv_copy(r), jv_string("combo"));
			printf("%-32s %8lld %10lld %8lld\n", jv_string_value(name), n(r, "requests"),
			       n(r, "fell_back"), n(r, "answered"));
			jv_free(name);
			jv_free(r);
		}
	}
	jv_free(rows);
	jv_free(cmb);
}

/* The rows still in the journal: {"rows": N, "since": "…Z" or null}. */
static jv pending(void)
{
	long rows;
	double oldest;
	if (nr_journal_pending(&rows, &oldest) < 0)
		fprintf(stderr, "nr usage: unable to read usage.journal: %s\n", strerror(errno));
	char since[32];
	time_t t = (time_t)oldest;
	struct tm tm;
	int dated = rows > 0 && oldest > 0 && gmtime_r(&t, &tm) && strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return JV_OBJECT(jv_string("rows"), jv_number((double)rows), jv_string("since"),
			 dated ? jv_string(since) : jv_null());
}

static void print_pending(jv p)
{
	long long rows = n(p, "rows");
	jv since = jv_object_get(p, jv_string("since"));
	if (rows > 0) {
		struct buf path = BUF_INIT;
		nr_journal_path(&path);
		printf("\npending: %lld usage rows in %s since %s, not in the totals above\n", rows,
		       path.p ? path.p : "usage.journal", jv_get_kind(since) == JV_KIND_STRING ? jv_string_value(since) : "?");
		buf_free(&path);
	}
	jv_free(since);
}

int nr_cmd_usage(int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{ "json", 0, 'j', NULL, "JSON" }, { "since", 1, 's', "YYYY-MM-DD", "from this day" },
		{ "by", 1, 'b', "GROUP", "grouped by" }, { "help", 0, 'h', NULL, "show this help" },
	};
	struct option lopts[sizeof opts / sizeof opts[0] + 1];
	char sopts[CLI_SHORTOPTS_SIZE(sizeof opts / sizeof opts[0])];
	cli_getopt_tables(opts, sizeof opts / sizeof opts[0], lopts, sopts);
	int json = 0, c;
	const char *since = "0000-00-00";
	const struct group *by = &groups[0];
	optind = 1;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 's':
			if (!valid_day(optarg)) {
				fprintf(stderr, "nr usage: --since wants YYYY-MM-DD, got '%s'\n", optarg);
				return NR_EXIT_USAGE;
			}
			since = optarg;
			break;
		case 'b':
			by = NULL;
			for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
				if (strcmp(optarg, groups[i].name) == 0)
					by = &groups[i];
			if (!by) {
				fprintf(stderr, "nr usage: --by wants day, key, account, provider, model or combo\n");
				return NR_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return NR_EXIT_OK;
		default: usage(stderr); return NR_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return NR_EXIT_USAGE;
	}
	struct buf err = BUF_INIT, sql = BUF_INIT;
	sqlite3 *db = nr_db_open(&err);
	if (!db) {
		nr_log("nr usage: %s", err.p);
		buf_free(&err);
		return NR_EXIT_SYS;
	}
	struct buf why = BUF_INIT;
	if (nr_usage_replay(db, NR_DB_FLUSH_MS, &why) < 0)	/* what is left is reported as pending */
		fprintf(stderr, "nr usage: the journal's rows wait: %s\n", why.p ? why.p : "?");
	buf_free(&why);
	jv pend = pending();
	buf_printf(&sql, "SELECT %s, " SUMS " FROM usage WHERE day >= ?1 GROUP BY 1 ORDER BY 1", by->column);
	jv rows = query(db, sql.p, since, 1, &err);
	jv total = query(db, "SELECT " SUMS " FROM usage WHERE day >= ?1", since, 0, &err);
	jv cmb = combos(db, since, &err);
	struct caveman_sides cm = { 0 };
	int rc = NR_EXIT_OK, cm_rc = caveman_sides(db, since, &cm, &err);
	if (!jv_is_valid(rows) || !jv_is_valid(total) || !jv_is_valid(cmb) || cm_rc < 0) {
		nr_log("nr usage: unable to read usage: %s", err.p ? err.p : "?");
		jv_free(rows);
		jv_free(total);
		jv_free(cmb);
		jv_free(pend);
		rc = NR_EXIT_SYS;
	} else if (json) {
		/* the subscriptions' windows and the budgets, as nr quota --json gives them */
		struct buf q = BUF_INIT;
		rc = nr_quota_report(db, 1, &q);
		jv out = JV_OBJECT(jv_string("by"), jv_string(by->name), jv_string("rows"), rows,
				   jv_string("total"), jv_array_get(total, 0), jv_string("combos"), cmb,
				   jv_string("caveman"), caveman_json(&cm), jv_string("pending"), pend, jv_string("quota"),
				   rc == NR_EXIT_OK ? jv_parse(q.p) : jv_null());
		buf_free(&q);
		if (strcmp(since, "0000-00-00"))
			out = jv_object_set(out, jv_string("since"), jv_string(since));
		if (rc == NR_EXIT_OK) {
			jv_dumpf(out, stdout, 0);
			putchar('\n');
		} else {
			jv_free(out);
		}
	} else {
		print_text(by->name, rows, jv_array_get(total, 0), cmb);
		print_caveman(&cm);
		print_pending(pend);
		printf("\nquota windows and budgets (nr quota)\n");
		rc = nr_quota_report(db, 0, NULL);
	}
	if (fflush(stdout) != 0 && rc == NR_EXIT_OK)
		rc = NR_EXIT_SYS;
	buf_free(&sql);
	buf_free(&err);
	nr_db_close(db);
	return rc;
}
