/* json: JSON text written straight into a buffer (see json.h). */
#include "json.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef NR_FUZZ
#include <sanitizer/lsan_interface.h>
#endif

int json_str(struct buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (buf_reserve(b, n + 2) < 0 || buf_putc(b, '"') < 0)
		return -1;
	size_t run = 0;	/* bytes copied as they are */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_append(b, p + run, i - run) < 0)
			return -1;
		run = i + 1;
		char esc[7] = { '\\', 0 };
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
		}
		if (buf_puts(b, esc) < 0)
			return -1;
	}
	if (buf_append(b, p + run, n - run) < 0)
		return -1;
	return buf_putc(b, '"');
}

int json_cstr(struct buf *b, const char *p)
{
	return json_str(b, p ? p : "", p ? strlen(p) : 0);
}

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double;
 * integers below 2^53 as integers. */
static int json_number(struct buf *b, double d)
{
	if (isnan(d))
		return buf_puts(b, "null");
	if (isinf(d))
		d = d > 0 ? DBL_MAX : -DBL_MAX;
	if (fabs(d) < 9007199254740992.0 && d == (double)(long long)d)	/* no UB cast */
		return buf_printf(b, "%lld", (long long)d);
	char s[32];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof s, "%.*g", prec, d);
		if (prec == 17 || strtod(s, NULL) == d)
			break;
	}
	return buf_puts(b, s);
}

static int dump(struct buf *b, jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL: return buf_puts(b, "null");
	case JV_KIND_TRUE: return buf_puts(b, "true");
	case JV_KIND_FALSE: return buf_puts(b, "false");
	case JV_KIND_NUMBER: return json_number(b, jv_number_value(v));
	case JV_KIND_STRING:
		return json_str(b, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
	case JV_KIND_ARRAY: {
		int n = jv_array_length(jv_copy(v));
		if (buf_putc(b, '[') < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			jv e = jv_array_get(jv_copy(v), i);
			int rc = (i && buf_putc(b, ',') < 0) ? -1 : dump(b, e);
			jv_free(e);
			if (rc < 0)
				return -1;
		}
		return buf_putc(b, ']');
	}
	case JV_KIND_OBJECT: {
		if (buf_putc(b, '{') < 0)
			return -1;
		int first = 1;
		for (int it = jv_object_iter(v); jv_object_iter_valid(v, it); it = jv_object_iter_next(v, it)) {
			jv k = jv_object_iter_key(v, it), e = jv_object_iter_value(v, it);
			int rc = (!first && buf_putc(b, ',') < 0) ? -1 : 0;
			if (rc == 0)
				rc = json_str(b, jv_string_value(k), (size_t)jv_string_length_bytes(jv_copy(k)));
			if (rc == 0)
				rc = buf_putc(b, ':');
			if (rc == 0)
				rc = dump(b, e);
			jv_free(k);
			jv_free(e);
			if (rc < 0)
				return -1;
			first = 0;
		}
		return buf_putc(b, '}');
	}
	default:
		return -1;	/* invalid */
	}
}

int json_dump(struct buf *b, jv v)
{
	int rc = dump(b, v);
	jv_free(v);
	return rc;
}

jv json_parse(const char *p, size_t n)
{
	if (n > INT_MAX)
		return jv_invalid_with_msg(jv_string("JSON text too large"));
#ifdef NR_FUZZ
	__lsan_disable();
	jv v = jv_parse_sized(p, (int)n);
	__lsan_enable();
	if (!jv_is_valid(v))
		return v;
	jv_free(v);
#endif
	return jv_parse_sized(p, (int)n);
}

const char *json_member_str(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return NULL;
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
	jv_free(v);	/* obj still holds the string */
	return s;
}
