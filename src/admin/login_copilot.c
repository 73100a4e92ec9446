/* login_copilot: GitHub's device flow (RFC 8628) for Copilot, then the
 * exchange of the GitHub token for a Copilot token (SUBSCRIPTIONS.md 4). */
#include "admin/login.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "logsafe.h"

static double number(jv obj, const char *key, double dflt)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : dflt;
	jv_free(v);
	return d;
}

/* One answer to GitHub's device poll (RFC 8628 3.5): the GitHub token into
 * t->refresh, or authorization_pending, slow_down (5 s more), a refusal. */
static int github_step(long status, jv ans, void *ctx, double *every)
{
	struct nr_tokens *t = ctx;
	const char *token = json_member_str(ans, "access_token"), *error = json_member_str(ans, "error");
	if (status == 200 && token && log_printable(token)) {
		if (buf_puts(&t->refresh, token) == 0)
			return 1;
		fprintf(stderr, "nr login: out of memory\n");
		return -1;
	}
	if (error && strcmp(error, "authorization_pending") == 0)
		return 0;
	if (error && strcmp(error, "slow_down") == 0) {
		*every += 5;
		return 0;
	}
	struct buf e = BUF_INIT;
	if (error)
		log_escape(&e, error, strlen(error));
	fprintf(stderr, "nr login: GitHub refused the login (HTTP %ld%s%s)\n", status, e.p ? ": " : "", e.p ? e.p : "");
	buf_free(&e);
	return -1;
}

/* The GitHub token from the device flow into t->refresh: 0, or -1 (said). */
static int github_token(const struct nr_provider *p, const struct login_opts *o, struct nr_tokens *t)
{
	const char *issuer = nr_login_url(p);
	struct buf url = BUF_INIT;
	long status;
	jv ans;
	int rc = -1;
	buf_printf(&url, "%s/login/device/code", issuer);
	if (!url.p || login_post_json(url.p, JV_OBJECT(jv_string("client_id"), jv_string(NR_COPILOT_CLIENT_ID),
						       jv_string("scope"), jv_string("read:user")), &status, &ans) < 0)
		goto out;
	const char *device = json_member_str(ans, "device_code"), *user_code = json_member_str(ans, "user_code"),
		   *verify = json_member_str(ans, "verification_uri");
	if (status != 200 || !device || !user_code || !log_printable(user_code) || (verify && !log_printable(verify))) {
		fprintf(stderr, "nr login: GitHub's device login could not start (HTTP %ld)\n", status);
		jv_free(ans);
		goto out;
	}
	double every = login_interval(ans), deadline = login_now() + (double)o->timeout_s;
	double expires = number(ans, "expires_in", 900);
	if (login_now() + expires < deadline)
		deadline = login_now() + expires;
	fprintf(stderr, "nr login: on any device, open %s and enter the code\n\n  %s\n\n(waiting up to %.0f s)\n",
		verify ? verify : "https://github.com/login/device", user_code, deadline - login_now());
	jv poll_req = JV_OBJECT(jv_string("client_id"), jv_string(NR_COPILOT_CLIENT_ID), jv_string("device_code"),
				jv_string(device), jv_string("grant_type"),
				jv_string("urn:ietf:params:oauth:grant-type:device_code"));
	jv_free(ans);
	buf_reset(&url);
	if (buf_printf(&url, "%s/login/oauth/access_token", issuer) == 0)
		rc = login_poll(url.p, poll_req, every, deadline, github_step, t);
	jv_free(poll_req);
out:
	buf_free(&url);
	return rc;
}

int login_copilot_device(const struct nr_provider *p, const struct login_opts *o, struct nr_tokens *t)
{
	if (github_token(p, o, t) < 0)
		return -1;
	struct buf err = BUF_INIT;
	int permanent, rc = nr_copilot_exchange(p, t, &err, &permanent);
	if (rc < 0)
		fprintf(stderr, "nr login: %s%s\n", err.p ? err.p : "the Copilot token exchange failed",
			permanent ? " (does this GitHub account have Copilot?)" : "");
	buf_free(&err);
	return rc;
}
