/* filecheck: has a provider or combo file changed since it was read? The
 * per-process caches of parsed files (provider_cache.c, combo.c) keep each
 * file's identity and compare it with a fresh stat before trusting what they
 * hold. Within one routed request (nr_conf_hold … nr_conf_release) a file is
 * checked once, so all its targets see one version of it. */
#ifndef NR_ROUTE_FILECHECK_H
#define NR_ROUTE_FILECHECK_H

#include <sys/types.h>
#include <time.h>

struct nr_file_id {
	int present;			/* 0: no such file */
	dev_t dev;
	ino_t ino;
	off_t size;
	mode_t mode;			/* chmod +x turns a combo into a program */
	struct timespec mtim, ctim;
	int racy;			/* changed so lately that an edit in the same clock tick
					 * could leave all of the above as they are */
};

/* Stats path into id (an absent file: present = 0); 0, or -1 with errno when
 * stat failed otherwise. */
int nr_file_id(const char *path, struct nr_file_id *id);

/* Nonzero when what was read at `then` may stand for the file now: the same
 * file, unchanged, and not racy when it was read. */
int nr_file_id_same(const struct nr_file_id *then, const struct nr_file_id *now);

/* A routed request's scope: while held, a cache entry checked once trusts
 * that check (nr_conf_checked). Outside it every lookup stats its files.
 * Where the conf dirs are watched (confwatch.h) and nothing changed since
 * the last request, the checks made then still stand. */
void nr_conf_hold(void);
void nr_conf_release(void);

/* 1 when the entry stamped *seen was checked in the held scope already; else
 * 0, and *seen is stamped for the check the caller does now. */
int nr_conf_checked(unsigned long *seen);

#endif
