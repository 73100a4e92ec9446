/* oauth: the sign-in side of two subscription providers (README "OAuth:
 * Codex ... and GitHub Copilot"): Codex's issuer (authorize, token, device
 * flow), GitHub's device flow, Copilot's token exchange and quota, and the
 * token checks of the Codex and Copilot backends. The connections' children
 * share state (used refresh tokens, device polls) only through files under
 * --state DIR, each created with O_EXCL or grown by one O_APPEND write. */
#include "mock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>	/* arc4random: glibc 2.36 */
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "keys.h"

const char *mock_state_dir;

#define CODEX_CLIENT "app_EMoamEEZ73f0CkXaXp7hrann"
#define CODEX_ACCOUNT "acct-mock-1"
#define CODEX_CLAIMS "https://api.openai.com/auth"
#define CODEX_USER_CODE "MOCK-1234"
#define GITHUB_USER_CODE "GHUB-1234"
#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
#define JWT_HEADER "{\"alg\":\"none\",\"typ\":\"JWT\"}"
#define JWT_SIGNATURE "mock-signature"

/* What a handler answers: JSON (or a form, to GitHub clients that do not
 * accept JSON), or text when json is invalid. */
struct reply {
	int status;
	jv json;
	struct buf text;
	struct buf extra;	/* header lines (Location) */
};

/* ---- small tools */

/* Environment variable `name` as an integer in [min, max]; def when unset
 * or anything else. */
static long env_long(const char *name, long def, long min, long max)
{
	const char *s = getenv(name);
	char *end;
	if (!s || !*s)
		return def;
	errno = 0;
	long v = strtol(s, &end, 10);
	return *end || errno || v < min || v > max ? def : v;
}

static long token_ttl(void)
{
	return env_long("MOCK_TOKEN_TTL", 3600, -1000000000L, 1000000000L);
}

static long device_interval(void)
{
	return env_long("MOCK_DEVICE_INTERVAL", 1, 0, 3600);
}

/* Appends n random hex digits (n a multiple of 8). */
static void rand_hex(struct buf *b, int n)
{
	for (int i = 0; i < n; i += 8)
		must(buf_printf(b, "%08x", arc4random()));
}

/* Appends base64url of n bytes, without padding. */
static void b64url(struct buf *out, const void *p, size_t n)
{
	must(n <= INT_MAX / 2 ? buf_reserve(out, 4 * ((n + 2) / 3)) : -1);
	int len = EVP_EncodeBlock((unsigned char *)out->p + out->len, p, (int)n);
	for (int i = 0; i < len; i++) {
		char c = out->p[out->len + (size_t)i];
		out->p[out->len + (size_t)i] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	while (len > 0 && out->p[out->len + (size_t)len - 1] == '=')
		len--;
	out->len += (size_t)len;
	out->p[out->len] = '\0';
}

/* Decodes unpadded base64url onto out; -1 when it is not. */
static int b64url_decode(const char *p, size_t n, struct buf *out)
{
	if (n == 0 || n % 4 == 1 || n > 65536)
		return -1;
	struct buf std = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		must(buf_putc(&std, p[i] == '-' ? '+' : p[i] == '_' ? '/' : p[i]));
	size_t pad = (4 - n % 4) % 4;
	must(buf_append(&std, "==", pad));
	must(buf_reserve(out, std.len / 4 * 3));
	int len = EVP_DecodeBlock((unsigned char *)out->p + out->len, (unsigned char *)std.p, (int)std.len);
	buf_free(&std);
	if (len < (int)pad)
		return -1;
	out->len += (size_t)len - pad;
	out->p[out->len] = '\0';
	return 0;
}

/* PKCE's S256 challenge of a verifier: base64url(SHA-256(verifier)). */
static void pkce_challenge(const char *verifier, struct buf *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	must(EVP_Digest(verifier, strlen(verifier), md, &len, EVP_sha256(), NULL) ? 0 : -1);
	b64url(out, md, len);
}

/* v[name] when v is an object, else jv_invalid(); consumes v. */
static jv member(jv v, const char *name)
{
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return jv_invalid();
	}
	return jv_object_get(v, jv_string(name));
}

/* The string member `name` of fields, or NULL; fields keeps it alive. */
static const char *param(jv fields, const char *name)
{
	jv v = member(jv_copy(fields), name);
	const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
	jv_free(v);
	return s;
}

static int is(const char *s, const char *want)
{
	return s && strcmp(s, want) == 0;
}

static int starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The token of "Authorization: token T" or "Authorization: Bearer T", or NULL. */
static const char *auth_token(const struct request *rq)
{
	const char *a = request_header(rq, "authorization");
	if (a && strncasecmp(a, "token ", 6) == 0)
		return a + 6;
	return a && strncasecmp(a, "bearer ", 7) == 0 ? a + 7 : NULL;
}

/* ---- errors, in the shapes of each server */

/* openai's {"error":{"message","type","param":null,"code"}}; type NULL: the
 * issuer's refresh errors, {"error":{"code","message"}}. */
static jv openai_error(const char *type, const char *code, const char *message)
{
	jv e = JV_OBJECT(S("message"), S(message));
	if (type)
		e = jv_object_set(jv_object_set(e, S("type"), S(type)), S("param"), jv_null());
	return JV_OBJECT(S("error"), jv_object_set(e, S("code"), code ? S(code) : jv_null()));
}

/* RFC 6749's {"error","error_description"} (GitHub's too). */
static void oauth_error(struct reply *r, int status, const char *error, const char *description)
{
	r->status = status;
	r->json = JV_OBJECT(S("error"), S(error), S("error_description"), S(description));
}

static void server_error(struct reply *r, const char *message)
{
	r->status = 500;
	r->json = openai_error("server_error", NULL, message);
}

static void state_failed(struct reply *r)
{
	server_error(r, "mock-upstream: unable to write in the --state directory");
}

/* ---- state files */

/* DIR/KIND-<hex SHA-256 of id> (malloc'd): any id makes a safe name. */
static char *state_path(const char *kind, const char *id)
{
	char hex[65];
	struct buf path = BUF_INIT;
	must(keys_hash(id, hex));
	must(buf_printf(&path, "%s/%s-%s", mock_state_dir, kind, hex));
	return buf_steal(&path, NULL);
}

/* Marks id as used: 1 the first time, 0 when it already was, -1 on error. */
static int state_first_use(const char *kind, const char *id)
{
	char *path = state_path(kind, id);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int err = errno;
	free(path);
	if (fd >= 0)
		return close(fd) < 0 ? -1 : 1;
	return err == EEXIST ? 0 : -1;
}

/* Counts a call for id: 1 the first time, then 2...; -1 on error. Each call
 * appends one byte with O_APPEND: the offset after it is the call's number,
 * whatever other children append at the same time. */
static long state_count(const char *kind, const char *id)
{
	char *path = state_path(kind, id);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return -1;
	off_t n = write(fd, ".", 1) == 1 ? lseek(fd, 0, SEEK_CUR) : -1;
	return close(fd) < 0 ? -1 : (long)n;
}

/* Whether this poll of device `id` is still pending: the first
 * MOCK_DEVICE_PENDING polls are; none without --state. -1 on error. */
static int still_pending(const char *kind, const char *id)
{
	if (!mock_state_dir)
		return 0;
	long n = state_count(kind, id);
	return n < 0 ? -1 : n <= env_long("MOCK_DEVICE_PENDING", 1, 0, 1000000);
}

/* ---- JWTs: header.payload.signature, unsigned ("alg":"none") */

static char *jwt_make(jv payload)
{
	struct buf json = BUF_INIT, token = BUF_INIT;
	json_append(&json, payload);
	b64url(&token, JWT_HEADER, strlen(JWT_HEADER));
	must(buf_putc(&token, '.'));
	b64url(&token, json.p, json.len);
	must(buf_putc(&token, '.'));
	b64url(&token, JWT_SIGNATURE, strlen(JWT_SIGNATURE));
	buf_free(&json);
	return buf_steal(&token, NULL);
}

/* The payload object of a JWT the mock made (its header and signature),
 * else jv_invalid(). */
static jv jwt_payload(const char *token)
{
	struct buf head = BUF_INIT, sig = BUF_INIT, payload = BUF_INIT;
	b64url(&head, JWT_HEADER, strlen(JWT_HEADER));
	must(buf_putc(&head, '.'));
	must(buf_putc(&sig, '.'));
	b64url(&sig, JWT_SIGNATURE, strlen(JWT_SIGNATURE));
	size_t n = strlen(token);
	jv v = jv_invalid();
	if (n > head.len + sig.len && strncmp(token, head.p, head.len) == 0 &&
	    strcmp(token + n - sig.len, sig.p) == 0 &&
	    b64url_decode(token + head.len, n - head.len - sig.len, &payload) == 0)
		v = json_parse(payload.p, payload.len);
	buf_free(&head);
	buf_free(&sig);
	buf_free(&payload);
	if (jv_get_kind(v) == JV_KIND_OBJECT)
		return v;
	jv_free(v);
	return jv_invalid();
}

/* ---- Codex: auth.openai.com */

/* A code that carries its PKCE challenge, so the exchange needs no state:
 * "mc." + challenge + "." + random hex. */
static char *codex_code(const char *challenge)
{
	struct buf code = BUF_INIT;
	must(buf_printf(&code, "mc.%s.", challenge));
	rand_hex(&code, 8);
	return buf_steal(&code, NULL);
}

/* 1 when the fields name Codex's client_id, else a 401 in r. */
static int codex_client(jv fields, struct reply *r)
{
	if (is(param(fields, "client_id"), CODEX_CLIENT))
		return 1;
	oauth_error(r, 401, "invalid_client", "mock-upstream: client_id is not Codex's " CODEX_CLIENT);
	return 0;
}

/* GET /oauth/authorize: the user clicks "Allow"; a redirect with the code. */
static void codex_authorize(const struct request *rq, jv q, struct reply *r)
{
	static const char *const need[] = { "response_type", "client_id", "redirect_uri", "code_challenge",
					    "code_challenge_method", "state" };
	(void)rq;
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!param(q, need[i])) {
			r->status = 400;
			must(buf_printf(&r->text, "mock-upstream: %s is missing\n", need[i]));
			return;
		}
	const char *bad = !is(param(q, "response_type"), "code") ? "response_type must be code"
		: !is(param(q, "client_id"), CODEX_CLIENT) ? "client_id is not Codex's"
		: !is(param(q, "code_challenge_method"), "S256") ? "code_challenge_method must be S256"
		: strpbrk(param(q, "redirect_uri"), "\r\n") ? "redirect_uri holds a line break" : NULL;
	if (bad) {
		r->status = 400;
		must(buf_printf(&r->text, "mock-upstream: %s\n", bad));
		return;
	}
	const char *uri = param(q, "redirect_uri"), *error = param(q, "mock_error");
	r->status = 302;
	must(buf_printf(&r->extra, "Location: %s%c%s=", uri, strchr(uri, '?') ? '&' : '?', error ? "error" : "code"));
	char *code = error ? NULL : codex_code(param(q, "code_challenge"));
	url_encode(&r->extra, error ? error : code);
	free(code);
	must(buf_puts(&r->extra, "&state="));
	url_encode(&r->extra, param(q, "state"));
	must(buf_puts(&r->extra, "\r\n"));
}

/* 200 with a new id token, access token and refresh token. */
static void codex_tokens(struct reply *r)
{
	long exp = (long)time(NULL) + token_ttl();
	struct buf jti = BUF_INIT, refresh = BUF_INIT;
	rand_hex(&jti, 16);
	must(buf_puts(&refresh, "rt-"));
	rand_hex(&refresh, 16);
	char *id = jwt_make(JV_OBJECT(S("email"), S("user@example.com"), S("exp"), N(exp), S(CODEX_CLAIMS),
				      JV_OBJECT(S("chatgpt_account_id"), S(CODEX_ACCOUNT),
						S("chatgpt_plan_type"), S("plus"))));
	char *access = jwt_make(JV_OBJECT(S("exp"), N(exp), S(CODEX_CLAIMS),
					  JV_OBJECT(S("chatgpt_account_id"), S(CODEX_ACCOUNT)), S("jti"), S(jti.p)));
	r->json = JV_OBJECT(S("id_token"), S(id), S("access_token"), S(access), S("refresh_token"), S(refresh.p));
	free(id);
	free(access);
	buf_free(&jti);
	buf_free(&refresh);
}

/* grant_type=authorization_code: the verifier must hash to the code's challenge. */
static void codex_exchange(jv f, struct reply *r)
{
	const char *code = param(f, "code"), *verifier = param(f, "code_verifier");
	const char *dot = starts(code, "mc.") ? strrchr(code, '.') : NULL;
	struct buf want = BUF_INIT;
	if (verifier)
		pkce_challenge(verifier, &want);
	if (!codex_client(f, r)) {
		buf_free(&want);
		return;
	}
	if (!param(f, "redirect_uri"))
		oauth_error(r, 400, "invalid_request", "mock-upstream: redirect_uri is missing");
	else if (!dot || dot == code + 2)
		oauth_error(r, 400, "invalid_grant", "mock-upstream: the code is not one the mock issued");
	else if (!verifier || want.len != (size_t)(dot - code - 3) || memcmp(want.p, code + 3, want.len) != 0)
		oauth_error(r, 400, "invalid_grant", "mock-upstream: code_verifier does not match the code_challenge");
	else
		codex_tokens(r);
	buf_free(&want);
}

/* grant_type=refresh_token: rotation; with --state a token works once. */
static void codex_refresh(jv f, struct reply *r)
{
	const char *token = param(f, "refresh_token");
	sleep_ms(env_long("MOCK_REFRESH_DELAY_MS", 0, 0, 600000));
	if (!codex_client(f, r))
		return;
	if (!token || !*token) {
		oauth_error(r, 400, "invalid_request", "mock-upstream: refresh_token is missing");
	} else if (starts(token, "rt-expired")) {
		r->status = 401;
		r->json = openai_error(NULL, "refresh_token_expired",
				       "Your refresh token has expired. Please try signing in again.");
	} else if (starts(token, "rt-flaky")) {
		r->status = 503;
		r->json = openai_error("server_error", "service_unavailable", "mock-upstream: rt-flaky, try again later");
	} else {
		int first = mock_state_dir ? state_first_use("used", token) : 1;
		if (first < 0) {
			state_failed(r);
		} else if (!first) {
			r->status = 401;
			r->json = openai_error(NULL, "refresh_token_reused",
					       "Your refresh token has already been used to generate a new access "
					       "token. Please try signing in again.");
		} else {
			codex_tokens(r);
		}
	}
}

/* POST /oauth/token: a code as a form, a refresh as JSON (as Codex sends them). */
static void codex_token(const struct request *rq, jv f, struct reply *r)
{
	const char *grant = param(f, "grant_type"), *type = request_header(rq, "content-type");
	if (is(grant, "authorization_code") && starts(type, "application/x-www-form-urlencoded"))
		codex_exchange(f, r);
	else if (is(grant, "refresh_token") && starts(type, "application/json"))
		codex_refresh(f, r);
	else
		oauth_error(r, 400, "unsupported_grant_type", "mock-upstream: grant_type authorization_code "
			    "(in a form) or refresh_token (in JSON)");
}

/* POST /api/accounts/deviceauth/usercode */
static void codex_usercode(const struct request *rq, jv f, struct reply *r)
{
	(void)rq;
	if (!codex_client(f, r))
		return;
	struct buf id = BUF_INIT;
	must(buf_puts(&id, "dev-"));
	rand_hex(&id, 16);
	r->json = JV_OBJECT(S("device_auth_id"), S(id.p), S("user_code"), S(CODEX_USER_CODE),
			    S("interval"), jv_string_fmt("%ld", device_interval()));
	buf_free(&id);
}

/* POST /api/accounts/deviceauth/token: 403 while pending, then a code and
 * its PKCE pair for the normal exchange. */
static void codex_device_token(const struct request *rq, jv f, struct reply *r)
{
	const char *id = param(f, "device_auth_id");
	(void)rq;
	if (!id || !is(param(f, "user_code"), CODEX_USER_CODE)) {
		r->status = 400;
		r->json = openai_error("invalid_request_error", NULL,
				       "mock-upstream: wants device_auth_id and user_code " CODEX_USER_CODE);
		return;
	}
	int wait = still_pending("codex-polls", id);
	if (wait) {
		if (wait < 0)
			state_failed(r);
		else {
			r->status = 403;
			r->json = openai_error("invalid_request_error", "authorization_pending",
					       "mock-upstream: the user has not approved yet");
		}
		return;
	}
	unsigned char random[32];
	struct buf verifier = BUF_INIT, challenge = BUF_INIT;
	arc4random_buf(random, sizeof random);
	b64url(&verifier, random, sizeof random);
	pkce_challenge(verifier.p, &challenge);
	char *code = codex_code(challenge.p);
	r->json = JV_OBJECT(S("authorization_code"), S(code), S("code_challenge"), S(challenge.p),
			    S("code_verifier"), S(verifier.p));
	free(code);
	buf_free(&verifier);
	buf_free(&challenge);
}

/* ---- GitHub and Copilot */

/* POST /login/device/code */
static void github_device_code(const struct request *rq, jv f, struct reply *r)
{
	(void)rq;
	if (!param(f, "client_id")) {
		oauth_error(r, 400, "incorrect_client_credentials", "mock-upstream: client_id is missing");
		return;
	}
	struct buf code = BUF_INIT;
	must(buf_puts(&code, "gdc-"));
	rand_hex(&code, 16);
	r->json = JV_OBJECT(S("device_code"), S(code.p), S("user_code"), S(GITHUB_USER_CODE),
			    S("verification_uri"), S("https://github.com/login/device"),
			    S("expires_in"), N(900), S("interval"), N(device_interval()));
	buf_free(&code);
}

/* POST /login/oauth/access_token: errors come with 200, as GitHub's do. */
static void github_access_token(const struct request *rq, jv f, struct reply *r)
{
	const char *code = param(f, "device_code");
	int wait = 0;
	(void)rq;
	if (!param(f, "client_id"))
		oauth_error(r, 200, "incorrect_client_credentials", "mock-upstream: client_id is missing");
	else if (!is(param(f, "grant_type"), DEVICE_GRANT))
		oauth_error(r, 200, "unsupported_grant_type", "mock-upstream: grant_type must be " DEVICE_GRANT);
	else if (!starts(code, "gdc-"))
		oauth_error(r, 200, "incorrect_device_code", "mock-upstream: not a device_code the mock issued");
	else if (starts(code, "gdc-denied"))
		oauth_error(r, 200, "access_denied", "mock-upstream: the user cancelled the authorization");
	else if ((wait = still_pending("github-polls", code)) < 0)
		state_failed(r);
	else if (wait)
		oauth_error(r, 200, "authorization_pending", "mock-upstream: the user has not approved yet");
	if (r->status != 200 || jv_is_valid(r->json))
		return;
	struct buf token = BUF_INIT;
	must(buf_puts(&token, "ghu_mock"));
	rand_hex(&token, 32);
	r->json = JV_OBJECT(S("access_token"), S(token.p), S("token_type"), S("bearer"), S("scope"), S("read:user"));
	buf_free(&token);
}

/* 1 when the request carries a GitHub user token (ghu_ or gho_), else a 401 in r. */
static int github_user(const struct request *rq, struct reply *r)
{
	const char *t = auth_token(rq);
	if ((starts(t, "ghu_") || starts(t, "gho_")) && t[4])
		return 1;
	r->status = 401;
	r->json = JV_OBJECT(S("message"), S("Bad credentials"), S("documentation_url"), S("https://docs.github.com/rest"));
	return 0;
}

/* GET /copilot_internal/v2/token: a Copilot token for the GitHub token. */
static void copilot_token(const struct request *rq, jv f, struct reply *r)
{
	const char *host = request_header(rq, "host");
	(void)f;
	if (!github_user(rq, r))
		return;
	if (!host) {
		r->status = 400;
		r->json = JV_OBJECT(S("message"), S("mock-upstream: no Host header"));
		return;
	}
	long ttl = token_ttl(), exp = (long)time(NULL) + ttl;
	struct buf token = BUF_INIT;
	must(buf_printf(&token, "tid=mock;exp=%ld;sku=mock;8kp=1:", exp));
	rand_hex(&token, 16);
	r->json = JV_OBJECT(S("token"), S(token.p), S("expires_at"), N(exp), S("refresh_in"), N(ttl > 300 ? ttl - 300 : 0),
			    S("endpoints"), JV_OBJECT(S("api"), jv_string_fmt("http://%s", host)));
	buf_free(&token);
}

static jv quota_snapshot(const char *id, double entitlement, double remaining, int unlimited)
{
	return JV_OBJECT(S("entitlement"), N(entitlement), S("remaining"), N(remaining),
			 S("quota_remaining"), N(remaining),
			 S("percent_remaining"), N(unlimited ? 100.0 : remaining * 100.0 / entitlement),
			 S("overage_count"), N(0), S("overage_permitted"), jv_false(),
			 S("unlimited"), jv_bool(unlimited), S("quota_id"), S(id));
}

/* GET /copilot_internal/user: the quota snapshot (SUBSCRIPTIONS.md 4.5);
 * the window is the calendar month. */
static void copilot_user(const struct request *rq, jv f, struct reply *r)
{
	(void)f;
	if (!github_user(rq, r))
		return;
	time_t now = time(NULL);
	struct tm tm;
	if (!gmtime_r(&now, &tm)) {
		server_error(r, "mock-upstream: no calendar date for the time");
		return;
	}
	int year = tm.tm_year + 1900 + (tm.tm_mon == 11), month = tm.tm_mon == 11 ? 1 : tm.tm_mon + 2;
	r->json = JV_OBJECT(S("copilot_plan"), S("individual"), S("access_type_sku"), S("monthly_subscriber_quota"),
			    S("quota_reset_date"), jv_string_fmt("%04d-%02d-01", year, month),
			    S("quota_snapshots"), JV_OBJECT(S("chat"), quota_snapshot("chat", 0, 0, 1),
							    S("completions"), quota_snapshot("completions", 0, 0, 1),
							    S("premium_interactions"),
							    quota_snapshot("premium_interactions", 300, 135, 0)));
}

/* ---- the backends' token checks */

static int token_refused(struct buf *err, const char *message)
{
	json_append(err, openai_error("invalid_request_error", "token_expired", message));
	return 401;
}

/* chatgpt.com: a live access token of the mock's, and its account's id. */
static int check_codex(const struct request *rq, const char *key, struct buf *err)
{
	jv claims = key ? jwt_payload(key) : jv_invalid();
	jv exp = member(jv_copy(claims), "exp"), auth = member(jv_copy(claims), CODEX_CLAIMS);
	const char *account = param(auth, "chatgpt_account_id");
	int status = 0;
	if (!param(claims, "jti") || jv_get_kind(exp) != JV_KIND_NUMBER)
		status = token_refused(err, "mock-upstream: not an access token the mock issued (token expired or invalid)");
	else if (jv_number_value(exp) <= (double)time(NULL))
		status = token_refused(err, "mock-upstream: token expired; please try signing in again");
	else if (!account || !is(request_header(rq, "chatgpt-account-id"), account)) {
		status = 403;
		json_append(err, openai_error("permission_error", NULL,
					      "mock-upstream: ChatGPT-Account-ID is not the token's chatgpt_account_id"));
	}
	jv_free(exp);
	jv_free(auth);
	jv_free(claims);
	return status;
}

/* api.githubcopilot.com: a live Copilot token, and copilot-integration-id. */
static int check_copilot(const struct request *rq, const char *key, struct buf *err)
{
	const char *e = starts(key, "tid=") ? strstr(key, ";exp=") : NULL;
	char *end = NULL;
	long exp = e ? strtol(e + 5, &end, 10) : 0;
	if (!e || end == e + 5 || (*end && *end != ';'))
		return token_refused(err, "mock-upstream: not a Copilot token (tid=...;exp=N;...)");
	if (exp <= (long)time(NULL))
		return token_refused(err, "mock-upstream: token expired");
	if (!request_header(rq, "copilot-integration-id")) {
		json_append(err, openai_error("invalid_request_error", NULL,
					      "mock-upstream: the copilot-integration-id header is missing"));
		return 400;
	}
	return 0;
}

int oauth_check_bearer(enum mock_sub sub, const struct request *rq, const char *key, struct buf *err)
{
	return sub == SUB_CODEX ? check_codex(rq, key, err) : sub == SUB_COPILOT ? check_copilot(rq, key, err) : 0;
}

/* ---- dispatch */

typedef void handler(const struct request *rq, jv fields, struct reply *r);
static const struct route {
	const char *suffix, *method;
	handler *fn;
	int github;	/* GitHub answers a form to a client that does not accept JSON */
} routes[] = {
	{ "/oauth/authorize", "GET", codex_authorize, 0 },
	{ "/oauth/token", "POST", codex_token, 0 },
	{ "/api/accounts/deviceauth/usercode", "POST", codex_usercode, 0 },
	{ "/api/accounts/deviceauth/token", "POST", codex_device_token, 0 },
	{ "/login/device/code", "POST", github_device_code, 1 },
	{ "/login/oauth/access_token", "POST", github_access_token, 1 },
	{ "/copilot_internal/v2/token", "GET", copilot_token, 0 },
	{ "/copilot_internal/user", "GET", copilot_user, 0 },
};

int oauth_route(const char *path)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (ends_with(path, routes[i].suffix))
			return (int)i;
	return -1;
}

/* The request's fields: a GET's query, else the body (JSON object or form). */
static jv request_fields(const struct request *rq)
{
	if (strcmp(rq->method, "GET") == 0)
		return form_parse(rq->query, strlen(rq->query));
	const char *body = rq->body.p ? rq->body.p : "", *type = request_header(rq, "content-type");
	if (!type || !strstr(type, "json"))
		return form_parse(body, rq->body.len);
	jv v = json_parse(body, rq->body.len);
	if (jv_get_kind(v) == JV_KIND_OBJECT)
		return v;
	jv_free(v);
	return jv_invalid();
}

/* The fields for the log: those that are no secret whole, other strings cut
 * to their key_tail, other values null. */
static jv log_fields(jv f)
{
	static const char *const whole[] = { "client_id", "grant_type", "redirect_uri", "scope", "response_type",
					     "code_challenge_method", "user_code", "originator", "mock_error",
					     "id_token_add_organizations", "codex_cli_simplified_flow" };
	if (jv_get_kind(f) != JV_KIND_OBJECT) {
		jv_free(f);
		return jv_null();
	}
	jv out = jv_object();
	jv_object_foreach(f, k, v) {
		int keep = 0;
		for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
			keep |= strcmp(jv_string_value(k), whole[i]) == 0;
		jv cut = keep ? jv_copy(v) : jv_get_kind(v) == JV_KIND_STRING ? key_tail(jv_string_value(v)) : jv_null();
		jv_free(v);
		out = jv_object_set(out, k, cut);
	}
	jv_free(f);
	return out;
}

/* The secret a log line's key_tail shows: the Authorization token, else the
 * first of the fields' secrets. */
static const char *log_key(const struct request *rq, jv f)
{
	static const char *const secrets[] = { "refresh_token", "code", "device_code", "device_auth_id" };
	const char *key = auth_token(rq);
	for (size_t i = 0; !key && i < sizeof secrets / sizeof secrets[0]; i++)
		key = param(f, secrets[i]);
	return key;
}

/* GitHub's default answer: the fields as a form. */
static void form_body(jv v, struct buf *out)
{
	jv_object_foreach(v, k, x) {
		if (out->len)
			must(buf_putc(out, '&'));
		url_encode(out, jv_string_value(k));
		must(buf_putc(out, '='));
		if (jv_get_kind(x) == JV_KIND_NUMBER)
			must(buf_printf(out, "%.17g", jv_number_value(x)));
		else
			url_encode(out, jv_get_kind(x) == JV_KIND_STRING ? jv_string_value(x) : "");
		jv_free(k);
		jv_free(x);
	}
	jv_free(v);
}

/* The answer's body (consumes r->json) and its Content-Type. */
static const char *reply_body(const struct route *rt, const struct request *rq, struct reply *r, struct buf *body)
{
	const char *accept = request_header(rq, "accept");
	if (!jv_is_valid(r->json)) {
		must(buf_append(body, r->text.p, r->text.len));
		return "text/plain; charset=utf-8";
	}
	if (rt->github && !(accept && strstr(accept, "application/json"))) {
		form_body(r->json, body);
		return "application/x-www-form-urlencoded; charset=utf-8";
	}
	json_append(body, r->json);
	return "application/json";
}

int oauth_serve(int fd, int log_fd, const struct request *rq, int route, const char *extra)
{
	const struct route *rt = &routes[route];
	struct reply r = { 200, jv_invalid(), BUF_INIT, BUF_INIT };
	jv f = request_fields(rq);
	if (strcmp(rq->method, rt->method) != 0) {
		r.status = 405;
		r.json = openai_error("invalid_request_error", NULL, "Method not allowed.");
	} else if (!jv_is_valid(f)) {
		oauth_error(&r, 400, "invalid_request", "mock-upstream: the fields are neither a JSON object nor a form");
	} else {
		rt->fn(rq, f, &r);
	}
	jv logged = log_fields(jv_copy(f));
	struct log_entry le = { rq, "oauth", NULL, 0, log_key(rq, f), r.status, &logged };
	log_request(log_fd, &le);
	jv_free(logged);
	jv_free(f);
	raw_begin(&rq->body);

	struct buf body = BUF_INIT;
	const char *type = reply_body(rt, rq, &r, &body);
	must(buf_puts(&r.extra, extra));
	int rc = http_reply(fd, r.status, type, &body, r.extra.p, rq->keep_alive);
	raw_end();
	buf_free(&body);
	buf_free(&r.text);
	buf_free(&r.extra);
	return rc;
}
