/* json_same: makes a document rebuilt from another (a translation) say what
 * both say alike in the source's own bytes.
 *
 * libjq 1.6 holds numbers as doubles and prints 1.0 as 1, 0.70 as 0.7, 1e-3
 * as 0.001 and 12345678901234567890 as 1.2345678901234567e+19. A translated
 * body is built with jv, so every number it carries over has lost the way the
 * client wrote it. The fix works on the texts, after the fact: the caller
 * names a value in the output and the source value it was made from
 * (json_keep_source); where the two are equal as JSON (numbers compared as
 * doubles, strings by their decoded text) the output's bytes are replaced by
 * the source's. Where they differ (nr clamped a number, dropped a schema key)
 * the walk goes down into objects (by key) and arrays (by index) and keeps
 * what is still equal, so a value nr computed is never overwritten. A string
 * holding JSON (openai's tool-call arguments) is compared with the object on
 * the other side through its decoded text.
 *
 * Paths name values inside a document: members separated by '.', "*" for
 * every element of an array, a number for one element, "[k=v]" to keep only
 * objects whose member k is the string v, and '|' between alternatives (the
 * first that is present wins). Example: "messages.*.content.*.[type=tool_use].input". */
#ifndef NR_JSON_SAME_H
#define NR_JSON_SAME_H

#include <stddef.h>

#include "json_edit.h"
#include "json_span.h"

/* Nonzero when a and b are the same JSON value (object members compared by
 * key, whatever their order; numbers by value). */
int json_same(struct json_span a, struct json_span b);

/* Adds to *e (edits of the document `doc` that holds `out`) the replacements
 * that give `out` the source's bytes wherever it equals `src`. Ranges already
 * in *e are left alone. 0, or -1 (ENOMEM). */
int json_keep_source(struct edits *e, const char *doc, struct json_span out, struct json_span src);

/* The values at `path` under `v`, in document order (those of the first
 * '|' alternative that has any). */
struct json_spans {
	struct json_span *v;
	size_t n, cap;
};
#define JSON_SPANS_INIT { NULL, 0, 0 }
int json_path_all(struct json_span v, const char *path, struct json_spans *out);	/* 0 or -1 */
/* The first value at one of path's '|' alternatives, or an absent span. */
struct json_span json_path(struct json_span v, const char *path);
void json_spans_free(struct json_spans *s);

#endif
