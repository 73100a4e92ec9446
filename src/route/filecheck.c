/* filecheck: file identities and the per-request check scope (see filecheck.h). */
#include "route/filecheck.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "route/confwatch.h"

/* File times come from a coarse clock (a few ms a tick): a file changed within
 * this many seconds of its stat may change again without its times moving. */
#define RACY_S 2

int nr_file_id(const char *path, struct nr_file_id *id)
{
	struct stat st;
	memset(id, 0, sizeof *id);
	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return -1;
	*id = (struct nr_file_id){ 1, st.st_dev, st.st_ino, st.st_size, st.st_mode, st.st_mtim, st.st_ctim, 0 };
	id->racy = now.tv_sec - st.st_mtim.tv_sec < RACY_S || now.tv_sec - st.st_ctim.tv_sec < RACY_S;
	return 0;
}

static int same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

int nr_file_id_same(const struct nr_file_id *then, const struct nr_file_id *now)
{
	if (then->present != now->present)
		return 0;
	if (!then->present)
		return 1;
	return !then->racy && then->dev == now->dev && then->ino == now->ino && then->size == now->size &&
	       then->mode == now->mode && same_time(then->mtim, now->mtim) && same_time(then->ctim, now->ctim);
}

static unsigned long epoch = 1;	/* 0 stamps an entry never checked */
static int held;

void nr_conf_hold(void)
{
	held = 1;
	if (nr_conf_watch_changed())	/* else the last request's checks still stand */
		epoch++;
}

void nr_conf_release(void)
{
	held = 0;
}

int nr_conf_checked(unsigned long *seen)
{
	if (held && *seen == epoch)
		return 1;
	*seen = held ? epoch : 0;
	return 0;
}
