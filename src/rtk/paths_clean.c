/* paths_clean: the line-level chores the listing filters share: dropping
 * colour escapes and CRs, and walking the complete lines of a detection head. */
#include <string.h>

#include "rtk/ansi.h"
#include "rtk/paths.h"

int paths_clean(struct buf *b, const char *s, size_t n)
{
	buf_reset(b);
	if (n && s[n - 1] == '\r')
		n--;
	if (buf_reserve(b, n) < 0)
		return -1;
	size_t i = 0;
	while (i < n) {
		const char *esc = memchr(s + i, '\033', n - i);
		size_t plain = esc ? (size_t)(esc - (s + i)) : n - i;
		if (buf_append(b, s + i, plain) < 0)
			return -1;
		i += plain;
		if (i < n)
			i = rtk_ansi_end(s, n, i);
	}
	return 0;
}

void head_iter_init(struct head_iter *it, const char *head, size_t len)
{
	it->p = head;
	it->end = head + len;
	it->cut = len >= RTK_HEAD_MAX;
}

int head_iter_next(struct head_iter *it, const char **s, size_t *n)
{
	if (it->p >= it->end)
		return 0;
	const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	if (!nl && it->cut)
		return 0;	/* cut mid-line: not a whole line */
	const char *e = nl ? nl : it->end;
	*s = it->p;
	*n = (size_t)(e - it->p);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	it->p = nl ? nl + 1 : it->end;
	return 1;
}
