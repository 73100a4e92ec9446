/* paths_nest: writes a listing as one line per directory, each header
 * indented by the path components it shares with the previous one. */
#include <string.h>

#include "rtk/paths.h"

void nest_init(struct nest *ns, size_t budget, const char *what)
{
	memset(ns, 0, sizeof *ns);
	ns->budget = budget ? budget : LISTING_BUDGET;
	ns->what = what;
}

void nest_free(struct nest *ns)
{
	buf_free(&ns->prev);
}

static int is_root(const char *d, size_t n)
{
	return n == 0 || (n == 1 && d[0] == '.');
}

/* Bytes of the first k components a and b share, and k, compared whole. */
static size_t common_components(const char *a, size_t an, const char *b, size_t bn, size_t *k)
{
	size_t i = 0, end = 0;
	*k = 0;
	for (;;) {
		size_t j = i;
		while (j < an && j < bn && a[j] == b[j] && a[j] != '/')
			j++;
		int a_end = j == an || a[j] == '/';
		int b_end = j == bn || b[j] == '/';
		if (!a_end || !b_end)
			return end;
		(*k)++;
		end = j;
		if (j == an || j == bn)
			return end;
		i = j + 1;
	}
}

int nest_close(struct nest *ns, struct rtk_out *o)
{
	if (!ns->open)
		return 0;
	ns->open = 0;
	if (ns->hidden)
		return rtk_out_printf(o, " … %llu %s omitted\n", ns->hidden, ns->what);
	return rtk_out_write(o, "\n", 1);
}

int nest_dir(struct nest *ns, struct rtk_out *o, const char *dir, size_t n)
{
	if (n == 0 && !ns->have_prev) {
		/* names given bare (ls, ls -1) open the listing on a line of
		 * their own: no "./" that the input did not have */
		ns->have_prev = ns->open = ns->bare = 1;
		ns->hidden = 0;
		buf_reset(&ns->prev);
		return buf_append(&ns->prev, ".", 1);
	}
	if (is_root(dir, n)) {
		dir = ".";
		n = 1;
	}
	if (ns->open && ns->prev.len == n && memcmp(ns->prev.p, dir, n) == 0)
		return 0;
	if (nest_close(ns, o) < 0)
		return -1;
	size_t k = 0, skip = 0;
	if (ns->have_prev) {
		skip = common_components(ns->prev.p, ns->prev.len, dir, n, &k);
		if (skip >= n) {	/* an ancestor of the last header: say it whole */
			k = 0;
			skip = 0;
		} else if (k) {
			skip++;	/* the '/' after the shared part */
		}
	}
	for (size_t i = 0; i < k; i++)
		if (rtk_out_write(o, " ", 1) < 0)
			return -1;
	size_t rel = n - skip;
	if (rtk_out_write(o, dir + skip, rel) < 0)
		return -1;
	if (dir[n - 1] != '/' && rtk_out_write(o, "/", 1) < 0)
		return -1;
	buf_reset(&ns->prev);
	if (buf_append(&ns->prev, dir, n) < 0)
		return -1;
	ns->have_prev = 1;
	ns->open = 1;
	ns->hidden = 0;
	return 0;
}

int nest_name(struct nest *ns, struct rtk_out *o, const char *name, size_t n)
{
	if (!ns->open && nest_dir(ns, o, "", 0) < 0)
		return -1;
	if (!ns->budget) {
		ns->hidden++;
		return 0;
	}
	ns->budget--;
	int quote = memchr(name, ' ', n) && !(n >= 2 && name[0] == '"');
	const char *lead = quote ? " \"" : " ";
	if (ns->bare)	/* the bare line's first name: no blank before it */
		lead++;
	ns->bare = 0;
	if (rtk_out_write(o, lead, strlen(lead)) < 0 ||
	    rtk_out_write(o, name, n) < 0)
		return -1;
	return quote ? rtk_out_write(o, "\"", 1) : 0;
}
