/* confwatch: inotify on the directories of the conf files (see confwatch.h). */
#include "route/confwatch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "route/dirs.h"

/* The config and share dirs hold the aliases files and the providers/ and
 * combos/ dirs: there, files coming, going or renamed; in those, any change
 * (chmod +x makes a combo a program). Not every write to the top dirs: the
 * data dir may be the config dir, and SQLite writes there all the time. */
#define TOP_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define SUB_MASK (TOP_MASK | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB)
#define FILE_MASK (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

static int fd = -1;
static int trusted;	/* the watches cover every file the caches read */
static int armed_now;	/* armed at the start: the first question is answered "changed" */

static int is_link(int dfd, const char *name)
{
	struct stat st;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

/* Watches a providers/ or combos/ dir: 0 when inotify vouches for its files
 * (or it does not exist: its parent's watch sees it come), -1 otherwise. */
static int watch_sub(const char *dir)
{
	if (inotify_add_watch(fd, dir, SUB_MASK) < 0)
		return errno == ENOENT ? 0 : -1;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *e;
	errno = 0;
	while (rc == 0 && (e = readdir(d)))
		if (e->d_type == DT_LNK || (e->d_type == DT_UNKNOWN && is_link(dirfd(d), e->d_name)))
			rc = -1;	/* its target changes without an event here */
	if (rc == 0 && errno)
		rc = -1;
	closedir(d);
	return rc;
}

/* Watches the config or share dir, its aliases file and its two subdirs. */
static int watch_top(const char *dir)
{
	struct buf p = BUF_INIT;
	int rc = inotify_add_watch(fd, dir, TOP_MASK) < 0 ? -1 : 0;
	if (rc == 0 && (rc = buf_printf(&p, "%s/aliases", dir)) == 0) {
		struct stat st;
		if (lstat(p.p, &st) == 0)
			rc = S_ISLNK(st.st_mode) || inotify_add_watch(fd, p.p, FILE_MASK) < 0 ? -1 : 0;
		else if (errno != ENOENT)
			rc = -1;
	}
	const char *sub[] = { "providers", "combos" };
	for (size_t i = 0; rc == 0 && i < sizeof sub / sizeof *sub; i++) {
		buf_reset(&p);
		rc = buf_printf(&p, "%s/%s", dir, sub[i]) < 0 ? -1 : watch_sub(p.p);
	}
	buf_free(&p);
	return rc;
}

/* A fresh descriptor and watches: the old one's events are all answered by
 * the "changed" that follows, and a dir made since is watched now. */
static void arm(void)
{
	if (fd >= 0)
		close(fd);
	trusted = 0;
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return;
	struct buf dir = BUF_INIT;
	trusted = nr_config_dir(&dir) == 0 && watch_top(dir.p) == 0;
	if (trusted && nr_share_dir(&dir) == 0)
		trusted = watch_top(dir.p) == 0;
	buf_free(&dir);
}

int nr_conf_watch_start(void)
{
	arm();
	armed_now = 1;
	return trusted ? 0 : -1;
}

int nr_conf_watch_changed(void)
{
	if (fd < 0)
		return 1;
	int first = armed_now;
	armed_now = 0;
	union {
		struct inotify_event e;
		char b[4096];
	} ev;
	ssize_t n = read(fd, &ev, sizeof ev);
	if (n < 0 && errno == EAGAIN)
		return first || !trusted;
	/* events (or an error): watch afresh, for a dir or link made since.
	 * What comes after arm() waits in the new queue: never drained here,
	 * where it could hide a link made between the scan and the drain. */
	arm();
	return 1;
}
