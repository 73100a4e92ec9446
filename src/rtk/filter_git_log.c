/* filter_git_log: `git log` (medium/fuller, --stat, -p), `git show`, --oneline.
 *
 * Each commit becomes one line "<hash>[ (refs)][ merge <parents>:] <subject>",
 * as --oneline shows it, under a heading "<YYYY-MM-DD> <author name>:" that is
 * printed again only when the day or the author changes: a log repeats them
 * commit after commit. A full hash is cut to its first 12 digits (the
 * kernel's "Fixes:" length: unique in any repository, and git takes it
 * wherever it takes a hash), since 40 hex digits cost 23 tokens and 12 cost 7.
 * The first commit, which is `git show`'s, keeps its body; other bodies,
 * trailers (Signed-off-by, ...), author emails and committer lines are
 * dropped and counted. Patches and stat lines go through diff_body, as in
 * git-diff. One-line formats pass unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtk/diff_body.h"
#include "rtk/diff_text.h"
#include "rtk/filter.h"

#define BODY_KEEP 0		/* body lines kept per commit, after the subject */
#define BODY_KEEP_FIRST 20	/* for the first commit (`git show`: the one asked for) */
#define DATE_MAX 64		/* longer "Date:" values are kept as they are */
#define HASH_SHOWN 12		/* hex digits of a commit's hash printed */

enum log_state { LOG_TEXT, LOG_HEADER, LOG_MESSAGE, LOG_DIFF };

struct git_log {
	enum log_state state;
	struct buf scratch;	/* a line without its colour codes */
	struct buf hash, author, date, merge;	/* the commit's header, until it ends */
	struct buf heading, shown;	/* this commit's "day author", the last one printed */
	unsigned long long commits;
	int subject_seen;
	int pending;		/* the commit's line waits for its subject */
	unsigned long long body_kept, body_dropped;	/* of this commit */
	unsigned long long trailers, committer_lines, emails;	/* of the whole log */
	struct diff_body body;
};

/* "commit <hex>" with 7..64 hex digits, then the end or a space. */
static int is_commit_line(const char *s, size_t n)
{
	if (!rtk_starts(s, n, "commit "))
		return 0;
	size_t h = diff_hex_len(s + 7, n - 7);
	return h >= 7 && h <= 64 && (7 + h == n || s[7 + h] == ' ');
}

/* "<hex> subject" of --oneline, maybe behind a --graph "* ". */
static int is_oneline(const char *s, size_t n)
{
	while (n && (*s == '*' || *s == '|' || *s == ' ' || *s == '/' || *s == '\\')) {
		s++;
		n--;
	}
	size_t h = diff_hex_len(s, n);
	/* one blank: a table's id column (docker ps) is followed by more */
	return h >= 7 && h <= 64 && (h == n || (s[h] == ' ' && (h + 1 == n || s[h + 1] != ' ')));
}

/* "2026-06-20 Ann Lee:", the heading this filter writes over a day's commits. */
static int is_heading(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-dd ";
	for (size_t i = 0; i < sizeof shape - 1; i++)
		if (i >= n || (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i]))
			return 0;
	return n > sizeof shape && s[n - 1] == ':';
}

static int detect(const char *head, size_t len)
{
	const char *nl = memchr(head, '\n', len);
	size_t first = nl ? (size_t)(nl - head) : len;
	if (first && head[first - 1] == '\r')
		first--;
	if (is_commit_line(head, first))
		return 95;
	if (nl && is_heading(head, first)) {	/* this filter's output, read again */
		const char *s = nl + 1, *e = memchr(s, '\n', len - (size_t)(s - head));
		if (e && is_oneline(s, (size_t)(e - s)))
			return 90;
	}
	int lines = 0, oneline = 0;
	for (const char *p = head, *end = head + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;	/* a cut last line proves nothing */
		size_t n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		lines++;
		oneline += is_oneline(p, n);
		p = nl + 1;
	}
	return lines >= 2 && oneline * 10 >= lines * 9 ? 70 : 0;
}

static void *start(void)
{
	struct git_log *g = calloc(1, sizeof *g);
	if (g)
		diff_body_init(&g->body);
	return g;
}

/* "Thu Jul 2 07:45:10 2026 +0200" -> "2026-07-02"; other forms unchanged. */
static int put_date(struct buf *b, const char *s, size_t n)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char tmp[DATE_MAX + 1], wday[4], mon[4];
	int day, hh, mm, ss, year;
	if (n <= DATE_MAX) {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		if (sscanf(tmp, "%3s %3s %d %d:%d:%d %d", wday, mon, &day, &hh, &mm, &ss, &year) == 7) {
			const char *m = strstr(months, mon);
			if (m && strlen(mon) == 3 && (m - months) % 3 == 0)
				return buf_printf(b, "%04d-%02d-%02d", year,
						  (int)(m - months) / 3 + 1, day);
		}
	}
	return buf_append(b, s, n);
}

/* "<day> <author name>:" when it differs from the last one printed. */
static int put_heading(struct git_log *g, struct rtk_out *out)
{
	struct buf *h = &g->heading;
	buf_reset(h);
	if (g->date.len && put_date(h, g->date.p, g->date.len) < 0)
		return -1;
	size_t an = g->author.len;
	const char *lt = an ? memchr(g->author.p, '<', an) : NULL;
	if (lt && lt > g->author.p && g->author.p[an - 1] == '>') {
		an = (size_t)(lt - g->author.p) - 1;	/* the name says who; drop "<email>" */
		g->emails++;
	}
	if (an && ((h->len && buf_putc(h, ' ') < 0) || buf_append(h, g->author.p, an) < 0))
		return -1;
	if (h->len == 0 || (h->len == g->shown.len && memcmp(h->p, g->shown.p, h->len) == 0))
		return 0;
	buf_reset(&g->shown);
	if (buf_append(&g->shown, h->p, h->len) < 0 || rtk_out_write(out, h->p, h->len) < 0)
		return -1;
	return rtk_out_write(out, ":\n", 2);
}

/* The commit's line, "<hash> (refs) merge <parents>: <subject>", once its
 * subject is known (subject NULL: it has none). */
static int put_commit(struct git_log *g, const char *subject, size_t sn, struct rtk_out *out)
{
	g->pending = 0;
	if (put_heading(g, out) < 0)
		return -1;
	size_t h = diff_hex_len(g->hash.p, g->hash.len);
	if (rtk_out_write(out, g->hash.p, HASH_SHOWN < h ? HASH_SHOWN : h) < 0 ||
	    rtk_out_write(out, g->hash.p + h, g->hash.len - h) < 0)
		return -1;
	if (g->merge.len && (rtk_out_write(out, " merge ", 7) < 0 ||
			     rtk_out_write(out, g->merge.p, g->merge.len) < 0 ||
			     (subject && rtk_out_write(out, ":", 1) < 0)))
		return -1;
	if (subject && (rtk_out_write(out, " ", 1) < 0 || rtk_out_write(out, subject, sn) < 0))
		return -1;
	return rtk_out_write(out, "\n", 1);
}

/* The end of a commit's message: say how much of its body went. */
static int end_message(struct git_log *g, struct rtk_out *out)
{
	if (g->body_dropped && rtk_out_omitted(out, g->body_dropped, "more message lines") < 0)
		return -1;
	g->body_dropped = 0;
	return 0;
}

static int begin_commit(struct git_log *g, const char *s, size_t n, struct rtk_out *out)
{
	if ((g->state == LOG_HEADER || g->pending) && put_commit(g, NULL, 0, out) < 0)
		return -1;	/* a commit with no message */
	if (end_message(g, out) < 0 || diff_body_end(&g->body, out) < 0)
		return -1;
	buf_reset(&g->hash);
	buf_reset(&g->author);
	buf_reset(&g->date);
	buf_reset(&g->merge);
	g->state = LOG_HEADER;
	g->subject_seen = 0;
	g->body_kept = 0;
	g->commits++;
	return buf_append(&g->hash, s + 7, n - 7);
}

/* The value after "Key:" and its padding. */
static int header_value(struct buf *b, const char *s, size_t n, size_t key)
{
	size_t i = key;
	while (i < n && s[i] == ' ')
		i++;
	buf_reset(b);
	return buf_append(b, s + i, n - i);
}

/* A header line; 1 when taken, 0 when the header is over. */
static int header_line(struct git_log *g, const char *s, size_t n)
{
	if (rtk_starts(s, n, "Author:"))
		return header_value(&g->author, s, n, 7) < 0 ? -1 : 1;
	if (rtk_starts(s, n, "AuthorDate:"))
		return header_value(&g->date, s, n, 11) < 0 ? -1 : 1;
	if (rtk_starts(s, n, "Date:"))
		return header_value(&g->date, s, n, 5) < 0 ? -1 : 1;
	if (rtk_starts(s, n, "Merge:"))
		return header_value(&g->merge, s, n, 6) < 0 ? -1 : 1;
	if (rtk_starts(s, n, "Commit:") || rtk_starts(s, n, "CommitDate:")) {
		g->committer_lines++;
		return 1;
	}
	return 0;
}

/* "Signed-off-by: ...", "Co-authored-by: ...", "Change-Id: ...": a word,
 * maybe hyphenated, then ": ", on an indented message line. */
static int is_trailer(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	size_t w = i;
	while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
		i++;
	if (i == w || i + 1 >= n || s[i] != ':' || s[i + 1] != ' ')
		return 0;
	static const char *const known[] = {
		"-by:", "Change-Id:", "Cc:", "Fixes:", "Link:", "Closes:", "Bug:",
		"Reviewed-on:", "git-svn-id:", NULL,
	};
	for (size_t k = 0; known[k]; k++) {
		size_t kl = strlen(known[k]);
		if (known[k][0] == '-' ? i + 1 - w > kl && memcmp(s + i + 1 - kl, known[k], kl) == 0
				       : i + 1 - w == kl && memcmp(s + w, known[k], kl) == 0)
			return 1;
	}
	return 0;
}

static int message_line(struct git_log *g, const char *s, size_t n, struct rtk_out *out)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	if (i == n)
		return 0;	/* blank lines carry nothing */
	if (!g->subject_seen) {
		g->subject_seen = 1;
		return put_commit(g, s + i, n - i, out);
	}
	if (is_trailer(s, n)) {
		g->trailers++;
		return 0;
	}
	if (g->body_kept < (g->commits == 1 ? BODY_KEEP_FIRST : BODY_KEEP)) {
		g->body_kept++;
		return rtk_out_line(out, s, n);
	}
	g->body_dropped++;
	return 0;
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct git_log *g = st;
	if (diff_plain_line(&g->scratch, &s, &n) < 0)
		return -1;
	if (is_commit_line(s, n))
		return begin_commit(g, s, n, out);
	if (g->state == LOG_HEADER) {
		int r = header_line(g, s, n);
		if (r != 0)
			return r < 0 ? -1 : 0;
		g->pending = 1;
		g->state = LOG_MESSAGE;
		if (n == 0)
			return 0;
	}
	if (g->state == LOG_MESSAGE) {
		if (n == 0 || rtk_starts(s, n, "    "))
			return message_line(g, s, n, out);
		if ((g->pending && put_commit(g, NULL, 0, out) < 0) || end_message(g, out) < 0)
			return -1;
		g->state = LOG_DIFF;
	}
	if (n == 0 && g->state == LOG_DIFF && !diff_body_in_hunk(&g->body))
		return 0;	/* blank lines between commits */
	return diff_body_line(&g->body, s, n, out);
}

static int finish(void *st, struct rtk_out *out)
{
	struct git_log *g = st;
	if ((g->state == LOG_HEADER || g->pending) && put_commit(g, NULL, 0, out) < 0)
		return -1;
	if (end_message(g, out) < 0 || diff_body_finish(&g->body, out) < 0)
		return -1;
	if (g->trailers && rtk_out_omitted(out, g->trailers, "trailer lines (Signed-off-by, Co-authored-by, ...)") < 0)
		return -1;
	if (g->committer_lines && rtk_out_omitted(out, g->committer_lines, "committer lines") < 0)
		return -1;
	if (g->emails && rtk_out_omitted(out, g->emails, "author emails") < 0)
		return -1;
	return 0;
}

static void free_state(void *st)
{
	struct git_log *g = st;
	diff_body_free(&g->body);
	buf_free(&g->scratch);
	buf_free(&g->hash);
	buf_free(&g->author);
	buf_free(&g->date);
	buf_free(&g->merge);
	buf_free(&g->heading);
	buf_free(&g->shown);
	free(g);
}

const struct rtk_filter rtk_filter_git_log = {
	.name = "git-log",
	.keeps = "hashes (12 digits), subjects, each day and author once for a run of commits, first body lines; patches as git-diff",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free_state,
};
