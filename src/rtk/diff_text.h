/* diff_text: small text helpers the git filters share. */
#ifndef NR_RTK_DIFF_TEXT_H
#define NR_RTK_DIFF_TEXT_H

#include <stddef.h>

#include "buf.h"

/* Points the line (s, n) at its text without ANSI escape sequences
 * (`--color` output) and without a trailing '\r' (CRLF input), copying into
 * the scratch buffer only when something has to go. Returns 0, or -1 when memory runs out. */
int diff_plain_line(struct buf *scratch, const char **s, size_t *n);

/* Length of the run of hex digits at s[0..n). */
size_t diff_hex_len(const char *s, size_t n);

/* Parses a decimal number at *p (before end), advancing *p; 0 when none. */
int diff_parse_ull(const char **p, const char *end, unsigned long long *v);

#endif
