/* oauth: one renewal at a time per account, across processes (oauth.h). */
#include "route/oauth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "keys.h"
#include "logsafe.h"
#include "route/upstream.h"

#define LOCK_WAIT_MS (NR_OAUTH_TIMEOUT_MS + 5000)	/* another process's renewal, and then some */

static int renewer;	/* nr_oauth_renewer(): never leaves a renewal to the sync */

void nr_oauth_renewer(void)
{
	renewer = 1;
}

/* Whether db is a team instance's file: sync's origin is set. */
static int in_team(sqlite3 *db)
{
	sqlite3_stmt *st = nr_db_prepare(db, "SELECT 1 FROM settings WHERE name = 'sync_origin'");
	int team = st && sqlite3_step(st) == SQLITE_ROW;
	nr_db_done(st);
	return team;
}

int nr_oauth_due(const struct nr_account *a, double now)
{
	if (a->expires > 0 && a->expires - now < NR_OAUTH_MARGIN_S)
		return 1;
	return a->login == NR_LOGIN_CODEX && a->refreshed > 0 &&
	       now - a->refreshed > NR_CODEX_REFRESH_DAYS * 86400.0;
}

/* The account's lock file, held (flock) until closed: its fd, or -1 (why). */
static int lock_account(const char *provider, const char *name, struct buf *why)
{
	struct buf path = BUF_INIT, id = BUF_INIT;
	char hash[65];
	int fd = -1;
	if (nr_data_dir(&path) < 0 || buf_printf(&id, "%s\n%s", provider, name) < 0 || keys_hash(id.p, hash) < 0 ||
	    buf_printf(&path, "/oauth-%.16s.lock", hash) < 0) {
		buf_puts(why, "unable to name the login's lock file");
		goto out;
	}
	if ((fd = open(path.p, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		buf_printf(why, "unable to open %s: %s", path.p, strerror(errno));
		goto out;
	}
	for (long waited = 0;; waited += 20) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= LOCK_WAIT_MS || nr_upstream_stop) {
			buf_printf(why, "the login is being renewed by another process for more than %d s", LOCK_WAIT_MS / 1000);
			close(fd);
			fd = -1;
			break;
		}
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
out:
	buf_free(&path);
	buf_free(&id);
	return fd;
}

/* The account's row as it is now, into *row and t->refresh; 1 found, 0 gone, -1 error. */
static int read_row(sqlite3 *db, const char *provider, const char *name, struct nr_account *row, struct nr_tokens *t)
{
	sqlite3_stmt *st = nr_db_prepare(db, "SELECT name, secret, login, expires, refreshed, headers, base_url, relogin,"
					     " refresh FROM accounts WHERE provider = ? AND name = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 8);
		rc = nr_account_from_row(st, 0, row) < 0 || buf_puts(&t->refresh, r ? r : "") < 0 ? -1 : 1;
	} else {
		rc = rc == SQLITE_DONE ? 0 : -1;
	}
	nr_db_done(st);
	return rc;
}

/* acct takes row's token, headers, expiry and mark (row is left empty). */
static void adopt(struct nr_account *acct, struct nr_account *row)
{
	char name[sizeof acct->name];
	memcpy(name, acct->name, sizeof name);
	nr_accounts_free(acct, 1);
	*acct = *row;
	memcpy(acct->name, name, sizeof name);
	*row = (struct nr_account){ 0 };
}

/* Writes the renewed tokens (the old refresh token is spent: this write must
 * not be lost to a busy database, so it waits as an admin writer would). */
static int save(sqlite3 *db, const char *provider, const char *name, const struct nr_tokens *t, struct buf *why)
{
	sqlite3_busy_timeout(db, NR_DB_BUSY_MS);
	sqlite3_stmt *st = nr_db_prepare(db, "UPDATE accounts SET secret = ?, refresh = ?, expires = ?, refreshed = ?,"
					     " headers = coalesce(?, headers), base_url = coalesce(?, base_url),"
					     " plan = coalesce(?, plan), relogin = NULL WHERE provider = ? AND name = ?");
	int rc = -1;
	if (st) {
		sqlite3_bind_text(st, 1, t->access.p, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, t->refresh.p ? t->refresh.p : "", -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 3, t->expires);
		sqlite3_bind_double(st, 4, (double)time(NULL));
		const struct buf *opt[] = { &t->headers, &t->base_url, &t->plan };
		for (int i = 0; i < 3; i++)
			if (opt[i]->len)
				sqlite3_bind_text(st, 5 + i, opt[i]->p, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, provider, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		nr_db_done(st);
	}
	if (rc < 0)
		buf_printf(why, "unable to store the renewed login: %s", sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, NR_DB_QUICK_MS);
	return rc;
}

static void mark_relogin(sqlite3 *db, const char *provider, const char *name, const char *reason)
{
	sqlite3_busy_timeout(db, NR_DB_BUSY_MS);
	sqlite3_stmt *st = nr_db_prepare(db, "UPDATE accounts SET relogin = ? WHERE provider = ? AND name = ?");
	if (st) {
		sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, provider, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			nr_log("nr-route: unable to mark %s account '%s' for a new login: %s", provider, name, sqlite3_errmsg(db));
		nr_db_done(st);
	}
	sqlite3_busy_timeout(db, NR_DB_QUICK_MS);
}

/* The renewal itself, the lock held and the row read: 0 or -1 (why). */
static int renew(sqlite3 *db, const struct nr_provider *p, struct nr_account *acct, struct nr_tokens *t, struct buf *why)
{
	int permanent = 0;
	struct buf err = BUF_INIT;
	int rc = acct->login == NR_LOGIN_COPILOT ? nr_copilot_exchange(p, t, &err, &permanent)
						: nr_codex_refresh(nr_login_url(p), t, &err, &permanent);
	if (rc == 0 && (rc = save(db, p->name, acct->name, t, why)) == 0) {
		nr_log("nr-route: %s account '%s': login renewed", p->name, acct->name);
		if (acct->login == NR_LOGIN_COPILOT)
			nr_oauth_copilot_quota(db, p, acct->name, t);
		struct nr_account row;
		struct nr_tokens again = { 0 };
		if (read_row(db, p->name, acct->name, &row, &again) == 1)
			adopt(acct, &row);
		nr_tokens_free(&again);
	} else if (rc < 0 && err.len) {
		buf_printf(why, "%s", err.p);
		if (permanent) {
			buf_printf(why, "; run: nr login %s --name %s", p->name, acct->name);
			mark_relogin(db, p->name, acct->name, why->p);
			free(acct->relogin);
			acct->relogin = strdup(why->p);
		}
		/* said whether or not another target answers: the operator must act */
		nr_log("nr-route: %s account '%s': %s", p->name, acct->name, why->p);
	}
	buf_free(&err);
	return rc;
}

int nr_oauth_fresh(sqlite3 *db, const struct nr_provider *p, struct nr_account *acct, int force, struct buf *why)
{
	if (acct->login == NR_LOGIN_NONE)
		return 0;
	if (acct->relogin) {
		buf_printf(why, "login expired (%s)", acct->relogin);
		return -1;
	}
	double now = (double)time(NULL);
	if (!force && !nr_oauth_due(acct, now))
		return 0;
	if (!force && !renewer && db && (acct->expires <= 0 || acct->expires - now > NR_OAUTH_TEAM_MARGIN_S) &&
	    in_team(db))
		return 0;	/* the team's sync renews it (oauth.h) */
	if (!db) {
		buf_puts(why, "the login needs renewing and the database is not open");
		return -1;
	}
	int fd = lock_account(p->name, acct->name, why);
	if (fd < 0)
		return -1;
	struct nr_account row;
	struct nr_tokens t = { 0 };
	int rc = -1, found = read_row(db, p->name, acct->name, &row, &t);
	if (found <= 0) {
		buf_puts(why, found == 0 ? "the login was removed" : "unable to read the login");
	} else if (row.relogin) {
		adopt(acct, &row);
		buf_printf(why, "login expired (%s)", acct->relogin);
	} else if (strcmp(row.key, acct->key) != 0) {
		adopt(acct, &row);	/* renewed by another process while this one waited */
		rc = 0;
	} else if (!force && !nr_oauth_due(&row, (double)time(NULL))) {
		adopt(acct, &row);
		rc = 0;
	} else {
		nr_accounts_free(&row, 1);
		rc = renew(db, p, acct, &t, why);
	}
	nr_tokens_free(&t);
	close(fd);	/* and with it the lock */
	return rc;
}
