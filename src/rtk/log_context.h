/* log_context: one dropped line held back in case the next kept line needs it
 * (the "Test #12: …" before a failure, the "In function ‘f’:" before an
 * error). Whatever is not used is counted as elided under its kind. */
#ifndef NR_RTK_LOG_CONTEXT_H
#define NR_RTK_LOG_CONTEXT_H

#include "rtk/log_line.h"

struct log_context {
	struct buf line;
	int held;
	enum log_kind kind;
};

/* Holds t[0..tn), counting the line held before it (if any) as elided. */
int log_context_hold(struct log_context *c, struct log_elide *e, const char *t, size_t tn,
		     enum log_kind kind);
/* Counts a held line as elided and forgets it. */
void log_context_drop(struct log_context *c, struct log_elide *e);
/* Prints the markers, then the held line, and forgets it. */
int log_context_emit(struct log_context *c, struct log_elide *e, struct rtk_out *o);
void log_context_free(struct log_context *c);

#endif
