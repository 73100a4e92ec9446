/* paths_window: groups a flat list of paths by directory within a bounded
 * window (tools like find list a directory's files in several runs), then
 * writes them through a nest. */
#include <stdlib.h>
#include <string.h>

#include "rtk/paths.h"

#define WINDOW_PATHS 8192		/* paths held before a flush */
#define WINDOW_BYTES (1024u * 1024)	/* bytes of paths held before a flush */

struct path_ref {
	size_t off, len;	/* the path, unquoted, in text */
	size_t dirlen;		/* its directory part (no trailing '/'); 0: the root */
	size_t name;		/* offset of the name within the path */
	size_t seq;		/* input order, for a stable sort */
	int quoted;		/* git quoted it: quote the name again */
};

void path_window_init(struct path_window *w, size_t budget, const char *what)
{
	memset(w, 0, sizeof *w);
	nest_init(&w->ns, budget, what);
}

void path_window_free(struct path_window *w)
{
	buf_free(&w->text);
	buf_free(&w->index);
	nest_free(&w->ns);
}

int path_window_add(struct path_window *w, struct rtk_out *o, const char *s, size_t n)
{
	struct path_ref r = { .seq = w->count };
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
		r.quoted = 1;
	}
	size_t body = n;
	while (body > 1 && s[body - 1] == '/')
		body--;	/* "dir/" names the directory dir */
	size_t slash = body;
	while (slash && s[slash - 1] != '/')
		slash--;
	r.off = w->text.len;
	r.len = n;
	r.name = slash;
	r.dirlen = slash > 1 ? slash - 1 : slash;	/* "/x" lives in "/" */
	if (buf_append(&w->text, s, n) < 0 || buf_append(&w->index, &r, sizeof r) < 0)
		return -1;
	w->count++;
	if (w->count >= WINDOW_PATHS || w->text.len >= WINDOW_BYTES)
		return path_window_flush(w, o);
	return 0;
}

/* Directories in listing order: component by component ('/' sorts first). */
static int dir_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0;
	for (; i < an && i < bn; i++) {
		int ca = a[i] == '/' ? 0 : (unsigned char)a[i] + 1;
		int cb = b[i] == '/' ? 0 : (unsigned char)b[i] + 1;
		if (ca != cb)
			return ca - cb;
	}
	return (an > i) - (bn > i);
}

static int ref_cmp(const void *x, const void *y, void *arg)
{
	const struct path_ref *a = x, *b = y;
	const char *text = arg;
	int c = dir_cmp(text + a->off, a->dirlen, text + b->off, b->dirlen);
	if (c)
		return c;
	/* Names in the order they came within a directory: ls -t, sort -n and
	 * git tag --sort mean something by it, find's order is as good as any. */
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int write_ref(struct path_window *w, struct rtk_out *o, const struct path_ref *r)
{
	const char *p = w->text.p + r->off;
	if (nest_dir(&w->ns, o, p, r->dirlen) < 0)
		return -1;
	const char *name = p + r->name;
	size_t nn = r->len - r->name;
	if (!r->quoted)
		return nest_name(&w->ns, o, name, nn);
	/* Quoted again so that escapes such as \303 stay readable as such. */
	struct buf q = BUF_INIT;
	int rc = buf_putc(&q, '"') < 0 || buf_append(&q, name, nn) < 0 || buf_putc(&q, '"') < 0
		? -1 : nest_name(&w->ns, o, q.p, q.len);
	buf_free(&q);
	return rc;
}

int path_window_flush(struct path_window *w, struct rtk_out *o)
{
	struct path_ref *refs = (struct path_ref *)(void *)w->index.p;
	if (w->count)
		qsort_r(refs, w->count, sizeof *refs, ref_cmp, w->text.p);
	for (size_t i = 0; i < w->count; i++)
		if (write_ref(w, o, &refs[i]) < 0)
			return -1;
	w->count = 0;
	buf_reset(&w->text);
	buf_reset(&w->index);
	return 0;
}
