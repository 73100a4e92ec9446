/* filter_counts: a number before each path — du -a, du -sh *, wc -l over
 * many files, ls -s, find -exec wc. Every entry and its number stays, in its
 * order (a sorted list's order is its meaning): entries are written under a
 * directory said once, each as "NUMBER path-below-it". An entry below the
 * open directory stays under it (sort -n mixes directories) unless it starts
 * a run of RUN_OWN entries of one deeper directory, which gets its header;
 * an entry outside it opens its own directory when its run goes on, else the
 * one it shares with the next. Entries wait in a window of RUN_OWN to be
 * judged so. Totals and other lines stay whole. */
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/paths.h"

#define RUN_OWN 3	/* entries of one directory worth a header of their own */

struct entry {
	const char *num;
	size_t num_len;
	const char *path;
	size_t path_len;
};

struct counts {
	struct buf line;
	struct buf held[RUN_OWN];	/* entries waiting (cleaned lines), a ring */
	struct entry ent[RUN_OWN];	/* each parsed, into its held line */
	size_t first, nheld;
	struct buf dir;		/* the directory open: its header was written */
	int open;
};

/* "  12 path", "4\tpath", "1.2M\tpath": a size or count (as ls's and tree's
 * sizes are read), blanks, a path. */
static int parse_entry(const char *s, size_t n, struct entry *e)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	size_t d = i;
	while (d < n && s[d] != ' ' && s[d] != '\t')
		d++;
	unsigned long long v;
	if (!paths_parse_size(s + i, d - i, &v))
		return 0;
	size_t p = d;
	while (p < n && (s[p] == ' ' || s[p] == '\t'))
		p++;
	if (p == d || p >= n || !paths_is_path(s + p, n - p))
		return 0;
	e->num = s + i;
	e->num_len = d - i;
	e->path = s + p;
	e->path_len = n - p;
	return 1;
}

static int detect(const char *head, size_t len)
{
	struct head_iter it;
	const char *s;
	size_t n;
	unsigned total = 0, entries = 0, slashed = 0;
	struct entry e;
	head_iter_init(&it, head, len);
	while (head_iter_next(&it, &s, &n)) {
		if (n == 0)
			continue;
		total++;
		if (parse_entry(s, n, &e)) {
			entries++;
			slashed += memchr(e.path, '/', e.path_len) != NULL;
		}
	}
	/* a total line may end it; the numbers must stand before paths */
	return total >= 3 && entries * 10 >= total * 9 && slashed * 2 >= entries ? 60 : 0;
}

static void *start(void)
{
	return calloc(1, sizeof(struct counts));
}

/* The length of e's directory part with its '/', 0 when it has none. */
static size_t dir_len(const struct entry *e)
{
	size_t slash = e->path_len;
	while (slash > 1 && e->path[slash - 1] != '/')
		slash--;
	return slash <= 1 || slash == e->path_len ? 0 : slash;
}

/* The directory (with its '/') that a and b share, 0 when only "/" or "./". */
static size_t shared_dir(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, d = 0;
	while (i < an && i < bn && a[i] == b[i])
		if (a[i++] == '/')
			d = i;
	return d <= 1 || (d == 2 && a[0] == '.') ? 0 : d;
}

/* The held entry k places after the first. */
static const struct entry *held_entry(const struct counts *c, size_t k)
{
	return &c->ent[(c->first + k) % RUN_OWN];
}

/* Writes the first held entry, under the open directory or a new one, as
 * the entries held after it suggest. */
static int write_first(struct counts *c, struct rtk_out *out)
{
	const struct buf *line = &c->held[c->first];
	struct entry e = *held_entry(c, 0), next = { 0 };
	size_t d = dir_len(&e), run = 1, nd = 0;
	for (size_t k = 1; k < c->nheld && d; k++) {	/* its directory's run, as far as held */
		const struct entry *f = held_entry(c, k);
		if (k == 1) {
			next = *f;
			nd = dir_len(f);
		}
		if (dir_len(f) != d || memcmp(f->path, e.path, d) != 0)
			break;
		run++;
	}
	c->first = (c->first + 1) % RUN_OWN;
	c->nheld--;
	if (!d) {
		c->open = 0;
		return rtk_out_line(out, line->p, line->len);
	}
	size_t under = c->open && c->dir.len <= d && memcmp(c->dir.p, e.path, c->dir.len) == 0 ? c->dir.len : 0;
	if (!under || (under < d && run >= RUN_OWN)) {
		size_t h = d;
		if (run == 1 && nd) {	/* alone here: open what it shares with the next */
			size_t s = shared_dir(e.path, d, next.path, nd);
			h = s ? s : d;
		}
		buf_reset(&c->dir);
		if (buf_append(&c->dir, e.path, h) < 0 || rtk_out_line(out, e.path, h) < 0)
			return -1;
		c->open = 1;
		under = h;
	}
	if (rtk_out_write(out, " ", 1) < 0 || rtk_out_write(out, e.num, e.num_len) < 0 ||
	    rtk_out_write(out, " ", 1) < 0)
		return -1;
	return rtk_out_line(out, e.path + under, e.path_len - under);
}

static int flush_held(struct counts *c, struct rtk_out *out)
{
	while (c->nheld)
		if (write_first(c, out) < 0)
			return -1;
	return 0;
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct counts *c = st;
	if (paths_clean(&c->line, s, n) < 0)
		return -1;
	const char *p = c->line.p;
	size_t m = c->line.len;
	struct entry e;
	if (!parse_entry(p, m, &e) || (e.path_len == 5 && memcmp(e.path, "total", 5) == 0)) {
		if (flush_held(c, out) < 0)
			return -1;
		c->open = 0;	/* a total, a message: whole, and the next entry says its directory */
		return rtk_out_line(out, p, m);
	}
	if (c->nheld == RUN_OWN && write_first(c, out) < 0)
		return -1;
	size_t k = (c->first + c->nheld) % RUN_OWN;
	struct buf t = c->held[k];	/* the line becomes a held entry: no copy, */
	c->held[k] = c->line;	/* so e still points into it */
	c->line = t;
	c->ent[k] = e;
	c->nheld++;
	return 0;
}

static int finish(void *st, struct rtk_out *out)
{
	return flush_held(st, out);
}

static void counts_free(void *st)
{
	struct counts *c = st;
	buf_free(&c->line);
	for (size_t k = 0; k < RUN_OWN; k++)
		buf_free(&c->held[k]);
	buf_free(&c->dir);
	free(c);
}

const struct rtk_filter rtk_filter_counts = {
	.name = "counts",
	.keeps = "every entry of du, wc -l and the like with its number, in order, each directory once a run",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = counts_free,
};
