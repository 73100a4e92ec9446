/* login_codex: ChatGPT's login for Codex (SUBSCRIPTIONS.md 3.1): the browser
 * flow (authorization code + PKCE, answered on a loopback port) and the
 * device-code flow. */
#include "admin/login.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_call.h"
#include "json.h"
#include "logsafe.h"

#define HEAD_MAX 16384	/* a browser's callback request: a line and a few headers */
#define SCOPES "openid profile email offline_access api.connectors.read api.connectors.invoke"

/* A listening socket on 127.0.0.1:port (1455, then 1457, as Codex does:
 * the redirect address must be one the issuer knows); its fd or -1. */
static int listen_loopback(int want, int *port)
{
	int ports[2] = { want >= 0 ? want : 1455, want >= 0 ? -1 : 1457 };
	for (int i = 0; i < 2 && ports[i] >= 0; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		int one = 1;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)ports[i]),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof a;
		if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 8) == 0 &&
		    getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
			*port = ntohs(a.sin_port);
			return fd;
		}
		fprintf(stderr, "nr login: 127.0.0.1:%d: %s\n", ports[i], strerror(errno));
		close(fd);
	}
	return -1;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The decoded value of `name` in query q (up to a space or the end) into out; 1 found, 0 not. */
static int query_get(const char *q, const char *name, struct buf *out)
{
	size_t n = strlen(name);
	buf_reset(out);
	for (const char *s = q; s && *s && *s != ' ';) {
		size_t len = strcspn(s, "& ");
		if (len > n && strncmp(s, name, n) == 0 && s[n] == '=') {
			for (size_t i = n + 1; i < len; i++) {
				int hi, lo;
				if (s[i] == '%' && i + 2 < len + 1 && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
					buf_putc(out, (char)(hi * 16 + lo));
					i += 2;
				} else {
					buf_putc(out, s[i] == '+' ? ' ' : s[i]);
				}
			}
			return out->p != NULL || buf_puts(out, "") == 0;
		}
		s += len;
		if (*s == '&')
			s++;
	}
	return 0;
}

static void reply(int fd, int status, const char *text)
{
	char head[256];
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, status == 200 ? "OK" : "Error",
			 strlen(text));
	/* MSG_NOSIGNAL: a browser that hung up must not end the login with SIGPIPE */
	if (n > 0 && (size_t)n < sizeof head && send(fd, head, (size_t)n, MSG_NOSIGNAL) == n)
		(void)!send(fd, text, strlen(text), MSG_NOSIGNAL);	/* the page only: the outcome is said on stderr */
}

/* Reads one request head from a browser (5 s at most); its bytes in req, or -1. */
static int read_head(int fd, struct buf *req)
{
	char chunk[2048];
	while (!req->p || !strstr(req->p, "\r\n\r\n")) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		if (poll(&pfd, 1, 5000) <= 0)
			return -1;
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n <= 0 || req->len + (size_t)n > HEAD_MAX || buf_append(req, chunk, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

/* Waits for the browser's callback: 1 with the code, 0 refused (said), -1 timeout or error (said). */
static int await_code(int lfd, const char *state, double deadline, struct buf *code)
{
	struct buf req = BUF_INIT, got = BUF_INIT, err = BUF_INIT;
	int rc = -1;
	for (;;) {
		double left = deadline - login_now();
		struct pollfd pfd = { lfd, POLLIN, 0 };
		int r = left > 0 ? poll(&pfd, 1, (int)(left * 1000) + 1) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "nr login: no answer from the browser in time\n");
			break;
		}
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		buf_reset(&req);
		const char *q = NULL;
		int is_callback = 0;
		if (read_head(fd, &req) == 0 && strncmp(req.p, "GET /", 5) == 0) {
			size_t path = strcspn(req.p + 4, "? ");
			is_callback = path == 14 && strncmp(req.p + 4, "/auth/callback", 14) == 0;
			q = req.p[4 + path] == '?' ? req.p + 5 + path : "";
			if (strncmp(req.p + 4, "/cancel", 7) == 0) {
				reply(fd, 200, "Login cancelled.\n");
				close(fd);
				fprintf(stderr, "nr login: cancelled in the browser\n");
				rc = 0;
				break;
			}
		}
		if (!is_callback) {
			reply(fd, 404, "Not the login's address.\n");
			close(fd);
			continue;
		}
		if (!query_get(q, "state", &got) || strcmp(got.p, state) != 0) {
			reply(fd, 400, "This answer is not for this login (its state differs); the login goes on.\n");
			close(fd);
			continue;	/* not ours: a stale tab or a forgery */
		}
		if (query_get(q, "error", &err)) {
			reply(fd, 400, "Login refused.\n");
			close(fd);
			struct buf e = BUF_INIT;
			log_escape(&e, err.p, err.len);
			fprintf(stderr, "nr login: the login was refused: %s\n", e.p ? e.p : "");
			buf_free(&e);
			rc = 0;
			break;
		}
		if (!query_get(q, "code", code) || !code->len) {
			reply(fd, 400, "No code in the answer.\n");
			close(fd);
			continue;
		}
		reply(fd, 200, "Logged in to nr. You can close this tab.\n");
		close(fd);
		rc = 1;
		break;
	}
	if (req.p)
		explicit_bzero(req.p, req.cap);	/* it held the code */
	buf_free(&req);
	buf_free(&got);
	buf_free(&err);
	return rc;
}

/* Opens url in the user's browser when there is a display to show one. */
static void open_browser(const char *url)
{
	if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY"))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execlp("xdg-open", "xdg-open", url, (char *)NULL);
		_exit(127);
	}
}

int login_codex_browser(const struct nr_provider *p, const struct login_opts *o, struct nr_tokens *t)
{
	struct buf verifier = BUF_INIT, challenge = BUF_INIT, state = BUF_INIT, redirect = BUF_INIT;
	struct buf url = BUF_INIT, code = BUF_INIT, err = BUF_INIT;
	int port, rc = -1;
	int lfd = listen_loopback(o->port, &port);
	if (lfd < 0) {
		fprintf(stderr, "nr login: no loopback port for the browser's answer (try --device)\n");
		return -1;
	}
	const char *issuer = nr_login_url(p);
	if (login_random(&verifier, 64) < 0 || login_challenge(verifier.p, &challenge) < 0 ||
	    login_random(&state, 32) < 0 ||
	    buf_printf(&redirect, "http://localhost:%d/auth/callback", port) < 0) {
		fprintf(stderr, "nr login: no random bytes for the login\n");
		goto out;
	}
	buf_printf(&url, "%s/oauth/authorize?response_type=code&client_id=%s&redirect_uri=", issuer, NR_CODEX_CLIENT_ID);
	nr_url_encode(&url, redirect.p);
	buf_puts(&url, "&scope=");
	nr_url_encode(&url, SCOPES);
	buf_printf(&url, "&code_challenge=%s&code_challenge_method=S256&id_token_add_organizations=true"
		   "&codex_cli_simplified_flow=true&state=%s&originator=codex_cli_rs", challenge.p, state.p);
	if (!url.p)
		goto out;
	fprintf(stderr, "nr login: open this address in a browser on this machine and log in to ChatGPT:\n\n"
		"  %s\n\n(waiting on 127.0.0.1:%d for the answer; no browser here? nr login %s --device)\n",
		url.p, port, p->name);
	if (o->browser)
		open_browser(url.p);
	int got = await_code(lfd, state.p, login_now() + (double)o->timeout_s, &code);
	if (got == 1 && nr_codex_exchange(issuer, code.p, verifier.p, redirect.p, t, &err) < 0)
		fprintf(stderr, "nr login: %s\n", err.p ? err.p : "the code exchange failed");
	else if (got == 1)
		rc = 0;
out:
	close(lfd);
	if (code.p)
		explicit_bzero(code.p, code.cap);
	explicit_bzero(verifier.p ? verifier.p : "", verifier.p ? verifier.len : 0);
	buf_free(&verifier);
	buf_free(&challenge);
	buf_free(&state);
	buf_free(&redirect);
	buf_free(&url);
	buf_free(&code);
	buf_free(&err);
	return rc;
}

struct codex_poll {
	const char *issuer;
	struct nr_tokens *t;
};

/* One answer to Codex's device poll: 403 or 404 until the code is entered,
 * then the authorization code and its verifier, exchanged at once. */
static int codex_step(long status, jv ans, void *ctx, double *every)
{
	const struct codex_poll *c = ctx;
	(void)every;
	if (status == 403 || status == 404)
		return 0;
	const char *code = json_member_str(ans, "authorization_code"), *verifier = json_member_str(ans, "code_verifier");
	if (status != 200 || !code || !verifier) {
		fprintf(stderr, "nr login: the device login failed (HTTP %ld)\n", status);
		return -1;
	}
	struct buf redirect = BUF_INIT, err = BUF_INIT;
	int rc = buf_printf(&redirect, "%s/deviceauth/callback", c->issuer) < 0 ||
		 nr_codex_exchange(c->issuer, code, verifier, redirect.p, c->t, &err) < 0 ? -1 : 1;
	if (rc < 0)
		fprintf(stderr, "nr login: %s\n", err.p ? err.p : "out of memory");
	buf_free(&redirect);
	buf_free(&err);
	return rc;
}

int login_codex_device(const struct nr_provider *p, const struct login_opts *o, struct nr_tokens *t)
{
	const char *issuer = nr_login_url(p);
	struct buf url = BUF_INIT;
	long status;
	jv ans;
	int rc = -1;
	buf_printf(&url, "%s/api/accounts/deviceauth/usercode", issuer);
	if (!url.p || login_post_json(url.p, JV_OBJECT(jv_string("client_id"), jv_string(NR_CODEX_CLIENT_ID)), &status, &ans) < 0)
		goto out;
	const char *id = json_member_str(ans, "device_auth_id"), *user_code = json_member_str(ans, "user_code");
	if (!user_code)
		user_code = json_member_str(ans, "usercode");
	if (status != 200 || !id || !user_code || !log_printable(user_code)) {
		fprintf(stderr, "nr login: the device login could not start (HTTP %ld)\n", status);
		jv_free(ans);
		goto out;
	}
	double every = login_interval(ans), deadline = login_now() + (double)o->timeout_s;
	jv poll_req = JV_OBJECT(jv_string("device_auth_id"), jv_string(id), jv_string("user_code"), jv_string(user_code));
	fprintf(stderr, "nr login: on any device, open %s/codex/device and enter the code\n\n  %s\n\n(waiting up to %ld s)\n",
		issuer, user_code, o->timeout_s);
	jv_free(ans);
	buf_reset(&url);
	struct codex_poll c = { issuer, t };
	if (buf_printf(&url, "%s/api/accounts/deviceauth/token", issuer) == 0)
		rc = login_poll(url.p, poll_req, every, deadline, codex_step, &c);
	jv_free(poll_req);
out:
	buf_free(&url);
	return rc;
}
