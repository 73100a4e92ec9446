/* request_linediff: common head and tail trimmed, then Myers' O(ND) diff on
 * what is left, giving up beyond LINEDIFF_MAX_EDITS changed lines. */
#include "rtk/request_linediff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

/* Texts with more lines are not diffed: the line table stays small. */
#define LINEDIFF_MAX_LINES 65536
/* Line comparisons allowed per line of the two texts, plus a floor: a real
 * near-copy needs about one per line; repetitive text that would make Myers
 * walk every diagonal is given up on instead, so the cost stays linear. */
#define LINEDIFF_WORK_PER_LINE 4
#define LINEDIFF_WORK_MIN 20000

#define line linediff_line

int linediff_split(const char *s, size_t n, struct linediff_text *t)
{
	size_t lines = 1;
	*t = (struct linediff_text){ NULL, 0 };
	for (const char *p = s, *end = s + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		if (++lines > LINEDIFF_MAX_LINES)
			return -1;
	struct line *v = calloc(lines, sizeof *v);
	if (!v)
		return -1;
	const char *p = s, *end = s + n;
	for (size_t i = 0; i < lines; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		v[i] = (struct line){ p, len, nr_fnv1a64(NR_FNV1A64_INIT, p, len) };
		p += len + 1;
	}
	*t = (struct linediff_text){ v, lines };
	return 0;
}

void linediff_text_free(struct linediff_text *t)
{
	free(t->v);
	*t = (struct linediff_text){ NULL, 0 };
}

static int same(const struct line *x, const struct line *y)
{
	return x->h == y->h && x->n == y->n && memcmp(x->p, y->p, x->n) == 0;
}

/* One step of the edit script: line a[x] removed, or b[y] added, at (x, y). */
struct op {
	int add;
	size_t x, y;
};

#define VSIZE (2 * LINEDIFF_MAX_EDITS + 3)
#define V(k) v[(k) + LINEDIFF_MAX_EDITS + 1]

/* Myers' greedy forward search over a[0..na) and b[0..nb), then the path
 * traced back into ops[] (in order). Returns the number of ops, or -1 when
 * more than LINEDIFF_MAX_EDITS are needed or the work budget runs out. */
static long myers(const struct line *a, long na, const struct line *b, long nb, struct op *ops,
		  long (*trace)[VSIZE])
{
	long v[VSIZE] = { 0 }, d, found = -1;
	long work = LINEDIFF_WORK_MIN + LINEDIFF_WORK_PER_LINE * (na + nb);
	for (d = 0; d <= LINEDIFF_MAX_EDITS && found < 0; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x = (k == -d || (k != d && V(k - 1) < V(k + 1))) ? V(k + 1) : V(k - 1) + 1;
			long y = x - k;
			while (x < na && y < nb && same(&a[x], &b[y]))
				x++, y++, work--;
			if (--work < 0)
				return -1;	/* too costly: not a near-copy worth a diff */
			V(k) = x;
			if (x >= na && y >= nb) {
				found = d;
				break;
			}
		}
		memcpy(trace[d], v, sizeof v);
	}
	if (found < 0)
		return -1;
	long x = na, y = nb;
	for (d = found; d > 0; d--) {
		long *pv = trace[d - 1];
		long k = x - y;
		int down = k == -d || (k != d && pv[k - 1 + LINEDIFF_MAX_EDITS + 1] <
							pv[k + 1 + LINEDIFF_MAX_EDITS + 1]);
		long pk = down ? k + 1 : k - 1;
		long px = pv[pk + LINEDIFF_MAX_EDITS + 1], py = px - pk;
		ops[d - 1] = (struct op){ down, (size_t)px, (size_t)py };
		x = px, y = py;
	}
	return found;
}

/* Appends the hunks for ops[0..n) (positions relative to the trimmed texts,
 * `skip` common leading lines before them). */
static int put_hunks(const struct op *ops, long n, const struct line *a, const struct line *b,
		     size_t skip, struct buf *out)
{
	long i = 0;
	while (i < n) {
		long j = i;
		size_t x = ops[i].x, y = ops[i].y, dels = 0, adds = 0;
		/* a hunk: ops that follow each other with no common line between */
		while (j < n && ops[j].x == x + dels && ops[j].y == y + adds) {
			if (ops[j].add)
				adds++;
			else
				dels++;
			j++;
		}
		if (buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", skip + x + (dels ? 1 : 0), dels,
			       skip + y + (adds ? 1 : 0), adds) < 0)
			return -1;
		for (long m = i; m < j; m++) {
			if (ops[m].add)
				continue;
			const struct line *l = &a[ops[m].x];
			if (buf_putc(out, '-') < 0 || buf_append(out, l->p, l->n) < 0 ||
			    buf_putc(out, '\n') < 0)
				return -1;
		}
		for (long m = i; m < j; m++) {
			if (!ops[m].add)
				continue;
			const struct line *l = &b[ops[m].y];
			if (buf_putc(out, '+') < 0 || buf_append(out, l->p, l->n) < 0 ||
			    buf_putc(out, '\n') < 0)
				return -1;
		}
		i = j;
	}
	return 0;
}

int linediff(const struct linediff_text *a, const struct linediff_text *b, size_t max,
	     struct buf *out)
{
	size_t na = a->n, nb = b->n, start = out->len;
	const struct line *la = a->v, *lb = b->v;
	struct op *ops = NULL;
	long (*trace)[VSIZE] = NULL;
	int rc = 0;
	if (!la || !lb)
		goto done;
	size_t head = 0, tail = 0;
	while (head < na && head < nb && same(&la[head], &lb[head]))
		head++;
	while (tail < na - head && tail < nb - head &&
	       same(&la[na - 1 - tail], &lb[nb - 1 - tail]))
		tail++;
	long ma = (long)(na - head - tail), mb = (long)(nb - head - tail);
	if (labs(ma - mb) > LINEDIFF_MAX_EDITS)
		goto done;	/* at least that many lines added or removed */
	ops = calloc(LINEDIFF_MAX_EDITS, sizeof *ops);
	trace = calloc(LINEDIFF_MAX_EDITS + 1, sizeof *trace);
	if (!ops || !trace) {
		rc = -1;
		goto done;
	}
	long n = myers(la + head, ma, lb + head, mb, ops, trace);
	if (n <= 0)
		goto done;	/* too different, or the same */
	if (put_hunks(ops, n, la + head, lb + head, head, out) < 0) {
		rc = -1;
		out->len = start;
		goto done;
	}
	if (out->len - start > max) {
		out->len = start;
		goto done;
	}
	rc = 1;
done:
	if (out->p)
		out->p[out->len] = '\0';
	free(ops);
	free(trace);
	return rc;
}
