/* filter_dedup_log: the generic filter for any log or unrecognised text.
 *
 * Each line is reduced to its shape (each run of digits masked, see
 * log_hash_numbers: lines that differ only in numbers are alike, lines that
 * differ in a name or a path never are); a bounded table counts how often
 * each shape has been seen recently. The first DEDUP_KEEP lines of a shape are printed, later
 * ones are dropped and counted ("… N similar lines omitted" where they were),
 * so both runs and interleaved cycles of look-alike lines collapse. Error and
 * warning lines, and lines that name a source location (file:line), are
 * compared exactly instead, so every distinct one is kept, and so are lines
 * of one name (git branch, versions: their digits name). A path alone on a
 * line (eslint's per-file report) starts a section: what repeats an earlier
 * section's line is new in this one. A line rtk-filter wrote to count what
 * it left out is kept where it stands. Lines past LOG_KEEP_MAX are cut,
 * unless a JSON document or a list of words (names, numbers, prose).
 * The last lines dropped before the end are printed anyway: a log's final
 * state ("processed 5000 items", "added 406 packages") is what matters. Runs
 * of blank lines print as one blank line. Memory: the table plus a two-line
 * tail, whatever the input size; no allocation per line once warmed up. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/log_line.h"
#include "rtk/paths.h"

#define DEDUP_KEEP 2	/* lines printed per shape */
#define DEDUP_TAIL 2	/* dropped lines still printed if the input ends with them */
#define PROBLEM_SEED 0x9e3779b97f4a7c15ull	/* keeps exact and shape keys apart */
#define SECTION_MIX 0xc2b2ae3d27d4eb4full	/* and one section's keys from another's */

struct dedup {
	struct log_seen seen;
	struct log_elide elide;
	struct buf scratch;
	struct buf tail[DEDUP_TAIL];	/* ring of the most recent dropped lines */
	uint64_t tail_hash[DEDUP_TAIL];
	size_t tail_next, tail_len;
	int last_blank;
	uint64_t section;	/* section heads seen: a line's key is per section */
};

/* A path alone on its line heads what follows (eslint's report, a tool's
 * per-file output): the same line under another file is another fact. */
static int section_head(const char *t, size_t tn)
{
	return tn > 1 && !memchr(t, ' ', tn) && paths_is_path(t, tn) &&
	       (memchr(t, '/', tn) || memchr(t, '.', tn)) && t[tn - 1] != '.';
}

/* A whole JSON object or array on one line: an API's answer (curl, gh api,
 * kubectl -o json), which a cut would break. */
static int json_value(const char *t, size_t tn)
{
	return tn >= 2 && ((t[0] == '{' && t[tn - 1] == '}') || (t[0] == '[' && t[tn - 1] == ']'));
}

/* A long line of words: names (a listing on one line, rtk-filter's own
 * included, xargs echo), numbers, prose. Each word may be the one a model
 * asks about, so it is never cut; a blob (base64, minified code: few blanks,
 * brackets and operators) still is. */
static int word_list(const char *t, size_t tn)
{
	size_t blanks = 0, wordy = 0;
	for (size_t i = 0; i < tn; i++) {
		unsigned char c = (unsigned char)t[i];
		blanks += c == ' ' || c == '\t';
		wordy += isalnum(c) || c >= 0x80 || (c && strchr(" \t._-/+@~:,'\"", c));
	}
	return blanks * 40 >= tn && wordy * 10 >= tn * 9;
}

static int detect(const char *head, size_t len)
{
	(void)head;
	(void)len;
	return 0;	/* never chosen on its own merit: it is the fallback */
}

static void *start(void)
{
	return calloc(1, sizeof(struct dedup));
}

static int remember_dropped(struct dedup *d, const char *t, size_t tn, uint64_t h)
{
	struct buf *b = &d->tail[d->tail_next];
	buf_reset(b);
	if (buf_append(b, t, tn) < 0)
		return -1;
	d->tail_hash[d->tail_next] = h;
	d->tail_next = (d->tail_next + 1) % DEDUP_TAIL;
	if (d->tail_len < DEDUP_TAIL)
		d->tail_len++;
	log_elide_add(&d->elide, LK_SIMILAR);
	return 0;
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct dedup *d = st;
	const char *t;
	size_t tn;
	if (log_clean(&d->scratch, s, n, &t, &tn) < 0)
		return -1;
	if (tn == 0) {
		if (d->last_blank)
			return 0;
		d->last_blank = 1;
		if (d->tail_len)	/* inside a dropped stretch: part of it */
			return 0;
		return rtk_out_line(out, "", 0);
	}
	d->last_blank = 0;
	int head = section_head(t, tn);
	if (head || rtk_is_omitted(t, tn)) {	/* a section's path; a filter's count, read again */
		d->section += head;
		d->tail_len = 0;
		return log_keep(&d->elide, out, t, tn);
	}
	int problem = rtk_is_problem_line(t, tn) || rtk_location(t, tn) >= 0;
	uint64_t h = problem || log_is_name(t, tn) ? log_hash_exact(t, tn) ^ PROBLEM_SEED : log_hash_numbers(t, tn);
	h ^= d->section * SECTION_MIX;
	uint32_t c = log_seen_add(&d->seen, h);
	if (c > (problem ? 1u : DEDUP_KEEP))
		return remember_dropped(d, t, tn, h);
	d->tail_len = 0;
	if (tn > LOG_KEEP_MAX && (json_value(t, tn) || word_list(t, tn))) {	/* whole, however long */
		if (log_elide_flush(&d->elide, out) < 0)
			return -1;
		return rtk_out_line(out, t, tn);
	}
	return log_keep(&d->elide, out, t, tn);
}

static int finish(void *st, struct rtk_out *out)
{
	struct dedup *d = st;
	/* The dropped lines the input ended with, oldest first; of two with one
	 * shape only the last (the final state) is worth printing. */
	size_t at[DEDUP_TAIL], k = 0;
	for (size_t i = 0; i < d->tail_len; i++) {
		size_t j = (d->tail_next + DEDUP_TAIL - d->tail_len + i) % DEDUP_TAIL;
		if (k && d->tail_hash[at[k - 1]] == d->tail_hash[j])
			k--;
		at[k++] = j;
	}
	d->elide.n[LK_SIMILAR] -= k;
	if (log_elide_flush(&d->elide, out) < 0)
		return -1;
	for (size_t i = 0; i < k; i++)
		if (rtk_out_line_cut(out, d->tail[at[i]].p, d->tail[at[i]].len, LOG_KEEP_MAX) < 0)
			return -1;
	return 0;
}

static void free_state(void *st)
{
	struct dedup *d = st;
	if (!d)
		return;
	buf_free(&d->scratch);
	for (size_t i = 0; i < DEDUP_TAIL; i++)
		buf_free(&d->tail[i]);
	free(d);
}

const struct rtk_filter rtk_filter_dedup_log = {
	.name = "dedup-log",
	.keeps = "every distinct error, warning and line naming a file:line, the first lines of each run of lines differing only in numbers, the last lines",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free_state,
};
