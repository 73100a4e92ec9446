/* json_same: a translated document keeps its source's bytes where both say
 * the same (see json_same.h). */
#include "json_same.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The value of a validated number literal (strtod, as libjq's parser rounds),
 * an infinity as the largest double of its sign: json.c writes one so, and
 * 1e400 read back from nr's output must still be the source's 1e400. */
static int number_of(struct json_span v, double *d)
{
	char small[64];
	char *s = v.n < sizeof small ? small : malloc(v.n + 1);
	if (!s)
		return -1;
	memcpy(s, v.p, v.n);
	s[v.n] = '\0';
	*d = strtod(s, NULL);
	if (isinf(*d))
		*d = copysign(DBL_MAX, *d);
	if (s != small)
		free(s);
	return 0;
}

static int same_string(struct json_span a, struct json_span b)
{
	struct buf t = BUF_INIT;
	int same = json_str_decode(a, &t) == 0 && json_str_is_n(b, t.p ? t.p : "", t.len);
	buf_free(&t);
	return same;
}

/* The member of obj whose key equals the literal key (the last, as jq keeps). */
static struct json_span member(struct json_span obj, struct json_span key)
{
	struct json_span found = { NULL, 0 }, k, v;
	struct buf name = BUF_INIT;
	if (json_str_decode(key, &name) < 0) {
		buf_free(&name);
		return found;
	}
	struct json_iter it = json_iter_init(obj);
	while (json_object_next(&it, &k, &v))
		if (json_str_is_n(k, name.p ? name.p : "", name.len))
			found = v;
	buf_free(&name);
	return found;
}

/* Every member of a is in b with the same value (and as many members). */
static int members_in(struct json_span a, struct json_span b)
{
	struct json_iter ia = json_iter_init(a), ib = json_iter_init(b);
	struct json_span k, v, bk, bv;
	size_t na = 0, nb = 0;
	while (json_object_next(&ia, &k, &v)) {
		struct json_span other = member(b, k);
		if (!other.n || !json_same(v, other))
			return 0;
		na++;
	}
	while (json_object_next(&ib, &bk, &bv))
		nb++;
	return na == nb;
}

int json_same(struct json_span a, struct json_span b)
{
	enum json_type t = json_type_of(a);
	if (!a.n || !b.n || t != json_type_of(b))
		return 0;
	if (a.n == b.n && memcmp(a.p, b.p, a.n) == 0)
		return 1;
	switch (t) {
	case JSON_NUMBER: {
		double x, y;
		/* -0 == 0: libjq reads "-0" as 0, and no API tells them apart */
		return number_of(a, &x) == 0 && number_of(b, &y) == 0 && x == y;
	}
	case JSON_STRING:
		return same_string(a, b);
	case JSON_ARRAY: {
		struct json_iter ia = json_iter_init(a), ib = json_iter_init(b);
		struct json_span x, y;
		while (json_array_next(&ia, &x))
			if (!json_array_next(&ib, &y) || !json_same(x, y))
				return 0;
		return !json_array_next(&ib, &y);
	}
	case JSON_OBJECT:
		return members_in(a, b) && members_in(b, a);
	default:
		return 1;	/* null, true, false */
	}
}

static int overlaps(const struct edits *e, size_t off, size_t len)
{
	for (size_t i = 0; i < e->count; i++)
		if (off < e->v[i].off + e->v[i].len && e->v[i].off < off + len)
			return 1;
	return 0;
}

static int replace(struct edits *e, const char *doc, struct json_span out, const char *p, size_t n)
{
	size_t off = (size_t)(out.p - doc);
	if ((out.n == n && memcmp(out.p, p, n) == 0) || overlaps(e, off, out.n))
		return 0;
	return edits_add(e, off, out.n, p, n);
}

static int is_container(struct json_span v)
{
	enum json_type t = json_type_of(v);
	return t == JSON_OBJECT || t == JSON_ARRAY;
}

/* out is a container, src a string that holds JSON text: compare with that. */
static int keep_from_string(struct edits *e, const char *doc, struct json_span out, struct json_span src)
{
	struct buf t = BUF_INIT;
	struct json_span top;
	char why[16];
	int rc = json_str_decode(src, &t);
	if (rc == 0 && json_validate(t.p ? t.p : "", t.len, &top, why, sizeof why) == 0)
		rc = json_keep_source(e, doc, out, top);	/* edits_add copies the bytes */
	buf_free(&t);
	return rc;
}

/* out is a string that holds JSON text, src a container: the text is fixed
 * and written back as a string literal. */
static int keep_in_string(struct edits *e, const char *doc, struct json_span out, struct json_span src)
{
	struct buf t = BUF_INIT, fixed = BUF_INIT, lit = BUF_INIT;
	struct edits inner = EDITS_INIT;
	struct json_span top;
	char why[16];
	int rc = json_str_decode(out, &t);
	if (rc == 0 && json_validate(t.p ? t.p : "", t.len, &top, why, sizeof why) == 0) {
		rc = json_keep_source(&inner, t.p, top, src);
		if (rc == 0 && inner.count)
			rc = edits_apply(&inner, t.p, t.len, &fixed) < 0 ||
			     json_str(&lit, fixed.p ? fixed.p : "", fixed.len) < 0 ||
			     replace(e, doc, out, lit.p, lit.len) < 0 ? -1 : 0;
	}
	edits_free(&inner);
	buf_free(&t);
	buf_free(&fixed);
	buf_free(&lit);
	return rc;
}

int json_keep_source(struct edits *e, const char *doc, struct json_span out, struct json_span src)
{
	if (!out.n || !src.n)
		return 0;
	if (json_same(out, src))
		return replace(e, doc, out, src.p, src.n);
	enum json_type to = json_type_of(out), ts = json_type_of(src);
	struct json_iter it = json_iter_init(out), is = json_iter_init(src);
	struct json_span k, v, sv;
	int rc = 0;
	if (to == JSON_OBJECT && ts == JSON_OBJECT) {
		while (rc == 0 && json_object_next(&it, &k, &v))
			rc = json_keep_source(e, doc, v, member(src, k));
	} else if (to == JSON_ARRAY && ts == JSON_ARRAY) {
		while (rc == 0 && json_array_next(&it, &v) && json_array_next(&is, &sv))
			rc = json_keep_source(e, doc, v, sv);
	} else if (to == JSON_STRING && is_container(src)) {
		rc = keep_in_string(e, doc, out, src);
	} else if (is_container(out) && ts == JSON_STRING) {
		rc = keep_from_string(e, doc, out, src);
	}
	return rc;
}

/* ---- paths ---- */

static int push(struct json_spans *s, struct json_span v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct json_span *nv = reallocarray(s->v, cap, sizeof *nv);
		if (!nv)
			return -1;
		s->v = nv, s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

/* The member named name[0..n) of obj (the last one), or an absent span. */
static struct json_span member_named(struct json_span obj, const char *name, size_t n)
{
	struct json_span found = { NULL, 0 }, k, v;
	if (json_type_of(obj) != JSON_OBJECT)
		return found;
	struct json_iter it = json_iter_init(obj);
	while (json_object_next(&it, &k, &v))
		if (json_str_is_n(k, name, n))
			found = v;
	return found;
}

/* "[k=v]": v is an object whose member k is the string v. */
static int filter_ok(struct json_span v, const char *seg, size_t n)
{
	const char *eq = memchr(seg, '=', n);
	if (!eq || seg[n - 1] != ']')
		return 0;
	struct json_span m = member_named(v, seg + 1, (size_t)(eq - seg - 1));
	return json_str_is_n(m, eq + 1, (size_t)(seg + n - 1 - (eq + 1)));
}

static int collect(struct json_span v, const char *path, size_t n, struct json_spans *out)
{
	if (!v.n)
		return 0;
	if (n == 0)
		return push(out, v);
	const char *dot = memchr(path, '.', n);
	size_t sl = dot ? (size_t)(dot - path) : n;
	const char *rest = dot ? dot + 1 : path + n;
	size_t rl = dot ? n - sl - 1 : 0;
	if (sl == 1 && path[0] == '*') {
		if (json_type_of(v) != JSON_ARRAY)
			return 0;
		struct json_iter it = json_iter_init(v);
		struct json_span x;
		while (json_array_next(&it, &x))
			if (collect(x, rest, rl, out) < 0)
				return -1;
		return 0;
	}
	if (path[0] == '[')
		return filter_ok(v, path, sl) ? collect(v, rest, rl, out) : 0;
	if (path[0] >= '0' && path[0] <= '9') {
		long i = strtol(path, NULL, 10);
		struct json_iter it = json_iter_init(v);
		struct json_span x;
		if (json_type_of(v) != JSON_ARRAY)
			return 0;
		while (json_array_next(&it, &x))
			if (i-- == 0)
				return collect(x, rest, rl, out);
		return 0;
	}
	return collect(member_named(v, path, sl), rest, rl, out);
}

int json_path_all(struct json_span v, const char *path, struct json_spans *out)
{
	for (;;) {
		const char *bar = strchr(path, '|');
		size_t n = bar ? (size_t)(bar - path) : strlen(path);
		if (collect(v, path, n, out) < 0)
			return -1;
		if (out->n || !bar)
			return 0;
		path = bar + 1;
	}
}

struct json_span json_path(struct json_span v, const char *path)
{
	struct json_span found = { NULL, 0 };
	struct json_spans all = JSON_SPANS_INIT;
	if (json_path_all(v, path, &all) == 0 && all.n)
		found = all.v[0];
	json_spans_free(&all);
	return found;
}

void json_spans_free(struct json_spans *s)
{
	free(s->v);
	*s = (struct json_spans)JSON_SPANS_INIT;
}
