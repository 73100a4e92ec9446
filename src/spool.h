/* spool: an append-only byte store that stays in memory up to a limit and then
 * moves to an anonymous temporary file, so that memory stays bounded whatever
 * is written. Functions return 0, or -1 with errno set. */
#ifndef NR_SPOOL_H
#define NR_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

struct spool {
	struct buf mem;		/* everything, or the not yet flushed tail once fd >= 0 */
	size_t limit;		/* memory kept before spilling (and the write buffer size after) */
	int fd;			/* -1 until spilled */
	off_t size;		/* total bytes appended */
};

void spool_init(struct spool *s, size_t limit);
int spool_append(struct spool *s, const void *p, size_t n);
/* Writes the whole content to fd `out`. */
int spool_write_to(struct spool *s, int out);
/* The content when it is still in memory (NULL once spilled). */
const char *spool_mem(const struct spool *s);
void spool_free(struct spool *s);

#endif
