/* sse: an incremental Server-Sent Events parser. Feed any split of the input;
 * every complete event is handed to a callback with its name, its data (the
 * data: lines joined by \n) and the raw bytes it was read from (for exact
 * pass-through). Memory is bounded: an event larger than SSE_EVENT_MAX fails. */
#ifndef NR_SSE_H
#define NR_SSE_H

#include <stddef.h>

#include "buf.h"

#define SSE_EVENT_MAX (16u * 1024 * 1024)	/* largest event accepted, in bytes */

struct sse_event {
	const char *name;	/* the event: field, "" when absent */
	const char *data;	/* NUL-terminated */
	size_t data_len;
	const char *raw;	/* the input bytes of this event, comments and blank lines before it included */
	size_t raw_len;
};

/* Returns 0 to go on, -1 to stop parsing (the callback's error). */
typedef int sse_cb(void *ctx, const struct sse_event *ev);

struct sse {
	struct buf in;		/* bytes not yet handed out: the event being read */
	size_t line;		/* offset in `in` of the first line not parsed yet */
	struct buf data, name;
	int fields;		/* fields seen in the current event */
	int has_data;
};

#define SSE_INIT { BUF_INIT, 0, BUF_INIT, BUF_INIT, 0, 0 }

/* 0; -1 when the callback stopped, or with errno EMSGSIZE (event too large)
 * or ENOMEM. */
int sse_feed(struct sse *p, const char *s, size_t n, sse_cb *cb, void *ctx);
/* At end of input: the bytes left (an unfinished event, or only comments and
 * blank lines) are returned in *rest; 1 when they hold part of an event. */
int sse_pending(struct sse *p, const char **rest, size_t *len);
void sse_free(struct sse *p);

#endif
