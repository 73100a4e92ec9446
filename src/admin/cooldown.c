/* cooldown: `nr cooldown clear [TARGET]`, ends cooldowns before their time
 * (the upstream's limit was lifted, a key was replaced): the next request
 * tries those accounts and targets again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/commands.h"
#include "admin/cooldown_table.h"
#include "db.h"
#include "exitcodes.h"
#include "logsafe.h"
#include "route/accounts.h"
#include "route/dirs.h"
#include "route/provider.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: nr cooldown clear [TARGET]\n\n"
		   "Ends cooldowns: every one when TARGET is left out; else those of a provider\n"
		   "(PROVIDER: its accounts and models), of one model (PROVIDER/MODEL: the model's\n"
		   "rate limits on every account and the target's own), or of an account (its key\n"
		   "variable's name, e.g. OPENAI_API_KEY_2: at every provider that uses it).\n"
		   "Each scope cleared is printed; nr status shows what is cooling down.\n"
		   "exit: 0 ok (also when nothing was cooling down), 1 TARGET names no provider or\n"
		   "account, %d usage, %d system error\n", NR_EXIT_USAGE, NR_EXIT_SYS);
}

/* Whether cooldown c is one that `target` names (NULL: every one). */
static int matches(const struct cooldown *c, const char *target)
{
	if (!target)
		return 1;
	const char *slash = strchr(target, '/');
	if (slash)	/* PROVIDER/MODEL: its target and rate cooldowns */
		return c->kind != COOL_ACCOUNT && strlen(c->provider) == (size_t)(slash - target) &&
		       strncmp(c->provider, target, (size_t)(slash - target)) == 0 && strcmp(c->model, slash + 1) == 0;
	return strcmp(c->provider, target) == 0 || (c->account && strcmp(c->account, target) == 0);
}

/* Whether target names a provider (PROVIDER/MODEL: its provider) or an
 * account (a key variable) of one. */
static int known(sqlite3 *db, const char *target)
{
	const char *slash = strchr(target, '/');
	size_t n, len = slash ? (size_t)(slash - target) : strlen(target);
	char **names = nr_dir_names("providers", &n);
	int found = 0;
	static struct nr_account a[NR_ACCOUNTS_MAX];
	for (size_t i = 0; i < n; i++) {
		struct nr_provider p;
		struct buf err = BUF_INIT;
		found |= strlen(names[i]) == len && strncmp(names[i], target, len) == 0;
		if (!found && !slash && nr_provider_load(names[i], &p, &err) == 0) {
			for (size_t k = 0; k < p.nkey_vars; k++)
				found |= strcmp(p.key_vars[k], target) == 0;
			size_t na = nr_accounts_list(&p, db, a);	/* NAME_2, NAME_3 …, stored too */
			for (size_t k = 0; k < na; k++)
				found |= strcmp(a[k].name, target) == 0;
			nr_accounts_free(a, na);
			nr_provider_free(&p);
		}
		buf_free(&err);
		free(names[i]);
	}
	free(names);
	return found;
}

static int clear(sqlite3 *db, const char *target)
{
	struct cooldowns cd;
	if (cooldowns_read(db, 0, 0, &cd) < 0) {
		nr_log("nr cooldown: unable to read the cooldowns: %s", sqlite3_errmsg(db));
		return NR_EXIT_SYS;
	}
	int rc = NR_EXIT_OK;
	size_t cleared = 0;
	if (nr_db_begin(db) < 0) {
		nr_log("nr cooldown: unable to clear: %s", sqlite3_errmsg(db));
		cooldowns_free(&cd);
		return NR_EXIT_SYS;
	}
	for (size_t i = 0; i < cd.n && rc == NR_EXIT_OK; i++) {
		if (!matches(&cd.v[i], target))
			continue;
		if (cooldown_delete(db, cd.v[i].scope) < 0) {
			nr_log("nr cooldown: unable to clear '%s': %s", cd.v[i].scope, sqlite3_errmsg(db));
			rc = NR_EXIT_SYS;
		}
		cleared++;
	}
	if (rc == NR_EXIT_OK && nr_db_commit(db) < 0) {
		nr_log("nr cooldown: unable to clear: %s", sqlite3_errmsg(db));
		rc = NR_EXIT_SYS;
	}
	if (rc != NR_EXIT_OK) {
		nr_db_rollback(db);
	} else if (cleared) {
		for (size_t i = 0; i < cd.n; i++)	/* said only once they are gone */
			if (matches(&cd.v[i], target))
				printf("cleared %s\n", cd.v[i].scope);
	} else if (target && !known(db, target)) {
		fprintf(stderr, "nr cooldown: no provider or account named '%s' (nr provider list)\n", target);
		rc = 1;
	} else {
		fprintf(stderr, "nr cooldown: nothing was cooling down%s%s\n", target ? " for " : "",
			target ? target : "");
	}
	cooldowns_free(&cd);
	return rc;
}

int nr_cmd_cooldown(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return NR_EXIT_OK;
	}
	if (argc < 2 || argc > 3 || strcmp(argv[1], "clear") != 0) {
		usage(stderr);
		return NR_EXIT_USAGE;
	}
	const char *target = argc == 3 ? argv[2] : NULL;
	if (target && !*target) {
		fprintf(stderr, "nr cooldown: an empty TARGET; leave it out to clear every cooldown\n");
		return NR_EXIT_USAGE;
	}
	sqlite3 *db = nr_admin_db("nr cooldown");
	if (!db)
		return NR_EXIT_SYS;
	int rc = clear(db, target);
	nr_db_close(db);
	return rc;
}
