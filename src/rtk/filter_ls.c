/* filter_ls: ls output (-l, -la, -R, plain) as one line per directory,
 * nested like the other listings. Of the long format it keeps the name, the
 * kind (dir/, exec*, link->target) and the size of big files; permissions,
 * owners, link counts and dates carry little and go. Messages stay whole. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/paths.h"

#define MAX_FIELDS 12		/* fields looked at before the name */

struct ls {
	struct nest ns;
	struct buf line, name;
	int prev_blank;		/* a "dir:" header follows a blank line (or starts) */
};

struct field {
	size_t at, len;
};

/* Splits s into at most max whitespace-separated fields; returns their count. */
static size_t split_fields(const char *s, size_t n, struct field *f, size_t max)
{
	size_t k = 0, i = 0;
	while (k < max) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n)
			break;
		f[k].at = i;
		while (i < n && s[i] != ' ')
			i++;
		f[k].len = i - f[k].at;
		k++;
	}
	return k;
}

/* "drwxr-xr-x", "-rw-r--r--.", "lrwxrwxrwx@": the mode column of ls -l. */
static int is_mode(const char *s, size_t n)
{
	if (n < 10 || n > 11 || !strchr("-bcdlpsDn?", s[0]))
		return 0;
	for (size_t i = 1; i < 10; i++)
		if (!strchr("-rwxsStTl", s[i]))
			return 0;
	return n == 10 || strchr(".+@", s[10]) != NULL;
}

static int all_digits(const char *s, size_t n, size_t min, size_t max)
{
	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int is_month(const char *s, size_t n)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	if (n != 3)
		return 0;
	for (size_t i = 0; i < 12; i++)
		if (memcmp(months + 3 * i, s, 3) == 0)
			return 1;
	return 0;
}

/* Fields the date takes when one starts at field i (0: none): "Nov 24 20:01",
 * "Nov 24  2023", "2024-01-31 12:00", "2024-01-31 12:00:00.0 +0000". */
static size_t date_fields(const char *s, const struct field *f, size_t nf, size_t i)
{
	const char *a = s + f[i].at;
	if (i + 2 < nf && is_month(a, f[i].len) && all_digits(s + f[i + 1].at, f[i + 1].len, 1, 2))
		return 3;
	if (f[i].len == 10 && a[4] == '-' && a[7] == '-' && all_digits(a, 4, 4, 4) && i + 1 < nf) {
		const char *t = s + f[i + 1].at;
		int zone = i + 2 < nf && (s[f[i + 2].at] == '+' || s[f[i + 2].at] == '-');
		return f[i + 1].len > 2 && t[2] == ':' ? (zone ? 3 : 2) : 0;
	}
	return 0;
}

/* The name of a long-format entry, decorated; 0 not an entry, -1 error,
 * 1 entry (name empty for "." and ".."). */
static int long_entry(struct ls *l, const char *s, size_t n)
{
	struct field f[MAX_FIELDS];
	size_t nf = split_fields(s, n, f, MAX_FIELDS);
	if (nf < 5 || !is_mode(s, f[0].len))
		return 0;
	size_t d = 0, i;
	for (i = 2; i < nf && !d; i++)
		d = date_fields(s, f, nf, i);
	if (!d)
		return 0;
	i--;	/* the date's first field */
	size_t last = i + d - 1;
	size_t at = f[last].at + f[last].len + 1;
	if (at >= n)
		return 0;
	const char *name = s + at;
	size_t nn = n - at;
	buf_reset(&l->name);
	if ((nn == 1 && name[0] == '.') || (nn == 2 && memcmp(name, "..", 2) == 0))
		return 1;
	char kind = s[0];
	const char *arrow = kind == 'l' ? memmem(name, nn, " -> ", 4) : NULL;
	if (arrow) {	/* link->target, without the spaces */
		if (buf_append(&l->name, name, (size_t)(arrow - name)) < 0 ||
		    buf_puts(&l->name, "->") < 0 ||
		    buf_append(&l->name, arrow + 4, nn - (size_t)(arrow - name) - 4) < 0)
			return -1;
		return 1;
	}
	if (buf_append(&l->name, name, nn) < 0)
		return -1;
	if (kind == 'd')
		return buf_putc(&l->name, '/') < 0 ? -1 : 1;
	if (kind == '-' && (s[3] == 'x' || s[6] == 'x' || s[9] == 'x') && buf_putc(&l->name, '*') < 0)
		return -1;
	unsigned long long size;	/* bytes, or ls -h's "118K" */
	if (kind == '-' && paths_parse_size(s + f[i - 1].at, f[i - 1].len, &size) && size >= BIG_FILE &&
	    paths_put_size(&l->name, size) < 0)
		return -1;
	return 1;
}

/* "total 340", or ls -h's "total 1.6M". */
static int is_total(const char *s, size_t n)
{
	unsigned long long v;
	return rtk_starts(s, n, "total ") && paths_parse_size(s + 6, n - 6, &v);
}

static int is_header(const char *s, size_t n)
{
	return n >= 2 && s[n - 1] == ':' && !isspace((unsigned char)s[0]) && !memmem(s, n, ": ", 2);
}

static int detect(const char *head, size_t len)
{
	struct head_iter it;
	const char *s;
	size_t n;
	unsigned total = 0, longs = 0, headers = 0, totals = 0, plain = 0;
	head_iter_init(&it, head, len);
	while (head_iter_next(&it, &s, &n)) {
		if (n == 0)
			continue;
		total++;
		struct field f[2];
		size_t nf = split_fields(s, n, f, 2);
		if (nf == 2 && is_mode(s, f[0].len))
			longs++;
		else if (is_total(s, n))
			totals++;
		else if (is_header(s, n))
			headers++;
		else if (paths_is_path(s, n))
			plain++;
	}
	if (!total)
		return 0;
	if (longs * 2 >= total && longs + totals + headers >= total * 9 / 10)
		return 90;
	if (headers && headers + plain == total && plain)
		return 50;	/* ls -R without -l */
	return 0;
}

static void *start(void)
{
	struct ls *l = calloc(1, sizeof *l);
	if (l) {
		nest_init(&l->ns, 0, "entries");
		l->prev_blank = 1;
	}
	return l;
}

/* Plain ls lines hold one name, or several in columns (two spaces apart). */
static int plain_names(struct ls *l, const char *s, size_t n, struct rtk_out *out)
{
	size_t i = 0;
	while (i < n) {
		const char *gap = memmem(s + i, n - i, "  ", 2);
		size_t e = gap ? (size_t)(gap - s) : n;
		if (e > i && nest_name(&l->ns, out, s + i, e - i) < 0)
			return -1;
		i = e;
		while (i < n && s[i] == ' ')
			i++;
	}
	return 0;
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct ls *l = st;
	if (paths_clean(&l->line, s, n) < 0)
		return -1;
	const char *p = l->line.p;
	size_t m = l->line.len;
	int after_blank = l->prev_blank;
	l->prev_blank = m == 0;
	if (m == 0)
		return 0;
	if (is_total(p, m))
		return 0;	/* disk blocks: little to learn from */
	int e = long_entry(l, p, m);
	if (e < 0)
		return -1;
	if (e > 0)
		return l->name.len ? nest_name(&l->ns, out, l->name.p, l->name.len) : 0;
	if (after_blank && is_header(p, m))
		return nest_dir(&l->ns, out, p, m - 1);
	if (!paths_is_path(p, m) && !memmem(p, m, "  ", 2)) {	/* a message */
		if (nest_close(&l->ns, out) < 0)
			return -1;
		return rtk_out_line(out, p, m);
	}
	return plain_names(l, p, m, out);
}

static int finish(void *st, struct rtk_out *out)
{
	struct ls *l = st;
	return nest_close(&l->ns, out);
}

static void ls_free(void *st)
{
	struct ls *l = st;
	nest_free(&l->ns);
	buf_free(&l->line);
	buf_free(&l->name);
	free(l);
}

const struct rtk_filter rtk_filter_ls = {
	.name = "ls",
	.keeps = "every directory and name (dir/, exec*, link->target, name(size) from 100K; counts past 2000); drops modes, owners, dates",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = ls_free,
};
