/* paths_size: the size a listing shows after a big file's name, the same
 * from ls -l's bytes and from tree -h's or tree -s's brackets. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rtk/paths.h"

int paths_put_size(struct buf *b, unsigned long long v)
{
	static const char units[] = "KMGTP";
	double d = (double)v;
	size_t u = 0;
	d /= 1024;
	while (d >= 1024 && u + 1 < sizeof units - 1) {
		d /= 1024;
		u++;
	}
	return d < 10 ? buf_printf(b, "(%.1f%c)", d, units[u]) : buf_printf(b, "(%.0f%c)", d, units[u]);
}

int paths_parse_size(const char *s, size_t n, unsigned long long *v)
{
	static const char units[] = "KMGTPE";
	size_t i = 0, digits = 0;
	double d = 0, scale = 1;
	int point = 0;
	for (; i < n && (isdigit((unsigned char)s[i]) || (s[i] == '.' && !point)); i++) {
		if (s[i] == '.') {
			point = 1;
			continue;
		}
		if (++digits > 19)
			return 0;
		if (point)
			scale /= 10;
		d = d * 10 + (s[i] - '0');
	}
	if (!digits)
		return 0;
	d *= scale;
	if (i < n) {	/* one unit letter, as tree -h and ls -h write it */
		const char *u = memchr(units, s[i], sizeof units - 1);
		if (!u || i + 1 != n)
			return 0;
		for (size_t k = 0; k <= (size_t)(u - units); k++)
			d *= 1024;
	} else if (point) {
		return 0;
	}
	if (d >= 18e18)
		return 0;
	*v = (unsigned long long)d;
	return 1;
}
