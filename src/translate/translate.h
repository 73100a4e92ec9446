/* translate.h: nr-translate as a library, used by the nr-translate program and
 * by nr-route (one code path for both).
 *
 * Ownership follows jq's rule: every function that takes a jv consumes it;
 * jv_copy() what you still need. Errors come back as jv_invalid_with_msg()
 * carrying a human-readable message (a string jv).
 */
#ifndef NR_TRANSLATE_H
#define NR_TRANSLATE_H

#include <jv.h>
#include <stddef.h>

#include "buf.h"
#include "format.h"
#include "json_span.h"

/* A whole request body (already parsed) from one format to another. Same
 * format on both sides returns `req` unchanged (exact pass-through). For
 * gemini, the model is not in the body: `model` (may be NULL) gives it when
 * translating from gemini, and nr_translate_request_model() reads it back. */
jv nr_translate_request(jv req, enum nr_format from, enum nr_format to, const char *model);

/* What a translated body is, for nr_keep_written. */
enum nr_body { NR_BODY_REQUEST, NR_BODY_RESPONSE };

/* `out` holds a body of `kind` translated (and dumped as JSON text) from the
 * source src[0..n) in format `from` to format `to`. Rewrites it so that every
 * value it carries over unchanged is written with the source's bytes: numbers
 * as the client or upstream wrote them (1.0, 0.70, 1e-3, -0,
 * 12345678901234567890), tool schemas and arguments as they came. A value nr
 * changed stays nr's. 0, or -1 when out of memory (out then unchanged). */
int nr_keep_written(enum nr_body kind, enum nr_format from, const char *src, size_t n,
		    enum nr_format to, struct buf *out);

/* A whole non-streaming response body. `model` (may be NULL) names the model
 * when the source format does not carry it (gemini). */
jv nr_translate_response(jv resp, enum nr_format from, enum nr_format to, const char *model);

/* An upstream error: `body` is what the upstream sent (any JSON, or a jv
 * string when it was not JSON) with HTTP `status`. Returns the error body in
 * format `to`; *out_status receives the status to send the client. */
jv nr_translate_error(jv body, int status, enum nr_format from, enum nr_format to,
		      int *out_status);

/* Nonzero when an upstream's error body p[0..n) (with HTTP `status`) goes to
 * a client of format `to` byte for byte: a JSON object with an "error"
 * member in the client's own error shape (openai and responses share one).
 * *out_status then receives the status to send. */
int nr_error_forward(const char *p, size_t n, int status, enum nr_format from, enum nr_format to,
		     int *out_status);

/* An error that nr itself raises (no upstream body), in format `to`.
 * `type` is a short category: "invalid_request", "authentication",
 * "permission", "not_found", "rate_limit", "overloaded", "timeout",
 * "server_error". */
jv nr_error_body(enum nr_format to, int status, const char *type, const char *message);

/* Streaming: SSE bytes of format `from` in, SSE bytes of format `to` out,
 * incrementally. Feed any split of the input; each call appends to `out`
 * every event that can already be written. */
struct nr_stream;
struct nr_stream *nr_stream_new(enum nr_format from, enum nr_format to, const char *model);
/* 0, or -1 when the input is not a valid stream of `from` (an error event
 * in `to` has then been appended to out, and the stream is finished). */
int nr_stream_feed(struct nr_stream *s, const char *p, size_t n, struct buf *out);
/* At the end of the input. If the stream ended before its terminal event (cut
 * mid-way), appends a well-formed terminal error event in `to` and returns -1. */
int nr_stream_end(struct nr_stream *s, struct buf *out);
/* A stream of `from` read whole: fed with nr_stream_feed (which then writes
 * nothing), ended with nr_stream_whole_body, the whole response in `to`, or
 * an invalid jv (a stream cut short, or one reporting an error). For an
 * upstream that only streams, and a client that asked for a whole answer. */
struct nr_stream *nr_stream_whole(enum nr_format from, enum nr_format to, const char *model);
jv nr_stream_whole_body(struct nr_stream *s);
/* Same format, openai: the usage-only chunk (choices: []) is read for its
 * usage but not written, for a client that did not ask for it when nr did. */
void nr_stream_drop_usage_only(struct nr_stream *s);
/* Appends a terminal error event in `to` (e.g. the upstream died) and
 * finishes the stream. */
int nr_stream_fail(struct nr_stream *s, const char *type, const char *message, struct buf *out);
/* Tokens as nr records them, whatever the format (README "Usage"): input =
 * input tokens neither read from nor written to the cache; cache_read and
 * cache_write apart; output includes reasoning/thinking. -1 when not known. */
struct nr_usage {
	long long input, output, cache_read, cache_write;
};
/* The one reader: a usage object of format f (openai/anthropic/responses
 * `usage`, gemini `usageMetadata`); consumes obj. */
void nr_usage_read(enum nr_format f, jv obj, struct nr_usage *u);
/* The same reader over the JSON text of such an object (validated, as
 * json_span.h's spans are), without parsing it into jq values. */
void nr_usage_read_span(enum nr_format f, struct json_span obj, struct nr_usage *u);
/* Usage seen so far in a stream, for the usage row. */
void nr_stream_usage(const struct nr_stream *s, struct nr_usage *u);
void nr_stream_free(struct nr_stream *s);

/* Usage of a whole response body in format `f` (fields -1 when absent). */
void nr_response_usage(jv resp, enum nr_format f, struct nr_usage *u);

#endif
