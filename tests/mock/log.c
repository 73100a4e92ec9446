/* log: one JSON line per request, written with a single write(2) on an
 * O_APPEND file so that concurrent children never interleave. */
#include "mock.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "io.h"

/* Request headers worth asserting on (never the ones carrying keys). */
static const char *const logged_headers[] = {
	"content-type", "anthropic-version", "anthropic-beta", "user-agent", "accept",
	/* the subscriptions' own (SUBSCRIPTIONS.md 3.4, 4.4) */
	"chatgpt-account-id", "originator", "copilot-integration-id", "editor-version",
	"editor-plugin-version", "openai-intent", "x-initiator", "x-github-api-version",
};

/* "2026-01-02T03:04:05.678Z" */
static jv timestamp(void)
{
	struct timeval tv;
	struct tm tm;
	char s[32];	/* the format above always fits */
	gettimeofday(&tv, NULL);
	if (!gmtime_r(&tv.tv_sec, &tm) || strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return jv_null();
	return jv_string_fmt("%s.%03ldZ", s, (long)tv.tv_usec / 1000);
}

jv key_tail(const char *key)
{
	if (!key)
		return jv_null();
	size_t n = strlen(key);
	size_t keep = n > 4 ? 4 : n > 0 ? n - 1 : 0;
	return jv_string(key + n - keep);
}

/* The body as JSON when it parses, else as a string; null when empty. */
static jv body(const struct buf *b)
{
	if (b->len == 0)
		return jv_null();
	/* bodies are at most MOCK_MAX_BODY bytes, so the length fits an int */
	jv v = jv_parse_sized(b->p, (int)b->len);
	if (jv_is_valid(v))
		return v;
	jv_free(v);
	return jv_string_sized(b->p, (int)b->len);
}

void log_request(int fd, const struct log_entry *e)
{
	if (fd < 0)
		return;
	jv headers = jv_object();
	for (size_t i = 0; i < sizeof logged_headers / sizeof logged_headers[0]; i++) {
		const char *v = request_header(e->rq, logged_headers[i]);
		if (v)
			headers = jv_object_set(headers, S(logged_headers[i]), S(v));
	}
	jv line = JV_OBJECT(S("ts"), timestamp(), S("method"), S(e->rq->method), S("path"), S(e->rq->path),
			    S("format"), e->format ? S(e->format) : jv_null(),
			    S("model"), e->model ? S(e->model) : jv_null(),
			    S("stream"), jv_bool(e->stream), S("key_tail"), key_tail(e->key));
	line = jv_object_set(line, S("status"), N(e->status));
	line = jv_object_set(line, S("headers"), headers);
	jv names = jv_array();	/* every header's name, never a value: what arrived at all */
	for (size_t i = 0; i < e->rq->nhdr; i++)
		names = jv_array_append(names, S(e->rq->hdr[i].name));
	line = jv_object_set(line, S("header_names"), names);
	line = jv_object_set(line, S("body"), e->fields ? jv_copy(*e->fields) : body(&e->rq->body));
	struct buf out = BUF_INIT;
	json_append(&out, line);
	must(buf_putc(&out, '\n'));
	if (write_all(fd, out.p, out.len) < 0)
		perror("mock-upstream: unable to write the log");
	buf_free(&out);
}
