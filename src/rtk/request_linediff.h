/* request_linediff: a bounded line diff, for a tool result that re-runs an
 * earlier command with a few lines changed. */
#ifndef NR_RTK_REQUEST_LINEDIFF_H
#define NR_RTK_REQUEST_LINEDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Most changed lines (removed + added) a diff may have. Myers' algorithm
 * then needs O(LINEDIFF_MAX_EDITS^2) memory, and a work budget keeps its time
 * linear in the number of lines whatever the texts. */
#define LINEDIFF_MAX_EDITS 64

struct linediff_line {
	const char *p;
	size_t n;
	uint64_t h;
};

/* A text cut into lines (at '\n'; what follows the last '\n' is a line too).
 * The lines point into the text, which must outlive it. */
struct linediff_text {
	struct linediff_line *v;
	size_t n;
};

/* 0, or -1 when the text has more than LINEDIFF_MAX_LINES lines or memory ran
 * out: such a text is simply not diffed. */
int linediff_split(const char *s, size_t n, struct linediff_text *t);
void linediff_text_free(struct linediff_text *t);

/* Appends to *out the hunks that turn text a into text b, in unified-diff
 * form without context lines ("@@ -3,2 +3,1 @@", then "-old" and "+new"
 * lines), when there are at most LINEDIFF_MAX_EDITS changed lines and the
 * hunks fit in `max` bytes. Returns 1 when written, 0 when not worth it
 * (*out unchanged), -1 on ENOMEM. */
int linediff(const struct linediff_text *a, const struct linediff_text *b, size_t max,
	     struct buf *out);

#endif
