/* upstream_request: an attempt's URL and headers (see upstream_request.h). */
#include "route/upstream_request.h"

#include <string.h>
#include <strings.h>

#include "http_call.h"
#include "logsafe.h"

void nr_request_url(struct buf *url, const struct nr_provider *p, const char *model, int stream,
		    const struct nr_account *acct)
{
	buf_puts(url, acct->base_url ? acct->base_url : p->base_url);
	switch (p->format) {
	case NR_FMT_OPENAI: buf_puts(url, "/chat/completions"); break;
	case NR_FMT_ANTHROPIC: buf_puts(url, "/messages"); break;
	case NR_FMT_RESPONSES: buf_puts(url, "/responses"); break;
	case NR_FMT_GEMINI:
		buf_puts(url, "/models/");
		nr_url_encode(url, model);
		buf_puts(url, stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
		break;
	}
	if (p->auth == NR_AUTH_QUERY) {
		buf_puts(url, strchr(url->p, '?') ? "&key=" : "?key=");
		nr_url_encode(url, acct->key);
	}
}

static struct curl_slist *add_header(struct curl_slist *l, int *bad, const char *h)
{
	struct curl_slist *n = curl_slist_append(l, h);
	if (!n) {
		*bad = 1;
		return l;
	}
	return n;
}

/* Nonzero when the provider file sets header `name` (a header= line). */
static int has_header(const struct nr_provider *p, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < p->nheaders; i++)
		if (strncasecmp(p->headers[i], name, n) == 0 && p->headers[i][n] == ':')
			return 1;
	return 0;
}

/* Anthropic's API refuses a request without anthropic-version: an Anthropic
 * client's own (the version its body is written for), else the one every
 * current SDK sends. */
static const char *anthropic_version(const struct nr_request *rq)
{
	const char *v = rq->args.anthropic_version;
	/* a control character would make a second header line */
	return rq->from == NR_FMT_ANTHROPIC && v && *v && log_printable(v) ? v : "2023-06-01";
}

struct curl_slist *nr_request_headers(const struct nr_provider *p, const struct nr_account *acct,
				      const struct nr_request *rq)
{
	struct curl_slist *l = NULL;
	int bad = 0;
	struct buf h = BUF_INIT;
	l = add_header(l, &bad, "Content-Type: application/json");
	l = add_header(l, &bad, rq->stream || p->stream_always ? "Accept: text/event-stream" : "Accept: application/json");
	l = add_header(l, &bad, "Expect:");	/* no 100-continue round trip */
	static const char *const auth_fmt[] = { "Authorization: Bearer %s", "x-api-key: %s", "x-goog-api-key: %s" };
	if (p->auth <= NR_AUTH_GOOG || p->auth == NR_AUTH_PASSTHROUGH) {
		buf_printf(&h, auth_fmt[p->auth == NR_AUTH_PASSTHROUGH ? NR_AUTH_BEARER : p->auth], acct->key);
		l = add_header(l, &bad, h.p ? h.p : "");
	}
	/* Codex logged in with ChatGPT names its account beside its token */
	const char *cid = rq->args.client_account_id;
	if (p->auth == NR_AUTH_PASSTHROUGH && cid && *cid && !strpbrk(cid, "\r\n")) {
		buf_reset(&h);
		buf_printf(&h, "ChatGPT-Account-ID: %s", cid);
		l = add_header(l, &bad, h.p ? h.p : "");
	}
	for (size_t i = 0; i < p->nheaders; i++)
		l = add_header(l, &bad, p->headers[i]);
	/* a login's own (ChatGPT-Account-ID), one per line */
	for (const char *s = acct->headers; s && *s;) {
		size_t n = strcspn(s, "\n");
		buf_reset(&h);
		buf_append(&h, s, n);
		if (n && h.p && strchr(h.p, ':'))
			l = add_header(l, &bad, h.p);
		s += n + (s[n] == '\n');
	}
	if (p->format == NR_FMT_ANTHROPIC && !has_header(p, "anthropic-version")) {
		buf_reset(&h);
		buf_printf(&h, "anthropic-version: %s", anthropic_version(rq));
		l = add_header(l, &bad, h.p ? h.p : "");
	}
	/* anthropic clients' beta list goes through, open-ended, to anthropic upstreams only */
	const char *beta = rq->args.anthropic_beta;
	if (beta && *beta && !strpbrk(beta, "\r\n") && rq->from == NR_FMT_ANTHROPIC && p->format == NR_FMT_ANTHROPIC) {
		buf_reset(&h);
		buf_printf(&h, "anthropic-beta: %s", beta);
		l = add_header(l, &bad, h.p ? h.p : "");
	}
	if (h.p)
		explicit_bzero(h.p, h.cap);	/* it held a key */
	buf_free(&h);
	if (bad) {
		curl_slist_free_all(l);
		return NULL;
	}
	return l;
}
