/* cooldown_table: reading and deleting cooldown rows (cooldown_table.h). */
#include "admin/cooldown_table.h"

#include <stdlib.h>
#include <string.h>

/* Splits a scope into c's provider, account and model; 0, -1 when it has
 * none of the three shapes, -2 when memory ran out. */
static int parse_scope(const char *s, struct cooldown *c)
{
	const char *sp1, *sp2 = NULL, *slash;
	if (strncmp(s, "target ", 7) == 0 && (slash = strchr(s + 7, '/')) && slash > s + 7 && slash[1]) {
		c->kind = COOL_TARGET;
		c->provider = strndup(s + 7, (size_t)(slash - s - 7));
		c->model = strdup(slash + 1);
		return c->provider && c->model ? 0 : -2;
	}
	if (strncmp(s, "account ", 8) == 0)
		c->kind = COOL_ACCOUNT, s += 8;
	else if (strncmp(s, "rate ", 5) == 0)
		c->kind = COOL_RATE, s += 5;
	else
		return -1;
	if (!(sp1 = strchr(s, ' ')) || sp1 == s || !sp1[1])
		return -1;
	if (c->kind == COOL_RATE && (!(sp2 = strchr(sp1 + 1, ' ')) || sp2 == sp1 + 1 || !sp2[1]))
		return -1;
	c->provider = strndup(s, (size_t)(sp1 - s));
	c->account = sp2 ? strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1)) : strdup(sp1 + 1);
	c->model = sp2 ? strdup(sp2 + 1) : NULL;
	return c->provider && c->account && (!sp2 || c->model) ? 0 : -2;
}

static void cooldown_free(struct cooldown *c)
{
	free(c->scope);
	free(c->provider);
	free(c->account);
	free(c->model);
	free(c->reason);
}

int cooldowns_read(sqlite3 *db, double now, int live_only, struct cooldowns *c)
{
	c->v = NULL;
	c->n = 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT scope, until, reason FROM cooldowns WHERE until > ? ORDER BY until",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_double(st, 1, live_only ? now : -1e300);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *scope = (const char *)sqlite3_column_text(st, 0);
		const char *reason = (const char *)sqlite3_column_text(st, 2);
		struct cooldown k = { .until = sqlite3_column_double(st, 1) };
		int r = scope ? parse_scope(scope, &k) : -1;
		if (r == -1) {	/* another shape: not ours to show */
			cooldown_free(&k);
			continue;
		}
		struct cooldown *v = NULL;
		if (r < 0 || !(k.scope = strdup(scope)) || !(k.reason = strdup(reason ? reason : "")) ||
		    !(v = reallocarray(c->v, c->n + 1, sizeof *v))) {
			cooldown_free(&k);
			rc = SQLITE_NOMEM;
			break;
		}
		c->v = v;
		c->v[c->n++] = k;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cooldowns_free(c);
		return -1;
	}
	return 0;
}

void cooldowns_free(struct cooldowns *c)
{
	for (size_t i = 0; i < c->n; i++)
		cooldown_free(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

int cooldown_blocks(const struct cooldown *c, const char *provider, const char *account, const char *model)
{
	if (strcmp(c->provider, provider) != 0 || (c->kind != COOL_TARGET && strcmp(c->account, account) != 0))
		return 0;
	return c->kind == COOL_ACCOUNT || strcmp(c->model, model) == 0;
}

int cooldown_delete(sqlite3 *db, const char *scope)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "DELETE FROM cooldowns WHERE scope = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
