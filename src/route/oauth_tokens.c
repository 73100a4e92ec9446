/* oauth_tokens: the vendors' token endpoints, and a login's row (oauth.h). */
#include "route/oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "http_call.h"
#include "json.h"
#include "jwt.h"
#include "logsafe.h"

static void wipe(struct buf *b)
{
	if (b->p)
		explicit_bzero(b->p, b->cap);
	buf_free(b);
}

void nr_tokens_free(struct nr_tokens *t)
{
	wipe(&t->access);
	wipe(&t->refresh);
	wipe(&t->headers);
	buf_free(&t->base_url);
	buf_free(&t->plan);
	buf_free(&t->email);
}

const char *nr_login_url(const struct nr_provider *p)
{
	if (p->login_url)
		return p->login_url;
	return p->login == NR_LOGIN_COPILOT ? "https://github.com" : "https://auth.openai.com";
}

static int set(struct buf *b, const char *s)
{
	if (b->p)
		explicit_bzero(b->p, b->cap);
	buf_reset(b);
	return buf_puts(b, s);
}

/* The account facts in a Codex id_token (or access token): the ChatGPT
 * account id its requests must name, the plan, the e-mail. */
static int codex_claims(const char *jwt, struct nr_tokens *t)
{
	jv c = nr_jwt_claims(jwt);
	if (!jv_is_valid(c)) {
		jv_free(c);
		return 0;
	}
	int rc = 0;
	jv auth = jv_object_get(jv_copy(c), jv_string("https://api.openai.com/auth"));
	if (jv_get_kind(auth) == JV_KIND_OBJECT) {
		const char *id = json_member_str(auth, "chatgpt_account_id"), *plan = json_member_str(auth, "chatgpt_plan_type");
		if (id && log_printable(id)) {
			buf_reset(&t->headers);
			rc |= buf_printf(&t->headers, "ChatGPT-Account-ID: %s", id);
		}
		if (plan && log_printable(plan))
			rc |= set(&t->plan, plan);
	}
	const char *email = json_member_str(c, "email");
	if (email && log_printable(email))
		rc |= set(&t->email, email);
	jv_free(auth);
	jv_free(c);
	return rc;
}

int nr_codex_tokens(const char *json, struct nr_tokens *t, struct buf *err)
{
	jv v = jv_parse(json ? json : "");
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		buf_puts(err, "the token endpoint's answer is not a JSON object");
		return -1;
	}
	const char *id = json_member_str(v, "id_token"), *access = json_member_str(v, "access_token"), *refresh = json_member_str(v, "refresh_token");
	int rc = 0;
	if (access && (!log_printable(access) || (refresh && !log_printable(refresh)))) {
		buf_puts(err, "the token endpoint's answer holds a token with control characters");
		rc = -1;
	} else if (!access && !t->access.len) {
		buf_puts(err, "the token endpoint's answer has no access_token");
		rc = -1;
	} else {
		if (access) {
			rc |= set(&t->access, access);
			double exp = nr_jwt_exp(access);
			t->expires = exp > 0 ? exp : 0;
			rc |= codex_claims(access, t);
		}
		if (refresh)
			rc |= set(&t->refresh, refresh);
		if (id)
			rc |= codex_claims(id, t);	/* the id_token's facts win */
		if (rc)
			buf_puts(err, "out of memory");
	}
	jv_free(v);
	return rc ? -1 : 0;
}

/* A refusal's error code: error.code, else a string error. */
static void error_code(const char *body, struct buf *code)
{
	jv v = jv_parse(body ? body : "");
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		jv e = jv_object_get(jv_copy(v), jv_string("error"));
		const char *s = jv_get_kind(e) == JV_KIND_STRING ? jv_string_value(e)
				: jv_get_kind(e) == JV_KIND_OBJECT ? json_member_str(e, "code") : NULL;
		if (s && log_printable(s) && strlen(s) < 80)
			buf_puts(code, s);
		jv_free(e);
	}
	jv_free(v);
}

/* A token endpoint's refusal in err; *permanent when a new login is the only
 * way on: 401, or invalid_grant and the refresh_token_* codes. */
static void refused(const char *what, long status, const char *body, struct buf *err, int *permanent)
{
	struct buf code = BUF_INIT;
	error_code(body, &code);
	*permanent = status == 401 || (status == 400 && code.p &&
		     (strcmp(code.p, "invalid_grant") == 0 || strncmp(code.p, "refresh_token_", 14) == 0));
	buf_printf(err, "%s refused: HTTP %ld%s%s", what, status, code.p ? " " : "", code.p ? code.p : "");
	buf_free(&code);
}

int nr_codex_exchange(const char *login_url, const char *code, const char *verifier, const char *redirect_uri,
		      struct nr_tokens *t, struct buf *err)
{
	struct buf url = BUF_INIT, body = BUF_INIT, resp = BUF_INIT;
	static const char *const headers[] = { "Content-Type: application/x-www-form-urlencoded",
					       "Accept: application/json", NULL };
	buf_printf(&url, "%s/oauth/token", login_url);
	buf_puts(&body, "grant_type=authorization_code&code=");
	nr_url_encode(&body, code);
	buf_puts(&body, "&redirect_uri=");
	nr_url_encode(&body, redirect_uri);
	buf_puts(&body, "&client_id=" NR_CODEX_CLIENT_ID "&code_verifier=");
	nr_url_encode(&body, verifier);
	long status;
	int permanent, rc = -1;
	if (!url.p || !body.p)
		buf_puts(err, "out of memory");
	else if (nr_http_call("POST", url.p, headers, body.p, NR_OAUTH_TIMEOUT_MS, &status, &resp, err) == 0) {
		if (status == 200)
			rc = nr_codex_tokens(resp.p, t, err);
		else
			refused("the code exchange", status, resp.p, err, &permanent);
	}
	wipe(&body);
	wipe(&resp);
	buf_free(&url);
	return rc;
}

int nr_codex_refresh(const char *login_url, struct nr_tokens *t, struct buf *err, int *permanent)
{
	struct buf url = BUF_INIT, resp = BUF_INIT;
	static const char *const headers[] = { "Content-Type: application/json", "Accept: application/json", NULL };
	*permanent = 0;
	buf_printf(&url, "%s/oauth/token", login_url);
	jv req = JV_OBJECT(jv_string("client_id"), jv_string(NR_CODEX_CLIENT_ID),
			   jv_string("grant_type"), jv_string("refresh_token"),
			   jv_string("refresh_token"), jv_string(t->refresh.p ? t->refresh.p : ""));
	jv dumped = jv_dump_string(req, 0);
	long status;
	int rc = -1;
	if (!url.p)
		buf_puts(err, "out of memory");
	else if (nr_http_call("POST", url.p, headers, jv_string_value(dumped), NR_OAUTH_TIMEOUT_MS, &status, &resp, err) == 0) {
		if (status == 200)
			rc = nr_codex_tokens(resp.p, t, err);
		else
			refused("the token refresh", status, resp.p, err, permanent);
	}
	explicit_bzero((char *)jv_string_value(dumped), (size_t)jv_string_length_bytes(jv_copy(dumped)));
	jv_free(dumped);
	wipe(&resp);
	buf_free(&url);
	return rc;
}

int nr_copilot_exchange(const struct nr_provider *p, struct nr_tokens *t, struct buf *err, int *permanent)
{
	struct buf url = BUF_INIT, auth = BUF_INIT, resp = BUF_INIT;
	*permanent = 0;
	buf_printf(&url, "%s/copilot_internal/v2/token", p->exchange_url ? p->exchange_url : "https://api.github.com");
	buf_printf(&auth, "Authorization: token %s", t->refresh.p ? t->refresh.p : "");
	const char *headers[] = { auth.p, "Accept: application/json", "editor-version: vscode/1.110.0",
				  "editor-plugin-version: copilot-chat/0.38.0", "x-github-api-version: 2025-04-01", NULL };
	long status;
	int rc = -1;
	if (!url.p || !auth.p) {
		buf_puts(err, "out of memory");
	} else if (nr_http_call("GET", url.p, headers, NULL, NR_OAUTH_TIMEOUT_MS, &status, &resp, err) == 0) {
		jv v = status == 200 ? jv_parse(resp.p ? resp.p : "") : jv_invalid();
		if (status != 200) {
			refused("the Copilot token exchange", status, resp.p, err, permanent);
		} else if (jv_get_kind(v) != JV_KIND_OBJECT || !json_member_str(v, "token") || !log_printable(json_member_str(v, "token"))) {
			buf_puts(err, "the Copilot token exchange's answer has no token");
		} else {
			jv exp = jv_object_get(jv_copy(v), jv_string("expires_at"));
			jv in = jv_object_get(jv_copy(v), jv_string("refresh_in"));
			jv ep = jv_object_get(jv_copy(v), jv_string("endpoints"));
			const char *api = jv_get_kind(ep) == JV_KIND_OBJECT ? json_member_str(ep, "api") : NULL;
			double now = (double)time(NULL);
			t->expires = jv_get_kind(exp) == JV_KIND_NUMBER ? jv_number_value(exp) : now + 1500;
			/* renewed refresh_in - 60 s on, as the Copilot clients do */
			if (jv_get_kind(in) == JV_KIND_NUMBER && now + jv_number_value(in) - 60 + NR_OAUTH_MARGIN_S < t->expires)
				t->expires = now + jv_number_value(in) - 60 + NR_OAUTH_MARGIN_S;
			rc = set(&t->access, json_member_str(v, "token"));
			if (api && log_printable(api) && (strncmp(api, "https://", 8) == 0 || strncmp(api, "http://", 7) == 0))
				rc |= set(&t->base_url, api);
			if (rc)
				buf_puts(err, "out of memory");
			jv_free(exp);
			jv_free(in);
			jv_free(ep);
		}
		jv_free(v);
	}
	wipe(&auth);
	wipe(&resp);
	buf_free(&url);
	return rc;
}

/* "2026-04-01" → its midnight UTC in unix seconds, or -1. */
static double reset_date(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%d", &tm) : NULL;
	if (!end || *end)
		return -1;
	time_t t = timegm(&tm);
	return t == (time_t)-1 ? -1 : (double)t;
}

size_t nr_copilot_windows(const struct nr_provider *p, const struct nr_tokens *t, double now, struct nr_window *w,
			  struct buf *err)
{
	static const struct { const char *key, *name; } quotas[] = {
		{ "premium_interactions", "premium" }, { "chat", "chat" }, { "completions", "completions" },
	};
	struct buf url = BUF_INIT, auth = BUF_INIT, resp = BUF_INIT;
	buf_printf(&url, "%s/copilot_internal/user", p->exchange_url ? p->exchange_url : "https://api.github.com");
	buf_printf(&auth, "Authorization: token %s", t->refresh.p ? t->refresh.p : "");
	const char *headers[] = { auth.p, "Accept: application/json", "x-github-api-version: 2025-04-01", NULL };
	long status;
	size_t n = 0;
	if (!url.p || !auth.p) {
		buf_puts(err, "out of memory");
	} else if (nr_http_call("GET", url.p, headers, NULL, NR_OAUTH_TIMEOUT_MS, &status, &resp, err) == 0) {
		jv v = jv_parse(resp.p ? resp.p : "");
		jv snaps = jv_get_kind(v) == JV_KIND_OBJECT ? jv_object_get(jv_copy(v), jv_string("quota_snapshots")) : jv_null();
		double resets = reset_date(json_member_str(v, "quota_reset_date"));
		if (status != 200 || jv_get_kind(snaps) != JV_KIND_OBJECT)
			buf_printf(err, "the Copilot quota could not be read (HTTP %ld)", status);
		for (size_t i = 0; jv_get_kind(snaps) == JV_KIND_OBJECT && i < sizeof quotas / sizeof quotas[0] && n < NR_WINDOWS_MAX; i++) {
			jv q = jv_object_get(jv_copy(snaps), jv_string(quotas[i].key));
			jv left = jv_get_kind(q) == JV_KIND_OBJECT ? jv_object_get(jv_copy(q), jv_string("percent_remaining")) : jv_null();
			jv unlimited = jv_get_kind(q) == JV_KIND_OBJECT ? jv_object_get(jv_copy(q), jv_string("unlimited")) : jv_null();
			if (jv_get_kind(left) == JV_KIND_NUMBER && jv_get_kind(unlimited) != JV_KIND_TRUE) {
				double used = 100 - jv_number_value(left);
				/* shown, never resting the account: with premium requests used
				 * up, the plan's included models still answer (a 402 says when not) */
				w[n] = (struct nr_window){ .used = used < 0 ? 0 : used > 100 ? 100 : used, .minutes = -1,
							   .resets_at = resets > now ? resets : -1, .exhausted = 0 };
				snprintf(w[n].name, sizeof w[n].name, "%s", quotas[i].name);
				n++;
			}
			jv_free(q);
			jv_free(left);
			jv_free(unlimited);
		}
		jv_free(snaps);
		jv_free(v);
	}
	wipe(&auth);
	buf_free(&resp);
	buf_free(&url);
	return n;
}

void nr_oauth_copilot_quota(sqlite3 *db, const struct nr_provider *p, const char *account, const struct nr_tokens *t)
{
	struct nr_window w[NR_WINDOWS_MAX];
	struct buf err = BUF_INIT, why = BUF_INIT;
	double now = (double)time(NULL);
	size_t n = nr_copilot_windows(p, t, now, w, &err);
	if (n)
		nr_quota_record(db, p->name, account, w, n, &why);
	else
		nr_log("nr: %s account '%s': %s", p->name, account, err.p ? err.p : "no quota reported");
	buf_free(&err);
	buf_free(&why);
}

int nr_tokens_store(sqlite3 *db, const char *provider, const char *name, enum nr_login login,
		    const struct nr_tokens *t, struct buf *err)
{
	sqlite3_stmt *st = nr_db_prepare(db, "INSERT OR REPLACE INTO accounts (provider, name, secret, added, login,"
					     " refresh, expires, refreshed, headers, base_url, plan, relogin)"
					     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)");
	if (!st) {
		buf_printf(err, "unable to store the login: %s", sqlite3_errmsg(db));
		return -1;
	}
	double now = (double)time(NULL);
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->access.p ? t->access.p : "", -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, now);
	sqlite3_bind_text(st, 5, login == NR_LOGIN_COPILOT ? "copilot" : "codex", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, t->refresh.p ? t->refresh.p : "", -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 7, t->expires);
	sqlite3_bind_double(st, 8, now);
	for (int i = 0; i < 3; i++) {
		const struct buf *b = i == 0 ? &t->headers : i == 1 ? &t->base_url : &t->plan;
		if (b->len)
			sqlite3_bind_text(st, 9 + i, b->p, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 9 + i);
	}
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc < 0)
		buf_printf(err, "unable to store the login: %s", sqlite3_errmsg(db));
	nr_db_done(st);
	return rc;
}
