/* ansi: stepping over the terminal escapes in a tool's output (see ansi.h). */
#include "rtk/ansi.h"

size_t rtk_ansi_end(const char *s, size_t n, size_t i)
{
	i++;
	if (i < n && s[i] == '[') {
		for (i++; i < n; i++)
			if ((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e)
				return i + 1;
		return n;
	}
	if (i < n && s[i] == ']') {	/* OSC: up to BEL or ESC \ */
		for (i++; i < n; i++) {
			if (s[i] == '\a')
				return i + 1;
			if (s[i] == 0x1b)
				return i + 2 <= n ? i + 2 : n;
		}
		return n;
	}
	return i < n ? i + 1 : n;
}
