/* diff_run: one run of changed lines inside a unified-diff hunk (its removed
 * lines, then its added lines, with no context between), held in a bounded
 * window until the run ends, then printed as a zero-context hunk
 * ("@@ -A,B +C,D @@", as `git diff -U0` would) with the middle of a long block
 * replaced by an elision marker. Memory: at most RUN_SMALL + RUN_TAIL lines of
 * at most RUN_LINE_KEEP bytes per block, whatever the run's length. */
#ifndef NR_RTK_DIFF_RUN_H
#define NR_RTK_DIFF_RUN_H

#include <stdint.h>

#include "buf.h"
#include "rtk/filter.h"

#define RUN_SMALL 12		/* a run of at most this many changed lines is kept whole */
#define RUN_HEAD 3		/* of a longer block (removed or added): first lines kept */
#define RUN_TAIL 1		/* and last lines kept */
#define RUN_LINE_KEEP 1024	/* bytes kept of one changed line (minified files) */
#define RUN_HEAD_SLOTS (RUN_SMALL + 2)	/* a small run's lines and its two notes */

struct run_line {
	struct buf text;	/* the line, cut to RUN_LINE_KEEP on a UTF-8 boundary */
	size_t cut;		/* bytes cut off its end */
};

struct run_block {
	unsigned long long lines;	/* lines seen, "\ No newline" notes included */
	struct run_line head[RUN_HEAD_SLOTS];	/* its first lines */
	struct run_line tail[RUN_TAIL];	/* ring: its last lines beyond head */
};

struct diff_run {
	int active;
	unsigned long long old_start, new_start;	/* line numbers of its first lines */
	unsigned long long removed, added;	/* changed lines, for the header */
	int cur;			/* block of the last line: 0 removed, 1 added */
	struct run_block blk[2];
};

/* Starts a run whose first old/new lines are numbered old_start/new_start. */
void diff_run_start(struct diff_run *r, unsigned long long old_start,
		    unsigned long long new_start);
/* Adds a line with its sign: '-' removed, '+' added, or a backslash note
 * ("\\ No newline at end of file") about the line before it. */
int diff_run_add(struct diff_run *r, const char *s, size_t n);
/* Nonzero when every line of the run is held (a run short enough to keep). */
int diff_run_whole(const struct diff_run *r);
/* A hash of a whole run's lines, and their bytes in *bytes. */
uint64_t diff_run_hash(const struct diff_run *r, size_t *bytes);
/* Prints the run (header with `heading` appended when not NULL) and empties
 * it. With `same_as` ("path:line"), prints its header and, for its lines, a
 * marker naming the identical run printed before. */
int diff_run_flush(struct diff_run *r, const char *heading, size_t hn,
		   const char *same_as, struct rtk_out *out);
/* Prints the run's lines under no header of its own, and empties it. */
int diff_run_flush_lines(struct diff_run *r, struct rtk_out *out);
void diff_run_free(struct diff_run *r);

#endif
