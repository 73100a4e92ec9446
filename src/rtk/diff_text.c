/* diff_text: small text helpers the git filters share (see diff_text.h). */
#include "rtk/diff_text.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "rtk/ansi.h"

int diff_plain_line(struct buf *scratch, const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;
	if (len && p[len - 1] == '\r')
		len--;
	if (!memchr(p, '\033', len)) {
		*n = len;
		return 0;
	}
	buf_reset(scratch);
	if (buf_reserve(scratch, len) < 0)
		return -1;
	for (size_t i = 0; i < len;) {
		if (p[i] == '\033') {
			i = rtk_ansi_end(p, len, i);
			continue;
		}
		const char *esc = memchr(p + i, '\033', len - i);
		size_t take = esc ? (size_t)(esc - (p + i)) : len - i;
		if (buf_append(scratch, p + i, take) < 0)
			return -1;
		i += take;
	}
	len = scratch->len;
	if (len && scratch->p[len - 1] == '\r')	/* "\r\033[m" endings */
		len--;
	*s = scratch->p ? scratch->p : "";
	*n = len;
	return 0;
}

size_t diff_hex_len(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && isxdigit((unsigned char)s[i]))
		i++;
	return i;
}

int diff_parse_ull(const char **p, const char *end, unsigned long long *v)
{
	const char *q = *p;
	unsigned long long x = 0;
	while (q < end && *q >= '0' && *q <= '9') {
		unsigned d = (unsigned)(*q - '0');
		if (x > (ULLONG_MAX - d) / 10)
			return 0;	/* absurd: not a line number */
		x = x * 10 + d;
		q++;
	}
	if (q == *p)
		return 0;
	*p = q;
	*v = x;
	return 1;
}
