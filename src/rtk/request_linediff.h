/* request_linediff: a bounded line diff, for a tool result that re-runs an
 * earlier command with a few lines changed. */
#ifndef NR_RTK_REQUEST_LINEDIFF_H
#define NR_RTK_REQUEST_LINEDIFF_H

#include <stddef.h>

#include "buf.h"

/* Most changed lines (removed + added) a diff may have: Myers' algorithm then
 * costs O((lines of a + lines of b) * LINEDIFF_MAX_EDITS) time and
 * O(LINEDIFF_MAX_EDITS^2) memory, whatever the texts. */
#define LINEDIFF_MAX_EDITS 64

/* Appends to *out the hunks that turn text a into text b, in unified-diff
 * form without context lines ("@@ -3,2 +3,1 @@", then "-old" and "+new"
 * lines), when there are at most LINEDIFF_MAX_EDITS changed lines and the
 * hunks fit in `max` bytes. Returns 1 when written, 0 when not worth it
 * (*out unchanged), -1 on ENOMEM. */
int linediff(const char *a, size_t an, const char *b, size_t bn, size_t max, struct buf *out);

#endif
