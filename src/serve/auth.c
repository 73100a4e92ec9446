/* auth: finds the caller's API key and checks it against the key store. */
#include "serve/auth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"

/* The key the request carries, in a new string, or NULL. */
static char *request_key(const struct http_request *req)
{
	/* X-NR-Key first: then Authorization is the client's own credential, for
	 * auth=passthrough providers (Claude Code logged in with a subscription
	 * sends its OAuth token there; its ANTHROPIC_CUSTOM_HEADERS adds this) */
	const char *v = http_header(req, "x-nr-key");
	if (v && *v)
		return strdup(v);
	v = http_header(req, "authorization");
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

/* "localhost", "*.localhost", 127.0.0.0/8 dotted, "[::1]"; n bytes at h. */
static int loopback_name(const char *h, size_t n)
{
	static const char lh[] = "localhost";
	size_t ll = sizeof lh - 1;
	if ((n == ll || (n > ll + 1 && h[n - ll - 1] == '.')) && strncasecmp(h + n - ll, lh, ll) == 0)
		return h[0] != '.';
	if (n == 5 && strncmp(h, "[::1]", 5) == 0)
		return 1;
	unsigned octets = 0, v = 0, digits = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && h[i] >= '0' && h[i] <= '9') {
			v = v * 10 + (unsigned)(h[i] - '0');
			if (++digits > 3 || v > 255)
				return 0;
		} else if (i == n || h[i] == '.') {
			if (!digits || (octets == 0 && v != 127))
				return 0;
			octets++, v = 0, digits = 0;
		} else {
			return 0;
		}
	}
	return octets == 4;
}

/* host [":" port] with a loopback host */
static int loopback_authority(const char *s)
{
	size_t n = strlen(s);
	const char *colon = strrchr(s, ':');
	if (colon && (s[0] != '[' || colon > strchr(s, ']'))) {
		if (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
			return 0;
		n = (size_t)(colon - s);
	}
	return n && loopback_name(s, n);
}

/* http(s)://loopback[:port]; "null" and the rest are foreign */
static int loopback_origin(const char *o)
{
	if (strncasecmp(o, "http://", 7) == 0)
		return loopback_authority(o + 7);
	return strncasecmp(o, "https://", 8) == 0 && loopback_authority(o + 8);
}

/* application/json or any TYPE/SUBTYPE+json, parameters allowed */
static int json_type(const char *ct)
{
	size_t n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	const char *slash = memchr(ct, '/', n);
	if (!slash || slash == ct || memchr(ct, ' ', n))
		return 0;
	return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
	       (n - (size_t)(slash - ct) > 6 && strncasecmp(ct + n - 5, "+json", 5) == 0);
}

static int refuse(struct auth_result *who, int status, const char *message)
{
	who->status = status;
	who->message = message;
	return 0;
}

/* --no-auth: only what a local client sends (see auth.h). */
static int local_client(const struct http_request *req, struct auth_result *who)
{
	const char *host = http_header(req, "host"), *origin = http_header(req, "origin");
	const char *ct = http_header(req, "content-type");
	if (host && !loopback_authority(host))
		return refuse(who, 403, "the Host is not a loopback name: without API keys "
					"nr-serve answers local clients only");
	if (origin && !loopback_origin(origin))
		return refuse(who, 403, "the Origin is not a loopback one: without API keys "
					"nr-serve answers local clients only");
	if (strcmp(req->method, "POST") == 0 && !(ct && json_type(ct)))
		return refuse(who, 415, "the request body must be sent as application/json");
	return 1;
}

int auth_check(const struct http_request *req, const struct serve_config *cfg, int loopback,
	       struct auth_result *who)
{
	memset(who, 0, sizeof *who);
	who->settings = (struct key_settings){ KEY_DEFAULT, KEY_DEFAULT };
	if (!cfg->auth && loopback) {
		if (local_client(req, who) == 0)
			return 0;
		who->key_name = strdup("-");
		return who->key_name ? 1 : -1;
	}
	char *key = request_key(req);
	if (!key)
		return refuse(who, 401, "missing API key");
	struct buf err = BUF_INIT, name = BUF_INIT;
	sqlite3 *db = nr_db_shared(&err);
	/* in a transaction that the router's first read goes on with (db.h);
	 * should BEGIN fail, the check is a statement of its own as before */
	if (db)
		(void)nr_db_begin_read_ahead(db);
	int ok = db ? keys_check(db, key, &name, &who->settings) : -1;
	if (ok != 1)
		nr_db_read_ahead_end();
	explicit_bzero(key, strlen(key));
	free(key);
	buf_free(&err);
	if (ok == 1)
		who->key_name = buf_steal(&name, NULL);
	buf_free(&name);
	return ok == 0 ? refuse(who, 401, "invalid API key") : ok;
}

void auth_result_free(struct auth_result *who)
{
	free(who->key_name);
	who->key_name = NULL;
}
