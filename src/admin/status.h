/* status: `nr status`'s document (status.c) printed for people (status_text.c). */
#ifndef NR_ADMIN_STATUS_H
#define NR_ADMIN_STATUS_H

#include <jv.h>

/* Prints doc — {now, providers, combos, failures} as `nr status --json`
 * writes it — as text, times in local time with countdowns; consumes doc.
 * `failures` is the number asked for, for the heading. */
void status_print_text(jv doc, int failures);

#endif
