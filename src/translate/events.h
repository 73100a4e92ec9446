/* events: the normalised event model every format is decoded into and encoded
 * from (internal to nr-translate). A message is: start (id, model), then
 * blocks one after another (text | thinking | tool call), each with deltas,
 * then the end (finish reason + usage), or an error.
 *
 * Decoders (one per format, stream_FORMAT.c) read that format's SSE events or
 * response JSON and call the ev_* functions of stream.c, which keep the block
 * bookkeeping (opening and closing blocks as deltas of another kind arrive,
 * "{}" for a tool call without arguments) and call the target's encoder. */
#ifndef NR_EVENTS_H
#define NR_EVENTS_H

#include <jv.h>
#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "json_span.h"
#include "translate/sse.h"
#include "translate/translate.h"

/* The most a target that needs whole blocks holds: a gemini call's arguments,
 * a responses stream's output (PROTOCOLS 3: response.completed repeats it). */
#define NR_HELD_MAX (64u * 1024 * 1024)

enum blk { BLK_NONE, BLK_TEXT, BLK_THINKING, BLK_TOOL };
enum delta { D_TEXT, D_THINKING, D_SIGNATURE, D_ARGS };
/* Finish reasons (PROTOCOLS 5.4): one value per meaning. */
enum fin { FIN_NONE, FIN_STOP, FIN_STOP_SEQ, FIN_LENGTH, FIN_CONTEXT, FIN_TOOL, FIN_FILTER,
	   FIN_PAUSE, FIN_BAD_TOOL };

/* Token counts, -1 when not known. input and output are totals (PROTOCOLS 5.5):
 * input includes cache reads and writes, output includes reasoning. */
struct usage {
	long long input, output, cache_read, cache_write, reasoning;
};

struct nr_stream;

/* A target format: writes the normalised events as its SSE into s->out. Every
 * function returns 0, or -1 when out of memory. */
struct encoder {
	int (*start)(struct nr_stream *s);		/* s->id, s->model, s->usage */
	int (*block_start)(struct nr_stream *s);	/* s->blk, s->nblocks - 1, s->tool_id/name */
	int (*delta)(struct nr_stream *s, enum delta d, const char *p, size_t n);
	int (*block_stop)(struct nr_stream *s);
	int (*end)(struct nr_stream *s);		/* s->finish, s->usage; the terminal event */
	int (*error)(struct nr_stream *s, const char *type, const char *code, const char *msg);
};

/* A source format: one SSE event in, ev_* calls out. 0, or -1 when the event
 * is broken (s->why says how). */
struct decoder {
	int (*event)(struct nr_stream *s, const struct sse_event *e);
	/* at the end of input: 1 when the stream was complete */
	int (*complete)(struct nr_stream *s);
};

struct nr_stream {
	enum nr_format from, to;
	int passthrough;		/* same format: raw bytes out, events only tracked */
	int drop_usage_only;		/* pass-through: leave out openai's usage-only chunk */
	int usage_only;			/* the event being decoded is that chunk */
	const struct decoder *dec;
	const struct encoder *enc;
	struct sse sse;
	struct buf *out;		/* where the current feed writes */
	const char *why;		/* why the input is not a valid stream */

	/* the message as seen so far */
	struct buf id, model;
	long long created;
	int started, finished, failed;
	enum blk blk;			/* the open block, BLK_NONE between blocks */
	int nblocks, ntools;		/* blocks and tool calls opened so far */
	struct buf tool_id, tool_name;	/* of the open tool block */
	size_t block_bytes;		/* delta bytes in the open block */
	enum fin finish;
	struct usage usage;

	/* decoder state (source side) */
	union {
		struct { long long in, cache_read, cache_write; int skip_block; } anthropic;
		struct { int tool_index, finish_seen, done; } openai;
		struct { int in_item, item_deltas, summary_index; long long last_seq; } responses;
		struct {
			int finish_seen;
			/* the current event's candidates[0].content.parts in its own
			 * bytes, when it calls a tool: the args go on as written */
			struct json_span parts;
		} gemini;
	} d;
	/* encoder state (target side) */
	struct buf text;		/* the open block's text/arguments, for targets that need it whole */
	struct buf items;		/* responses: the output items done so far, as JSON text */
	long long seq;			/* responses: next sequence_number */
	int sent_start;			/* the target's message start is written */
	int sent_error;			/* a terminal error event is written */
	struct msg *collect;		/* whole-response mode: the message being built */
	int owns_collect;		/* nr_stream_whole's: freed with the stream */
};

/* Called by decoders (stream.c). Each returns 0, or -1 when out of memory. */
int ev_start(struct nr_stream *s, const char *id, const char *model);
int ev_delta(struct nr_stream *s, enum delta d, const char *p, size_t n);
int ev_tool(struct nr_stream *s, const char *id, const char *name);
int ev_block_end(struct nr_stream *s);
void ev_finish(struct nr_stream *s, enum fin f);
int ev_done(struct nr_stream *s);
/* an error event of the source: `type` one of nr_error_body's categories,
 * `code` the source's own code when it has one (may be NULL). */
int ev_error(struct nr_stream *s, const char *type, const char *code, const char *msg);
/* gives the message an id, model and time if the source gave none yet */
int ev_fill_ids(struct nr_stream *s);
/* records why the input is broken and returns -1 */
int ev_broken(struct nr_stream *s, const char *why);

/* The finish reason the target reports: a turn with a tool call ends as a
 * tool call whatever the source said (PROTOCOLS 5.4). */
enum fin ev_final_finish(const struct nr_stream *s);

extern const struct decoder dec_openai, dec_anthropic, dec_responses, dec_gemini;
extern const struct encoder enc_openai, enc_anthropic, enc_responses, enc_gemini, enc_collect;

/* Whole responses: the decoders of response bodies (same ev_* calls), and
 * the builders of a target's response body from the collected message. */
struct msg_block {
	enum blk type;
	struct buf text;	/* text, thinking or the tool call's arguments */
	char *id, *name;	/* tool call */
};
struct msg {
	struct msg_block *b;
	int n, cap;
	char *error;		/* the body reports a failure: its message */
};
void msg_free(struct msg *m);
int resp_decode_openai(struct nr_stream *s, jv r);
int resp_decode_anthropic(struct nr_stream *s, jv r);
int resp_decode_responses(struct nr_stream *s, jv r);
int resp_decode_gemini(struct nr_stream *s, jv r);
jv resp_build_openai(const struct nr_stream *s);
jv resp_build_anthropic(const struct nr_stream *s);
jv resp_build_responses(const struct nr_stream *s);
jv resp_build_gemini(const struct nr_stream *s);

/* Shared helpers (json_out.c). */
long long json_ll(jv v);				/* a number as long long, -1 otherwise; consumes */
jv json_get_path(jv obj, const char *k1, const char *k2);	/* obj.k1.k2 (k2 may be NULL); borrows obj */
jv json_first(jv arr);				/* arr[0], or null; consumes */
const char *json_str_or(jv v, const char *dflt);	/* borrowed string value of a string jv */
/* obj.k when it is a string: its bytes (borrowed from obj) in *p, *n */
int json_str_field(jv obj, const char *k, const char **p, size_t *n);
/* tool-call arguments as a JSON object text: "{}" when empty; -1 out of
 * memory, -2 when they are not a JSON object */
int json_args_object(struct buf *b, const char *p, size_t n);
/* openai and responses error codes: the source's, else one per category */
const char *openai_err_code(const char *type, const char *code);
/* the error categories of nr_error_body ↔ each format's names */
const char *err_type_from(enum nr_format f, const char *name);
int err_status(const char *type);
/* usage → JSON text of each format (appended to b) */
int usage_openai(struct buf *b, const struct usage *u);
int usage_anthropic(struct buf *b, const struct usage *u);
int usage_responses(struct buf *b, const struct usage *u);
int usage_gemini(struct buf *b, const struct usage *u);
/* responses: one output item as JSON text (shared by the stream and the response body) */
int responses_item(struct buf *b, const struct nr_stream *s, int index, enum blk type,
		   const char *text, size_t n, const char *call_id, const char *name);
/* merges the known fields of `in` into `u` */
void usage_merge(struct usage *u, const struct usage *in);
void usage_read(enum nr_format f, jv obj, struct usage *u);	/* borrows obj */
void usage_read_span(enum nr_format f, struct json_span obj, struct usage *u);	/* the same, from JSON text */
void nr_usage_of(const struct usage *in, struct nr_usage *u);	/* as recorded (translate.h) */

#endif
