/* status: `nr status`, what nr-route would find right now: each provider
 * (ready, no key, cooling down), its accounts and which is next in rotation,
 * each combo's next target, and the recent failures from the usage rows.
 * Gathered once into a jv document; printed as text (status_text.c) or JSON.
 * Names only: never a key, a request or an answer. */
#include <getopt.h>
#include <jv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/commands.h"
#include "admin/cooldown_table.h"
#include "admin/status.h"
#include "cli.h"
#include "db.h"
#include "exitcodes.h"
#include "logsafe.h"
#include "route/accounts.h"
#include "route/cooldown.h"
#include "route/dirs.h"
#include "route/provider.h"
#include "route/target.h"

#define FAILURES_DEFAULT 10
#define FAILURES_MAX 1000

static const struct cli_opt opts[] = {
	{ "json", 0, 'j', NULL, "one JSON object, for scripts" },
	{ "failures", 1, 'f', "N", "how many recent failures to show (default 10, 0 to 1000)" },
	{ "help", 0, 'h', NULL, "show this help" },
};
#define NOPTS (sizeof opts / sizeof opts[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: nr status [--json] [--failures N]\n\n");
	cli_print_options(f, opts, NOPTS, 18);
	fprintf(f, "\nEach provider: ready, no key (and the variable to set) or cooling down until a\n"
		   "time (local) with a countdown; its accounts (key variables, never their values)\n"
		   "and the one rotation gives the next request; each combo's next target; the\n"
		   "last failed attempts (time, model, target, status, class). nr cooldown clear\n"
		   "ends cooldowns. exit: 0 ok, %d usage, %d system error\n", NR_EXIT_USAGE, NR_EXIT_SYS);
}

/* The stored rotation counter of provider (0 when none): its next request's
 * first account, modulo the account count. Read only: nr status moves nothing. */
static long rotation_peek(sqlite3 *db, const char *provider)
{
	sqlite3_stmt *st;
	long v = 0;
	if (sqlite3_prepare_v2(db, "SELECT next FROM rotation WHERE provider = ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v < 0 ? 0 : v;
}

/* A provider as nr-route would use it now. */
struct prov {
	struct nr_provider p;
	struct nr_account a[NR_ACCOUNTS_MAX];
	size_t n;
	size_t start;	/* where rotation starts */
};

static int prov_load(sqlite3 *db, const char *name, struct prov *v, struct buf *err)
{
	if (nr_provider_load(name, &v->p, err) < 0)
		return -1;
	v->n = nr_accounts_list(&v->p, db, v->a);
	v->start = v->p.fill_first || v->n <= 1 ? 0 : (size_t)(rotation_peek(db, v->p.name) % (long)v->n);
	return 0;
}

/* Whether account a is resting: for model (as the fallback decides), or, when
 * model is NULL, for every model (an account-wide cooldown). */
static int resting(const struct cooldowns *cd, const char *provider, const char *account, const char *model)
{
	for (size_t i = 0; i < cd->n; i++) {
		const struct cooldown *c = &cd->v[i];
		if (model ? cooldown_blocks(c, provider, account, model)
			  : c->kind == COOL_ACCOUNT && cooldown_blocks(c, provider, account, ""))
			return 1;
	}
	return 0;
}

/* The account a request for model would go to: the first not resting from
 * where rotation starts; -1 when all rest or there is none. */
static int next_account(const struct prov *v, const struct cooldowns *cd, const char *model)
{
	for (size_t k = 0; k < v->n; k++) {
		size_t i = (v->start + k) % v->n;
		if (!v->a[i].relogin && !resting(cd, v->p.name, v->a[i].name, model))
			return (int)i;
	}
	return -1;
}

static jv cooldown_json(const struct cooldown *c, double now)
{
	jv o = JV_OBJECT(jv_string("until"), jv_number(c->until), jv_string("in_s"),
			 jv_number((double)(long)(c->until - now + 0.999)), jv_string("reason"), jv_string(c->reason));
	return c->model ? jv_object_set(o, jv_string("model"), jv_string(c->model)) : o;
}

/* One provider: its state, accounts and target cooldowns. */
static jv provider_json(const struct prov *v, const struct cooldowns *cd, double now)
{
	jv vars = jv_array(), accts = jv_array(), targets = jv_array();
	for (size_t i = 0; i < v->p.nkey_vars; i++)
		vars = jv_array_append(vars, jv_string(v->p.key_vars[i]));
	double until = 0;
	int next = next_account(v, cd, NULL);
	for (size_t i = 0; i < v->n; i++) {
		jv list = jv_array();
		for (size_t k = 0; k < cd->n; k++) {
			const struct cooldown *c = &cd->v[k];
			if (c->kind != COOL_TARGET && strcmp(c->provider, v->p.name) == 0 &&
			    strcmp(c->account, v->a[i].name) == 0) {
				list = jv_array_append(list, cooldown_json(c, now));
				until = c->until > until ? c->until : until;
			}
		}
		int cooling = jv_array_length(jv_copy(list)) > 0;
		const struct nr_account *a = &v->a[i];
		jv o = JV_OBJECT(jv_string("name"), jv_string(a->name),
			jv_string("state"), jv_string(a->relogin ? "relogin" : cooling ? "cooling" : "ready"),
			jv_string("next"), jv_bool((int)i == next), jv_string("cooldowns"), list);
		if (a->login != NR_LOGIN_NONE)	/* a login's: when its token ends (nr renews it before) */
			o = jv_object_set(o, jv_string("login"), JV_OBJECT(
				jv_string("expires"), a->expires > 0 ? jv_number(a->expires) : jv_null(),
				jv_string("refreshed"), a->refreshed > 0 ? jv_number(a->refreshed) : jv_null()));
		if (a->relogin)
			o = jv_object_set(o, jv_string("relogin"), jv_string(a->relogin));
		accts = jv_array_append(accts, o);
	}
	for (size_t k = 0; k < cd->n; k++) {
		const struct cooldown *c = &cd->v[k];
		if (c->kind == COOL_TARGET && strcmp(c->provider, v->p.name) == 0) {
			targets = jv_array_append(targets, cooldown_json(c, now));
			until = c->until > until ? c->until : until;
		}
	}
	const char *state = v->p.auth == NR_AUTH_PASSTHROUGH ? "passthrough"	/* each client's own key */
			  : v->n == 0 ? (v->p.login != NR_LOGIN_NONE ? "no_login" : "no_key")
			  : until > 0 ? "cooling" : "ready";
	jv o = JV_OBJECT(jv_string("name"), jv_string(v->p.name), jv_string("format"),
			 jv_string(nr_format_name(v->p.format)), jv_string("state"), jv_string(state),
			 jv_string("key_vars"), vars, jv_string("accounts"), accts, jv_string("targets"), targets);
	if (until > 0)
		o = jv_object_set(o, jv_string("until"), jv_number(until));
	return o;
}

static jv providers_json(sqlite3 *db, const struct cooldowns *cd, double now)
{
	size_t n;
	char **names = nr_dir_names("providers", &n);
	jv out = jv_array();
	static struct prov v;	/* large (the accounts): not on the stack */
	for (size_t i = 0; i < n; i++) {
		struct buf err = BUF_INIT;
		if (prov_load(db, names[i], &v, &err) == 0) {
			out = jv_array_append(out, provider_json(&v, cd, now));
			nr_provider_free(&v.p);
			nr_accounts_free(v.a, v.n);
		} else {
			out = jv_array_append(out, JV_OBJECT(jv_string("name"), jv_string(names[i]),
				jv_string("state"), jv_string("broken"), jv_string("error"),
				jv_string(err.p ? err.p : "unable to read it")));
		}
		buf_free(&err);
		free(names[i]);
	}
	free(names);
	return out;
}

jv status_providers(sqlite3 *db, double now)
{
	struct cooldowns cd;
	if (cooldowns_read(db, now, 1, &cd) < 0)
		return jv_invalid();
	jv out = providers_json(db, &cd, now);
	cooldowns_free(&cd);
	return out;
}

/* The first target of t a request would be sent to now, with its account; null when none. */
static jv next_target(sqlite3 *db, const struct nr_targets *t, const struct cooldowns *cd)
{
	static struct prov v;
	for (size_t i = 0; i < t->n; i++) {
		struct buf err = BUF_INIT;
		int loaded = prov_load(db, t->v[i].provider, &v, &err) == 0;
		buf_free(&err);
		if (!loaded)
			continue;
		int a = next_account(&v, cd, t->v[i].model);	/* a target cooldown rests every account */
		jv o = a >= 0 ? JV_OBJECT(jv_string("target"), jv_string_fmt("%s/%s", t->v[i].provider, t->v[i].model),
					  jv_string("account"), jv_string(v.a[a].name))
			      : jv_invalid();
		nr_provider_free(&v.p);
		nr_accounts_free(v.a, v.n);
		if (jv_is_valid(o))
			return o;
	}
	return jv_null();
}

static jv combos_json(sqlite3 *db, const struct cooldowns *cd)
{
	size_t n;
	char **names = nr_dir_names("combos", &n);
	jv out = jv_array();
	for (size_t i = 0; i < n; i++) {
		struct nr_targets t;
		struct buf err = BUF_INIT;
		jv o = JV_OBJECT(jv_string("name"), jv_string(names[i]));
		if (nr_targets_resolve(names[i], "openai", &t, &err) < 0) {
			o = jv_object_set(o, jv_string("error"), jv_string(err.p ? err.p : "unable to read it"));
		} else {
			jv list = jv_array();
			for (size_t k = 0; k < t.n; k++)
				list = jv_array_append(list, jv_string_fmt("%s/%s", t.v[k].provider, t.v[k].model));
			o = jv_object_set(o, jv_string("targets"), list);
			o = jv_object_set(o, jv_string("next"), next_target(db, &t, cd));
			nr_targets_free(&t);
		}
		out = jv_array_append(out, o);
		buf_free(&err);
		free(names[i]);
	}
	free(names);
	return out;
}

const char *status_failure_class(int status, const char *outcome, const char *reason)
{
	if (strcmp(outcome, "cut") == 0)
		return "cut";
	if (status == 402 || strstr(reason, "quota exhausted"))
		return "quota";
	if (status == 429)
		return "rate_limit";
	if (status == 401 || status == 403)
		return "auth";
	if (status == 408 || status >= 500)
		return "upstream_error";
	if (status == 0)
		return strstr(reason, "no data for") || strstr(reason, "no connection within") ? "timeout"
											 : "unreachable";
	return status >= 400 ? "refused" : "bad_answer";
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* The last `limit` failed attempts, newest first (a client that went away is
 * no failure); invalid with a message in err on a database error. */
static jv failures_json(sqlite3 *db, int limit, struct buf *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT ts, requested, combo, provider, model, account, status, outcome,"
				   " coalesce(reason, '') FROM usage WHERE outcome IN ('fallback', 'error', 'cut')"
				   " ORDER BY ts DESC, id DESC LIMIT ?", -1, &st, NULL) != SQLITE_OK) {
		buf_puts(err, sqlite3_errmsg(db));
		return jv_invalid();
	}
	sqlite3_bind_int(st, 1, limit);
	jv out = jv_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int status = sqlite3_column_int(st, 6);
		jv o = JV_OBJECT(jv_string("ts"), jv_number(sqlite3_column_double(st, 0)),
				 jv_string("requested"), jv_string(col(st, 1)),
				 jv_string("target"), jv_string_fmt("%s/%s", col(st, 3), col(st, 4)),
				 jv_string("account"), jv_string(col(st, 5)), jv_string("status"), jv_number(status),
				 jv_string("class"), jv_string(status_failure_class(status, col(st, 7), col(st, 8))));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			o = jv_object_set(o, jv_string("combo"), jv_string(col(st, 2)));
		out = jv_array_append(out, o);
	}
	if (rc != SQLITE_DONE) {
		buf_puts(err, sqlite3_errmsg(db));
		jv_free(out);
		out = jv_invalid();
	}
	sqlite3_finalize(st);
	return out;
}

static int parse_args(int argc, char **argv, int *json, int *failures)
{
	struct option lopts[NOPTS + 1];
	char sopts[CLI_SHORTOPTS_SIZE(NOPTS)];
	cli_getopt_tables(opts, NOPTS, lopts, sopts);
	int c;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'j': *json = 1; break;
		case 'f':
			*failures = (int)strtol(optarg, &end, 10);
			if (!*optarg || *end || *failures < 0 || *failures > FAILURES_MAX) {
				fprintf(stderr, "nr status: --failures wants a number from 0 to %d, not '%s'\n",
					FAILURES_MAX, optarg);
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
	return -1;
}

int nr_cmd_status(int argc, char **argv)
{
	int json = 0, failures = FAILURES_DEFAULT;
	int rc = parse_args(argc, argv, &json, &failures);
	if (rc >= 0)
		return rc;
	sqlite3 *db = nr_admin_db("nr status");
	if (!db)
		return NR_EXIT_SYS;
	struct buf err = BUF_INIT;
	double now = nr_now();
	struct cooldowns cd;
	if (cooldowns_read(db, now, 1, &cd) < 0) {
		nr_log("nr status: unable to read the cooldowns: %s", sqlite3_errmsg(db));
		nr_db_close(db);
		buf_free(&err);
		return NR_EXIT_SYS;
	}
	jv fails = failures_json(db, failures, &err);
	rc = NR_EXIT_OK;
	if (!jv_is_valid(fails)) {
		nr_log("nr status: unable to read the usage rows: %s", err.p ? err.p : "?");
		jv_free(fails);
		rc = NR_EXIT_SYS;
	} else {
		jv doc = JV_OBJECT(jv_string("now"), jv_number(now), jv_string("providers"),
				   providers_json(db, &cd, now), jv_string("combos"), combos_json(db, &cd),
				   jv_string("failures"), fails);
		if (json) {
			jv_dumpf(doc, stdout, 0);
			putchar('\n');
		} else {
			status_print_text(doc, failures);
		}
		if (fflush(stdout) != 0)
			rc = NR_EXIT_SYS;
	}
	cooldowns_free(&cd);
	buf_free(&err);
	nr_db_close(db);
	return rc;
}
