/* dashboard_state: the dashboard's sections on what is about to run out:
 * each account's state with its cooldowns' countdowns (nr status's
 * document), the subscriptions' quota windows and the budgets (nr quota's). */
#include <jv.h>
#include <string.h>

#include "admin/commands.h"
#include "admin/status.h"
#include "serve/dashboard_html.h"
#include "serve/html.h"
#include "serve/svg.h"

static const char *jstr(jv o, const char *k)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
	jv_free(v);	/* o keeps the string */
	return s;
}

static double jnum(jv o, const char *k, double dflt)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : dflt;
	jv_free(v);
	return d;
}

/* One account's row: its state, and a countdown per cooldown. */
static void account_row(struct page *pg, const char *provider, jv a)
{
	const char *state = jstr(a, "state");
	pg_put(pg, "<tr><td>");
	pg_text(pg, provider);
	pg_put(pg, "</td><td>");
	pg_text(pg, jstr(a, "name"));
	pg_printf(pg, "</td><td><span class=\"state %s\">", state ? state : "");
	pg_text(pg, state);
	pg_put(pg, "</span></td><td>");
	jv cds = jv_object_get(jv_copy(a), jv_string("cooldowns"));
	if (jv_get_kind(cds) == JV_KIND_ARRAY) {
		jv_array_foreach(cds, i, cd) {
			(void)i;
			const char *model = jstr(cd, "model");
			if (model) {
				pg_text(pg, model);
				pg_put(pg, ": ");
			}
			pg_text(pg, jstr(cd, "reason"));
			pg_put(pg, ", ");
			pg_countdown(pg, jnum(cd, "until", pg->now));
			pg_put(pg, "<br>");
			jv_free(cd);
		}
	}
	jv_free(cds);
	const char *relogin = jstr(a, "relogin");
	if (relogin) {
		pg_put(pg, "re-login: ");
		pg_text(pg, relogin);
	}
	pg_put(pg, "</td></tr>");
}

void dashboard_accounts(struct page *pg)
{
	jv provs = status_providers(pg->db, pg->now);
	pg_put(pg, "<section id=\"accounts\"><h2>accounts <small>ready, cooling down, re-login</small></h2>"
		   "<table><thead><tr><th>provider</th><th>account</th><th>state</th><th>why, until</th></tr></thead><tbody>");
	struct buf idle = BUF_INIT;
	if (jv_get_kind(provs) == JV_KIND_ARRAY) {
		jv_array_foreach(provs, i, p) {
			(void)i;
			const char *name = jstr(p, "name"), *state = jstr(p, "state");
			jv accts = jv_object_get(jv_copy(p), jv_string("accounts"));
			int n = jv_get_kind(accts) == JV_KIND_ARRAY ? jv_array_length(jv_copy(accts)) : 0;
			if (n == 0 && state && strcmp(state, "passthrough") != 0) {
				if ((idle.len && buf_puts(&idle, ", ") < 0) || html_text(&idle, name ? name : "") < 0)
					pg->bad = 1;
			} else if (n == 0) {
				pg_put(pg, "<tr><td>");
				pg_text(pg, name);
				pg_put(pg, "</td><td>each client's own</td><td><span class=\"state passthrough\">"
					   "pass-through</span></td><td></td></tr>");
			} else {
				jv_array_foreach(accts, k, a) {
					(void)k;
					account_row(pg, name, a);
					jv_free(a);
				}
			}
			jv_free(accts);
			jv_free(p);
		}
	}
	jv_free(provs);
	pg_put(pg, "</tbody></table>");
	if (idle.len)
		pg_printf(pg, "<p class=\"idle\">No key or login: %s.</p>", idle.p);
	buf_free(&idle);
	pg_put(pg, "</section>");
}

void dashboard_quota(struct page *pg)
{
	struct buf q = BUF_INIT;
	jv doc = nr_quota_report(pg->db, 1, &q) == 0 ? jv_parse(q.p ? q.p : "") : jv_invalid();
	buf_free(&q);
	if (jv_get_kind(doc) != JV_KIND_OBJECT) {	/* jv_object_get wants an object */
		jv_free(doc);
		doc = jv_object();
	}
	jv windows = jv_object_get(jv_copy(doc), jv_string("windows")), budgets = jv_object_get(doc, jv_string("budgets"));
	pg_put(pg, "<section id=\"quota\"><h2>quota windows and budgets <small>what is about to run out</small></h2>"
		   "<table><thead><tr><th>account or target</th><th>window</th><th>used</th><th class=\"n\"></th>"
		   "<th>resets</th></tr></thead><tbody>");
	int rows = 0;
	if (jv_get_kind(windows) == JV_KIND_ARRAY) {
		jv_array_foreach(windows, i, w) {
			(void)i;
			double used = jnum(w, "used_percent", -1), resets = jnum(w, "resets_at", 0);
			struct buf title = BUF_INIT;
			pg_put(pg, "<tr><td>");
			pg_text(pg, jstr(w, "provider"));
			pg_put(pg, " ");
			pg_text(pg, jstr(w, "account"));
			pg_put(pg, "</td><td>");
			pg_text(pg, jstr(w, "window"));
			pg_put(pg, "</td><td>");
			if (used >= 0 && buf_printf(&title, "%.1f%% used", used) == 0 && !pg->bad &&
			    svg_meter(pg->out, used / 100, title.p) < 0)
				pg->bad = 1;
			pg_printf(pg, "</td><td class=\"n\">%s</td><td>", used >= 0 ? title.p ? title.p : "" : "?");
			if (resets > pg->now)
				pg_countdown(pg, resets);
			pg_put(pg, "</td></tr>");
			buf_free(&title);
			jv_free(w);
			rows++;
		}
	}
	if (jv_get_kind(budgets) == JV_KIND_ARRAY) {
		jv_array_foreach(budgets, i, b) {
			(void)i;
			double budget = jnum(b, "budget", 0), spent = jnum(b, "spent", 0);
			const char *who = jstr(b, "provider");
			pg_put(pg, "<tr><td>");
			pg_text(pg, who ? who : jstr(b, "target"));
			pg_put(pg, "</td><td>budget ");
			pg_text(pg, jstr(b, "period"));
			pg_put(pg, "</td><td>");
			if (!pg->bad && svg_meter(pg->out, budget > 0 ? spent / budget : 1, "spent of the budget") < 0)
				pg->bad = 1;
			pg_put(pg, "</td><td class=\"n\">");
			pg_usd(pg, spent);
			pg_put(pg, " of ");
			pg_usd(pg, budget);
			pg_put(pg, "</td><td>");
			pg_countdown(pg, pg->now + jnum(b, "resets_in_s", 0));
			pg_put(pg, "</td></tr>");
			jv_free(b);
			rows++;
		}
	}
	jv_free(windows);
	jv_free(budgets);
	pg_put(pg, rows ? "</tbody></table></section>"
			: "<tr><td colspan=\"5\">no subscription has reported a window; no budget is set</td></tr>"
			  "</tbody></table></section>");
}

