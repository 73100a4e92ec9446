/* filter_smart_truncate: the head and the tail of a long output, and every
 * error or warning line in between.
 *
 * The first TRUNC_HEAD lines are printed as they come; later lines pass
 * through a ring of the last TRUNC_TAIL lines. A line leaving the ring is
 * printed when it is a problem line (rtk_is_problem_line), else counted; at
 * the end the count is printed as "… N lines omitted" before the ring. Only
 * chosen with --filter: any text fits it, so it never claims an input. */
#include <stdlib.h>

#include "rtk/filter.h"
#include "rtk/log_line.h"

#define TRUNC_HEAD 40
#define TRUNC_TAIL 40

struct trunc {
	unsigned long long lines, omitted;
	struct buf ring[TRUNC_TAIL];
	size_t next, len;
	struct buf scratch;
};

static int detect(const char *head, size_t len)
{
	(void)head;
	(void)len;
	return 0;
}

static void *start(void)
{
	return calloc(1, sizeof(struct trunc));
}

static int put(struct trunc *t, struct rtk_out *out, const char *s, size_t n)
{
	if (t->omitted) {
		if (rtk_out_omitted(out, t->omitted, "lines") < 0)
			return -1;
		t->omitted = 0;
	}
	return rtk_out_line_cut(out, s, n, LOG_KEEP_MAX);
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct trunc *t = st;
	const char *v;
	size_t vn;
	if (log_clean(&t->scratch, s, n, &v, &vn) < 0)
		return -1;
	if (t->lines++ < TRUNC_HEAD)
		return put(t, out, v, vn);
	struct buf *slot = &t->ring[t->next];
	if (t->len == TRUNC_TAIL) {	/* the oldest line leaves the ring */
		if (rtk_is_problem_line(slot->p, slot->len)) {
			if (put(t, out, slot->p, slot->len) < 0)
				return -1;
		} else {
			t->omitted++;
		}
	} else {
		t->len++;
	}
	buf_reset(slot);
	if (buf_append(slot, v, vn) < 0)
		return -1;
	t->next = (t->next + 1) % TRUNC_TAIL;
	return 0;
}

static int finish(void *st, struct rtk_out *out)
{
	struct trunc *t = st;
	for (size_t i = 0; i < t->len; i++) {
		struct buf *b = &t->ring[(t->next + TRUNC_TAIL - t->len + i) % TRUNC_TAIL];
		if (put(t, out, b->p ? b->p : "", b->len) < 0)
			return -1;
	}
	return 0;
}

static void free_state(void *st)
{
	struct trunc *t = st;
	if (!t)
		return;
	for (size_t i = 0; i < TRUNC_TAIL; i++)
		buf_free(&t->ring[i]);
	buf_free(&t->scratch);
	free(t);
}

const struct rtk_filter rtk_filter_smart_truncate = {
	.name = "smart-truncate",
	.keeps = "the first and last 40 lines and every error or warning line between",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free_state,
};
