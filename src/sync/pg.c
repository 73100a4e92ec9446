/* pg: connect to the team's PostgreSQL and run statements (see pg.h). */
#include "sync/pg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route/dirs.h"

/* The first line of the config dir's database_url, without its newline. */
static int url_from_file(struct buf *out, struct buf *err)
{
	struct buf path = BUF_INIT;
	if (nr_config_dir(&path) < 0 || buf_puts(&path, "/database_url") < 0) {
		buf_free(&path);
		return 0;
	}
	FILE *f = fopen(path.p, "r");
	if (!f) {
		int found = errno == ENOENT ? 0 : -1;
		if (found < 0)
			buf_printf(err, "%s: %s", path.p, strerror(errno));
		buf_free(&path);
		return found;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	int rc = 0;
	if (n < 0 && ferror(f)) {
		buf_printf(err, "%s: %s", path.p, strerror(errno));
		rc = -1;
	} else if (n > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		rc = *line ? (buf_puts(out, line) < 0 ? -1 : 1) : 0;
	}
	free(line);
	fclose(f);
	buf_free(&path);
	return rc;
}

int nr_pg_url(struct buf *out, struct buf *err)
{
	const char *u = getenv("NR_DATABASE_URL");
	if (u && *u)
		return buf_puts(out, u) < 0 ? -1 : 1;
	return url_from_file(out, err);
}

int nr_pg_named(const char *cmd, const char *none)
{
	struct buf url = BUF_INIT, err = BUF_INIT;
	int found = nr_pg_url(&url, &err);
	if (found < 0)
		fprintf(stderr, "nr db %s: %s\n", cmd, err.p ? err.p : "out of memory");
	else if (found == 0)
		fprintf(stderr, "nr db %s: %s: set NR_DATABASE_URL or write its URL in ~/.config/nr/database_url\n",
			cmd, none);
	buf_free(&url);
	buf_free(&err);
	return found;
}

/* The server's notices ("already exists, skipping") are not for the user. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *nr_pg_connect(struct buf *err)
{
	struct buf url = BUF_INIT;
	int found = nr_pg_url(&url, err);
	if (found <= 0) {
		buf_free(&url);
		return NULL;
	}
	/* the URL's own settings first; these where it says nothing */
	const char *const keys[] = { "dbname", "connect_timeout", "application_name", "keepalives_idle",
				     "keepalives_interval", "keepalives_count", "tcp_user_timeout", NULL };
	const char *const vals[] = { url.p, "3", "nr", "5", "2", "3", "10000", NULL };
	PGconn *pg = PQconnectdbParams(keys, vals, 1);
	buf_free(&url);
	if (!pg) {
		buf_puts(err, "postgresql: out of memory");
		return NULL;
	}
	PQsetNoticeProcessor(pg, quiet, NULL);
	if (PQstatus(pg) != CONNECTION_OK) {
		/* libpq's message names host and port, never the password */
		const char *m = PQerrorMessage(pg);
		buf_printf(err, "postgresql: %.*s", (int)strcspn(m, "\n"), m);
		PQfinish(pg);
		return NULL;
	}
	/* set here, not as the options keyword: that would replace the URL's own */
	if (nr_pg_do(pg, "SET statement_timeout = 10000", 0, NULL, err) < 0) {
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

int nr_pg_where(PGconn *pg, struct buf *out)
{
	const char *host = PQhost(pg);
	if (host && *host == '/')
		host = "(socket)";
	return buf_printf(out, "%s:%s/%s", host ? host : "?", PQport(pg) ? PQport(pg) : "?",
			  PQdb(pg) ? PQdb(pg) : "?");
}

PGresult *nr_pg_run(PGconn *pg, const char *sql, int nparams, const char *const *params, struct buf *err)
{
	/* without parameters, the simple protocol: a script of several statements */
	PGresult *r = nparams ? PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0) : PQexec(pg, sql);
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return r;
	const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(pg);
	if (!m || !*m)
		m = PQerrorMessage(pg);
	buf_reset(err);
	buf_printf(err, "postgresql: %.*s", (int)strcspn(m, "\n"), m);
	PQclear(r);
	return NULL;
}

int nr_pg_do(PGconn *pg, const char *sql, int nparams, const char *const *params, struct buf *err)
{
	PGresult *r = nr_pg_run(pg, sql, nparams, params, err);
	PQclear(r);
	return r ? 0 : -1;
}
