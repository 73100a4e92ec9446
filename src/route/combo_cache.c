/* combo_cache: combo files as last read, while unchanged (see combo_cache.h). */
#include "route/combo_cache.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	char *path;		/* NULL: a free slot */
	struct nr_file_id id;
	int exec;
	struct buf text;
	unsigned long used;
	unsigned long checked;	/* filecheck's scope stamp */
};

static struct entry cache[COMBO_CACHE_MAX];
static unsigned long clock_used;

static void drop(struct entry *e)
{
	free(e->path);
	buf_free(&e->text);
	*e = (struct entry){ .text = BUF_INIT };
}

static struct entry *find(const char *path)
{
	for (size_t i = 0; i < COMBO_CACHE_MAX; i++)
		if (cache[i].path && strcmp(cache[i].path, path) == 0)
			return &cache[i];
	return NULL;
}

int combo_cache_checked(const char *path, struct nr_file_id *id)
{
	struct entry *e = find(path);
	if (!e || !nr_conf_checked(&e->checked))
		return 0;
	*id = e->id;
	return 1;
}

int combo_cache_get(const char *path, const struct nr_file_id *id, int checked, int *exec, struct buf *text)
{
	struct entry *e = find(path);
	if (!e)
		return 0;
	if (!checked && !nr_file_id_same(&e->id, id)) {
		drop(e);
		return 0;
	}
	e->used = ++clock_used;
	*exec = e->exec;
	if (!e->exec && e->text.len && buf_append(text, e->text.p, e->text.len) < 0)
		return -1;
	return 1;
}

/* The slot for path: its own, else a free one, else the least recently used. */
static struct entry *slot(const char *path)
{
	struct entry *free_one = NULL, *old = &cache[0];
	for (size_t i = 0; i < COMBO_CACHE_MAX; i++) {
		if (cache[i].path && strcmp(cache[i].path, path) == 0)
			return &cache[i];
		if (!cache[i].path && !free_one)
			free_one = &cache[i];
		else if (cache[i].path && cache[i].used < old->used)
			old = &cache[i];
	}
	return free_one ? free_one : old;
}

void combo_cache_put(const char *path, const struct nr_file_id *id, int exec, const char *text, size_t len)
{
	struct entry *e = slot(path);
	drop(e);
	if (!(e->path = strdup(path)) || (!exec && buf_append(&e->text, text ? text : "", len) < 0)) {
		drop(e);
		return;
	}
	e->id = *id;
	e->exec = exec;
	e->used = ++clock_used;
	nr_conf_checked(&e->checked);
}
