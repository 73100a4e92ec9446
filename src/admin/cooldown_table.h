/* cooldown_table: the cooldowns table (route/cooldown.h) as `nr status` and
 * `nr cooldown clear` see it: each scope string parsed into what it names.
 * Scopes: "account PROVIDER ACCOUNT" (every model), "rate PROVIDER ACCOUNT
 * MODEL" (one model), "target PROVIDER/MODEL" (every account). */
#ifndef NR_ADMIN_COOLDOWN_TABLE_H
#define NR_ADMIN_COOLDOWN_TABLE_H

#include <sqlite3.h>
#include <stddef.h>

enum cooldown_kind { COOL_ACCOUNT, COOL_RATE, COOL_TARGET };

struct cooldown {
	char *scope;		/* as stored, the row's key */
	enum cooldown_kind kind;
	char *provider;
	char *account;		/* NULL for COOL_TARGET */
	char *model;		/* NULL for COOL_ACCOUNT */
	double until;		/* Unix time */
	char *reason;		/* why, as nr-route wrote it (never a body or a key) */
};

struct cooldowns {
	struct cooldown *v;
	size_t n;
};

/* Reads the rows; only those still running (until > now) when live_only.
 * Rows whose scope has another shape are skipped. 0, or -1 (sqlite3_errmsg). */
int cooldowns_read(sqlite3 *db, double now, int live_only, struct cooldowns *c);
void cooldowns_free(struct cooldowns *c);

/* Whether cooldown c stops account of provider from serving model: as
 * nr-route's fallback decides, each of the three shapes does. */
int cooldown_blocks(const struct cooldown *c, const char *provider, const char *account, const char *model);

/* Deletes the row of scope; 0 or -1. */
int cooldown_delete(sqlite3 *db, const char *scope);

#endif
