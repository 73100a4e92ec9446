/* mock-upstream: a fake provider API for the tests (see tests/mock/README.md).
 * Ownership: every function taking a jv consumes it (jq's rule); strings in
 * the structs below are owned by the struct and freed by its *_free. */
#ifndef NR_MOCK_H
#define NR_MOCK_H

#include <stddef.h>
#include <jv.h>

#include "buf.h"
#include "format.h"

/* Limits on what a client may send (a request beyond them gets 413/431). */
#define MOCK_MAX_HEAD  (64 * 1024)		/* request line + headers */
#define MOCK_MAX_BODY  (64 * 1024 * 1024)	/* request body */
#define MOCK_TOOL_RESULT_ECHO 200		/* bytes of a tool result echoed back */

/* Dies (exit 111) when an allocation or append failed: this is test tooling
 * and a half-built answer is worse than no answer. */
void must(int rc);

/* ---- http.c: one connection, requests in, response heads and chunks out */
struct conn {
	int fd;
	struct buf in;		/* bytes read but not consumed yet, from `off` */
	size_t off;
};

struct header {
	char *name;		/* lowercased */
	char *value;
};

struct request {
	char *method;
	char *path;		/* without the query */
	char *query;		/* after '?', or "" */
	struct header *hdr;
	size_t nhdr;
	struct buf body;
	int keep_alive;
};

/* Reads the next request. 1 on success, 0 on a clean EOF before a request,
 * -1 with *status set to the HTTP status to answer (400, 413, 431), or to 0
 * when the connection broke. */
int http_read_request(struct conn *c, struct request *rq, int *status);
void request_free(struct request *rq);
const char *request_header(const struct request *rq, const char *name);
/* The value of query parameter `name` (malloc'd), or NULL. */
char *request_query(const struct request *rq, const char *name);
/* The fields of a query or form body (name=value&..., '+' a space, %XX a
 * byte) as an object of strings, the first of a repeated name winning;
 * jv_invalid() on a malformed escape or an encoded NUL. */
jv form_parse(const char *p, size_t n);
/* Appends s percent-encoded: all but A-Z a-z 0-9 - . _ ~ as %XX. */
void url_encode(struct buf *out, const char *s);

/* Writes a response head; content_length < 0 means chunked. extra: more
 * header lines, each ending in "\r\n" (may be NULL). */
int http_head(int fd, int status, const char *content_type, long content_length,
	      const char *extra, int keep_alive);
/* A whole answer: head, then body (kept by --raw). */
int http_reply(int fd, int status, const char *content_type, const struct buf *body,
	       const char *extra, int keep_alive);
int http_chunk(int fd, const void *p, size_t n);
int http_chunk_end(int fd);

/* ---- raw.c: --raw DIR keeps the exact bytes of each request body
 * (DIR/request-N) and of the answer body sent for it (DIR/answer-N, SSE
 * bytes without the chunk framing), N counting from 1 across connections. */
extern const char *mock_raw_dir;
void raw_begin(const struct buf *request_body);	/* opens answer-N for raw_answer() */
void raw_answer(const void *p, size_t n);
void raw_end(void);
/* The time in answers: 1700000000 under MOCK_FIXED (comparable answers). */
long mock_now(void);

/* ---- behaviour.c: the words of the model name */
struct behaviour {
	int tool, quota, ratelimit, cut, cutearly, badjson, hugeusage, exact, cached;
	int status;		/* status-NNN, 0 when absent */
	long retry_after;	/* retry-NNN, -1 when absent */
	long slow_ms, stall_ms;	/* 0 when absent */
	long long_n;		/* long-N, 0 when absent */
	long window;		/* window-N: a quota window N% used, -1 when absent */
	/* tool-WORD: WORD (not a behaviour word), pointing into the model name
	 * given to behaviour_parse(); NULL when absent */
	const char *tool_word;
	size_t tool_word_len;
};
void behaviour_parse(const char *model, struct behaviour *bh);
void sleep_ms(long ms);

/* ---- answer.c: what the mock says, whatever the format */
struct answer {
	enum nr_format fmt;
	char *model;
	char *id;		/* message / response id */
	char *text;		/* the text answer, or NULL for a tool call */
	size_t *cuts;		/* text pieces for streaming: [cuts[i], cuts[i+1]) */
	size_t ncuts;		/* number of pieces + 1 */
	char *tool_name, *tool_args, *call_id;	/* the tool call (args as JSON text) */
	double in_tokens, out_tokens;	/* double: hugeusage sends 1e300 */
	double cache_read, cache_write;	/* `cached`: part of in_tokens */
};
/* Builds the answer to request body `req` (consumed). */
void answer_build(struct answer *a, enum nr_format fmt, const char *model, jv req,
		  size_t req_bytes, const struct behaviour *bh);
void answer_free(struct answer *a);
size_t answer_npieces(const struct answer *a);
jv answer_piece(const struct answer *a, size_t i);
/* Where the tool arguments are split in two stream fragments. */
size_t answer_args_half(const struct answer *a);
jv answer_args(const struct answer *a);	/* the arguments as an object */
jv answer_usage_openai(const struct answer *a);

/* ---- conversation.c: reading the request per format */
/* The first tool defined whose name starts with the `prefix_len` bytes at
 * `prefix` (any case; prefix NULL: the first tool): its name and its JSON
 * schema; 0, or -1 when none. */
int conv_find_tool(enum nr_format fmt, jv req, const char *prefix, size_t prefix_len, jv *name,
		   jv *schema);
/* The text of the tool result in the last message, or jv_invalid() when the
 * last message holds none. */
jv conv_last_tool_result(enum nr_format fmt, jv req);

/* ---- sse.c: writing a stream, with the failures the model name asks for */
struct sse {
	int fd;
	enum nr_format fmt;
	const struct behaviour *bh;
	int events;		/* events written so far */
	int seq;		/* responses' sequence_number */
};
/* Writes one event (name NULL: a data-only event); `content` marks a text
 * or tool-argument delta. -1 when the connection must close now (write
 * failure, or `cut` after the first content event). */
int sse_event(struct sse *s, const char *name, jv data, int content);
int sse_done(struct sse *s);	/* openai's "data: [DONE]" */
int sse_end(struct sse *s);	/* the end of the HTTP body */

/* ---- fmt_*.c: the four wire formats. S() and N() shorten the jv
 * constructors in the JV_OBJECT(key, value, ...) trees that mirror the wire. */
#define S(s) jv_string(s)
#define N(n) jv_number((double)(n))
void openai_json(const struct answer *a, struct buf *out);
int openai_stream(const struct answer *a, struct sse *s, int usage);
void anthropic_json(const struct answer *a, struct buf *out);
int anthropic_stream(const struct answer *a, struct sse *s);
void responses_json(const struct answer *a, struct buf *out);
int responses_stream(const struct answer *a, struct sse *s);
void gemini_json(const struct answer *a, struct buf *out);
int gemini_stream(const struct answer *a, struct sse *s);
/* Appends jv `v` (consumed) to out as compact JSON. */
void json_append(struct buf *out, jv v);

/* ---- errors.c: error bodies and headers in each format */
/* The status `quota` answers with in format fmt when no status-NNN is given. */
int quota_status(enum nr_format fmt);
/* The error body for `status`; message NULL: the usual one for that status
 * (or the quota one when bh->quota). bh may be NULL. */
void error_body(enum nr_format fmt, int status, const struct behaviour *bh, const char *message,
		struct buf *out);
/* Retry-After and rate-limit header lines the behaviour asks for. */
void behaviour_headers(const struct behaviour *bh, enum nr_format fmt, struct buf *out);

/* ---- log.c: one JSON line per request */
struct log_entry {
	const struct request *rq;
	const char *format;	/* NULL when no endpoint matched */
	const char *model;
	int stream;
	const char *key;
	int status;
	const jv *fields;	/* logged as the body (oauth, secrets cut); NULL: the request body */
};
void log_request(int fd, const struct log_entry *e);
/* The last 4 characters of a secret, never the whole of it (a secret of 4
 * characters or fewer: all but its first); null for NULL. */
jv key_tail(const char *key);

/* ---- oauth.c: the sign-in side of Codex and GitHub Copilot, and the token
 * checks of their backends (README "OAuth: ..."). State shared by the
 * connections' children lives in files under --state DIR. */
extern const char *mock_state_dir;	/* NULL: no stateful checks */
enum mock_sub { SUB_NONE, SUB_CODEX, SUB_COPILOT };	/* whose backend an endpoint is */
/* The OAuth endpoint of `path` (an index for oauth_serve), or -1. */
int oauth_route(const char *path);
/* Answers (and logs) a request to OAuth endpoint `route`; extra: header
 * lines for the answer. 0 to keep the connection, -1 to close it. */
int oauth_serve(int fd, int log_fd, const struct request *rq, int route, const char *extra);
/* 0 when the backend of `sub` takes the request's token `key` (Bearer) and
 * headers; else the status to answer, with its body appended to err. */
int oauth_check_bearer(enum mock_sub sub, const struct request *rq, const char *key, struct buf *err);

/* ---- serve.c: one connection, request after request */
int ends_with(const char *s, const char *suffix);
void serve_connection(int fd, int log_fd);

#endif
