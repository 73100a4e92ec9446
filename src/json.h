/* json: JSON text written straight into a buffer. libjq's jv_dump_string
 * spends ~70k instructions on a small request body (callgrind), more than the
 * rest of routing it; this writer does the same job in a few thousand. */
#ifndef NR_JSON_H
#define NR_JSON_H

#include <jv.h>
#include <stddef.h>

#include "buf.h"

int json_str(struct buf *b, const char *p, size_t n);	/* a JSON string literal */
int json_cstr(struct buf *b, const char *p);		/* the same for a C string (NULL: "") */

/* Appends v as compact JSON (keys in jv's own order, as jv_dump_string with
 * no flags); consumes v. NaN is written as null, ±infinity as ±DBL_MAX, as
 * jq does. 0, or -1 when out of memory or v is invalid. */
int json_dump(struct buf *b, jv v);

/* jv_parse_sized for untrusted text. libjq 1.6 leaks a string when it
 * refuses some invalid JSON (`{"a" "b"}`); the fuzz build (NR_FUZZ) keeps that
 * leak, which is libjq's, out of LeakSanitizer's report so ours stand out. */
jv json_parse(const char *p, size_t n);

/* obj[key] when it is a string, else NULL; borrowed from obj (valid while
 * obj is), obj not consumed. */
const char *json_member_str(jv obj, const char *key);

#endif
