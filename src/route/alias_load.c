/* alias_load: the user's and the shipped aliases file, each parsed once per
 * process and kept while a stat says it is unchanged (filecheck.h), as the
 * provider and combo caches do: a worker's lookup costs a stat per file. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "route/alias.h"
#include "route/dirs.h"
#include "route/filecheck.h"

struct entry {
	int valid;		/* a holds what the file at path held when it was id */
	struct buf path;
	struct nr_file_id id;
	struct nr_aliases a;
	unsigned long checked;	/* filecheck's request stamp */
};

static struct entry cache[2];	/* by enum nr_alias_origin */

int nr_alias_path(enum nr_alias_origin o, struct buf *path)
{
	if ((o == NR_ALIAS_USER ? nr_config_dir(path) : nr_share_dir(path)) < 0)
		return -1;
	return buf_puts(path, "/aliases");
}

/* The file's text into text (empty when it does not exist); 0 or -1. */
static int read_text(const char *path, struct buf *text, struct buf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || read_all(fd, text, NR_ALIAS_FILE_MAX) < 0) {
		buf_printf(err, "unable to read %s: %s", path,
			   errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (text->p && strlen(text->p) != text->len) {
		buf_printf(err, "%s: a NUL byte: not a text file", path);
		return -1;
	}
	return 0;
}

int nr_aliases_load(enum nr_alias_origin o, const struct nr_aliases **a, struct buf *err)
{
	static const struct nr_aliases none;
	struct entry *e = &cache[o];
	struct buf path = BUF_INIT, text = BUF_INIT;
	*a = &none;
	if (nr_alias_path(o, &path) < 0) {
		buf_free(&path);
		return 0;	/* no such dir: no such file */
	}
	int same_path = e->valid && strcmp(e->path.p, path.p) == 0, rc = 0;
	if (same_path && nr_conf_checked(&e->checked)) {
		*a = &e->a;
		goto out;
	}
	struct nr_file_id id;
	int stated = nr_file_id(path.p, &id) == 0;
	if (same_path && stated && nr_file_id_same(&e->id, &id)) {
		*a = &e->a;
		goto out;
	}
	/* stat'ed before the read: a change after it shows at the next check */
	struct nr_aliases fresh;
	if (read_text(path.p, &text, err) < 0 ||
	    nr_aliases_parse(text.p ? text.p : "", path.p, &fresh, err) < 0) {
		rc = -1;
		goto out;
	}
	nr_aliases_free(&e->a);
	e->a = fresh;
	e->valid = stated;	/* not stat'ed: read again next time */
	e->id = id;
	buf_reset(&e->path);
	if (buf_puts(&e->path, path.p) < 0)
		e->valid = 0;
	if (e->valid)
		nr_conf_checked(&e->checked);
	*a = &e->a;
out:
	buf_free(&path);
	buf_free(&text);
	return rc;
}
