/* dispatch: body → rtk-filter → the router, all in this process, its answer
 * written as HTTP: whole with a Content-Length, or chunk by chunk for event
 * streams. No child process: forking one per request cost more than the
 * routing itself (page tables, copy-on-write faults, libcurl set-up). */
#include "serve/dispatch.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exitcodes.h"
#include "route/route.h"
#include "route/upstream.h"
#include "rtk/engine.h"
#include "rtk/request.h"
#include "serve/knobs.h"
#include "serve/reply.h"

/* The router's answer, turned into HTTP on the client's connection. */
struct http_out {
	struct nr_out out;	/* first: the router sees a struct nr_out * */
	struct http_conn *c;
	int keep_alive, head_only;
	int status, sse;
	struct buf hdrs;	/* "Name: value\r\n" lines */
	struct buf body;	/* a whole answer, sent with its length once complete */
};

static int out_head(struct nr_out *o, int status, const char *content_type, const char *target)
{
	struct http_out *h = (struct http_out *)o;
	h->status = status;
	if (buf_printf(&h->hdrs, "Content-Type: %s\r\n", content_type) < 0 ||
	    (target && buf_printf(&h->hdrs, "X-Nr-Target: %s\r\n", target) < 0) ||
	    (o->retry_after > 0 && buf_printf(&h->hdrs, "Retry-After: %ld\r\n", o->retry_after) < 0) ||
	    (o->extra_headers && buf_puts(&h->hdrs, o->extra_headers) < 0))
		return -1;
	h->sse = !h->head_only && strncasecmp(content_type, "text/event-stream", 17) == 0;
	if (h->sse)
		return http_write_chunked_start(h->c, status, h->hdrs.p, h->keep_alive);
	return 0;
}

static int out_body(struct nr_out *o, const char *p, size_t n)
{
	struct http_out *h = (struct http_out *)o;
	return h->sse ? http_write_chunk(h->c, p, n) : buf_append(&h->body, p, n);
}

/* After the router returned: the end of a stream, or the whole answer. */
static int out_finish(struct http_out *h, enum nr_format f, int route_rc)
{
	if (!h->out.started)
		return serve_send_error(h->c, f, 502, "server_error", "the router ended without an answer",
					h->keep_alive, h->head_only);
	if (h->sse)
		return route_rc == NR_EXIT_SYS ? -1 : http_write_chunked_end(h->c);
	return http_write_response(h->c, h->status, h->hdrs.p, h->body.p, h->body.len,
				   h->keep_alive, h->head_only);
}

int dispatch(struct http_conn *c, struct http_request *req, const struct endpoint *ep,
	     const struct serve_config *cfg, const struct auth_result *who)
{
	int head = strcmp(req->method, "HEAD") == 0;
	struct buf filtered = BUF_INIT;
	struct rtk_request_stats st = { 0 };
	char *err = NULL;
	struct knobs k;
	const char *bad;
	if (knobs_resolve(req, cfg, &who->settings, &k, &bad) < 0) {
		struct buf msg = BUF_INIT;
		int rc = bad ? buf_printf(&msg, "the %s header must be on or off (or true/false, 1/0)", bad)
			     : buf_puts(&msg, "out of memory");
		if (rc == 0)
			rc = serve_send_error(c, ep->format, bad ? 400 : 500, bad ? "invalid_request" : "server_error",
					      msg.p, req->keep_alive, head);
		buf_free(&msg);
		return rc;
	}
	int flags = (k.caveman ? RTK_REQUEST_CAVEMAN : 0) | (k.rtk ? 0 : RTK_REQUEST_KEEP_RESULTS);
	if (rtk_request(req->body.p ? req->body.p : "", req->body.len, ep->format, flags,
			&filtered, &st, &err) < 0) {
		struct buf msg = BUF_INIT;
		int rc = buf_printf(&msg, "invalid request body: %s", err ? err : "not JSON");
		if (rc == 0)
			rc = serve_send_error(c, ep->format, 400, "invalid_request", msg.p,
					      req->keep_alive, head);
		buf_free(&msg);
		free(err);
		buf_free(&filtered);
		return rc;
	}
	unsigned long long saved = st.in_bytes - st.out_bytes;
	struct buf beta = BUF_INIT;	/* several anthropic-beta lines are one list */
	if (http_header_list(req, "anthropic-beta", &beta) < 0) {
		buf_free(&filtered);
		return serve_send_error(c, ep->format, 500, "server_error", "out of memory", 0, head);
	}
	/* the client's own credential, for auth=passthrough providers: its
	 * Authorization (or x-api-key) when nr's key came apart, in X-NR-Key, or
	 * when nr takes no key */
	const char *cred = NULL;
	if (http_header(req, "x-nr-key") || !cfg->auth) {
		cred = http_header(req, "authorization");
		if (cred && strncasecmp(cred, "Bearer ", 7) == 0)
			cred += 7 + strspn(cred + 7, " ");
		else
			cred = http_header(req, "x-api-key");
	}
	struct nr_route_args a = {
		.from = ep->format, .model = ep->model, .stream = ep->stream,
		.client_key = who->key_name,
		.rtk_bytes = (long long)saved, .rtk_tokens = (long long)rtk_estimate_tokens(saved),
		.anthropic_beta = beta.len ? beta.p : NULL,
		.anthropic_version = http_header(req, "anthropic-version"),
		.client_credential = cred,
		.client_account_id = cred ? http_header(req, "chatgpt-account-id") : NULL,
	};
	struct http_out h = {
		.out = { out_head, out_body, 0, 0, 0, NULL }, .c = c, .keep_alive = req->keep_alive,
		.head_only = head, .hdrs = BUF_INIT, .body = BUF_INIT,
	};
	nr_upstream_watch(c->hangup_fd);	/* a client that hangs up stops the upstream call */
	int route_rc = nr_route_request(&a, filtered.p, filtered.len, &h.out);
	nr_upstream_watch(-1);
	buf_free(&filtered);
	buf_free(&beta);
	int rc = out_finish(&h, ep->format, route_rc);
	if (nr_route_flush_due() == 0)	/* else when the connection goes quiet (conn.c) */
		nr_route_flush();	/* usage: only now, so that no client waits on the database */
	buf_free(&h.hdrs);
	buf_free(&h.body);
	return rc;
}
