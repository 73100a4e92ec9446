/* log_line: what the log, test and build filters share to read a line: its
 * visible text, its hashes, a bounded table of hashes seen, and the counters
 * behind their "… N WHAT omitted" markers. */
#ifndef NR_RTK_LOG_LINE_H
#define NR_RTK_LOG_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rtk/filter.h"

/* Longest kept line; longer ones are cut with a " … [+N bytes]" marker. */
#define LOG_KEEP_MAX 4096

/* The visible text of a raw line: ANSI escapes removed, text overwritten by a
 * carriage return dropped ("50%\r100%" keeps "100%"), trailing blanks and CR
 * trimmed. Sets *t to s itself when nothing needs removing (the fast path),
 * else to scratch's bytes. Returns 0, or -1 when scratch cannot grow. */
int log_clean(struct buf *scratch, const char *s, size_t n, const char **t, size_t *tn);

/* 64-bit hash of the exact bytes. */
uint64_t log_hash_exact(const char *s, size_t n);
/* 64-bit hash of the line's shape: every whitespace-separated token holding a
 * digit, a path or URL ('/' '\\' '@' '='), or starting with a quote counts as
 * the same placeholder, and whitespace runs count as one, so "fetch GET 200
 * https://x/a 57ms" and "fetch GET 404 https://x/b 9ms" have one shape. */
uint64_t log_hash_shape(const char *s, size_t n);
/* 64-bit hash of the line with every run of digits as one placeholder and
 * whitespace runs as one blank: "worker 7 took 12 ms" and "worker 8 took 9
 * ms" are alike, "M src/parser.c" and "M src/lexer.c" are not. Digits in a
 * word that begins with a letter are part of a name and stay ("web5",
 * "job12.sh", "issue-123"); "icmp_seq=5", "/users/12" and "12ms" are
 * numbers. For text whose names are not known to be noise. */
uint64_t log_hash_numbers(const char *s, size_t n);
/* Nonzero when the line is one name, a word with a letter ("  feature/
 * issue-123", "* main", "v1.2.3", "tests/x.py::test_y[3]"): a list of them
 * is compared line by line exactly, never by shape, since the whole line is
 * what differs. */
int log_is_name(const char *t, size_t tn);

/* Bytes s[0..n) without leading blanks. */
const char *log_skip_blanks(const char *s, size_t n, size_t *rest);

/* A bounded, set-associative table counting sightings of hashes; when a set
 * is full its least recently seen entry is forgotten. */
#define LOG_SEEN_SLOTS 4096u	/* a power of two */
#define LOG_SEEN_WAYS 8u
struct log_seen {
	uint64_t key[LOG_SEEN_SLOTS];
	uint64_t stamp[LOG_SEEN_SLOTS];
	uint32_t count[LOG_SEEN_SLOTS];
	uint64_t clock;
};
/* Counts one more sighting of key; returns the count (1 the first time). */
uint32_t log_seen_add(struct log_seen *t, uint64_t key);

/* What filters drop, counted by kind. The kinds whose lines differ from what
 * stays (similar lines, repeats, stack frames, traceback lines) are reported
 * where they were, before the next kept line; the others — lines that only
 * accompany what stays (a diagnostic's excerpt and notes, compiler commands,
 * build steps, passing tests, progress) — are counted for the whole input and
 * reported once at its end: one such marker at every gap cost more tokens
 * than the one or two short lines it stood for. */
enum log_kind {
	LK_SIMILAR, LK_REPEATED, LK_PASSING, LK_SKIPPED, LK_PROGRESS, LK_SUITE,
	LK_STACK, LK_TRACE, LK_TESTID, LK_HEADER, LK_COMMAND, LK_STEP, LK_CHECK,
	LK_NPM, LK_EXCERPT, LK_NOTE, LK_CONTEXT, LK_KINDS
};
struct log_elide {
	unsigned long long n[LK_KINDS];
};
static inline int log_kind_in_place(enum log_kind k)
{
	return k == LK_SIMILAR || k == LK_REPEATED || k == LK_STACK || k == LK_TRACE;
}
static inline void log_elide_add(struct log_elide *e, enum log_kind k)
{
	e->n[k]++;
}
/* Prints one marker per nonzero counter of the kinds reported in place (in a
 * fixed order) and clears them. */
int log_elide_flush(struct log_elide *e, struct rtk_out *o);
/* At the end of the input: the markers of every kind still counted. */
int log_elide_finish(struct log_elide *e, struct rtk_out *o);
/* Flushes the markers, then prints t[0..tn) cut at LOG_KEEP_MAX. */
int log_keep(struct log_elide *e, struct rtk_out *o, const char *t, size_t tn);

#endif
