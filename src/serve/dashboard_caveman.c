/* dashboard_caveman: the dashboard's caveman figure (dashboard_html.h): the
 * period's answers with caveman mode on and off, each side's average output,
 * and the saving estimated from them (caveman_saving.h). A side without
 * answers shows none, and then nothing is estimated: an average of nothing
 * would read as a saving of everything. */
#include <math.h>
#include <stdio.h>

#include "caveman_saving.h"
#include "serve/dashboard_html.h"
#include "serve/svg.h"

/* A cell with its exact value in title (what the tests read), "–" for none. */
static void cell(struct page *pg, const char *id, const char *fmt, double v)
{
	pg_printf(pg, "<td class=\"n\" id=\"%s\" title=\"", id);
	if (isfinite(v)) {
		pg_printf(pg, fmt, v);
		pg_put(pg, "\">");
		pg_count(pg, v);
	} else {
		pg_put(pg, "\">&ndash;");
	}
	pg_put(pg, "</td>");
}

static void side(struct page *pg, const char *name, double answers, double avg)
{
	pg_printf(pg, "<tr><td>caveman %s</td>", name);
	char id[32];
	snprintf(id, sizeof id, "caveman-%s-answers", name);
	cell(pg, id, "%.0f", answers);
	snprintf(id, sizeof id, "caveman-%s-avg", name);
	cell(pg, id, "%.2f", avg);
	pg_put(pg, "</tr>");
}

/* What the comparison says, in words, with the figures' exact values. */
static void estimate(struct page *pg, const struct caveman_sides *s, const struct caveman_saving *e)
{
	if (s->on_answers <= 0 && s->off_answers <= 0) {
		pg_put(pg, "<p>No answer in this period says whether caveman mode was on: rows from before nr"
			   " recorded it, and those of a pipeline without <code>rtk-filter --facts</code>, do not.</p>");
		return;
	}
	if (s->on_answers <= 0 || s->off_answers <= 0) {
		pg_put(pg, s->on_answers <= 0 ? "<p>No answer had caveman mode on in this period: nothing to estimate.</p>"
					      : "<p>No answer had caveman mode off in this period to compare with:"
						" its saving cannot be estimated.</p>");
		return;
	}
	pg_printf(pg, "<p class=\"estimate\">%s <b id=\"caveman-saved-tokens\" title=\"%.2f\">",
		  e->tokens >= 0 ? "Saved, estimated:" : "No saving seen: the answers with it on averaged more output,",
		  e->tokens);
	pg_count(pg, fabs(e->tokens));
	pg_put(pg, e->tokens >= 0 ? "</b> output tokens" : "</b> output tokens more");
	if (isfinite(e->usd)) {
		pg_printf(pg, ", <b id=\"caveman-saved-usd\" title=\"%.6f\">", e->usd);
		pg_usd(pg, fabs(e->usd));
		pg_put(pg, "</b>");
	}
	pg_put(pg, ". <small>This is an estimate from the comparison, not a measurement: (average output tokens"
		   " of the answers with caveman mode off &minus; with it on) &times; the answers with it on,"
		   " at what their output cost a token. The two sides may differ in more than caveman mode"
		   " (models, tasks).</small></p>");
}

void dashboard_caveman(struct page *pg)
{
	sqlite3_stmt *st = pg_query(pg, "SELECT coalesce(sum(caveman_on_answers), 0), coalesce(sum(caveman_on_output_tokens), 0),"
				  " coalesce(sum(caveman_on_output_cost), 0), coalesce(sum(caveman_off_answers), 0),"
				  " coalesce(sum(caveman_off_output_tokens), 0) FROM usage_rollup WHERE grain = ?1 AND t >= ?2");
	struct caveman_sides s = { 0 };
	int rc = st ? sqlite3_step(st) : SQLITE_DONE;
	if (rc == SQLITE_ROW) {
		s = (struct caveman_sides){ sqlite3_column_double(st, 0), sqlite3_column_double(st, 1),
					    sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
					    sqlite3_column_double(st, 4) };
		rc = sqlite3_step(st);
	}
	pg_done(pg, st, rc);
	struct caveman_saving e;
	caveman_saving(&s, &e);
	pg_put(pg, "<section id=\"caveman\"><h2>caveman mode <small>answers with and without the terse-answers"
		   " instruction: output tokens an answer</small></h2>");
	const char *names[2];
	double avg[2];
	size_t n = 0;
	if (s.on_answers > 0)
		names[n] = "caveman on", avg[n++] = e.avg_on;
	if (s.off_answers > 0)
		names[n] = "caveman off", avg[n++] = e.avg_off;
	if (n && !pg->bad && svg_hbars(pg->out, "average output tokens an answer", names, avg, n, "tokens") < 0)
		pg->bad = 1;
	pg_put(pg, "<table><thead><tr><th></th><th class=\"n\">answers</th><th class=\"n\">output tokens an answer</th>"
		   "</tr></thead><tbody>");
	side(pg, "on", s.on_answers, e.avg_on);
	side(pg, "off", s.off_answers, e.avg_off);
	pg_put(pg, "</tbody></table>");
	estimate(pg, &s, &e);
	pg_put(pg, "</section>");
}
