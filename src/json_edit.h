/* json_edit: a list of byte-range replacements over a JSON document, applied
 * in one pass so every byte outside them is copied exactly as it came. */
#ifndef NR_JSON_EDIT_H
#define NR_JSON_EDIT_H

#include <stddef.h>

#include "buf.h"
#include "json_span.h"

struct edit {
	size_t off, len;	/* the range of the original replaced (len 0: insertion) */
	size_t at, n;		/* the new bytes, in edits.text */
	size_t seq;		/* insertion order, to keep equal offsets stable */
};

struct edits {
	struct edit *v;
	size_t count, cap;
	struct buf text;
};

#define EDITS_INIT { NULL, 0, 0, BUF_INIT }

/* Replaces doc[off..off+len) by s[0..n). Ranges must not overlap. 0 or -1 (ENOMEM). */
int edits_add(struct edits *e, size_t off, size_t len, const char *s, size_t n);
/* Writes doc[0..n) with the edits applied to *out. 0 or -1 (ENOMEM). */
int edits_apply(struct edits *e, const char *doc, size_t n, struct buf *out);
void edits_free(struct edits *e);

/* Sets member `name` of `object` (a span of doc) to the JSON text val[0..n):
 * every member of that name gets it (a repeated key would otherwise keep an
 * old value for some readers), or, when there is none, it is added before
 * the closing brace. A value already written as those bytes is left alone.
 * 0 or -1 (ENOMEM). */
int edits_set_member(struct edits *e, const char *doc, struct json_span object, const char *name,
		     const char *val, size_t n);

#endif
