/* conn: one client connection: read requests (keep-alive), authenticate,
 * dispatch by endpoint, write the answers. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "route/route.h"
#include "serve/auth.h"
#include "serve/dashboard.h"
#include "serve/dispatch.h"
#include "serve/endpoint.h"
#include "serve/http.h"
#include "serve/metrics.h"
#include "serve/models.h"
#include "serve/reply.h"
#include "serve/server.h"
#include "translate/translate.h"

static const char *type_for_status(int status)
{
	switch (status) {
	case 401: return "authentication";
	case 403: return "permission";
	case 404: return "not_found";
	case 408: return "timeout";
	case 429: return "rate_limit";
	case 529: return "overloaded";
	default: return status >= 500 ? "server_error" : "invalid_request";
	}
}

static const char *read_error_message(int status)
{
	switch (status) {
	case 408: return "the request was not received in time";
	case 413: return "the request body is larger than this server accepts";
	case 414: return "the request line is too long";
	case 431: return "the request headers are too large";
	case 501: return "unsupported transfer coding";
	case 505: return "only HTTP/1.x is supported";
	default: return "malformed HTTP request";
	}
}

static int handle_health(struct http_conn *c, const struct http_request *req)
{
	static const char body[] = "{\"status\":\"ok\"}";
	return http_write_response(c, 200, SERVE_JSON_CT, body, sizeof body - 1, req->keep_alive,
				   strcmp(req->method, "HEAD") == 0);
}

static int handle_options(struct http_conn *c, const struct http_request *req)
{
	static const char hdrs[] =
		"Allow: GET, HEAD, POST, OPTIONS\r\n";	/* no CORS: browsers stay out */
	return http_write_response(c, 204, hdrs, NULL, 0, req->keep_alive, 1);
}

static int handle_models(struct http_conn *c, const struct http_request *req)
{
	struct buf b = BUF_INIT;
	int rc = models_list_json(&b);
	if (rc == 0)
		rc = http_write_response(c, 200, SERVE_JSON_CT, b.p, b.len, req->keep_alive,
					 strcmp(req->method, "HEAD") == 0);
	else
		rc = serve_send_error(c, NR_FMT_OPENAI, 500, "server_error", "out of memory", 0, 0);
	buf_free(&b);
	return rc;
}

/* GET /v1/models/{id}: the entry, or a 404 in the client's format (Anthropic's
 * SDK sends anthropic-version; the path alone cannot tell it from OpenAI's). */
static int handle_model(struct http_conn *c, const struct http_request *req,
			const struct endpoint *ep)
{
	int head = strcmp(req->method, "HEAD") == 0;
	struct buf b = BUF_INIT;
	int found = models_find_json(ep->model, &b), rc;
	if (found > 0) {
		rc = http_write_response(c, 200, SERVE_JSON_CT, b.p, b.len, req->keep_alive, head);
	} else if (found == 0) {
		enum nr_format f = http_header(req, "anthropic-version") ? NR_FMT_ANTHROPIC : ep->format;
		buf_reset(&b);
		rc = buf_printf(&b, "no model or combo named '%s'", ep->model);
		if (rc == 0)
			rc = serve_send_error(c, f, 404, "not_found", b.p, req->keep_alive, head);
	} else {
		rc = serve_send_error(c, ep->format, 500, "server_error", "out of memory", 0, 0);
	}
	buf_free(&b);
	return rc;
}

/* An honest estimate, not the provider's tokenizer: about 4 bytes of the
 * request's text per token (what rtk-filter --stats uses too), counted over
 * the strings of the JSON body so that syntax and keys do not inflate it. */
static unsigned long long string_bytes(jv v)
{
	unsigned long long n = 0;
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		n = (unsigned long long)jv_string_length_bytes(jv_copy(v));
		break;
	case JV_KIND_ARRAY:
		jv_array_foreach(v, i, e) {
			(void)i;
			n += string_bytes(e);
		}
		break;
	case JV_KIND_OBJECT:
		jv_object_foreach(v, k, e) {
			jv_free(k);
			n += string_bytes(e);
		}
		break;
	default:
		break;
	}
	jv_free(v);
	return n;
}

static int handle_count_tokens(struct http_conn *c, const struct http_request *req,
			       const struct endpoint *ep)
{
	jv body = jv_parse_sized(req->body.p ? req->body.p : "", (int)req->body.len);
	if (jv_get_kind(body) != JV_KIND_OBJECT) {
		jv_free(body);
		return serve_send_error(c, ep->format, 400, "invalid_request",
					"the request body is not a JSON object", req->keep_alive, 0);
	}
	unsigned long long tokens = (string_bytes(body) + 3) / 4;
	struct buf b = BUF_INIT;
	int rc = ep->format == NR_FMT_GEMINI ? buf_printf(&b, "{\"totalTokens\":%llu}", tokens)
					     : buf_printf(&b, "{\"input_tokens\":%llu}", tokens);
	if (rc == 0)
		rc = http_write_response(c, 200, SERVE_JSON_CT, b.p, b.len, req->keep_alive, 0);
	buf_free(&b);
	return rc;
}

/* Answers a request refused before its body, or a read that failed (status
 * 0: the connection failed, nothing can be sent). A body left unread ends the
 * connection; what the client still sends is drained so that it reads the
 * answer (a client too slow, 408, is not waited for). 1 to keep it, 0 to close. */
static int refuse(struct http_conn *c, const struct http_request *req, enum nr_format f,
		  int status, const char *msg)
{
	int keep = req->keep_alive && !http_body_pending(req);
	if (!status || serve_send_error(c, f, status, type_for_status(status), msg, keep,
					req->method && strcmp(req->method, "HEAD") == 0) < 0)
		return 0;
	if (!keep && status != 408)
		http_linger(c);
	return keep;
}

/* The handler of an accepted request whose body has been read. */
static int run(struct http_conn *c, struct http_request *req, const struct endpoint *ep,
	       const struct serve_config *cfg, const struct auth_result *who, int loopback)
{
	if (strcmp(req->method, "OPTIONS") == 0)
		return handle_options(c, req);
	switch (ep->kind) {
	case EP_HEALTH: return handle_health(c, req);
	case EP_MODELS: return handle_models(c, req);
	case EP_MODEL: return handle_model(c, req, ep);
	case EP_COUNT_TOKENS: return handle_count_tokens(c, req, ep);
	case EP_METRICS: return metrics_answer(c, req);
	case EP_DASHBOARD: return dashboard_answer(c, req, cfg, loopback);
	default: return dispatch(c, req, ep, cfg, who);
	}
}

/* One request whose head has been read: endpoint, method and key are
 * checked before the body is asked for (100 Continue) and read, so that a
 * refused client costs no memory. 1 to keep the connection, 0 to close it. */
static int handle(struct http_conn *c, struct http_request *req, const struct serve_config *cfg,
		  int loopback)
{
	struct endpoint ep;
	if (endpoint_match(req->path, &ep) < 0)
		return refuse(c, req, NR_FMT_OPENAI, 500, "out of memory");
	int head = strcmp(req->method, "HEAD") == 0;
	int status = 0;
	const char *msg = NULL;
	struct auth_result who = { 0 };
	if (strcmp(req->method, "OPTIONS") == 0) {
		/* answered on every path, without a key */
	} else if (ep.kind == EP_NONE) {
		status = 404, msg = "no such endpoint";
	} else if (strcmp(req->method, ep.method) != 0 && !(head && strcmp(ep.method, "GET") == 0)) {
		status = 405, msg = "method not allowed on this endpoint";
	} else if (ep.kind == EP_DASHBOARD) {
		status = dashboard_admit(req, &msg);	/* its own login: a session cookie */
	} else if (ep.kind == EP_METRICS && cfg->metrics_public && loopback) {
		/* --metrics-public: a scraper on this machine needs no key, and sends no body */
		if (http_body_pending(req))
			status = 413, msg = "GET /metrics takes no body";
	} else if (ep.kind != EP_HEALTH) {
		int a = auth_check(req, cfg, loopback, &who);
		if (a < 0)
			status = 500, msg = "unable to check the API key";
		else if (a == 0)
			status = who.status, msg = who.message;
	}
	int keep;
	/* the key check's read transaction goes on to the router's, unless the
	 * body is still to come: no snapshot is held while a client sends */
	if (status || http_body_waits(c, req))
		nr_db_read_ahead_end();
	if (status) {
		keep = refuse(c, req, ep.format, status, msg);
	} else if (http_write_continue(c, req) < 0) {
		keep = 0;
	} else if (http_read_body(c, req, &status) < 0) {
		req->keep_alive = 0;	/* where the next request starts is unknown */
		keep = refuse(c, req, ep.format, status, read_error_message(status));
	} else {
		keep = run(c, req, &ep, cfg, &who, loopback) == 0 && req->keep_alive;
	}
	nr_db_read_ahead_end();	/* when the request did not reach the router's first read */
	auth_result_free(&who);
	endpoint_free(&ep);
	return keep;
}
/* Usage rows wait in the worker while requests keep coming on this
 * connection, and are written (one transaction) once they are due or the
 * client has been quiet for QUIET_MS, so that a lone request's row is in
 * SQLite within milliseconds of its answer. */
#define QUIET_MS 5
static void flush_when_quiet(struct http_conn *c)
{
	long due = nr_route_flush_due();
	c->ready = 0;
	if (due < 0)
		return;
	if (due > 0 && c->rpos < c->rbuf.len)
		return;	/* a pipelined request is already here */
	struct pollfd p = { .fd = c->in, .events = POLLIN };
	if (due == 0 || poll(&p, 1, due < QUIET_MS ? (int)due : QUIET_MS) <= 0)
		nr_route_flush();
	else
		c->ready = 1;	/* the request's first read need not poll again */
}


void serve_connection(int in, int out, const struct serve_config *cfg, int loopback)
{
	signal(SIGPIPE, SIG_IGN);	/* a vanished client is a write error, not a death */
	/* out: the accepted socket, or inetd's fd 1 (the same socket as fd 0);
	 * without TCP_NODELAY the answer is only slower, so it is served anyway */
	(void)serve_set_nodelay(out);
	struct http_conn c;
	http_conn_init(&c, in, out);
	c.body_max = cfg->body_max;
	c.timeout_ms = cfg->timeout_ms;
	c.pressed = serve_pool_pressed;
	for (;;) {
		struct http_request req;
		int status;
		flush_when_quiet(&c);
		int r = http_read_head(&c, &req, &status);
		int keep = 0;
		if (r < 0) {
			struct endpoint ep = { .format = NR_FMT_OPENAI };
			if (status && req.path)	/* answer in the client's format when known */
				endpoint_match(req.path, &ep);
			req.keep_alive = 0;
			refuse(&c, &req, ep.format, status, read_error_message(status));
			endpoint_free(&ep);
		} else if (r > 0) {
			keep = handle(&c, &req, cfg, loopback);
		}
		http_request_free(&req);
		if (!keep)
			break;
	}
	if (nr_route_flush_due() >= 0)
		nr_route_flush();
	http_conn_free(&c);
}
