/* dashboard: the routes under /dashboard, the login and logout forms, and
 * the share/dashboard files (dashboard.h). The page itself is
 * dashboard_page.c. */
#include "serve/dashboard.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "db.h"
#include "io.h"
#include "logsafe.h"
#include "route/dirs.h"
#include "route/now.h"
#include "serve/auth.h"
#include "serve/dashboard_page.h"
#include "serve/html.h"
#include "serve/session.h"

#define STATIC_MAX (256 * 1024)	/* the largest share/dashboard file served */

/* Every page: no caching of figures, no framing, nothing from elsewhere, no
 * referrer to another site (no-referrer would make the forms' Origin "null") */
#define PAGE_HEADERS \
	"Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n" \
	"Content-Security-Policy: default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self';" \
	" img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n" \
	"X-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\nX-Frame-Options: DENY\r\n"

/* Anyone may ask before logging in: no body beyond a small form is read. */
int dashboard_admit(const struct http_request *req, const char **msg)
{
	if (req->framing == HTTP_BODY_CHUNKED || req->content_length > DASHBOARD_FORM_MAX) {
		*msg = "a dashboard form is at most 4096 bytes, sent with a Content-Length";
		return 413;
	}
	return 0;
}

static int head_only(const struct http_request *req)
{
	return strcmp(req->method, "HEAD") == 0;
}

/* A short answer in plain text (errors). */
static int plain(struct http_conn *c, const struct http_request *req, int status, const char *msg)
{
	struct buf b = BUF_INIT;
	int rc = buf_printf(&b, "%s\n", msg) < 0 ? -1
		 : http_write_response(c, status, "Content-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n",
				       b.p, b.len, req->keep_alive, head_only(req));
	buf_free(&b);
	return rc;
}

/* share/dashboard/NAME, for the files the page uses. */
static int static_file(struct http_conn *c, const struct http_request *req, const char *name)
{
	static const struct {
		const char *name, *type;
	} files[] = {
		{ "dashboard.css", "text/css; charset=utf-8" },
		{ "dashboard.js", "text/javascript; charset=utf-8" },
		{ "favicon.svg", "image/svg+xml" },
	};
	const char *type = NULL;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (strcmp(name, files[i].name) == 0)
			type = files[i].type;
	if (!type)
		return plain(c, req, 404, "no such dashboard file");
	struct buf path = BUF_INIT, body = BUF_INIT, hdrs = BUF_INIT;
	int fd = -1, rc;
	if (nr_share_dir(&path) == 0 && buf_printf(&path, "/dashboard/%s", name) == 0)
		fd = open(path.p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read_all(fd, &body, STATIC_MAX) == 0 &&
	    buf_printf(&hdrs, "Content-Type: %s\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n",
		       type) == 0) {
		rc = http_write_response(c, 200, hdrs.p, body.p, body.len, req->keep_alive, head_only(req));
	} else {
		nr_log("nr-serve: unable to read %s: %s", path.p ? path.p : "share/dashboard", strerror(errno));
		rc = plain(c, req, 500, "unable to read the dashboard's files; the server's log says why");
	}
	if (fd >= 0)
		close(fd);
	buf_free(&path);
	buf_free(&body);
	buf_free(&hdrs);
	return rc;
}

/* The login form, with a message when a key was refused. */
static int login_form(struct http_conn *c, const struct http_request *req, int status, const char *msg)
{
	struct buf b = BUF_INIT;
	int rc = buf_puts(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
			      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			      "<title>nr · log in</title><link rel=\"stylesheet\" href=\"/dashboard/dashboard.css\">"
			      "<link rel=\"icon\" href=\"/dashboard/favicon.svg\">"
			      "</head><body class=\"login\"><form method=\"post\" action=\"/dashboard/login\">"
			      "<h1>nr</h1><label for=\"key\">nr API key</label>"
			      "<input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" required"
			      " autofocus spellcheck=\"false\">");
	if (rc == 0 && msg)
		rc = buf_puts(&b, "<p class=\"error\" role=\"alert\">") < 0 || html_text(&b, msg) < 0 ||
		     buf_puts(&b, "</p>") < 0 ? -1 : 0;
	if (rc == 0)
		rc = buf_puts(&b, "<button type=\"submit\">Log in</button><p class=\"hint\">"
				  "<code>nr key add NAME</code> makes one. The key is exchanged for a session cookie"
				  " and kept nowhere else.</p></form></body></html>");
	rc = rc < 0 ? plain(c, req, 500, "out of memory")
		    : http_write_response(c, status, PAGE_HEADERS, b.p, b.len, req->keep_alive, head_only(req));
	buf_free(&b);
	return rc;
}

/* A form field's value, decoded, in a new string; NULL when absent. */
static char *form_field(const struct http_request *req, const char *name)
{
	const char *p = req->body.p ? req->body.p : "", *end = p + req->body.len;
	size_t n = strlen(name);
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		if ((size_t)(stop - p) > n && strncmp(p, name, n) == 0 && p[n] == '=')
			return http_pct_decode(p + n + 1, (size_t)(stop - p - n - 1), 1);
		p = stop + 1;
	}
	return NULL;
}

/* A form posted from another site is refused: its Origin, when sent, must
 * be this server's (the Host the browser asked). */
static int same_origin(const struct http_request *req)
{
	const char *origin = http_header(req, "origin"), *host = http_header(req, "host");
	if (!origin)
		return 1;
	const char *rest = strncasecmp(origin, "http://", 7) == 0 ? origin + 7
			   : strncasecmp(origin, "https://", 8) == 0 ? origin + 8 : NULL;
	return rest && host && strcasecmp(rest, host) == 0;
}

/* A redirect to the page, with a cookie line (may be NULL). */
static int to_page(struct http_conn *c, const struct http_request *req, const char *cookie)
{
	struct buf h = BUF_INIT;
	int rc = buf_puts(&h, "Location: /dashboard\r\nCache-Control: no-store\r\nReferrer-Policy: same-origin\r\n");
	if (rc == 0 && cookie)
		rc = buf_printf(&h, "Set-Cookie: %s\r\n", cookie);
	rc = rc < 0 ? plain(c, req, 500, "out of memory") : http_write_response(c, 303, h.p, NULL, 0, req->keep_alive, 0);
	buf_free(&h);
	return rc;
}

static int login(struct http_conn *c, const struct http_request *req, sqlite3 *db)
{
	char *key = form_field(req, "key");
	struct buf id = BUF_INIT, cookie = BUF_INIT;
	int ok = key && *key ? session_open(db, key, nr_now(), &id) : 0, rc;
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	if (ok < 0)
		rc = login_form(c, req, 500, "unable to check the key: the server's log says why");
	else if (ok == 0)
		rc = login_form(c, req, 401, "That is not a live nr key.");
	else if (buf_printf(&cookie, SESSION_COOKIE "=%s; Path=/dashboard; Max-Age=%d; HttpOnly; SameSite=Strict",
			    id.p, SESSION_TTL_S) < 0)
		rc = plain(c, req, 500, "out of memory");
	else
		rc = to_page(c, req, cookie.p);
	if (ok < 0)
		nr_log("nr-serve: dashboard login: %s", sqlite3_errmsg(db));
	if (id.p)
		explicit_bzero(id.p, id.len);
	buf_free(&id);
	buf_free(&cookie);
	return rc;
}

/* Ends the session the cookie names, when the form carries its CSRF token. */
static int logout(struct http_conn *c, const struct http_request *req, sqlite3 *db, const char *sid)
{
	struct buf csrf = BUF_INIT, name = BUF_INIT;
	char *sent = form_field(req, "csrf");
	int live = sid ? session_check(db, sid, nr_now(), &csrf, &name) : 0, rc;
	if (live < 0) {
		rc = plain(c, req, 500, "unable to read the sessions");
	} else if (live && !(sent && strlen(sent) == csrf.len && CRYPTO_memcmp(sent, csrf.p, csrf.len) == 0)) {
		rc = plain(c, req, 403, "the logout form's token is missing or wrong: reload the page");
	} else {
		if (live && session_close(db, sid) < 0)
			nr_log("nr-serve: unable to end a dashboard session: %s", sqlite3_errmsg(db));
		rc = to_page(c, req, SESSION_COOKIE "=; Path=/dashboard; Max-Age=0; HttpOnly; SameSite=Strict");
	}
	free(sent);
	buf_free(&csrf);
	buf_free(&name);
	return rc;
}

/* GET /dashboard: the page for a live session (or an open server), else the login form. */
static int page(struct http_conn *c, const struct http_request *req, sqlite3 *db, const char *sid, int open)
{
	struct buf csrf = BUF_INIT, name = BUF_INIT, out = BUF_INIT, why = BUF_INIT;
	double now = nr_now();
	int live = open ? 1 : sid ? session_check(db, sid, now, &csrf, &name) : 0, rc;
	struct dashboard_view v;
	const char *bad = dashboard_view_parse(req, &v);
	if (live < 0) {
		rc = plain(c, req, 500, "unable to read the sessions");
	} else if (!live) {
		rc = login_form(c, req, sid ? 401 : 200, sid ? "The session has ended: log in again." : NULL);
	} else if (bad) {
		rc = plain(c, req, 400, bad);
	} else if (dashboard_page(db, now, &v, open ? NULL : csrf.p, open ? NULL : name.p, &out, &why) < 0) {
		nr_log("nr-serve: the dashboard: %s", why.p ? why.p : "out of memory");
		rc = plain(c, req, 500, "unable to read the usage for the dashboard; the server's log says why");
	} else {
		rc = http_write_response(c, 200, PAGE_HEADERS, out.p, out.len, req->keep_alive, head_only(req));
	}
	buf_free(&csrf);
	buf_free(&name);
	buf_free(&out);
	buf_free(&why);
	return rc;
}

int dashboard_answer(struct http_conn *c, const struct http_request *req, const struct serve_config *cfg,
		     int loopback)
{
	const char *path = req->path;
	if (strncmp(path, "/dashboard/", 11) == 0 && strcmp(req->method, "POST") != 0)
		return static_file(c, req, path + 11);
	/* --no-auth: the page is as open as the API, to local clients alone */
	int open = 0;
	if (!cfg->auth) {
		struct auth_result who;
		int a = auth_check(req, cfg, loopback, &who);
		auth_result_free(&who);
		if (a <= 0)
			return plain(c, req, a < 0 ? 500 : who.status, a < 0 ? "unable to check the client" : who.message);
		open = 1;
	}
	nr_db_read_ahead_end();
	struct buf err = BUF_INIT;
	sqlite3 *db = nr_db_shared(&err);
	if (!db) {
		nr_log("nr-serve: the dashboard: %s", err.p ? err.p : "out of memory");
		buf_free(&err);
		return plain(c, req, 500, "unable to open the database; the server's log says why");
	}
	buf_free(&err);
	char *sid = session_cookie(req);
	int rc;
	if (strcmp(req->method, "POST") == 0 && !same_origin(req))
		rc = plain(c, req, 403, "a dashboard form must be posted from the dashboard");
	else if (strcmp(path, "/dashboard/login") == 0)
		rc = open ? to_page(c, req, NULL) : login(c, req, db);
	else if (strcmp(path, "/dashboard/logout") == 0)
		rc = logout(c, req, db, sid);
	else
		rc = page(c, req, db, sid, open);
	free(sid);
	return rc;
}
