/* json_span: validate once, then walk spans of the original bytes. */
#include "json_span.h"

#include <stdio.h>
#include <string.h>

struct scan {
	const char *start, *p, *end;
	const char *why;	/* first error, NULL while fine */
};

static int fail(struct scan *s, const char *why)
{
	if (!s->why)
		s->why = why;
	return -1;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Bytes a string scan must stop at: controls, '"' and '\\'. */
static int is_special(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

static int check_string(struct scan *s)
{
	s->p++;	/* the opening quote */
	while (s->p < s->end) {
		while (s->p < s->end && !is_special((unsigned char)*s->p))
			s->p++;	/* the common case, kept tight */
		if (s->p >= s->end)
			break;
		unsigned char c = (unsigned char)*s->p;
		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return fail(s, "control character inside a string");
		if (c != '\\') {
			s->p++;
			continue;
		}
		if (s->end - s->p < 2)
			break;
		char e = s->p[1];
		if (e == 'u') {
			if (s->end - s->p < 6 || !is_hex(s->p[2]) || !is_hex(s->p[3]) ||
			    !is_hex(s->p[4]) || !is_hex(s->p[5]))
				return fail(s, "bad \\u escape");
			s->p += 6;
		} else if (strchr("\"\\/bfnrt", e) && e) {
			s->p += 2;
		} else {
			return fail(s, "bad escape in a string");
		}
	}
	return fail(s, "unterminated string");
}

static int check_digits(struct scan *s)
{
	if (s->p >= s->end || !is_digit(*s->p))
		return fail(s, "bad number");
	while (s->p < s->end && is_digit(*s->p))
		s->p++;
	return 0;
}

static int check_number(struct scan *s)
{
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (check_digits(s) < 0)
		return -1;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (check_digits(s) < 0)
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (check_digits(s) < 0)
			return -1;
	}
	return 0;
}

static int check_word(struct scan *s, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
		return fail(s, "unexpected character");
	s->p += n;
	return 0;
}

static int check_value(struct scan *s, int depth);

/* Items of an array or members of an object, up to the closing bracket. */
static int check_container(struct scan *s, int depth, int object)
{
	char close = object ? '}' : ']';
	if (depth >= JSON_MAX_DEPTH)
		return fail(s, "nested too deeply");
	s->p = skip_ws(s->p + 1, s->end);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		if (object) {
			if (s->p >= s->end || *s->p != '"')
				return fail(s, "expected a member name");
			if (check_string(s) < 0)
				return -1;
			s->p = skip_ws(s->p, s->end);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "expected ':'");
			s->p = skip_ws(s->p + 1, s->end);
		}
		if (check_value(s, depth + 1) < 0)
			return -1;
		s->p = skip_ws(s->p, s->end);
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return 0;
		}
		if (s->p >= s->end || *s->p != ',')
			return fail(s, object ? "expected ',' or '}'" : "expected ',' or ']'");
		s->p = skip_ws(s->p + 1, s->end);
	}
}

static int check_value(struct scan *s, int depth)
{
	if (s->p >= s->end)
		return fail(s, "unexpected end of input");
	switch (*s->p) {
	case '{':
		return check_container(s, depth, 1);
	case '[':
		return check_container(s, depth, 0);
	case '"':
		return check_string(s);
	case 't':
		return check_word(s, "true");
	case 'f':
		return check_word(s, "false");
	case 'n':
		return check_word(s, "null");
	default:
		if (*s->p == '-' || is_digit(*s->p))
			return check_number(s);
		return fail(s, "unexpected character");
	}
}

int json_validate(const char *str, size_t n, struct json_span *top, char *err, size_t errlen)
{
	struct scan s = { str, str, str + n, NULL };
	s.p = skip_ws(s.p, s.end);
	const char *first = s.p;
	if (check_value(&s, 0) == 0) {
		top->p = first;
		top->n = (size_t)(s.p - first);
		s.p = skip_ws(s.p, s.end);
		if (s.p == s.end)
			return 0;
		fail(&s, "trailing data after the JSON value");
	}
	snprintf(err, errlen, "not valid JSON: %s at byte %zu", s.why, (size_t)(s.p - str));
	return -1;
}

enum json_type json_type_of(struct json_span v)
{
	switch (v.n ? *v.p : 'n') {
	case '{':
		return JSON_OBJECT;
	case '[':
		return JSON_ARRAY;
	case '"':
		return JSON_STRING;
	case 't':
		return JSON_TRUE;
	case 'f':
		return JSON_FALSE;
	case 'n':
		return JSON_NULL;
	default:
		return JSON_NUMBER;
	}
}

/* The end of the valid string literal starting at p. */
static const char *skip_string(const char *p, const char *end)
{
	p++;
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return end;	/* cannot happen in a validated document */
		size_t bs = 0;
		while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			return q + 1;
		p = q + 1;
	}
}

/* The end of the valid value starting at p. */
static const char *skip_value(const char *p, const char *end)
{
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
		       *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		return p;
	}
	size_t depth = 0;
	while (p < end) {
		char c = *p;
		if (c == '"') {
			p = skip_string(p, end);
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return end;
}

struct json_iter json_iter_init(struct json_span c)
{
	if (c.n < 2)	/* absent, or not a container: no items */
		return (struct json_iter){ c.p, c.p };
	return (struct json_iter){ c.p + 1, c.p + c.n - 1 };
}

static int next_item(struct json_iter *it)
{
	it->p = skip_ws(it->p, it->end);
	if (it->p < it->end && *it->p == ',')
		it->p = skip_ws(it->p + 1, it->end);
	return it->p < it->end;
}

int json_object_next(struct json_iter *it, struct json_span *key, struct json_span *value)
{
	if (!next_item(it))
		return 0;
	const char *k = it->p;
	it->p = skip_string(k, it->end);
	*key = (struct json_span){ k, (size_t)(it->p - k) };
	it->p = skip_ws(it->p, it->end);
	it->p = skip_ws(it->p + 1, it->end);	/* the ':' */
	const char *v = it->p;
	it->p = skip_value(v, it->end);
	*value = (struct json_span){ v, (size_t)(it->p - v) };
	return 1;
}

int json_array_next(struct json_iter *it, struct json_span *value)
{
	if (!next_item(it))
		return 0;
	const char *v = it->p;
	it->p = skip_value(v, it->end);
	*value = (struct json_span){ v, (size_t)(it->p - v) };
	return 1;
}

struct json_span json_get(struct json_span object, const char *name)
{
	struct json_span found = { NULL, 0 }, k, v;
	if (json_type_of(object) != JSON_OBJECT)
		return found;
	struct json_iter it = json_iter_init(object);
	while (json_object_next(&it, &k, &v))
		if (json_str_is(k, name))
			found = v;
	return found;
}

int json_str_is(struct json_span str, const char *s)
{
	return json_str_is_n(str, s, strlen(s));
}

int json_str_is_n(struct json_span str, const char *s, size_t len)
{
	if (json_type_of(str) != JSON_STRING || str.n < 2)
		return 0;
	const char *in = str.p + 1;
	size_t n = str.n - 2;
	if (!memchr(in, '\\', n))
		return n == len && memcmp(in, s, n) == 0;
	struct buf b = BUF_INIT;
	int same = json_str_decode(str, &b) == 0 && b.len == len && (len == 0 || memcmp(b.p, s, len) == 0);
	buf_free(&b);
	return same;
}

int json_is_true(struct json_span object, const char *name)
{
	struct json_span v = json_get(object, name);
	return v.n && json_type_of(v) == JSON_TRUE;
}

int json_is_empty(struct json_span c)
{
	struct json_iter it = json_iter_init(c);
	return !next_item(&it);
}

const char *json_container_end(struct json_span c)
{
	return c.p + c.n - 1;
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

static int put_utf8(struct buf *out, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
	}
	return buf_append(out, u, n);
}

/* One \u escape (two for a surrogate pair) at p; advances *p past it. */
static int put_escape_u(struct buf *out, const char **p, const char *end)
{
	unsigned cp = hex4(*p + 2);
	*p += 6;
	if (cp >= 0xD800 && cp <= 0xDBFF && end - *p >= 6 && (*p)[0] == '\\' && (*p)[1] == 'u') {
		unsigned lo = hex4(*p + 2);
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			*p += 6;
			return put_utf8(out, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
		}
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 0xFFFD;	/* a lone surrogate has no UTF-8 form */
	return put_utf8(out, cp);
}

int json_str_decode(struct json_span str, struct buf *out)
{
	const char *p = str.p + 1, *end = str.p + str.n - 1;
	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		size_t run = bs ? (size_t)(bs - p) : (size_t)(end - p);
		if (buf_append(out, p, run) < 0)
			return -1;
		p += run;
		if (p >= end)
			break;
		char e = p[1], c;
		if (e == 'u') {
			if (put_escape_u(out, &p, end) < 0)
				return -1;
			continue;
		}
		switch (e) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		default: c = e; break;	/* '"', '\\' and '/' stand for themselves */
		}
		if (buf_putc(out, c) < 0)
			return -1;
		p += 2;
	}
	return 0;
}
