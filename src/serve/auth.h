/* auth: who is calling. API keys come as X-NR-Key, Authorization: Bearer,
 * x-api-key, x-goog-api-key or ?key= (the first present); they are checked
 * against the hashes in SQLite. */
#ifndef NR_SERVE_AUTH_H
#define NR_SERVE_AUTH_H

#include "keys.h"
#include "serve/http.h"
#include "serve/server.h"

struct auth_result {
	int status;		/* refused: 401, 403 or 415 */
	const char *message;	/* refused: why, for the error body */
	char *key_name;		/* the key's name when accepted ("-" when auth is off) */
	struct key_settings settings;	/* the key's rtk and caveman (KEY_DEFAULT when auth is off) */
};

/* 1 accepted, 0 refused (who->status, who->message), -1 the check itself
 * failed. Without a key (--no-auth, loopback) any web page the user visits
 * could call, so a request is then refused unless it comes from a local
 * client: a loopback Host name (DNS rebinding sends the attacker's), no
 * foreign Origin, and a JSON content type on POST (which a page cannot send
 * without a CORS preflight, and nr grants none). An accepted key leaves its
 * read transaction open for the router's first read (db.h's read ahead):
 * the caller ends it (nr_db_read_ahead_end) before waiting on the client and
 * once the request is answered. */
int auth_check(const struct http_request *req, const struct serve_config *cfg, int loopback,
	       struct auth_result *who);
void auth_result_free(struct auth_result *who);

#endif
