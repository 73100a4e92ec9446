/* diff_body: shrinks diff text line by line (see diff_body.h). */
#include "rtk/diff_body.h"

#include <string.h>

#include "rtk/diff_text.h"

void diff_body_init(struct diff_body *d)
{
	memset(d, 0, sizeof *d);
	d->state = DIFF_TEXT;
}

void diff_body_free(struct diff_body *d)
{
	buf_free(&d->hunk_header);
	buf_free(&d->heading);
	buf_free(&d->path);
	diff_seen_free(&d->seen);
	diff_run_free(&d->run);
}

/* A repeated run is worth naming only when its lines outweigh the marker. */
#define SEEN_MIN_BYTES 80

static int flush_run(struct diff_body *d, struct rtk_out *out)
{
	if (!d->run.active)
		return 0;
	const char *h = d->heading_used ? NULL : d->heading.p;
	d->heading_used = 1;
	if (!diff_run_whole(&d->run))
		return diff_run_flush(&d->run, h, d->heading.len, NULL, out);
	size_t bytes;
	uint64_t hash = diff_run_hash(&d->run, &bytes);
	if (bytes < SEEN_MIN_BYTES)
		return diff_run_flush(&d->run, h, d->heading.len, NULL, out);
	const struct buf *where = diff_seen_find(&d->seen, hash);
	if (where)
		return diff_run_flush(&d->run, h, d->heading.len, where->p, out);
	if (diff_seen_add(&d->seen, hash, d->path.p ? d->path.p : "", d->path.len,
			  d->run.new_start) < 0)
		return -1;
	return diff_run_flush(&d->run, h, d->heading.len, NULL, out);
}

/* The file's name from "diff --git a/x b/y" (y) or "+++ y<TAB>date" (y). */
static int set_path(struct diff_body *d, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	if (rtk_starts(s, n, "diff --git ")) {
		for (const char *q = s; q + 3 <= end; q++)
			if (memcmp(q, " b/", 3) == 0)
				p = q + 3;
	} else {
		p = s + 4;	/* "+++ " */
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		if (tab)
			end = tab;
		if (end - p > 2 && p[0] == 'b' && p[1] == '/')
			p += 2;
	}
	buf_reset(&d->path);
	return buf_append(&d->path, p, (size_t)(end - p));
}

int diff_body_in_hunk(const struct diff_body *d)
{
	return d->state == DIFF_HUNK && (d->old_left || d->new_left);
}

int diff_body_end(struct diff_body *d, struct rtk_out *out)
{
	d->state = DIFF_TEXT;
	d->git_header = 0;
	return flush_run(d, out);
}

int diff_body_finish(struct diff_body *d, struct rtk_out *out)
{
	if (diff_body_end(d, out) < 0)
		return -1;
	if (d->context_dropped && rtk_out_omitted(out, d->context_dropped, "unchanged context lines") < 0)
		return -1;
	if (d->header_dropped && rtk_out_omitted(out, d->header_dropped, "index/---/+++ header lines") < 0)
		return -1;
	if (d->binary_dropped && rtk_out_omitted(out, d->binary_dropped, "binary patch lines") < 0)
		return -1;
	return 0;
}

/* "@@ -a[,b] +c[,d] @@[ heading]": starts counting the hunk's lines. */
static int parse_hunk_header(struct diff_body *d, const char *s, size_t n)
{
	const char *p = s + 3, *end = s + n;
	unsigned long long a, b = 1, c, dd = 1;
	if (!rtk_starts(s, n, "@@ -") || (++p, !diff_parse_ull(&p, end, &a)))
		return 0;
	if (p < end && *p == ',' && (++p, !diff_parse_ull(&p, end, &b)))
		return 0;
	if (end - p < 2 || p[0] != ' ' || p[1] != '+')
		return 0;
	p += 2;
	if (!diff_parse_ull(&p, end, &c))
		return 0;
	if (p < end && *p == ',' && (++p, !diff_parse_ull(&p, end, &dd)))
		return 0;
	if (end - p < 3 || memcmp(p, " @@", 3) != 0)
		return 0;
	p += 3;
	if (p < end && *p == ' ')
		p++;
	buf_reset(&d->heading);
	buf_reset(&d->hunk_header);
	if (buf_append(&d->heading, p, (size_t)(end - p)) < 0 || buf_append(&d->hunk_header, s, n) < 0)
		return -1;
	d->heading_used = 0;
	/* a side with no lines names the line before: the first is one after */
	d->old_line = b ? a : a + 1;
	d->new_line = dd ? c : c + 1;
	d->old_left = b;
	d->new_left = dd;
	d->state = DIFF_HUNK;
	return 1;
}

/* A line inside a hunk. Returns 1 when it belonged to the hunk, 0 when the
 * hunk has ended and the line is something else, -1 on failure. */
static int hunk_line(struct diff_body *d, const char *s, size_t n, struct rtk_out *out)
{
	int done = d->old_left == 0 && d->new_left == 0;
	char c = n ? s[0] : ' ';	/* some tools strip an empty context line's space */
	if (c == '\\')	/* "\ No newline at end of file", may follow the hunk's end */
		return d->run.active ? (diff_run_add(&d->run, s, n) < 0 ? -1 : 1)
				     : (d->context_dropped++, 1);
	if (done || (c != ' ' && c != '-' && c != '+'))
		return 0;
	if (c == ' ') {
		if (flush_run(d, out) < 0)
			return -1;
		d->context_dropped++;
		d->old_line++;
		d->new_line++;
		if (d->old_left)
			d->old_left--;
		if (d->new_left)
			d->new_left--;
		return 1;
	}
	if (d->run.active && c == '-' && d->run.added && flush_run(d, out) < 0)
		return -1;	/* removals after additions: a new run */
	if (!d->run.active)
		diff_run_start(&d->run, d->old_line, d->new_line);
	if (diff_run_add(&d->run, s, n) < 0)
		return -1;
	if (c == '-') {
		d->old_line++;
		if (d->old_left)
			d->old_left--;
	} else {
		d->new_line++;
		if (d->new_left)
			d->new_left--;
	}
	return 1;
}

int diff_is_stat_line(const char *s, size_t n)
{
	return n >= 2 && s[0] == ' ' && s[1] != ' ' && diff_is_stat_text(s + 1, n - 1);
}

int diff_is_stat_text(const char *s, size_t n)
{
	const char *bar = NULL;
	for (const char *p = s + n; p > s; p--)
		if (p[-1] == '|') {
			bar = p - 1;
			break;
		}
	if (bar) {
		const char *p = bar + 1, *end = s + n;
		while (p < end && *p == ' ')
			p++;
		unsigned long long v;
		return p > bar + 1 && bar > s && bar[-1] == ' ' &&
		       (diff_parse_ull(&p, end, &v) || rtk_starts(p, (size_t)(end - p), "Bin"));
	}
	const char *p = s, *end = s + n;
	unsigned long long v;
	return diff_parse_ull(&p, end, &v) &&
	       (rtk_starts(p, (size_t)(end - p), " file changed") ||
		rtk_starts(p, (size_t)(end - p), " files changed"));
}

/* " path   | 16 ++++++++" -> "path | 16": the padding and graph say nothing
 * the number does not. The summary line loses its leading space. */
static int stat_line(const char *s, size_t n, struct rtk_out *out)
{
	const char *end = s + n, *bar = NULL;
	for (const char *p = end; p > s + 1; p--)
		if (p[-1] == '|') {
			bar = p - 1;
			break;
		}
	if (!bar)
		return rtk_out_line(out, s + 1, n - 1);
	const char *pe = bar;
	while (pe > s + 1 && pe[-1] == ' ')
		pe--;
	const char *v = bar + 1;
	while (v < end && *v == ' ')
		v++;
	const char *ve = v;
	if (rtk_starts(v, (size_t)(end - v), "Bin"))
		ve = end;	/* "Bin 0 -> 1234 bytes" */
	else
		while (ve < end && *ve >= '0' && *ve <= '9')
			ve++;
	if (rtk_out_write(out, s + 1, (size_t)(pe - (s + 1))) < 0 || rtk_out_write(out, " | ", 3) < 0)
		return -1;
	return rtk_out_line(out, v, (size_t)(ve - v));
}

/* A line outside any hunk. */
static int text_line(struct diff_body *d, const char *s, size_t n, struct rtk_out *out)
{
	if (d->state == DIFF_BINARY) {
		if (!rtk_starts(s, n, "diff ")) {
			d->binary_dropped++;
			return 0;
		}
		d->state = DIFF_TEXT;
	}
	if (d->state == DIFF_COMBINED) {
		if (n >= 2 && s[0] == ' ' && s[1] == ' ') {
			d->context_dropped++;
			return 0;
		}
		if (n && (s[0] == ' ' || s[0] == '+' || s[0] == '-'))
			return rtk_out_line(out, s, n);
		d->state = DIFF_TEXT;
	}
	if (rtk_starts(s, n, "diff ")) {
		if (flush_run(d, out) < 0)
			return -1;
		d->state = DIFF_FILE;
		d->git_header = rtk_starts(s, n, "diff --git ");
		if (d->git_header && set_path(d, s, n) < 0)
			return -1;
		return rtk_out_line(out, s, n);
	}
	if (rtk_starts(s, n, "@@ -")) {
		int r = parse_hunk_header(d, s, n);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	if (rtk_starts(s, n, "@@@ ")) {
		d->state = DIFF_COMBINED;
		return rtk_out_line(out, s, n);
	}
	if (d->state == DIFF_FILE) {
		/* git names the files in its "diff --git" line already */
		if (rtk_starts(s, n, "index ") ||
		    (d->git_header && (rtk_starts(s, n, "--- ") || rtk_starts(s, n, "+++ ")))) {
			d->header_dropped++;
			return 0;
		}
		if (rtk_starts(s, n, "GIT binary patch")) {
			d->state = DIFF_BINARY;
			return rtk_out_line(out, s, n);
		}
	}
	if (!d->git_header && rtk_starts(s, n, "+++ ") && set_path(d, s, n) < 0)
		return -1;	/* a plain diff -u names its file here */
	if (diff_is_stat_line(s, n))
		return stat_line(s, n, out);
	return rtk_out_line(out, s, n);
}

int diff_body_line(struct diff_body *d, const char *s, size_t n, struct rtk_out *out)
{
	if (d->state == DIFF_HUNK) {
		int r = hunk_line(d, s, n, out);
		if (r != 0)
			return r < 0 ? -1 : 0;
		if (diff_body_in_hunk(d) && rtk_is_omitted(s, n)) {
			/* a hunk rtk-filter shrank: its header and lines as they came */
			d->state = DIFF_SHRUNK;
			if (rtk_out_line(out, d->hunk_header.p, d->hunk_header.len) < 0 ||
			    diff_run_flush_lines(&d->run, out) < 0)
				return -1;
			return rtk_out_line(out, s, n);
		}
		if (flush_run(d, out) < 0)
			return -1;
		d->state = DIFF_FILE;	/* another hunk or file may follow */
	}
	if (d->state == DIFF_SHRUNK) {
		if (n && (s[0] == '+' || s[0] == '-' || s[0] == '\\' || rtk_is_omitted(s, n)))
			return rtk_out_line(out, s, n);
		d->state = DIFF_FILE;
	}
	return text_line(d, s, n, out);
}
