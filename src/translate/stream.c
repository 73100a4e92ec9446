/* stream: nr_stream_* (translate.h). Dispatches SSE events of the source to
 * its decoder and keeps the state every target needs: the open block, the
 * blocks and tool calls seen, usage, the finish reason and whether the
 * terminal event came. Same format on both sides: the input bytes go out
 * unchanged, event by event, and are still decoded to track usage and the end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "translate/events.h"

static const struct decoder *const decoders[NR_FMT_COUNT] = {
	&dec_openai, &dec_anthropic, &dec_responses, &dec_gemini,
};
static const struct encoder *const encoders[NR_FMT_COUNT] = {
	&enc_openai, &enc_anthropic, &enc_responses, &enc_gemini,
};

struct nr_stream *nr_stream_new(enum nr_format from, enum nr_format to, const char *model)
{
	if ((unsigned)from >= NR_FMT_COUNT || (unsigned)to >= NR_FMT_COUNT) {
		errno = EINVAL;
		return NULL;
	}
	struct nr_stream *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->from = from, s->to = to;
	s->passthrough = from == to;
	s->dec = decoders[from];
	s->enc = encoders[to];
	s->sse = (struct sse)SSE_INIT;
	s->usage = (struct usage){ -1, -1, -1, -1, -1 };
	if (model && buf_puts(&s->model, model) < 0) {
		free(s);
		return NULL;
	}
	if (from == NR_FMT_OPENAI)
		s->d.openai.tool_index = -1;
	if (from == NR_FMT_ANTHROPIC)
		s->d.anthropic.in = s->d.anthropic.cache_read = s->d.anthropic.cache_write = -1;
	return s;
}

void nr_stream_free(struct nr_stream *s)
{
	if (!s)
		return;
	sse_free(&s->sse);
	buf_free(&s->id);
	buf_free(&s->model);
	buf_free(&s->tool_id);
	buf_free(&s->tool_name);
	buf_free(&s->text);
	buf_free(&s->items);
	if (s->owns_collect) {
		msg_free(s->collect);
		free(s->collect);
	}
	free(s);
}

void nr_stream_usage(const struct nr_stream *s, struct nr_usage *u)
{
	nr_usage_of(&s->usage, u);
}

/* ---- the normaliser: called by decoders ---- */

/* ids of the form nr_<time><pid><n>, for messages and calls whose source has none */
static int make_id(struct buf *b, const char *prefix)
{
	static unsigned long n;
	return buf_printf(b, "%s%lx%lx%lx", prefix, (unsigned long)time(NULL),
			  (unsigned long)getpid(), n++);
}

int ev_fill_ids(struct nr_stream *s)
{
	if (!s->id.len && make_id(&s->id, "nr_") < 0)
		return -1;
	if (!s->model.len && buf_puts(&s->model, "unknown") < 0)
		return -1;
	if (!s->created)
		s->created = (long long)time(NULL);
	return 0;
}

static int ensure_start(struct nr_stream *s)
{
	if (s->started)
		return 0;
	s->started = 1;
	if (ev_fill_ids(s) < 0)
		return -1;
	return s->passthrough ? 0 : s->enc->start(s);
}

int ev_start(struct nr_stream *s, const char *id, const char *model)
{
	if (s->started)
		return 0;
	if (id && *id && (buf_reset(&s->id), buf_puts(&s->id, id) < 0))
		return -1;
	/* the source's model wins over --model: it is the one that answered */
	if (model && *model && (buf_reset(&s->model), buf_puts(&s->model, model) < 0))
		return -1;
	return ensure_start(s);
}

static int open_block(struct nr_stream *s, enum blk type)
{
	if (ev_block_end(s) < 0)
		return -1;
	s->blk = type;
	s->nblocks++;
	s->block_bytes = 0;
	buf_reset(&s->text);
	return s->passthrough ? 0 : s->enc->block_start(s);
}

int ev_delta(struct nr_stream *s, enum delta d, const char *p, size_t n)
{
	if (!n || s->finished)
		return 0;
	if (ensure_start(s) < 0)
		return -1;
	enum blk want = d == D_TEXT ? BLK_TEXT : d == D_THINKING ? BLK_THINKING : BLK_NONE;
	if (want && s->blk != want && open_block(s, want) < 0)
		return -1;
	/* a signature belongs to a thinking block, arguments to a call: else nowhere */
	if ((d == D_SIGNATURE && s->blk != BLK_THINKING) || (d == D_ARGS && s->blk != BLK_TOOL))
		return 0;
	if (d != D_SIGNATURE)
		s->block_bytes += n;
	return s->passthrough ? 0 : s->enc->delta(s, d, p, n);
}

int ev_tool(struct nr_stream *s, const char *id, const char *name)
{
	if (s->finished)
		return 0;
	if (ensure_start(s) < 0 || ev_block_end(s) < 0)
		return -1;
	buf_reset(&s->tool_id);
	buf_reset(&s->tool_name);
	if (id && *id ? buf_puts(&s->tool_id, id) : buf_printf(&s->tool_id, "call_%s_%d", s->id.p, s->ntools))
		return -1;
	if (buf_puts(&s->tool_name, name ? name : "") < 0)
		return -1;
	s->ntools++;
	return open_block(s, BLK_TOOL);
}

int ev_block_end(struct nr_stream *s)
{
	if (s->blk == BLK_NONE)
		return 0;
	/* a call without argument fragments still has arguments: {} */
	if (s->blk == BLK_TOOL && !s->block_bytes && ev_delta(s, D_ARGS, "{}", 2) < 0)
		return -1;
	int rc = s->passthrough ? 0 : s->enc->block_stop(s);
	s->blk = BLK_NONE;
	return rc;
}

void ev_finish(struct nr_stream *s, enum fin f)
{
	if (s->finish == FIN_NONE)	/* the first reason wins: upstreams may repeat it */
		s->finish = f;
}

enum fin ev_final_finish(const struct nr_stream *s)
{
	if (s->ntools && s->finish != FIN_LENGTH && s->finish != FIN_CONTEXT && s->finish != FIN_FILTER)
		return FIN_TOOL;
	if (s->finish == FIN_TOOL && !s->ntools)
		return FIN_STOP;	/* a tool-call reason without a call would leave the client waiting */
	return s->finish == FIN_NONE ? FIN_STOP : s->finish;
}

int ev_done(struct nr_stream *s)
{
	if (s->finished)
		return 0;
	if (ensure_start(s) < 0 || ev_block_end(s) < 0)
		return -1;
	if (!s->passthrough && s->enc->end(s) < 0)
		return -1;	/* not finished: the error event will end it */
	s->finished = 1;
	return 0;
}

int ev_error(struct nr_stream *s, const char *type, const char *code, const char *msg)
{
	if (s->finished)
		return 0;
	s->finished = 1;
	s->sent_error = 1;
	return s->passthrough ? 0 : s->enc->error(s, type, code, msg);
}

int ev_broken(struct nr_stream *s, const char *why)
{
	s->why = why;
	return -1;
}

/* ---- the API ---- */

/* Ends the stream with nr's own error event in the target format (not for
 * pass-through bytes already written: the event follows them). */
static int fail(struct nr_stream *s, const char *type, const char *msg)
{
	if (s->finished)
		return 0;
	s->finished = s->failed = 1;
	s->sent_error = 1;
	return s->enc->error(s, type, NULL, msg);
}

static void truncate_out(struct buf *out, size_t len)
{
	out->len = len;
	if (out->p)
		out->p[len] = '\0';
}

static int on_event(void *ctx, const struct sse_event *e)
{
	struct nr_stream *s = ctx;
	/* after the terminal event: nothing more to translate. A broken event is
	 * not passed through, and what it half produced is taken back: the error
	 * event takes its place. */
	size_t mark = s->out->len;
	s->usage_only = 0;
	if (!s->finished && s->dec->event(s, e) < 0) {
		truncate_out(s->out, mark);
		return -1;
	}
	if (s->usage_only && s->drop_usage_only)
		return 0;	/* asked for by nr, not by the client: read, not sent */
	return s->passthrough ? buf_append(s->out, e->raw, e->raw_len) : 0;
}

static int feed_failed(struct nr_stream *s, struct buf *out)
{
	char msg[160];
	const char *why = s->why ? s->why
		: errno == EMSGSIZE ? "an event is larger than 16 MiB" : "out of memory";
	snprintf(msg, sizeof msg, "invalid %s stream from the upstream: %s", nr_format_name(s->from), why);
	s->out = out;
	fail(s, "server_error", msg);
	return -1;
}

int nr_stream_feed(struct nr_stream *s, const char *p, size_t n, struct buf *out)
{
	if (s->failed)
		return -1;
	s->out = out;
	if (sse_feed(&s->sse, p, n, on_event, s) < 0)
		return feed_failed(s, out);
	return 0;
}

int nr_stream_end(struct nr_stream *s, struct buf *out)
{
	if (s->failed)
		return -1;
	s->out = out;
	const char *rest;
	size_t len;
	if (sse_pending(&s->sse, &rest, &len)) {
		/* the last event lacks its blank line: read it as if it had one */
		size_t before = out->len, added = rest[len - 1] == '\n' ? 1 : 2;
		if (sse_feed(&s->sse, "\n\n", added, on_event, s) < 0)
			return feed_failed(s, out);
		if (s->passthrough && out->len >= before + added)	/* the bytes as they came */
			out->len -= added, out->p[out->len] = '\0';
	} else if (s->passthrough && len && buf_append(out, rest, len) < 0) {
		return -1;
	}
	size_t mark = out->len;
	if (!s->finished && !s->dec->complete(s)) {
		truncate_out(out, mark);
		fail(s, "server_error", s->why ? s->why : "the upstream stream ended before its last event");
		return -1;
	}
	return 0;
}

void nr_stream_drop_usage_only(struct nr_stream *s)
{
	s->drop_usage_only = s->passthrough && s->from == NR_FMT_OPENAI;
}

int nr_stream_fail(struct nr_stream *s, const char *type, const char *message, struct buf *out)
{
	s->out = out;
	if (s->finished)	/* the stream already has its terminal event */
		return 0;
	return fail(s, type, message);
}
