/* spool: memory up to a limit, then an unlinked temporary file. */
#include "spool.h"

#include <errno.h>
#include <unistd.h>

#include "io.h"

void spool_init(struct spool *s, size_t limit)
{
	s->mem = (struct buf)BUF_INIT;
	s->limit = limit;
	s->fd = -1;
	s->size = 0;
}

static int flush_mem(struct spool *s)
{
	if (write_all(s->fd, s->mem.p, s->mem.len) < 0)
		return -1;
	buf_reset(&s->mem);
	return 0;
}

int spool_append(struct spool *s, const void *p, size_t n)
{
	if (s->fd < 0 && s->mem.len + n > s->limit) {
		s->fd = tmpfile_fd();
		if (s->fd < 0)
			return -1;
	}
	if (s->fd >= 0 && s->mem.len + n > s->limit) {
		if (flush_mem(s) < 0)
			return -1;
		if (n > s->limit) {	/* too big to be worth buffering */
			if (write_all(s->fd, p, n) < 0)
				return -1;
			s->size += (off_t)n;
			return 0;
		}
	}
	if (buf_append(&s->mem, p, n) < 0)
		return -1;
	s->size += (off_t)n;
	return 0;
}

int spool_write_to(struct spool *s, int out)
{
	if (s->fd < 0)
		return write_all(out, s->mem.p, s->mem.len);
	if (flush_mem(s) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
		return -1;
	return copy_fd(s->fd, out);
}

const char *spool_mem(const struct spool *s)
{
	return s->fd < 0 ? (s->mem.p ? s->mem.p : "") : NULL;
}

void spool_free(struct spool *s)
{
	buf_free(&s->mem);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
