/* filter_counts: a number before each path — du -a, du -sh *, wc -l over
 * many files, ls -s, find -exec wc. Every entry and its number stays, in its
 * order (a sorted list's order is its meaning): a run of entries of one
 * directory is written under that directory, once, each as "NUMBER name".
 * Totals and other lines stay whole. */
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/paths.h"

struct counts {
	struct buf line;
	struct buf dir;		/* the directory of the open run */
	int open;		/* a run is open: its header was written */
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

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct counts *c = st;
	if (paths_clean(&c->line, s, n) < 0)
		return -1;
	const char *p = c->line.p;
	size_t m = c->line.len;
	struct entry e;
	if (!parse_entry(p, m, &e) || (e.path_len == 5 && memcmp(e.path, "total", 5) == 0)) {
		c->open = 0;	/* a total, a message: whole, and the next run says its directory */
		return rtk_out_line(out, p, m);
	}
	size_t slash = e.path_len;
	while (slash > 1 && e.path[slash - 1] != '/')
		slash--;
	if (slash <= 1 || slash == e.path_len) {	/* no directory to factor */
		c->open = 0;
		return rtk_out_line(out, p, m);
	}
	if (!c->open || c->dir.len != slash || memcmp(c->dir.p, e.path, slash) != 0) {
		buf_reset(&c->dir);
		if (buf_append(&c->dir, e.path, slash) < 0 || rtk_out_line(out, e.path, slash) < 0)
			return -1;
		c->open = 1;
	}
	if (rtk_out_write(out, " ", 1) < 0 || rtk_out_write(out, e.num, e.num_len) < 0 ||
	    rtk_out_write(out, " ", 1) < 0)
		return -1;
	return rtk_out_line(out, e.path + slash, e.path_len - slash);
}

static int finish(void *st, struct rtk_out *out)
{
	(void)st;
	(void)out;
	return 0;
}

static void counts_free(void *st)
{
	struct counts *c = st;
	buf_free(&c->line);
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
