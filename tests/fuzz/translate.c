/* Fuzz target: nr-translate in one mode (FUZZ_MODE, set when compiling), as
 * nr-translate and nr-route call it. Two header bytes, then the body:
 *   byte 0: bits 0-1 the source format, 2-3 the target, bit 4 a --model,
 *           bit 5 (stream) end with nr_stream_fail instead of nr_stream_end
 *   byte 1: stream: the size of the pieces fed (1..256);
 *           error: the upstream's HTTP status (statuses[] below) */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "translate/translate.h"

#define MODE_REQUEST 0
#define MODE_RESPONSE 1
#define MODE_STREAM 2
#define MODE_ERROR 3

static const int statuses[] = { 400, 401, 403, 404, 408, 409, 413, 422, 429, 499,
				500, 502, 503, 504, 529, 200, 302, 100, 599 };

/* The source of a translation, for nr_keep_written (src NULL: none). */
struct source {
	enum nr_body kind;
	enum nr_format from, to;
	const char *src;
	size_t n;
};

/* a and b mean the same: equal, where a string that holds a JSON object or
 * array (a tool call's arguments, whose source bytes are kept, escapes and
 * all) counts by what it holds, and a number by what json.c writes of it.
 * Frees both. */
static int same_meaning(jv a, jv b)
{
	jv_kind k = jv_get_kind(a);
	int same = 0;
	if (k != jv_get_kind(b)) {
		same = 0;
	} else if (k == JV_KIND_STRING && !jv_equal(jv_copy(a), jv_copy(b))) {
		jv pa = jv_parse(jv_string_value(a)), pb = jv_parse(jv_string_value(b));
		jv_kind kp = jv_get_kind(pa);
		if (kp == JV_KIND_OBJECT || kp == JV_KIND_ARRAY) {
			same = same_meaning(pa, pb);
		} else {
			jv_free(pa);
			jv_free(pb);
		}
	} else if (k == JV_KIND_ARRAY && jv_array_length(jv_copy(a)) == jv_array_length(jv_copy(b))) {
		same = 1;
		for (int i = 0; same && i < jv_array_length(jv_copy(a)); i++)
			same = same_meaning(jv_array_get(jv_copy(a), i), jv_array_get(jv_copy(b), i));
	} else if (k == JV_KIND_OBJECT && jv_object_length(jv_copy(a)) == jv_object_length(jv_copy(b))) {
		same = 1;
		jv_object_foreach(a, key, va)
		{
			if (same && jv_object_has(jv_copy(b), jv_copy(key)))
				same = same_meaning(va, jv_object_get(jv_copy(b), key));
			else {
				same = 0;
				jv_free(va);
				jv_free(key);
			}
		}
	} else if (k == JV_KIND_NUMBER) {	/* an infinity is written as the largest double */
		double x = jv_number_value(a), y = jv_number_value(b);
		same = (isinf(x) ? copysign(DBL_MAX, x) : x) == (isinf(y) ? copysign(DBL_MAX, y) : y);
	} else {
		same = jv_equal(jv_copy(a), jv_copy(b));
	}
	jv_free(a);
	jv_free(b);
	return same;
}

/* The body with the source's literals put back must mean what it meant. */
static void check_kept(const struct source *sc, const struct buf *b, jv out)
{
	struct buf k = BUF_INIT;
	if (buf_append(&k, b->p, b->len) < 0 ||
	    nr_keep_written(sc->kind, sc->from, sc->src, sc->n, sc->to, &k) < 0)
		abort();
	jv back = jv_parse_sized(k.p, (int)k.len);
	if (!jv_is_valid(back) || !same_meaning(back, out))
		abort();
	buf_free(&k);
}

/* Writes a result both ways nr does (jv_dump_string, json_dump), checking that
 * a translation is either valid JSON or an error with a message. */
static void consume(jv out, const struct source *sc)
{
	if (!jv_is_valid(out)) {
		jv msg = jv_invalid_get_msg(out);
		if (jv_get_kind(msg) != JV_KIND_STRING)
			abort();	/* every failure must say why */
		jv_free(msg);
		return;
	}
	struct buf b = BUF_INIT;
	if (json_dump(&b, jv_copy(out)) < 0)
		abort();
	jv back = jv_parse_sized(b.p, (int)b.len);
	if (!jv_is_valid(back))
		abort();	/* json.c must write JSON that reads back */
	jv_free(back);
	if (sc)
		check_kept(sc, &b, jv_copy(out));
	jv s = jv_dump_string(out, 0);
	jv_free(s);
	buf_free(&b);
}

static void stream(const uint8_t *p, size_t n, int from, int to, const char *model,
		   int fail, size_t piece)
{
	struct nr_stream *s = nr_stream_new(from, to, model);
	if (!s)
		abort();
	struct buf out = BUF_INIT;
	int rc = 0;
	for (size_t off = 0; off < n && rc == 0; off += piece) {
		size_t k = n - off < piece ? n - off : piece;
		rc = nr_stream_feed(s, (const char *)p + off, k, &out);
		buf_reset(&out);
	}
	if (rc == 0 && fail)
		nr_stream_fail(s, "server_error", "the upstream died", &out);
	else if (rc == 0)
		(void)nr_stream_end(s, &out);
	struct nr_usage u;
	nr_stream_usage(s, &u);
	buf_free(&out);
	nr_stream_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return -1;
	int from = data[0] & 3, to = (data[0] >> 2) & 3;
	const char *model = data[0] & 0x10 ? "m" : NULL;
	const char *body = (const char *)data + 2;
	int n = (int)(size - 2);
	if (size - 2 > 1 << 20)
		return -1;
	if (FUZZ_MODE == MODE_STREAM) {
		stream(data + 2, size - 2, from, to, model, data[0] & 0x20, (size_t)data[1] + 1);
		return 0;
	}
	jv in = json_parse(body, (size_t)n);
	if (FUZZ_MODE == MODE_ERROR) {
		if (!jv_is_valid(in)) {	/* as nr-translate: text is the message */
			jv_free(in);
			in = jv_string_sized(body, n);
		}
		int status = statuses[data[1] % (sizeof statuses / sizeof statuses[0])], out_status;
		consume(nr_translate_error(in, status, from, to, &out_status), NULL);
		return 0;
	}
	if (!jv_is_valid(in)) {
		jv_free(in);
		return 0;
	}
	struct source sc = { FUZZ_MODE == MODE_REQUEST ? NR_BODY_REQUEST : NR_BODY_RESPONSE,
			     (enum nr_format)from, (enum nr_format)to, body, (size_t)n };
	if (FUZZ_MODE == MODE_REQUEST) {
		consume(nr_translate_request(in, from, to, model), &sc);
	} else {
		struct nr_usage u;
		nr_response_usage(jv_copy(in), from, &u);
		consume(nr_translate_response(in, from, to, model), &sc);
	}
	return 0;
}
