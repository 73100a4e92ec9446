/* status: `nr status`'s document (status.c) printed for people (status_text.c). */
#ifndef NR_ADMIN_STATUS_H
#define NR_ADMIN_STATUS_H

#include <jv.h>
#include <sqlite3.h>

#include "buf.h"

/* Prints doc — {now, providers, combos, failures} as `nr status --json`
 * writes it — as text, times in local time with countdowns; consumes doc.
 * `failures` is the number asked for, for the heading. */
void status_print_text(jv doc, int failures);

/* A span of seconds as "4m12s", "37s", "1h05m", "3d4h" (rounded up). */
void status_put_span(struct buf *b, double secs);

/* A time in local time: the clock alone on now's date, else with the date;
 * with_zone adds the date and the zone always. */
void status_put_time(struct buf *b, double t, double now, int with_zone);

/* The providers as nr status --json lists them (state, accounts, cooldowns),
 * or invalid when the cooldowns cannot be read. */
jv status_providers(sqlite3 *db, double now);

/* A failed attempt's class (rate_limit, quota, auth, upstream_error, timeout,
 * unreachable, cut, refused, bad_answer), from its status, outcome and
 * nr-route's own reason: nr status's, and the dashboard's and /metrics'. */
const char *status_failure_class(int status, const char *outcome, const char *reason);

#endif
