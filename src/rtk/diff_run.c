/* diff_run: a run of changed lines printed as a zero-context hunk (see diff_run.h). */
#include "rtk/diff_run.h"

#include <string.h>

#include "hash.h"

void diff_run_start(struct diff_run *r, unsigned long long old_start,
		    unsigned long long new_start)
{
	r->active = 1;
	r->old_start = old_start;
	r->new_start = new_start;
	r->removed = r->added = 0;
	r->cur = 0;
	r->blk[0].lines = r->blk[1].lines = 0;
}

/* The slot of the block's line number i, or NULL when it was not kept. */
static struct run_line *slot(struct run_block *b, unsigned long long i)
{
	if (i < RUN_HEAD_SLOTS)
		return &b->head[i];
	if (i + RUN_TAIL >= b->lines)	/* among the last ones */
		return &b->tail[(i - RUN_HEAD_SLOTS) % RUN_TAIL];
	return NULL;
}

int diff_run_add(struct diff_run *r, const char *s, size_t n)
{
	if (n && s[0] == '+') {
		r->cur = 1;
		r->added++;
	} else if (n && s[0] == '-') {
		r->cur = 0;
		r->removed++;
	}
	struct run_block *b = &r->blk[r->cur];
	struct run_line *l = b->lines < RUN_HEAD_SLOTS ? &b->head[b->lines]
		: &b->tail[(b->lines - RUN_HEAD_SLOTS) % RUN_TAIL];
	size_t keep = rtk_cut(s, n, RUN_LINE_KEEP);
	buf_reset(&l->text);
	if (buf_append(&l->text, s, keep) < 0)
		return -1;
	l->cut = n - keep;
	b->lines++;
	return 0;
}

static int print_line(const struct run_line *l, struct rtk_out *out)
{
	return rtk_out_line_kept(out, l->text.p, l->text.len, l->cut);
}

/* "-A,B" of a -U0 header: a side with no lines names the line before. */
static int print_range(struct rtk_out *out, char sign, unsigned long long start,
		       unsigned long long count)
{
	if (count == 0)
		return rtk_out_printf(out, "%c%llu,0", sign, start ? start - 1 : 0);
	if (count == 1)
		return rtk_out_printf(out, "%c%llu", sign, start);
	return rtk_out_printf(out, "%c%llu,%llu", sign, start, count);
}

static int print_block(struct run_block *b, int whole, const char *what, struct rtk_out *out)
{
	if ((whole && b->lines <= RUN_HEAD_SLOTS) || b->lines <= RUN_HEAD + RUN_TAIL + 1) {
		for (unsigned long long i = 0; i < b->lines; i++)
			if (print_line(slot(b, i), out) < 0)
				return -1;
		return 0;
	}
	for (unsigned long long i = 0; i < RUN_HEAD; i++)
		if (print_line(&b->head[i], out) < 0)
			return -1;
	if (rtk_out_omitted(out, b->lines - RUN_HEAD - RUN_TAIL, what) < 0)
		return -1;
	for (unsigned long long i = b->lines - RUN_TAIL; i < b->lines; i++)
		if (print_line(slot(b, i), out) < 0)
			return -1;
	return 0;
}

int diff_run_whole(const struct diff_run *r)
{
	return r->removed + r->added <= RUN_SMALL && r->blk[0].lines <= RUN_HEAD_SLOTS &&
	       r->blk[1].lines <= RUN_HEAD_SLOTS;
}

uint64_t diff_run_hash(const struct diff_run *r, size_t *bytes)
{
	uint64_t h = NR_FNV1A64_INIT;
	*bytes = 0;
	for (int k = 0; k < 2; k++)
		for (unsigned long long i = 0; i < r->blk[k].lines && i < RUN_HEAD_SLOTS; i++) {
			const struct run_line *l = &r->blk[k].head[i];
			h = nr_fnv1a64(h, l->text.p, l->text.len);
			h = nr_fnv1a64_byte(h, l->cut ? 0x1f : '\n');
			*bytes += l->text.len + 1 + l->cut;
		}
	return h;
}

int diff_run_flush(struct diff_run *r, const char *heading, size_t hn,
		   const char *same_as, struct rtk_out *out)
{
	if (!r->active)
		return 0;
	if (rtk_out_write(out, "@@ ", 3) < 0 ||
	    print_range(out, '-', r->old_start, r->removed) < 0 ||
	    rtk_out_write(out, " ", 1) < 0 ||
	    print_range(out, '+', r->new_start, r->added) < 0 ||
	    rtk_out_write(out, " @@", 3) < 0)
		return -1;
	if (heading && hn && (rtk_out_write(out, " ", 1) < 0 || rtk_out_write(out, heading, hn) < 0))
		return -1;
	if (rtk_out_write(out, "\n", 1) < 0)
		return -1;
	if (same_as) {
		r->active = 0;
		unsigned long long n = r->blk[0].lines + r->blk[1].lines;
		return rtk_out_printf(out, "… %llu lines identical to %s omitted\n", n, same_as);
	}
	return diff_run_flush_lines(r, out);
}

int diff_run_flush_lines(struct diff_run *r, struct rtk_out *out)
{
	if (!r->active)
		return 0;
	r->active = 0;
	int whole = r->removed + r->added <= RUN_SMALL;
	if (print_block(&r->blk[0], whole, "removed lines", out) < 0 ||
	    print_block(&r->blk[1], whole, "added lines", out) < 0)
		return -1;
	return 0;
}

void diff_run_free(struct diff_run *r)
{
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < RUN_HEAD_SLOTS; i++)
			buf_free(&r->blk[k].head[i].text);
		for (size_t i = 0; i < RUN_TAIL; i++)
			buf_free(&r->blk[k].tail[i].text);
	}
}
