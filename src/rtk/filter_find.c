/* filter_find: a flat list of paths (find, fd, git ls-files, ls -1, grep -l)
 * written as one line per directory, nested, every name kept (up to the
 * listing budget of paths.h). Messages (find: …) are kept whole. */
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/paths.h"

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
		path_window_init(&f->w, 0, "files");
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
	.keeps = "every directory and file name, one line per directory (counts past 2000 names)",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = find_free,
};
