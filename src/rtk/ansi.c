/* ansi: stepping over the terminal escapes in a tool's output (see ansi.h). */
#include "rtk/ansi.h"

static int in(const char *s, size_t i, unsigned lo, unsigned hi)
{
	return (unsigned char)s[i] >= lo && (unsigned char)s[i] <= hi;
}

size_t rtk_ansi_end(const char *s, size_t n, size_t i)
{
	i++;
	if (i < n && s[i] == '[') {	/* CSI (ECMA-48): parameters, intermediates, a final byte */
		for (i++; i < n && in(s, i, 0x30, 0x3f); i++)
			;
		for (; i < n && in(s, i, 0x20, 0x2f); i++)
			;
		/* a malformed one ends here: the byte after it is text, kept */
		return i < n && in(s, i, 0x40, 0x7e) ? i + 1 : i;
	}
	if (i < n && s[i] == ']') {	/* OSC (ls and rg hyperlinks): up to BEL or ESC \ */
		for (i++; i < n; i++) {
			if (s[i] == '\a')
				return i + 1;
			if (s[i] == 0x1b)
				return i + 2 <= n ? i + 2 : n;
		}
		return n;
	}
	return i < n ? i + 1 : n;	/* a two-byte escape */
}
