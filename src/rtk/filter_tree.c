/* filter_tree: PLACEHOLDER until the real filter lands: keeps every line. */
#include <stdlib.h>

#include "rtk/filter.h"

static int detect(const char *head, size_t len)
{
	(void)head;
	(void)len;
	return 0;
}

static void *start(void)
{
	return calloc(1, 1);
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	(void)st;
	return rtk_out_line(out, s, n);
}

static int finish(void *st, struct rtk_out *out)
{
	(void)st;
	(void)out;
	return 0;
}

const struct rtk_filter rtk_filter_tree = {
	.name = "tree",
	.keeps = "everything (placeholder)",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free,
};
