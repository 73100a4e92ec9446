/* html: text made safe for an HTML page, and the numbers people read on the
 * dashboard (1.2k tokens, $0.0042, 4m12s). */
#ifndef NR_SERVE_HTML_H
#define NR_SERVE_HTML_H

#include "buf.h"

/* s with & < > " ' as character references, appended to out; 0 or -1. */
int html_text(struct buf *out, const char *s);

/* A count as 987, 12.3k, 4.56M, 7.89G; appended; 0 or -1. */
int html_count(struct buf *out, double n);

/* US dollars: $12.34, $0.0042 (four decimals under a dollar); 0 or -1. */
int html_usd(struct buf *out, double usd);

#endif
