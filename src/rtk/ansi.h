/* ansi: stepping over the terminal escapes in a tool's output. */
#ifndef NR_RTK_ANSI_H
#define NR_RTK_ANSI_H

#include <stddef.h>

/* The index after the ANSI escape starting at s[i] == ESC, at most n: a CSI
 * ("ESC [", parameter bytes 0x30-0x3f, intermediate bytes 0x20-0x2f, a final
 * byte 0x40-0x7e; a malformed one ends before the byte that breaks it), an OSC
 * ("ESC ]" up to BEL or ESC and the byte after it) or a two-byte escape; an
 * escape cut by the end runs to n. The one skipper of every filter. */
size_t rtk_ansi_end(const char *s, size_t n, size_t i);

#endif
