/* json_span: a small JSON scanner over a document's own bytes.
 *
 * rtk-filter --request rewrites only the string literals that hold tool
 * output, and the router only the members it must set (json_edit.h); every
 * other byte goes on as it came, so numbers, key order, escapes and unknown
 * fields survive exactly (a jv round trip would turn 1.0 into 1 and reflow
 * big integers). This file validates the document once
 * (RFC 8259, nesting capped at JSON_MAX_DEPTH) and then lets the caller walk
 * objects and arrays as spans of the original text. Strings are not checked
 * for valid UTF-8: the bytes are passed on as they are.
 *
 * A span is [p, p+n) inside the validated document; no function allocates
 * except the string decoder, which appends to a caller's buf. */
#ifndef NR_JSON_SPAN_H
#define NR_JSON_SPAN_H

#include <stddef.h>

#include "buf.h"
#include "json.h"

#define JSON_MAX_DEPTH 512	/* deeper nesting is refused (and would be no API request) */

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
		 JSON_OBJECT };

struct json_span {
	const char *p;	/* first byte of the value (the quote, bracket, digit...) */
	size_t n;	/* its length in bytes; 0 means "absent" */
};

/* 0 when s[0..n) is exactly one JSON value with optional whitespace around;
 * else -1 and a message naming the byte offset in err[0..errlen). The value
 * itself is stored in *top. */
int json_validate(const char *s, size_t n, struct json_span *top, char *err, size_t errlen);

enum json_type json_type_of(struct json_span v);

/* Walks the members of an object or the elements of an array, in document
 * order. Start with an iterator from json_iter_init; each json_*_next returns
 * 1 with the next item, or 0 at the end. */
struct json_iter {
	const char *p, *end;
};
struct json_iter json_iter_init(struct json_span container);
int json_object_next(struct json_iter *it, struct json_span *key, struct json_span *value);
int json_array_next(struct json_iter *it, struct json_span *value);

/* The value of member `name` (the last one, as most JSON readers do when a key
 * repeats), or an absent span (n == 0). */
struct json_span json_get(struct json_span object, const char *name);
/* Nonzero when the string literal `str` decodes to exactly `s`. */
int json_str_is(struct json_span str, const char *s);
/* The same for s[0..len), which may hold NUL bytes (a decoded string). */
int json_str_is_n(struct json_span str, const char *s, size_t len);
/* Nonzero when `object` has member `name` equal to the literal true. */
int json_is_true(struct json_span object, const char *name);
/* Nonzero when the array or object has no items. */
int json_is_empty(struct json_span container);

/* Appends the decoded text of string literal `str` to *out (escapes resolved,
 * lone surrogates become U+FFFD). 0, or -1 with errno (ENOMEM). */
int json_str_decode(struct json_span str, struct buf *out);

/* The closing bracket of an array or object: inserting there appends an item
 * (after a ',' when json_is_empty says there are items already). */
const char *json_container_end(struct json_span container);

#endif
