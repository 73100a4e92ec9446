/* json_edit: collect replacements, then copy the document once with them. */
#include "json_edit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int edits_add(struct edits *e, size_t off, size_t len, const char *s, size_t n)
{
	if (e->count == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct edit *v = reallocarray(e->v, cap, sizeof *v);
		if (!v)
			return -1;
		e->v = v;
		e->cap = cap;
	}
	size_t at = e->text.len;
	if (buf_append(&e->text, s, n) < 0)
		return -1;
	e->v[e->count] = (struct edit){ off, len, at, n, e->count };
	e->count++;
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int edits_apply(struct edits *e, const char *doc, size_t n, struct buf *out)
{
	if (e->count > 1)
		qsort(e->v, e->count, sizeof *e->v, by_offset);
	size_t grow = 0;
	for (size_t i = 0; i < e->count; i++)
		grow += e->v[i].n;
	if (buf_reserve(out, n + grow) < 0)
		return -1;
	size_t pos = 0;
	for (size_t i = 0; i < e->count; i++) {
		const struct edit *d = &e->v[i];
		if (d->off < pos || d->off + d->len > n) {
			errno = EINVAL;	/* overlapping edits: a bug in the caller */
			return -1;
		}
		if (buf_append(out, doc + pos, d->off - pos) < 0 ||
		    buf_append(out, e->text.p + d->at, d->n) < 0)
			return -1;
		pos = d->off + d->len;
	}
	return buf_append(out, doc + pos, n - pos);
}

void edits_free(struct edits *e)
{
	free(e->v);
	buf_free(&e->text);
	*e = (struct edits)EDITS_INIT;
}

int edits_set_member(struct edits *e, const char *doc, struct json_span object, const char *name,
		     const char *val, size_t n)
{
	struct json_iter it = json_iter_init(object);
	struct json_span k, v;
	int found = 0;
	while (json_object_next(&it, &k, &v)) {
		if (!json_str_is(k, name))
			continue;
		found = 1;
		if ((v.n != n || memcmp(v.p, val, n) != 0) &&
		    edits_add(e, (size_t)(v.p - doc), v.n, val, n) < 0)
			return -1;
	}
	if (found)
		return 0;
	struct buf m = BUF_INIT;
	int rc = buf_puts(&m, json_is_empty(object) ? "" : ",");
	if (rc == 0)
		rc = json_cstr(&m, name);
	if (rc == 0)
		rc = buf_putc(&m, ':');
	if (rc == 0)
		rc = buf_append(&m, val, n);
	if (rc == 0)
		rc = edits_add(e, (size_t)(json_container_end(object) - doc), 0, m.p, m.len);
	buf_free(&m);
	return rc;
}
