/* diff_seen: runs already printed, to name repeats (see diff_seen.h). */
#include "rtk/diff_seen.h"

#include "utf8.h"

const struct buf *diff_seen_find(const struct diff_seen *s, uint64_t hash)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].hash == hash)
			return &s->e[i].where;
	return NULL;
}

int diff_seen_add(struct diff_seen *s, uint64_t hash, const char *path, size_t pn,
		  unsigned long long line)
{
	struct buf *w = &s->e[s->next].where;
	buf_reset(w);
	if (buf_append(w, path, utf8_cut(path, pn, SEEN_WHERE_MAX)) < 0 ||
	    buf_printf(w, ":%llu", line) < 0)
		return -1;
	s->e[s->next].hash = hash;
	s->next = (s->next + 1) % SEEN_MAX;
	if (s->n < SEEN_MAX)
		s->n++;
	return 0;
}

void diff_seen_free(struct diff_seen *s)
{
	for (size_t i = 0; i < SEEN_MAX; i++)
		buf_free(&s->e[i].where);
}
