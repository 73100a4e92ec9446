/* provider_cache: each provider parsed once per process and kept while its
 * files are unchanged (filecheck.h): a worker's requests cost a stat per file
 * instead of a read and a parse per target. At most PROVIDER_CACHE_MAX
 * entries, one per provider that has a file; a provider whose files are gone
 * or no longer parse is dropped. */
#include <stdlib.h>
#include <string.h>

#include "route/dirs.h"
#include "route/filecheck.h"
#include "route/provider.h"

#define PROVIDER_CACHE_MAX 256	/* more providers than this are parsed on each use */

struct entry {
	struct buf path[2];		/* the files it was read from (the dirs may move) */
	struct nr_file_id id[2];
	struct nr_provider p;		/* p.name is the key; NULL: a free slot */
	unsigned long checked;		/* filecheck's request stamp */
	unsigned long used;		/* for evicting the least recently used */
};

static struct entry cache[PROVIDER_CACHE_MAX];
static unsigned long clock_used;

static struct entry *find(const char *name)
{
	for (size_t i = 0; i < PROVIDER_CACHE_MAX; i++)
		if (cache[i].p.name && strcmp(cache[i].p.name, name) == 0)
			return &cache[i];
	return NULL;
}

static void drop(struct entry *e)
{
	nr_provider_free(&e->p);
	buf_free(&e->path[0]);
	buf_free(&e->path[1]);
	*e = (struct entry){ .path = { BUF_INIT, BUF_INIT } };
}

static struct entry *free_slot(void)
{
	struct entry *old = &cache[0];
	for (size_t i = 0; i < PROVIDER_CACHE_MAX; i++) {
		if (!cache[i].p.name)
			return &cache[i];
		if (cache[i].used < old->used)
			old = &cache[i];
	}
	drop(old);
	return old;
}

static int same_paths(const struct entry *e, const struct buf path[2])
{
	return strcmp(e->path[0].p, path[0].p) == 0 && strcmp(e->path[1].p, path[1].p) == 0;
}

/* Stats the files; 0, or -1 when one cannot be stat'ed (read it then). */
static int stat_both(const struct buf path[2], struct nr_file_id id[2])
{
	for (int i = 0; i < 2; i++) {
		if (!path[i].len)
			id[i] = (struct nr_file_id){ 0 };
		else if (nr_file_id(path[i].p, &id[i]) < 0)
			return -1;
	}
	return 0;
}

/* The entry of `name`, checked against its files; NULL when there is none
 * or it is stale (then dropped); ids gets the fresh stat, when it was done. */
static struct entry *lookup(const char *name, const struct buf path[2], struct nr_file_id id[2], int *stated)
{
	struct entry *e = find(name);
	*stated = 0;
	if (e && same_paths(e, path) && nr_conf_checked(&e->checked))
		return e;
	*stated = stat_both(path, id) == 0;
	if (!e)
		return NULL;
	if (!*stated || !same_paths(e, path) || !nr_file_id_same(&e->id[0], &id[0]) ||
	    !nr_file_id_same(&e->id[1], &id[1])) {
		drop(e);
		return NULL;
	}
	return e;
}

static void keep(const struct buf path[2], const struct nr_file_id id[2], const struct nr_provider *p)
{
	struct entry *e = free_slot();
	if (nr_provider_copy(&e->p, p) < 0)
		return;	/* not kept: parsed again next time */
	for (int i = 0; i < 2; i++) {
		e->id[i] = id[i];
		if (buf_puts(&e->path[i], path[i].p) < 0) {
			drop(e);
			return;
		}
	}
	e->used = ++clock_used;
	nr_conf_checked(&e->checked);
}

int nr_provider_load(const char *name, struct nr_provider *p, struct buf *err)
{
	*p = (struct nr_provider){ 0 };
	if (!nr_name_ok(name)) {
		buf_printf(err, "bad provider name '%s'", name);
		return -1;
	}
	struct buf path[2] = { BUF_INIT, BUF_INIT };
	struct nr_file_id id[2];
	int stated, rc = -1;
	if (nr_provider_paths(name, path) < 0) {
		buf_printf(err, "out of memory");
		goto out;
	}
	struct entry *e = lookup(name, path, id, &stated);
	if (e) {
		e->used = ++clock_used;
		if ((rc = nr_provider_copy(p, &e->p)) < 0)
			buf_printf(err, "out of memory");
		goto out;
	}
	/* stat'ed before the read: a change after it shows at the next check */
	rc = nr_provider_parse(name, path, p, err);
	if (rc == 0 && stated)
		keep(path, id, p);
out:
	buf_free(&path[0]);
	buf_free(&path[1]);
	return rc;
}

int nr_provider_exists(const char *name)
{
	if (!nr_name_ok(name))
		return 0;
	struct buf path[2] = { BUF_INIT, BUF_INIT };
	struct nr_file_id id[2];
	int stated, found = 0;
	if (nr_provider_paths(name, path) == 0) {
		if (lookup(name, path, id, &stated))
			found = 1;	/* checked now or earlier in this request */
		else
			found = stated && (id[0].present || id[1].present);
	}
	buf_free(&path[0]);
	buf_free(&path[1]);
	return found;
}
