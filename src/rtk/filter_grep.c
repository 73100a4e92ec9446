/* filter_grep: search hits (grep -rn, grep -r, rg, git grep, with context
 * lines and "--" separators, rg's --heading layout, rg --vimgrep's columns)
 * grouped per file: the path once, then "line:text" for each hit (grep's own
 * separators: ':' a match, '-' a context line), its indentation dropped. Hits that look alike are never
 * collapsed: each differs in its line, its file or a name. Only the same text
 * again in one file is merged, its lines listed ("12,40,77: text"). Every file
 * that matched stays listed; past an overall budget, far more hits than a
 * model reads, a file shows its count of hits only. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "rtk/filter.h"
#include "rtk/paths.h"

#define HITS_TOTAL 400		/* lines shown in all; later files show their count only */
#define HIT_TEXT_MAX 256	/* bytes of a hit's text shown (cut on a UTF-8 boundary): a long source line whole, not a minified one */
#define HELD_MAX 256		/* a file's hits held to merge repeats (then written) */
#define MERGED_MAX 32		/* line numbers on one merged line */

/* A hit held until its file ends: where its number and its text, already cut
 * to HIT_TEXT_MAX (so that a hold stays small), are in held. */
struct held {
	size_t num, num_len, text, text_len;
	size_t cut;		/* bytes cut off the text's end */
	uint64_t hash;
	char sep;
	int done;		/* written (merged into an earlier line) */
};

struct grep {
	struct buf line;
	struct buf path;	/* the file whose hits are coming */
	int have_file;
	int heading;		/* the file came as a line of its own (rg --heading) */
	int header_shown;	/* its path was printed */
	unsigned long long hits, hidden;	/* of the current file */
	unsigned long long total_shown;
	struct buf held;	/* the current file's hits not yet written: bytes */
	struct buf refs;	/* and struct held[] into them */
	size_t nheld;
};

struct hit {
	size_t path_len;	/* the path is s[0..path_len) (or the heading) */
	const char *num;	/* line number, NULL when grep gave none; */
	size_t num_len;		/* with rg --vimgrep's ":column" when there is one */
	int column;
	char sep;		/* ':' a match, '-' a context line */
	const char *text;
	size_t text_len;
};

static size_t digits_at(const char *s, size_t n, size_t i)
{
	size_t j = i;
	while (j < n && isdigit((unsigned char)s[j]))
		j++;
	return j - i;
}

/* "N:text" or "N-text" from i on. */
static int numbered_at(const char *s, size_t n, size_t i, struct hit *h)
{
	size_t d = digits_at(s, n, i);
	if (!d || i + d >= n || (s[i + d] != ':' && s[i + d] != '-'))
		return 0;
	h->num = s + i;
	h->num_len = d;
	h->sep = s[i + d];
	h->text = s + i + d + 1;
	h->text_len = n - (i + d + 1);
	return 1;
}

/* rg --vimgrep: "N:C:text", a match's column taken into its number. */
static void take_column(struct hit *h)
{
	size_t d = digits_at(h->text, h->text_len, 0);
	if (h->sep != ':' || !d || d >= h->text_len || h->text[d] != ':')
		return;
	h->column = 1;
	h->num_len += 1 + d;
	h->text += d + 1;
	h->text_len -= d + 1;
}

/* A prefix that can be a file name: no leading blank, not a sentence. */
static int path_prefix(const char *s, size_t n)
{
	return n && paths_is_path(s, n) && (memchr(s, '/', n) || memchr(s, '.', n));
}

static int parse_hit(struct grep *g, const char *s, size_t n, struct hit *h)
{
	memset(h, 0, sizeof *h);
	const char *cur = g->path.p;
	size_t cl = g->path.len;
	/* rg --heading: bare "N:text" lines under the file's own line. */
	if (g->have_file && g->heading && numbered_at(s, n, 0, h)) {
		h->path_len = 0;
		take_column(h);	/* rg --heading --column */
		return 1;
	}
	/* The current file again (its name may hold ':' or '-'). */
	if (g->have_file && !g->heading && n > cl && memcmp(s, cur, cl) == 0 &&
	    (s[cl] == ':' || s[cl] == '-') && numbered_at(s, n, cl + 1, h) && h->sep == s[cl]) {
		h->path_len = cl;
		take_column(h);
		return 1;
	}
	/* path:N:text, the first ":digits:" after a path-like prefix. */
	for (size_t i = 1; i + 1 < n; i++) {
		if (s[i] == ':' && isdigit((unsigned char)s[i + 1]) && numbered_at(s, n, i + 1, h) &&
		    h->sep == ':' && path_prefix(s, i)) {
			h->path_len = i;
			take_column(h);
			return 1;
		}
	}
	/* path-N-text, a context line. */
	for (size_t i = 1; i + 1 < n; i++) {
		if (s[i] == '-' && isdigit((unsigned char)s[i + 1]) && numbered_at(s, n, i + 1, h) &&
		    h->sep == '-' && path_prefix(s, i)) {
			h->path_len = i;
			return 1;
		}
	}
	/* path:text, without line numbers. */
	const char *colon = memchr(s, ':', n);
	if (colon && path_prefix(s, (size_t)(colon - s))) {
		memset(h, 0, sizeof *h);
		h->path_len = (size_t)(colon - s);
		h->sep = ':';
		h->text = colon + 1;
		h->text_len = n - h->path_len - 1;
		return 1;
	}
	return 0;
}

/* Diagnostics ("file:12:5: warning: …", go's "file:12:5: undefined: x") look
 * like hits. A compiler puts one blank between the column and its message; a
 * vimgrep hit's text is the source line as it is: indented by a tab or by
 * several blanks, or not at all. */
static int is_diagnostic(const struct hit *h)
{
	const char *t = h->text;
	size_t n = h->text_len;
	if (h->column)
		return n >= 2 && t[0] == ' ' && t[1] != ' ' && t[1] != '\t';
	while (n && *t == ' ') {
		t++;
		n--;
	}
	return rtk_starts(t, n, "error:") || rtk_starts(t, n, "warning:") || rtk_starts(t, n, "note:") ||
	       rtk_starts(t, n, "fatal error:");
}

/* grep's and rg's own messages: "grep: x.pyc: binary file matches",
 * "Binary file x matches", "rg: x: Permission denied". */
static int tool_message(const char *s, size_t n)
{
	return rtk_starts(s, n, "grep: ") || rtk_starts(s, n, "rg: ") || rtk_starts(s, n, "Binary file ");
}

static int detect(const char *head, size_t len)
{
	struct grep g = { 0 };
	struct head_iter it;
	const char *s;
	size_t n;
	unsigned total = 0, hits = 0, numbered = 0, diags = 0;
	struct hit h;
	head_iter_init(&it, head, len);
	while (head_iter_next(&it, &s, &n)) {
		if (n == 0 || (n == 2 && memcmp(s, "--", 2) == 0) || tool_message(s, n))
			continue;
		total++;
		if (!parse_hit(&g, s, n, &h)) {
			/* rg --heading: a file's own line (not counted), its hits below it */
			g.have_file = g.heading = path_prefix(s, n);
			total -= (unsigned)g.have_file;
			continue;
		}
		hits++;
		numbered += h.num != NULL;
		diags += is_diagnostic(&h);
	}
	if (total < 2 || hits * 10 < total * 8 || diags * 10 > hits)
		return 0;
	return numbered * 2 >= hits ? 80 : 45;
}

static void *start(void)
{
	return calloc(1, sizeof(struct grep));
}

/* Writes the held hits in order, each followed by the later ones with the
 * same text (a match, not a context line) on one line: "12,40: text". */
static int write_held(struct grep *g, struct rtk_out *out)
{
	struct held *h = (struct held *)(void *)g->refs.p;
	const char *b = g->held.p;
	for (size_t i = 0; i < g->nheld; i++) {
		if (h[i].done)
			continue;
		if (g->total_shown >= HITS_TOTAL) {
			g->hidden++;
			continue;
		}
		g->total_shown++;
		if (h[i].num_len && rtk_out_write(out, b + h[i].num, h[i].num_len) < 0)
			return -1;
		/* only whole texts merge: a cut one is not known to be the same */
		for (size_t j = i + 1, k = 1; j < g->nheld && k < MERGED_MAX && h[i].sep == ':' && !h[i].cut;
		     j++) {
			if (h[j].done || h[j].sep != ':' || !h[j].num_len || h[j].cut || h[j].hash != h[i].hash ||
			    h[j].text_len != h[i].text_len ||
			    memcmp(b + h[j].text, b + h[i].text, h[i].text_len) != 0)
				continue;
			h[j].done = 1;
			k++;
			if (rtk_out_write(out, ",", 1) < 0 || rtk_out_write(out, b + h[j].num, h[j].num_len) < 0)
				return -1;
		}
		if (h[i].num_len ? rtk_out_write(out, &h[i].sep, 1) < 0 : rtk_out_write(out, "  ", 2) < 0)
			return -1;
		if (rtk_out_line_kept(out, b + h[i].text, h[i].text_len, h[i].cut) < 0)
			return -1;
	}
	g->nheld = 0;
	buf_reset(&g->held);
	buf_reset(&g->refs);
	return 0;
}

/* Ends the current file: its held hits, then its count of hits not shown. */
static int end_file(struct grep *g, struct rtk_out *out)
{
	if (!g->have_file)
		return 0;
	if (write_held(g, out) < 0)
		return -1;
	g->have_file = 0;
	if (g->header_shown)
		return g->hidden ? rtk_out_omitted(out, g->hidden, "more matches") : 0;
	if (rtk_out_write(out, g->path.p, g->path.len) < 0)
		return -1;
	if (!g->hits)
		return rtk_out_write(out, "\n", 1);
	return rtk_out_printf(out, " … %llu %s omitted\n", g->hits, g->hits == 1 ? "match" : "matches");
}

static int begin_file(struct grep *g, struct rtk_out *out, const char *p, size_t n, int heading)
{
	if (end_file(g, out) < 0)
		return -1;
	buf_reset(&g->path);
	if (buf_append(&g->path, p, n) < 0)
		return -1;
	g->have_file = 1;
	g->heading = heading;
	g->hits = g->hidden = 0;
	g->header_shown = g->total_shown < HITS_TOTAL && !heading;
	return g->header_shown ? rtk_out_line(out, p, n) : 0;
}

/* Holds a hit of the current file (indentation and trailing blanks say
 * little here); a full hold is written first. */
static int show_hit(struct grep *g, struct rtk_out *out, const struct hit *h)
{
	g->hits++;
	if (!g->header_shown && g->heading && g->total_shown < HITS_TOTAL) {
		g->header_shown = 1;	/* a heading is printed once it has a hit to show */
		if (rtk_out_line(out, g->path.p, g->path.len) < 0)
			return -1;
	}
	if (!g->header_shown || g->total_shown >= HITS_TOTAL) {
		g->hidden++;
		return 0;
	}
	if (g->nheld >= HELD_MAX && write_held(g, out) < 0)
		return -1;
	const char *t = h->text;
	size_t tn = h->text_len;
	while (tn && (*t == ' ' || *t == '\t')) {
		t++;
		tn--;
	}
	while (tn && (t[tn - 1] == ' ' || t[tn - 1] == '\t'))
		tn--;
	size_t keep = rtk_cut(t, tn, HIT_TEXT_MAX);
	struct held r = { .num = g->held.len, .num_len = h->num ? h->num_len : 0, .sep = h->sep,
			  .hash = nr_fnv1a64(NR_FNV1A64_INIT, t, keep), .cut = tn - keep };
	if (buf_append(&g->held, h->num, r.num_len) < 0)
		return -1;
	r.text = g->held.len;
	r.text_len = tn = keep;
	if (buf_append(&g->held, t, tn) < 0 || buf_append(&g->refs, &r, sizeof r) < 0)
		return -1;
	g->nheld++;
	return 0;
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct grep *g = st;
	if (paths_clean(&g->line, s, n) < 0)
		return -1;
	const char *p = g->line.p;
	size_t m = g->line.len;
	if (m == 0 || (m == 2 && memcmp(p, "--", 2) == 0))
		return 0;	/* group separators */
	struct hit h;
	if (parse_hit(g, p, m, &h)) {
		int same = h.path_len == 0 ||
			   (g->have_file && h.path_len == g->path.len && memcmp(p, g->path.p, h.path_len) == 0);
		if (!same && begin_file(g, out, p, h.path_len, 0) < 0)
			return -1;
		return show_hit(g, out, &h);
	}
	if (paths_is_path(p, m))	/* a file's own line: rg --heading, grep -l */
		return begin_file(g, out, p, m, 1);
	if (end_file(g, out) < 0)
		return -1;
	return rtk_out_line(out, p, m);	/* a message: Binary file …, grep: … */
}

static int finish(void *st, struct rtk_out *out)
{
	return end_file(st, out);
}

static void grep_free(void *st)
{
	struct grep *g = st;
	buf_free(&g->line);
	buf_free(&g->path);
	buf_free(&g->held);
	buf_free(&g->refs);
	free(g);
}

const struct rtk_filter rtk_filter_grep = {
	.name = "grep",
	.keeps = "every matching file and hit as line:text, the same text in a file once with its lines (400 lines in all, then counts)",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = grep_free,
};
