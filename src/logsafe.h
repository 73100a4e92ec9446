/* logsafe: text that came from a client, an upstream, a file or the
 * environment, made safe to print: one event stays one line, no byte reaches
 * a terminal raw, and no password or key is shown. */
#ifndef NR_LOGSAFE_H
#define NR_LOGSAFE_H

#include <stddef.h>

#include "buf.h"

/* Appends s[0..n) to b with C0 controls (\n \r \t, else \xHH), DEL, C1
 * controls, bytes outside valid UTF-8 (each \xHH) and the backslash (\\)
 * escaped; valid UTF-8 text passes as is. 0, or -1 (ENOMEM). */
int log_escape(struct buf *b, const char *s, size_t n);

/* Nonzero when s has no control character (C0, DEL, C1) and is valid UTF-8:
 * a name that may go into a header or a terminal as it is. */
int log_printable(const char *s);

/* Formats the message, escapes it (log_escape) and writes it to stderr with
 * one newline in a single write, so lines from concurrent workers never mix. */
void nr_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Appends url with the password of its userinfo shown as ***
 * ("https://user:***@host/"). Userinfo without a password may itself be a
 * token: all of it is then shown as ***. 0, or -1 (ENOMEM). */
int log_url(struct buf *b, const char *url);

/* Replaces every occurrence of secret (when not empty) in b by "***". */
void log_scrub(struct buf *b, const char *secret);

#endif
