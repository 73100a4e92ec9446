/* accounts: a provider's keys. Each env var named in `keys=` is an account,
 * and so are NAME_2, NAME_3 … up to the first one unset; empty values are
 * skipped. Then the accounts stored in the database by `nr account add`
 * (read on every call: a running server sees an account added or removed at
 * its next request). An account is known by its name (the env var's, or the
 * one it was stored under; an env account wins a name both have): that name,
 * never the key, is what logs, errors and usage rows show. */
#ifndef NR_ROUTE_ACCOUNTS_H
#define NR_ROUTE_ACCOUNTS_H

#include <sqlite3.h>
#include <stddef.h>

#include "route/provider.h"

#define NR_ACCOUNTS_MAX 64

struct nr_account {
	char name[128];		/* env var name, or the stored account's */
	const char *key;	/* points into the environment, or is `stored` */
	char *stored;		/* a stored account's key, owned (nr_accounts_free) */
	/* an account of `nr login` (route/oauth.h); zero and NULL for a key */
	enum nr_login login;
	double expires, refreshed;	/* unix s; 0 unknown */
	char *headers;		/* "Name: value" lines its requests carry, owned */
	char *base_url;		/* replaces the provider's, owned */
	char *relogin;		/* why its login must be redone (it is skipped), owned */
};

/* Fills v (capacity NR_ACCOUNTS_MAX) and returns the count; db may be NULL
 * (the environment's accounts only). auth=none gives one account named "-"
 * with an empty key. Free with nr_accounts_free. */
size_t nr_accounts_list(const struct nr_provider *p, sqlite3 *db, struct nr_account *v);

/* auth=passthrough: the one account of a client that sent its own
 * credential (a subscription's OAuth token, when nr's key came in X-NR-Key),
 * named "client-" and 8 hex digits of the credential's SHA-256 (so that its
 * cooldowns and usage rows are its own, and the credential is shown
 * nowhere); 0 accounts without a usable one. */
size_t nr_accounts_client(const char *credential, struct nr_account *v);

/* Fills *a from a row of SELECT name, secret, login, expires, refreshed,
 * headers, base_url, relogin (columns from `col` on); 0, or -1 out of memory
 * or a row without a name or secret. Free with nr_accounts_free(a, 1). */
int nr_account_from_row(sqlite3_stmt *st, int col, struct nr_account *a);

/* Wipes and frees the stored keys (and what else is owned) among v[0..n). */
void nr_accounts_free(struct nr_account *v, size_t n);


#endif
