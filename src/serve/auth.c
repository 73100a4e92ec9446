/* auth: finds the caller's API key and checks it against the key store. */
#include "serve/auth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "keys.h"

/* The key the request carries, in a new string, or NULL. */
static char *request_key(const struct http_request *req)
{
	const char *v = http_header(req, "authorization");
	if (v && strncasecmp(v, "Bearer ", 7) == 0) {
		v += 7;
		while (*v == ' ')
			v++;
		return *v ? strdup(v) : NULL;
	}
	if ((v = http_header(req, "x-api-key")) && *v)
		return strdup(v);
	if ((v = http_header(req, "x-goog-api-key")) && *v)
		return strdup(v);
	return http_query_param(req, "key");
}

int auth_check(const struct http_request *req, const struct serve_config *cfg, int loopback,
	       struct auth_result *who)
{
	memset(who, 0, sizeof *who);
	if (!cfg->auth && loopback) {
		who->key_name = strdup("-");
		return who->key_name ? 1 : -1;
	}
	char *key = request_key(req);
	if (!key) {
		who->missing = 1;
		return 0;
	}
	struct buf err = BUF_INIT, name = BUF_INIT;
	sqlite3 *db = nr_db_shared(&err);
	int ok = db ? keys_check(db, key, &name) : -1;
	explicit_bzero(key, strlen(key));
	free(key);
	buf_free(&err);
	if (ok == 1)
		who->key_name = buf_steal(&name, NULL);
	buf_free(&name);
	return ok;
}

void auth_result_free(struct auth_result *who)
{
	free(who->key_name);
	who->key_name = NULL;
}
