/* session: the dashboard's logins. An nr key, posted once in the login form,
 * opens a session: a random id (256 bits, arc4random) that the browser keeps
 * in an HttpOnly, SameSite=Strict cookie, so that the key itself is never
 * kept by the page, never in a URL. The server keeps the sessions in SQLite
 * (the workers are processes): only the SHA-256 of the id, the key's row
 * (revoking the key ends its sessions), a CSRF token for the page's forms,
 * and an expiry SESSION_TTL_S after the login. */
#ifndef NR_SERVE_SESSION_H
#define NR_SERVE_SESSION_H

#include <sqlite3.h>

#include "buf.h"
#include "serve/http.h"

#define SESSION_TTL_S (12 * 3600)
#define SESSION_COOKIE "nr_session"
#define SESSION_ID_BYTES 32

/* Opens a session for key: 1 with its id (hex) in *id, 0 when the key is no
 * live nr key, -1 on a database error. Sessions past their expiry go. */
int session_open(sqlite3 *db, const char *key, double now, struct buf *id);

/* 1 when id names a live session (its CSRF token into *csrf, its key's name
 * into *name), 0 when not, -1 on a database error. */
int session_check(sqlite3 *db, const char *id, double now, struct buf *csrf, struct buf *name);

/* Ends the session (none is no error); 0 or -1. */
int session_close(sqlite3 *db, const char *id);

/* The session id the request's Cookie header carries, in a new string, or
 * NULL (none, or not of the shape session_open makes). */
char *session_cookie(const struct http_request *req);

#endif
