/* oauth: the accounts of `nr login` (login=codex or copilot in a provider
 * file). Such an account's `secret` is a short-lived access token that nr
 * renews itself: Codex's with its refresh token (which rotates: a refresh
 * token used twice logs the user out), Copilot's by exchanging the GitHub
 * token again. One renewal at a time per account across every process: a
 * lock file per account, and under it the row is read again, so a worker
 * that waited finds the token the first one got (SUBSCRIPTIONS.md 1).
 * A renewal refused for good (the refresh token expired, reused or revoked)
 * marks the account "re-login required" and it is skipped until `nr login`. */
#ifndef NR_ROUTE_OAUTH_H
#define NR_ROUTE_OAUTH_H

#include <sqlite3.h>

#include "buf.h"
#include "route/accounts.h"
#include "route/provider.h"
#include "route/quota.h"

#define NR_OAUTH_MARGIN_S 300		/* renewed this long before it expires */
#define NR_CODEX_REFRESH_DAYS 8		/* Codex renews after 8 days whatever the expiry */
#define NR_OAUTH_TIMEOUT_MS 20000	/* one call to a token endpoint */
#define NR_CODEX_CLIENT_ID "app_EMoamEEZ73f0CkXaXp7hrann"
#define NR_COPILOT_CLIENT_ID "Iv1.b507a08c87ecfe98"

/* A login's tokens, as an accounts row keeps them. */
struct nr_tokens {
	struct buf access, refresh;	/* refresh: Codex's refresh token, Copilot's GitHub token */
	struct buf headers, base_url;	/* "ChatGPT-Account-ID: …"; Copilot's endpoints.api */
	struct buf plan, email;		/* shown by nr status; may be empty */
	double expires;			/* unix s of the access token's end, 0 unknown */
};
void nr_tokens_free(struct nr_tokens *t);

/* The issuer of p's logins: its login_url=, else the vendor's. */
const char *nr_login_url(const struct nr_provider *p);

/* Codex: reads a token endpoint's answer ({id_token, access_token,
 * refresh_token}; each one present replaces t's); 0, or -1 (err). */
int nr_codex_tokens(const char *json, struct nr_tokens *t, struct buf *err);
/* Codex: the authorization-code exchange (login) and the refresh. On a
 * refusal *permanent says whether it is for good. 0, or -1 (err). */
int nr_codex_exchange(const char *login_url, const char *code, const char *verifier, const char *redirect_uri,
		      struct nr_tokens *t, struct buf *err);
int nr_codex_refresh(const char *login_url, struct nr_tokens *t, struct buf *err, int *permanent);
/* Copilot: a Copilot token for the GitHub token in t->refresh, from p's
 * exchange_url; 0, or -1 (err, *permanent when the GitHub token is refused). */
int nr_copilot_exchange(const struct nr_provider *p, struct nr_tokens *t, struct buf *err, int *permanent);

/* Copilot: the plan's monthly quotas (GET copilot_internal/user with the
 * GitHub token in t->refresh), as windows "premium", "chat", "completions"
 * (the unlimited ones left out) into w[0..NR_WINDOWS_MAX); their count, 0
 * when none could be read (said in err). SUBSCRIPTIONS.md 4.5. */
size_t nr_copilot_windows(const struct nr_provider *p, const struct nr_tokens *t, double now, struct nr_window *w,
			  struct buf *err);

/* The same, recorded as the account's quota windows (best-effort: said on
 * stderr when they cannot be read). */
void nr_oauth_copilot_quota(sqlite3 *db, const struct nr_provider *p, const char *account, const struct nr_tokens *t);

/* Stores t as account `name` of provider (a new login replaces an old one
 * of that name, re-login marks included); 0, or -1 (err). */
int nr_tokens_store(sqlite3 *db, const char *provider, const char *name, enum nr_login login,
		    const struct nr_tokens *t, struct buf *err);

/* Makes acct's access token good for NR_OAUTH_MARGIN_S more, renewing it
 * when it is not (force: a 401 said it is not, whatever its expiry). acct's
 * key, headers and expiry are updated. 0, or -1 with why (acct->relogin set
 * when the login must be redone). An account without a login: 0 at once. */
int nr_oauth_fresh(sqlite3 *db, const struct nr_provider *p, struct nr_account *acct, int force, struct buf *why);

/* Whether a's token is due for renewal at now (within the margin, or a Codex
 * login older than its refresh days). */
int nr_oauth_due(const struct nr_account *a, double now);

/* In a team (the file is synced with PostgreSQL, sync/sync.h) renewals are
 * `nr db sync`'s, one instance at a time under PostgreSQL's lock: a request
 * renews a due token itself only when it has less than this left (the sync
 * is down, or slow). nr_oauth_renewer() marks the process that renews. */
#define NR_OAUTH_TEAM_MARGIN_S 60
void nr_oauth_renewer(void);

#endif
