/* utf8: cutting text without splitting a multi-byte sequence. */
#ifndef NR_UTF8_H
#define NR_UTF8_H

#include <stddef.h>

/* The largest length <= max at which s[0..len) can be cut without splitting a
 * UTF-8 sequence (counts from the start of s, which must be a boundary). */
size_t utf8_cut(const char *s, size_t len, size_t max);
/* The smallest offset >= off that is not inside a UTF-8 sequence. */
size_t utf8_next_boundary(const char *s, size_t len, size_t off);
/* Nonzero when s[0..len) is valid UTF-8; a sequence cut by the end is accepted
 * when `allow_cut_end` (for a prefix of a longer text). */
int utf8_valid(const char *s, size_t len, int allow_cut_end);

#endif
