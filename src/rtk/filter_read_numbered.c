/* filter_read_numbered: a file shown with line numbers (cat -n "%6d\t",
 * Cursor "%6d|", Claude Code "%6d→"). The content is what the model asked
 * for: every line and its number stay, the text untouched; only the gutter's
 * padding and trailing blanks go, and the separator becomes cat -n's tab. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/paths.h"

#define ARROW "\xe2\x86\x92"	/* → */

struct numbered {
	const char *num;
	size_t num_len;
	const char *text;
	size_t text_len;
};

/* "   12\ttext", "   12|text", "   12→text"; 0 when the line is not one. */
static int parse_numbered(const char *s, size_t n, struct numbered *l)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	size_t d = i;
	while (d < n && isdigit((unsigned char)s[d]))
		d++;
	if (d == i || d - i > 19 || d >= n)
		return 0;
	size_t sep;
	if (s[d] == '\t' || s[d] == '|')
		sep = 1;
	else if (rtk_starts(s + d, n - d, ARROW))
		sep = 3;
	else
		return 0;
	l->num = s + i;
	l->num_len = d - i;
	l->text = s + d + sep;
	l->text_len = n - d - sep;
	return 1;
}

static int detect(const char *head, size_t len)
{
	struct head_iter it;
	const char *s;
	size_t n;
	unsigned total = 0, numbered = 0, in_order = 0;
	unsigned long long prev = 0;
	struct numbered l;
	head_iter_init(&it, head, len);
	while (head_iter_next(&it, &s, &n)) {
		total++;
		if (!parse_numbered(s, n, &l))
			continue;
		numbered++;
		unsigned long long v = strtoull(l.num, NULL, 10);
		in_order += numbered > 1 && v == prev + 1;
		prev = v;
	}
	if (numbered < 2 || numbered * 10 < total * 8 || in_order * 10 < (numbered - 1) * 7)
		return 0;
	return 85;
}

static void *start(void)
{
	return calloc(1, 1);
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	(void)st;
	struct numbered l;
	if (!parse_numbered(s, n, &l))
		return rtk_out_line(out, s, n);	/* a note around the file: as it is */
	if (rtk_out_write(out, l.num, l.num_len) < 0 || rtk_out_write(out, "\t", 1) < 0)
		return -1;
	return rtk_out_line(out, l.text, rtk_trim_end(l.text, l.text_len));
}

static int finish(void *st, struct rtk_out *out)
{
	(void)st;
	(void)out;
	return 0;
}

const struct rtk_filter rtk_filter_read_numbered = {
	.name = "read-numbered",
	.keeps = "every line, its number and its text; only gutter padding and trailing blanks go",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free,
};
