/* utf8: boundary-safe cutting and validation. */
#include "utf8.h"

static int is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t cut = max;
	/* step back over continuation bytes: the cut then falls before a lead byte */
	while (cut > 0 && is_cont((unsigned char)s[cut]))
		cut--;
	return cut;
}

size_t utf8_next_boundary(const char *s, size_t len, size_t off)
{
	while (off < len && is_cont((unsigned char)s[off]))
		off++;
	return off;
}

int utf8_valid(const char *s, size_t len, int allow_cut_end)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		size_t need;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			need = 1, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			need = 2, min = 0x800;
		} else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
			need = 3, min = 0x10000;
		} else {
			return 0;
		}
		unsigned cp = c & (0x3F >> need);
		size_t k;
		for (k = 1; k <= need; k++) {
			if (i + k >= len)
				return allow_cut_end;
			if (!is_cont(p[i + k]))
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}
