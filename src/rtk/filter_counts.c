/* filter_counts: a number before each path — du -a, du -sh *, wc -l over
 * many files, ls -s, find -exec wc. Every entry and its number stays, in its
 * order (a sorted list's order is its meaning): entries are written under a
 * directory said once, each as "NUMBER path-below-it". A run of one
 * directory's entries gets that directory; an entry whose next one is
 * elsewhere stays under the directory open when it lies below it (sort -n
 * mixes directories), else opens the one it shares with the next. Totals
 * and other lines stay whole. */
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/paths.h"

struct counts {
	struct buf line;
	struct buf held;	/* the entry waiting for the next line (cleaned) */
	int have_held;
	struct buf dir;		/* the directory open: its header was written */
	int open;
};

struct entry {
	const char *num;
	size_t num_len;
	const char *path;
	size_t path_len;
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

/* Writes the held entry e (line p, m), next being the entry after it or
 * NULL: under the open directory or a new one. */
static int write_held(struct counts *c, const char *p, size_t m, const struct entry *e, const struct entry *next,
		      struct rtk_out *out)
{
	size_t d = dir_len(e), nd = next ? dir_len(next) : 0;
	int run = nd == d && d && memcmp(next->path, e->path, d) == 0;	/* the next one is its neighbour */
	if (!d) {
		c->open = 0;
		return rtk_out_line(out, p, m);
	}
	size_t under = c->open && c->dir.len <= d && memcmp(c->dir.p, e->path, c->dir.len) == 0 ? c->dir.len : 0;
	if (!under || (under < d && run)) {
		size_t h = d;
		if (next && nd && !run) {	/* alone here: open what it shares with the next */
			size_t s = shared_dir(e->path, d, next->path, nd);
			h = s ? s : d;
		}
		buf_reset(&c->dir);
		if (buf_append(&c->dir, e->path, h) < 0 || rtk_out_line(out, e->path, h) < 0)
			return -1;
		c->open = 1;
		under = h;
	}
	if (rtk_out_write(out, " ", 1) < 0 || rtk_out_write(out, e->num, e->num_len) < 0 ||
	    rtk_out_write(out, " ", 1) < 0)
		return -1;
	return rtk_out_line(out, e->path + under, e->path_len - under);
}

/* The held entry, written now that its next line (an entry, or NULL) is known. */
static int flush_held(struct counts *c, const struct entry *next, struct rtk_out *out)
{
	struct entry e;
	if (!c->have_held)
		return 0;
	c->have_held = 0;
	if (!parse_entry(c->held.p, c->held.len, &e))	/* (it parsed when held) */
		return -1;
	return write_held(c, c->held.p, c->held.len, &e, next, out);
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
		if (flush_held(c, NULL, out) < 0)
			return -1;
		c->open = 0;	/* a total, a message: whole, and the next entry says its directory */
		return rtk_out_line(out, p, m);
	}
	if (flush_held(c, &e, out) < 0)
		return -1;
	struct buf t = c->held;	/* the line becomes the held entry: no copy */
	c->held = c->line;
	c->line = t;
	c->have_held = 1;
	return 0;
}

static int finish(void *st, struct rtk_out *out)
{
	return flush_held(st, NULL, out);
}

static void counts_free(void *st)
{
	struct counts *c = st;
	buf_free(&c->line);
	buf_free(&c->held);
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
