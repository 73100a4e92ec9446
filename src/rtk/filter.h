/* filter.h: the interface every rtk-filter filter implements.
 *
 * A filter is a line-at-a-time state machine: the engine calls line() once per
 * input line (without its '\n'; a final line without '\n' is passed the same
 * way), then finish() once at EOF, then free(). State must stay bounded
 * whatever the input length: keep counters and small windows, never the whole
 * input. Lines are at most RTK_LINE_MAX bytes (longer input is passed through
 * unchanged by the engine). Each callback returns 0, or -1 on failure (the
 * engine then prints the input unchanged). Output must be deterministic.
 *
 * Filters write through the rtk_out_* helpers below. Whatever they drop, they
 * say so with a count ("… 412 similar lines omitted") so the model knows it
 * exists. The engine guarantees the never-larger rule, so a filter need not.
 */
#ifndef NR_RTK_FILTER_H
#define NR_RTK_FILTER_H

#include <stddef.h>
#include <sys/types.h>

#include "spool.h"

#define RTK_HEAD_MAX 4096		/* bytes auto-detection looks at: a few lines even of long ones */
#define RTK_LINE_MAX (1024 * 1024)	/* longest line a filter is given */

struct rtk_out {
	struct spool sp;
};

int rtk_out_write(struct rtk_out *o, const void *p, size_t n);
/* s[0..n) then '\n'. */
int rtk_out_line(struct rtk_out *o, const char *s, size_t n);
int rtk_out_str(struct rtk_out *o, const char *s);	/* a NUL-terminated line */
int rtk_out_printf(struct rtk_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));	/* no '\n' added */
/* "… N WHAT omitted\n", the one elision marker every filter uses. */
int rtk_out_omitted(struct rtk_out *o, unsigned long long n, const char *what);
/* The line cut to at most max bytes (rtk_cut), with a marker " … [+N bytes]"
 * when something was cut. */
int rtk_out_line_cut(struct rtk_out *o, const char *s, size_t n, size_t max);
/* s[0..keep) as a line, its end cut already: " … [+cut bytes]" before the
 * newline when cut is not 0 (the marker rtk_cut knows again). */
int rtk_out_line_kept(struct rtk_out *o, const char *s, size_t keep, size_t cut);

struct rtk_filter {
	const char *name;
	const char *keeps;	/* for --list: what survives, in one line */
	/* How sure (0..100) the filter is that head[0..len) (the first bytes of
	 * the input, at most RTK_HEAD_MAX, possibly cut mid-line) is its kind. */
	int (*detect)(const char *head, size_t len);
	void *(*start)(void);	/* NULL on failure */
	int (*line)(void *state, const char *s, size_t n, struct rtk_out *out);
	int (*finish)(void *state, struct rtk_out *out);
	void (*free)(void *state);
};

/* The registry, in --list order; ends with NULL. */
extern const struct rtk_filter *const rtk_filters[];
const struct rtk_filter *rtk_filter_by_name(const char *name);
/* The best filter for this head; never NULL (falls back to the generic one). */
const struct rtk_filter *rtk_detect(const char *head, size_t len);

/* Small text helpers filters share. */
int rtk_starts(const char *s, size_t n, const char *prefix);
/* The length of s[0..n) without its trailing blanks (' ', '\t', '\r'). */
size_t rtk_trim_end(const char *s, size_t n);
/* How many times c stands in s[0..n). */
size_t rtk_count(const char *s, size_t n, char c);
/* Nonzero for a line rtk-filter wrote to count what it left out ("… 12
 * added lines omitted", a listing's "sub/ … 40 files omitted"): its own
 * output, read again, is passed as it is. */
int rtk_is_omitted(const char *s, size_t n);
/* Bytes of s[0..n) to keep under max, cut on a UTF-8 boundary; all of it
 * when it is a line rtk-filter cut before (ending in " … [+N bytes]") whose
 * text fits: cut again, it would lose the count of what went. */
size_t rtk_cut(const char *s, size_t n, size_t max);
/* Nonzero when the line looks like an error or a warning of any common tool. */
int rtk_is_problem_line(const char *s, size_t n);
/* Where a source location (FILE:LINE, FILE(LINE,COL), File "F", line N,
 * FILE line N) starts in the line, by its shape whatever the tool; -1 when
 * there is none. Lines that name different locations are never collapsed as
 * alike. */
long rtk_location(const char *s, size_t n);

#endif
