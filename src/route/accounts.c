/* accounts: key env vars and stored accounts → accounts (see accounts.h). */
#include "route/accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "keys.h"
#include "logsafe.h"

/* A control character would end the Authorization header early and start
 * another (CR LF), or be refused upstream in a way that hides the cause: a key
 * copied from a file with CRLF line ends is the usual way one gets there. */
static int key_ok(const char *name, const char *key)
{
	for (const unsigned char *k = (const unsigned char *)key; *k; k++)
		if (*k < 0x20 || *k == 0x7f) {
			nr_log("nr-route: %s holds a control character (a CR from a file with CRLF line ends?): "
			       "that account is not used", name);
			return 0;
		}
	return 1;
}

static size_t add(struct nr_account *v, size_t n, const char *name, const char *key)
{
	if (!key || !*key || n >= NR_ACCOUNTS_MAX || strlen(name) >= sizeof v[n].name ||
	    !key_ok(name, key))
		return n;
	for (size_t i = 0; i < n; i++)	/* listed twice: one account */
		if (strcmp(v[i].name, name) == 0)
			return n;
	v[n] = (struct nr_account){ .key = key };
	strcpy(v[n].name, name);
	return n + 1;
}

static char *dup_column(sqlite3_stmt *st, int col, int *bad)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	char *c = s ? strdup(s) : NULL;
	*bad |= s && !c;
	return c;
}

int nr_account_from_row(sqlite3_stmt *st, int col, struct nr_account *a)
{
	const char *name = (const char *)sqlite3_column_text(st, col);
	int bad = 0;
	*a = (struct nr_account){ 0 };
	if (!name || strlen(name) >= sizeof a->name)
		return -1;
	strcpy(a->name, name);
	a->stored = dup_column(st, col + 1, &bad);
	a->key = a->stored;
	const char *login = (const char *)sqlite3_column_text(st, col + 2);
	a->login = !login ? NR_LOGIN_NONE : strcmp(login, "copilot") == 0 ? NR_LOGIN_COPILOT : NR_LOGIN_CODEX;
	a->expires = sqlite3_column_double(st, col + 3);
	a->refreshed = sqlite3_column_double(st, col + 4);
	a->headers = dup_column(st, col + 5, &bad);
	a->base_url = dup_column(st, col + 6, &bad);
	a->relogin = dup_column(st, col + 7, &bad);
	if (bad || !a->stored) {
		nr_accounts_free(a, 1);
		return -1;
	}
	return 0;
}

/* The accounts stored for provider p, after those of the environment. */
static size_t add_stored(struct nr_account *v, size_t n, const char *provider, sqlite3 *db)
{
	static int said;
	sqlite3_stmt *st = nr_db_prepare(db, "SELECT name, secret, login, expires, refreshed, headers, base_url, relogin"
					     " FROM accounts WHERE provider = ? ORDER BY added, name");
	if (!st) {
		if (!said++)
			nr_log("nr-route: the stored accounts cannot be read: %s", sqlite3_errmsg(db));
		return n;
	}
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	while (n < NR_ACCOUNTS_MAX && sqlite3_step(st) == SQLITE_ROW) {
		struct nr_account a;
		if (nr_account_from_row(st, 0, &a) < 0)
			continue;
		size_t was = n;
		if ((n = add(v, n, a.name, a.key)) > was) {
			v[was] = a;	/* the owned strings go with it */
		} else {
			nr_accounts_free(&a, 1);
		}
	}
	nr_db_done(st);
	return n;
}

size_t nr_accounts_client(const char *credential, struct nr_account *v)
{
	char hash[65];
	if (!credential || !*credential || !key_ok("the client's credential", credential) || keys_hash(credential, hash) < 0)
		return 0;
	v[0] = (struct nr_account){ .key = credential };
	snprintf(v[0].name, sizeof v[0].name, "client-%.8s", hash);
	return 1;
}

static void wipe(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void nr_accounts_free(struct nr_account *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].stored)
			v[i].key = NULL;
		wipe(&v[i].stored);
		wipe(&v[i].headers);	/* may name an account id */
		free(v[i].base_url);
		free(v[i].relogin);
		v[i].base_url = v[i].relogin = NULL;
	}
}

size_t nr_accounts_list(const struct nr_provider *p, sqlite3 *db, struct nr_account *v)
{
	if (p->auth == NR_AUTH_PASSTHROUGH)
		return 0;	/* the client's own: nr_accounts_client */
	if (p->auth == NR_AUTH_NONE) {
		v[0] = (struct nr_account){ .key = "" };
		strcpy(v[0].name, "-");
		return 1;
	}
	size_t n = 0;
	for (size_t i = 0; i < p->nkey_vars; i++) {
		n = add(v, n, p->key_vars[i], getenv(p->key_vars[i]));
		for (int k = 2; k <= NR_ACCOUNTS_MAX; k++) {
			char name[160];
			snprintf(name, sizeof name, "%s_%d", p->key_vars[i], k);
			if (!getenv(name))
				break;
			n = add(v, n, name, getenv(name));
		}
	}
	return db ? add_stored(v, n, p->name, db) : n;
}
