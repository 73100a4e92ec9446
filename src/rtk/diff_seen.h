/* diff_seen: a bounded memory of the change runs a diff has printed, so that
 * a run repeated verbatim elsewhere (one dependency bumped in twenty files)
 * is printed once and then named by where it was first seen. */
#ifndef NR_RTK_DIFF_SEEN_H
#define NR_RTK_DIFF_SEEN_H

#include <stdint.h>

#include "buf.h"

#define SEEN_MAX 128		/* runs remembered; the oldest is forgotten first */
#define SEEN_WHERE_MAX 200	/* bytes of a "path:line" kept */

struct diff_seen {
	struct {
		uint64_t hash;
		struct buf where;
	} e[SEEN_MAX];
	size_t next, n;
};

/* Where a run of this hash was first printed, or NULL. */
const struct buf *diff_seen_find(const struct diff_seen *s, uint64_t hash);
/* Remembers a printed run as "path:line". Returns 0, or -1 out of memory. */
int diff_seen_add(struct diff_seen *s, uint64_t hash, const char *path, size_t pn,
		  unsigned long long line);
void diff_seen_free(struct diff_seen *s);

#endif
