/* filter_search_list: an editor's file search result ("Result of search in
 * '…' (total N files):" then "- path" lines) written as one line per
 * directory, nested. Every name is kept: the model asked for this list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/paths.h"

#define RESULT_HEADER "Result of search in"

struct search_list {
	struct path_window w;
	struct buf line;
};

static int detect(const char *head, size_t len)
{
	if (len >= sizeof RESULT_HEADER - 1 && rtk_starts(head, len, RESULT_HEADER))
		return 95;
	return paths_detect_list(head, len, "- ") ? 60 : 0;
}

static void *start(void)
{
	struct search_list *sl = calloc(1, sizeof *sl);
	if (sl)
		path_window_init(&sl->w, SIZE_MAX, "files");
	return sl;
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct search_list *sl = st;
	if (paths_clean(&sl->line, s, n) < 0)
		return -1;
	const char *p = sl->line.p;
	size_t m = sl->line.len;
	if (m == 0)
		return 0;
	if (m > 2 && rtk_starts(p, m, "- "))
		return path_window_add(&sl->w, out, p + 2, m - 2);
	/* A header or a message: the listing so far comes first. */
	if (path_window_flush(&sl->w, out) < 0 || nest_close(&sl->w.ns, out) < 0)
		return -1;
	return rtk_out_line(out, p, m);
}

static int finish(void *st, struct rtk_out *out)
{
	struct search_list *sl = st;
	if (path_window_flush(&sl->w, out) < 0)
		return -1;
	return nest_close(&sl->w.ns, out);
}

static void search_list_free(void *st)
{
	struct search_list *sl = st;
	path_window_free(&sl->w);
	buf_free(&sl->line);
	free(sl);
}

const struct rtk_filter rtk_filter_search_list = {
	.name = "search-list",
	.keeps = "the result header and every path, one line per directory",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = search_list_free,
};
