/* request_reuse: the tool-result texts already shown earlier in the request,
 * so that a repeat becomes a short reference to the first one ("[same output
 * as the tool result of call X above]") and a near-copy a reference plus a
 * line diff. Only earlier texts are consulted, so a message's compressed form
 * depends on it and the messages before it: a conversation compresses to the
 * same bytes turn after turn and the provider's prompt cache keeps hitting.
 * Only texts shown in full are recorded, so references never chain. */
#ifndef NR_RTK_REQUEST_REUSE_H
#define NR_RTK_REQUEST_REUSE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define REUSE_NEAR_CANDIDATES 4	/* most recent texts a near-copy is diffed against */
#define REUSE_NEAR_MIN 256		/* shorter texts are not worth a diff */

struct reuse_entry {
	uint64_t h;
	size_t at, n;		/* the text, in reuse.store */
	size_t label_at, label_n;	/* how references name it: the call id */
};

struct reuse {
	struct reuse_entry *v;
	size_t count, cap;
	size_t *slots;		/* hash table of v indexes + 1; 0 is empty */
	size_t nslots;
	struct buf store;
};

#define REUSE_INIT { NULL, 0, 0, NULL, 0, BUF_INIT }

/* Records text[0..n) as shown in full under `label`. 0 or -1 (ENOMEM). */
int reuse_add(struct reuse *r, const char *text, size_t n, const char *label, size_t label_n);

/* Appends to *out the shortest stand-in for text[0..n) built from earlier
 * texts, if one is shorter than `max` bytes: a reference to an identical text,
 * else a reference plus the changed lines against one of the last
 * REUSE_NEAR_CANDIDATES texts when that is under half of `max`.
 * Returns 1 when written, 0 when there is none (*out unchanged), -1 (ENOMEM). */
int reuse_standin(struct reuse *r, const char *text, size_t n, size_t max, struct buf *out);

void reuse_free(struct reuse *r);

#endif
