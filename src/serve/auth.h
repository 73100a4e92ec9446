/* auth: who is calling. API keys come as Authorization: Bearer, x-api-key,
 * x-goog-api-key or ?key=; they are checked against the hashes in SQLite. */
#ifndef NR_SERVE_AUTH_H
#define NR_SERVE_AUTH_H

#include "serve/http.h"
#include "serve/server.h"

struct auth_result {
	int missing;		/* no key was sent */
	char *key_name;		/* the key's name when accepted ("-" when auth is off) */
};

/* 1 accepted, 0 refused, -1 the check itself failed. */
int auth_check(const struct http_request *req, const struct serve_config *cfg, int loopback,
	       struct auth_result *who);
void auth_result_free(struct auth_result *who);

#endif
