/* ansi: stepping over the terminal escapes in a tool's output. */
#ifndef NR_RTK_ANSI_H
#define NR_RTK_ANSI_H

#include <stddef.h>

/* The index after the ANSI escape starting at s[i] == ESC, at most n: a CSI
 * ("ESC [" up to a final byte 0x40-0x7e), an OSC ("ESC ]" up to BEL or ESC and
 * the byte after it) or a two-byte escape; an escape cut by the end runs to n. */
size_t rtk_ansi_end(const char *s, size_t n, size_t i);

#endif
