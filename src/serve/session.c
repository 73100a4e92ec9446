/* session: the dashboard's login sessions in SQLite (session.h). */
#include "serve/session.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "keys.h"

#define CSRF_BYTES 16

/* n random bytes as 2n hex digits, appended to out; 0 or -1. */
static int random_hex(struct buf *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[SESSION_ID_BYTES];
	if (n > sizeof r || buf_reserve(out, 2 * n + 1) < 0)
		return -1;
	arc4random_buf(r, n);
	for (size_t i = 0; i < n; i++) {
		out->p[out->len++] = hex[r[i] >> 4];
		out->p[out->len++] = hex[r[i] & 15];
	}
	out->p[out->len] = '\0';
	explicit_bzero(r, sizeof r);
	return 0;
}

/* The row id of the live key named name: > 0, 0 none, -1 error. */
static long long key_row(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = nr_db_prepare(db, "SELECT id FROM keys WHERE name = ?1 AND revoked IS NULL");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	long long id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
	nr_db_done(st);
	return id;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	nr_db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int session_open(sqlite3 *db, const char *key, double now, struct buf *id)
{
	struct buf name = BUF_INIT, csrf = BUF_INIT;
	struct key_settings s;
	char hash[65];
	int ok = keys_check(db, key, &name, &s);
	long long row = ok == 1 ? key_row(db, name.p) : ok;
	buf_free(&name);
	if (row <= 0)
		return row < 0 ? -1 : 0;
	buf_reset(id);
	if (random_hex(id, SESSION_ID_BYTES) < 0 || random_hex(&csrf, CSRF_BYTES) < 0 ||
	    keys_hash(id->p, hash) < 0 || nr_db_begin(db) < 0) {
		buf_free(&csrf);
		return -1;
	}
	sqlite3_stmt *gone = nr_db_prepare(db, "DELETE FROM sessions WHERE expires <= ?1");
	if (gone)
		sqlite3_bind_double(gone, 1, now);
	sqlite3_stmt *st = step_done(gone) == 0 ? nr_db_prepare(db, "INSERT INTO sessions VALUES (?1, ?2, ?3, ?4, ?5)")
						: NULL;
	if (st) {
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, row);
		sqlite3_bind_text(st, 3, csrf.p, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 4, now);
		sqlite3_bind_double(st, 5, now + SESSION_TTL_S);
	}
	int rc = st && step_done(st) == 0 && nr_db_commit(db) == 0 ? 1 : -1;
	if (rc < 0)
		nr_db_rollback(db);
	buf_free(&csrf);
	return rc;
}

int session_check(sqlite3 *db, const char *id, double now, struct buf *csrf, struct buf *name)
{
	char hash[65];
	if (keys_hash(id, hash) < 0)
		return -1;
	/* the id's hash is the key of the lookup: an id is 256 random bits, so
	 * timing the index tells nothing worth having */
	sqlite3_stmt *st = nr_db_prepare(db, "SELECT s.csrf, k.name FROM sessions s JOIN keys k ON k.id = s.key_id"
					 " WHERE s.id = ?1 AND s.expires > ?2 AND k.revoked IS NULL");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, now);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		buf_reset(csrf);
		buf_reset(name);
		found = buf_puts(csrf, (const char *)sqlite3_column_text(st, 0)) == 0 &&
				buf_puts(name, (const char *)sqlite3_column_text(st, 1)) == 0
			? 1 : -1;
	} else if (rc != SQLITE_DONE) {
		found = -1;
	}
	nr_db_done(st);
	return found;
}

int session_close(sqlite3 *db, const char *id)
{
	char hash[65];
	if (keys_hash(id, hash) < 0)
		return -1;
	sqlite3_stmt *st = nr_db_prepare(db, "DELETE FROM sessions WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	return step_done(st);
}

char *session_cookie(const struct http_request *req)
{
	static const char name[] = SESSION_COOKIE "=";
	/* one Cookie line, or several (HTTP/2 proxies split them): each looked at */
	for (size_t i = 0; i < req->nheaders; i++) {
		if (strcmp(req->headers[i].name, "cookie") != 0)
			continue;
		for (const char *p = req->headers[i].value; p && *p;) {
			p += strspn(p, " \t");
			size_t len = strcspn(p, ";");
			if (len == 2 * SESSION_ID_BYTES + sizeof name - 1 && strncmp(p, name, sizeof name - 1) == 0 &&
			    strspn(p + sizeof name - 1, "0123456789abcdef") == 2 * SESSION_ID_BYTES)
				return strndup(p + sizeof name - 1, 2 * SESSION_ID_BYTES);
			p = p[len] ? p + len + 1 : NULL;
		}
	}
	return NULL;
}
