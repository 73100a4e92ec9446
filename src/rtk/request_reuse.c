/* request_reuse: earlier tool-result texts, found by hash or diffed. */
#include "rtk/request_reuse.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "rtk/request_linediff.h"

static int grow_slots(struct reuse *r)
{
	size_t n = r->nslots ? r->nslots * 2 : 64;
	size_t *s = calloc(n, sizeof *s);
	if (!s)
		return -1;
	for (size_t i = 0; i < r->count; i++) {
		size_t j = (size_t)r->v[i].h & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = i + 1;
	}
	free(r->slots);
	r->slots = s;
	r->nslots = n;
	return 0;
}

int reuse_add(struct reuse *r, const char *text, size_t n, const char *label, size_t label_n)
{
	if ((r->count + 1) * 2 > r->nslots && grow_slots(r) < 0)
		return -1;
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct reuse_entry *v = reallocarray(r->v, cap, sizeof *v);
		if (!v)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	size_t at = r->store.len;
	if (buf_append(&r->store, text, n) < 0 || buf_append(&r->store, label, label_n) < 0) {
		r->store.len = at;
		return -1;
	}
	struct reuse_entry *e = &r->v[r->count];
	*e = (struct reuse_entry){ nr_fnv1a64(NR_FNV1A64_INIT, text, n), at, n, at + n, label_n };
	size_t j = (size_t)e->h & (r->nslots - 1);
	while (r->slots[j])
		j = (j + 1) & (r->nslots - 1);
	r->slots[j] = ++r->count;
	return 0;
}

/* The first recorded text equal to text[0..n), or NULL. */
static const struct reuse_entry *find_same(const struct reuse *r, const char *text, size_t n)
{
	if (!r->nslots)
		return NULL;
	uint64_t h = nr_fnv1a64(NR_FNV1A64_INIT, text, n);
	for (size_t j = (size_t)h & (r->nslots - 1); r->slots[j]; j = (j + 1) & (r->nslots - 1)) {
		const struct reuse_entry *e = &r->v[r->slots[j] - 1];
		if (e->h == h && e->n == n && memcmp(r->store.p + e->at, text, n) == 0)
			return e;
	}
	return NULL;
}

/* head, the entry's label, tail. */
static int put_label(const struct reuse *r, const struct reuse_entry *e, const char *head,
		     const char *tail, struct buf *out)
{
	if (buf_puts(out, head) < 0 || buf_append(out, r->store.p + e->label_at, e->label_n) < 0 ||
	    buf_puts(out, tail) < 0)
		return -1;
	return 0;
}

/* A reference plus the diff against one of the last few texts, the shortest
 * under `max` bytes. */
static int near_copy(const struct reuse *r, const char *text, size_t n, size_t max, struct buf *out)
{
	static const char head[] = "[same output as the tool result of call ";
	static const char tail[] = " above, except for these lines (unified diff):]\n";
	size_t start = out->len, best_len = 0;
	struct buf best = BUF_INIT;
	struct linediff_text now, was;
	int rc = 0;
	if (linediff_split(text, n, &now) < 0)
		return 0;	/* too many lines to diff */
	for (size_t i = r->count, seen = 0; i > 0 && seen < REUSE_NEAR_CANDIDATES; i--, seen++) {
		const struct reuse_entry *e = &r->v[i - 1];
		if (e->n < REUSE_NEAR_MIN || e->n / 2 > n || n / 2 > e->n)
			continue;	/* too small or too different in size to be a near-copy */
		size_t fixed = sizeof head - 1 + e->label_n + sizeof tail - 1;
		size_t limit = best.len ? best_len : max;
		if (fixed >= limit)
			continue;
		if (linediff_split(r->store.p + e->at, e->n, &was) < 0)
			continue;
		out->len = start;
		int d = put_label(r, e, head, tail, out);
		if (d == 0)
			d = linediff(&was, &now, limit - fixed - 1, out);
		linediff_text_free(&was);
		if (d < 0)
			goto fail;
		if (d == 0)
			continue;
		buf_reset(&best);
		if (buf_append(&best, out->p + start, out->len - start) < 0)
			goto fail;
		best_len = best.len;
	}
	out->len = start;
	if (best.len) {
		if (buf_append(out, best.p, best.len) < 0)
			goto fail;
		rc = 1;
	}
	buf_free(&best);
	linediff_text_free(&now);
	if (out->p)
		out->p[out->len] = '\0';
	return rc;
fail:
	out->len = start;
	if (out->p)
		out->p[out->len] = '\0';
	buf_free(&best);
	linediff_text_free(&now);
	return -1;
}

int reuse_standin(struct reuse *r, const char *text, size_t n, size_t max, struct buf *out)
{
	const struct reuse_entry *e = find_same(r, text, n);
	if (e) {
		size_t start = out->len;
		if (put_label(r, e, "[same output as the tool result of call ", " above]", out) < 0)
			return -1;
		if (out->len - start < max)
			return 1;
		out->len = start;
		out->p[start] = '\0';
		return 0;
	}
	if (n < REUSE_NEAR_MIN)
		return 0;
	return near_copy(r, text, n, max / 2, out);
}

void reuse_free(struct reuse *r)
{
	free(r->v);
	free(r->slots);
	buf_free(&r->store);
	*r = (struct reuse)REUSE_INIT;
}
