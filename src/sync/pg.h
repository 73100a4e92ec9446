/* pg: the team's shared PostgreSQL (sync.h says what is kept there and why
 * the request path never waits on it), reached through libpq. Its address is
 * NR_DATABASE_URL, else the first line of $NR_CONFIG_DIR/database_url
 * (default ~/.config/nr/database_url; a file, so that a password need not be
 * in a unit's environment); neither: one user, SQLite only. The address may
 * hold a password: no message here prints it (nr_pg_where names the server
 * by host, port and database only). */
#ifndef NR_SYNC_PG_H
#define NR_SYNC_PG_H

#include <postgresql/libpq-fe.h>

#include "buf.h"

/* The URL into out: 1 found, 0 none set (one user), -1 unreadable file (err says). */
int nr_pg_url(struct buf *out, struct buf *err);

/* Whether a team's PostgreSQL is named, for `nr db CMD`, which cannot go on
 * without one: 1; 0 none (said on stderr: "nr db CMD: NONE: set …"), -1 its
 * file unreadable (said). */
int nr_pg_named(const char *cmd, const char *none);

/* Connects (3 s to connect, 10 s a statement, keepalives on), or NULL with
 * the reason in err. NULL with err empty when no URL is set. */
PGconn *nr_pg_connect(struct buf *err);

/* "host:port/db" of a connection, for messages: never the user or password. */
int nr_pg_where(PGconn *pg, struct buf *out);

/* A statement with text parameters (none: a script of statements); the result when it succeeded (tuples or
 * command), else NULL with the server's message in err. PQclear() it. */
PGresult *nr_pg_run(PGconn *pg, const char *sql, int nparams, const char *const *params, struct buf *err);
/* The same for a statement whose rows do not matter; 0 or -1. */
int nr_pg_do(PGconn *pg, const char *sql, int nparams, const char *const *params, struct buf *err);

/* Applies the schema's migrations (pg_schema.c) in one transaction under an
 * advisory lock, so that instances starting at once apply each once; the
 * version, or -1 (err). */
int nr_pg_migrate(PGconn *pg, struct buf *err);
/* The highest applied version; 0 none, -1 on error. */
int nr_pg_version(PGconn *pg, struct buf *err);
int nr_pg_latest(void);

#endif
