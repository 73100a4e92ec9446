/* filter_find: a flat list of paths (find, fd, git ls-files, ls -1, grep -l)
 * written as one line per directory, nested; in long lists big directories
 * show their first names and a count of the rest. Messages (find: …) are kept whole. */
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/paths.h"

#define NAMES_PER_DIR 16	/* names shown per directory of a long list */
#define SHORT_LIST 100		/* a list this short (grep -l, a named search) shows every name */

struct find {
	struct path_window w;
	struct buf line;
};

static int detect(const char *head, size_t len)
{
	return paths_detect_list(head, len, "");
}

static void *start(void)
{
	struct find *f = calloc(1, sizeof *f);
	if (f)
		path_window_init(&f->w, NAMES_PER_DIR, SHORT_LIST, "files");
	return f;
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct find *f = st;
	if (paths_clean(&f->line, s, n) < 0)
		return -1;
	const char *p = f->line.p;
	size_t m = f->line.len;
	if (m == 0 || (m == 1 && p[0] == '.') || (m == 2 && memcmp(p, "./", 2) == 0))
		return 0;	/* blank, or the starting point itself */
	if (!paths_is_path(p, m))
		return rtk_out_line(out, p, m);
	return path_window_add(&f->w, out, p, m);
}

static int finish(void *st, struct rtk_out *out)
{
	struct find *f = st;
	if (path_window_flush(&f->w, out) < 0)
		return -1;
	return nest_close(&f->w.ns, out);
}

static void find_free(void *st)
{
	struct find *f = st;
	path_window_free(&f->w);
	buf_free(&f->line);
	free(f);
}

const struct rtk_filter rtk_filter_find = {
	.name = "find",
	.keeps = "every directory; short lists whole, long ones 16 names a directory and a count",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = find_free,
};
