/* logins: a team's renewals of `nr login` accounts (route/oauth.h). A
 * rotating refresh token used twice logs the user out, so across instances
 * one renews at a time: nr db sync takes PostgreSQL's advisory lock for the
 * account, reads what the others sent (one may have just renewed it), renews
 * only if the token is still due, and sends the new tokens before letting
 * go. The request path leaves due tokens to it (NR_OAUTH_TEAM_MARGIN_S). */
#include "sync/sync.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "route/accounts.h"
#include "route/dirs.h"
#include "route/oauth.h"
#include "route/provider.h"

/* The lock's key: the account's, hashed by PostgreSQL into its 64-bit space. */
static const char LOCK_SQL[] = "SELECT pg_try_advisory_lock(hashtextextended('nr-login:' || $1, 0))";
static const char UNLOCK_SQL[] = "SELECT pg_advisory_unlock(hashtextextended('nr-login:' || $1, 0))";

/* One due account: renewed here, or left to the instance holding the lock. */
static int renew_one(sqlite3 *db, PGconn *pg, const struct nr_provider *p, struct nr_account *a,
		     struct nr_sync_counts *n, struct buf *err)
{
	struct buf id = BUF_INIT;
	if (buf_printf(&id, "%s/%s", p->name, a->name) < 0) {
		buf_puts(err, "out of memory");
		return -1;
	}
	const char *param[] = { id.p };
	PGresult *r = nr_pg_run(pg, LOCK_SQL, 1, param, err);
	int rc = r ? 0 : -1, held = r && *PQgetvalue(r, 0, 0) == 't';
	PQclear(r);
	if (held) {
		/* the freshest row first; nr_oauth_fresh reads it again under the
		 * local lock and renews only what is still due */
		struct buf why = BUF_INIT;
		rc = nr_sync_pull(db, pg, n, err);
		if (rc == 0 && nr_oauth_fresh(db, p, a, 0, &why) == 0)
			n->renewed++;
		buf_free(&why);	/* a refusal is logged by nr_oauth_fresh; the others go on */
		if (rc == 0)
			rc = nr_sync_push(db, pg, n, err);
		struct buf e2 = BUF_INIT;
		if (nr_pg_do(pg, UNLOCK_SQL, 1, param, rc < 0 ? &e2 : err) < 0 && rc == 0)
			rc = -1;
		buf_free(&e2);
	}
	buf_free(&id);
	return rc;
}

int nr_sync_logins(sqlite3 *db, PGconn *pg, struct nr_sync_counts *n, struct buf *err)
{
	size_t np;
	char **names = nr_dir_names("providers", &np);
	static struct nr_account a[NR_ACCOUNTS_MAX];
	double now = (double)time(NULL);
	int rc = 0;
	nr_oauth_renewer();
	for (size_t i = 0; rc == 0 && i < np; i++) {
		struct nr_provider p;
		struct buf e = BUF_INIT;
		int loaded = nr_provider_load(names[i], &p, &e) == 0;
		buf_free(&e);	/* a broken provider file is nr-route's to report */
		if (!loaded)
			continue;
		size_t na = p.login != NR_LOGIN_NONE ? nr_accounts_list(&p, db, a) : 0;
		for (size_t k = 0; rc == 0 && k < na; k++)
			if (a[k].login != NR_LOGIN_NONE && !a[k].relogin && nr_oauth_due(&a[k], now))
				rc = renew_one(db, pg, &p, &a[k], n, err);
		nr_accounts_free(a, na);
		nr_provider_free(&p);
	}
	for (size_t i = 0; i < np; i++)
		free(names[i]);
	free(names);
	return rc;
}
