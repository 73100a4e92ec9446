/* combo_cache: what a combo file held when it was last read (its text, or
 * that it is a program, which is run every time), per process, keyed by path
 * and trusted only while the file's identity is unchanged (filecheck.h). At
 * most COMBO_CACHE_MAX files, each up to NR_COMBO_OUTPUT_MAX bytes. */
#ifndef NR_ROUTE_COMBO_CACHE_H
#define NR_ROUTE_COMBO_CACHE_H

#include <stddef.h>

#include "buf.h"
#include "route/filecheck.h"

#define COMBO_CACHE_MAX 256

/* 1 when what is kept for path (absent files too) was checked within the
 * scope of filecheck.h, and may stand for the file without a stat: *id is
 * what it was; else 0. */
int combo_cache_checked(const char *path, struct nr_file_id *id);

/* 1 when the file at path, now `id`, is as it was read (or `checked`, *id
 * from combo_cache_checked): *exec set, and its text appended to text
 * unless it is a program; 0 when not cached (a stale entry is dropped); -1
 * out of memory. */
int combo_cache_get(const char *path, const struct nr_file_id *id, int checked, int *exec, struct buf *text);

/* Keeps what the file at path held when it was `id` (best-effort), or that
 * there was none (id->present 0). */
void combo_cache_put(const char *path, const struct nr_file_id *id, int exec, const char *text, size_t len);

#endif
