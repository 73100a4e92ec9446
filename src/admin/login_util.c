/* login_util: what the login flows share (login.h). */
#include "admin/login.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "clock.h"
#include "http_call.h"

static int base64url(const unsigned char *in, size_t n, struct buf *out)
{
	unsigned char enc[4 * 64 / 3 + 4];
	if (n > 64)
		return -1;
	int len = EVP_EncodeBlock(enc, in, (int)n);
	while (len > 0 && enc[len - 1] == '=')
		len--;
	for (int i = 0; i < len; i++)
		enc[i] = enc[i] == '+' ? '-' : enc[i] == '/' ? '_' : enc[i];
	buf_reset(out);
	return buf_append(out, enc, (size_t)len);
}

int login_random(struct buf *out, size_t n)
{
	unsigned char r[64];
	if (n > sizeof r || getrandom(r, n, 0) != (ssize_t)n)
		return -1;
	int rc = base64url(r, n, out);
	explicit_bzero(r, sizeof r);
	return rc;
}

int login_challenge(const char *verifier, struct buf *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!EVP_Digest(verifier, strlen(verifier), md, &len, EVP_sha256(), NULL) || len != 32)
		return -1;
	return base64url(md, len, out);
}

int login_post_json(const char *url, jv req, long *status, jv *answer)
{
	static const char *const headers[] = { "Content-Type: application/json", "Accept: application/json", NULL };
	struct buf resp = BUF_INIT, err = BUF_INIT;
	jv body = jv_dump_string(req, 0);
	int rc = nr_http_call("POST", url, headers, jv_string_value(body), NR_OAUTH_TIMEOUT_MS, status, &resp, &err);
	jv_free(body);
	if (rc < 0) {
		fprintf(stderr, "nr login: %s\n", err.p ? err.p : "the request failed");
	} else {
		*answer = jv_parse(resp.p ? resp.p : "");
		if (jv_get_kind(*answer) != JV_KIND_OBJECT) {
			jv_free(*answer);
			*answer = jv_object();
		}
	}
	if (resp.p)
		explicit_bzero(resp.p, resp.cap);	/* may hold a code or a token */
	buf_free(&resp);
	buf_free(&err);
	return rc;
}

double login_interval(jv answer)
{
	jv v = jv_object_get(jv_copy(answer), jv_string("interval"));
	double s = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v)
		   : jv_get_kind(v) == JV_KIND_STRING ? atof(jv_string_value(v)) : 5;
	jv_free(v);
	return s >= 1 && s <= 60 ? s : 5;
}

int login_poll(const char *url, jv req, double every, double deadline, login_step *step, void *ctx)
{
	for (;;) {
		if (login_wait(every, deadline) < 0) {
			fprintf(stderr, "nr login: the code was not entered in time\n");
			return -1;
		}
		long status;
		jv ans;
		if (login_post_json(url, jv_copy(req), &status, &ans) < 0)
			return -1;
		int r = step(status, ans, ctx, &every);
		jv_free(ans);
		if (r)
			return r > 0 ? 0 : -1;
	}
}

double login_now(void)
{
	return nr_mono_s();
}

int login_wait(double s, double deadline)
{
	if (login_now() + s > deadline)
		return -1;
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}
