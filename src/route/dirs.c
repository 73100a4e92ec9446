/* dirs: the config and share directories (see dirs.h). */
#include "route/dirs.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "self.h"

int nr_config_dir(struct buf *out)
{
	buf_reset(out);
	const char *d = getenv("NR_CONFIG_DIR");
	if (d && *d)
		return buf_puts(out, d);
	const char *x = getenv("XDG_CONFIG_HOME");
	if (x && *x)
		return buf_printf(out, "%s/nr", x);
	const char *h = getenv("HOME");
	if (!h || !*h)
		return -1;
	return buf_printf(out, "%s/.config/nr", h);
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The share dir next to the executable, found once per process: a readlink
 * and a stat on every lookup cost more than the provider files' own stats. */
static int exe_share_dir(struct buf *out)
{
	struct buf bin = BUF_INIT;	/* an install has share/nr beside it, the source tree share/ */
	int rc = nr_exe_dir(&bin);
	if (rc == 0)
		rc = buf_printf(out, "%s/../share/nr", bin.p);
	if (rc == 0 && !is_dir(out->p)) {
		buf_reset(out);
		rc = buf_printf(out, "%s/../share", bin.p);
	}
	buf_free(&bin);
	return rc;
}

int nr_share_dir(struct buf *out)
{
	static struct buf found = BUF_INIT;
	buf_reset(out);
	const char *d = getenv("NR_SHARE_DIR");
	if (d && *d)
		return buf_puts(out, d);
	if (!found.len && exe_share_dir(&found) < 0) {
		buf_reset(&found);
		return -1;
	}
	return buf_append(out, found.p, found.len);
}

int nr_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64 || name[0] == '.')
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **nr_dir_names(const char *sub, size_t *n)
{
	char **v = NULL;
	*n = 0;
	struct buf dir = BUF_INIT;
	int (*dirs[2])(struct buf *) = { nr_share_dir, nr_config_dir };
	for (int d = 0; d < 2; d++) {
		if (dirs[d](&dir) < 0 || buf_printf(&dir, "/%s", sub) < 0)
			continue;
		DIR *dp = opendir(dir.p);
		if (!dp)
			continue;
		struct dirent *e;
		while ((e = readdir(dp))) {
			if (!nr_name_ok(e->d_name))
				continue;
			char **nv = reallocarray(v, *n + 1, sizeof *v);
			char *s = nv ? strdup(e->d_name) : NULL;
			if (!nv || !s) {
				free(s);
				if (nv)
					v = nv;
				break;
			}
			v = nv;
			v[(*n)++] = s;
		}
		closedir(dp);
	}
	buf_free(&dir);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		if (k && strcmp(v[k - 1], v[i]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	*n = k;
	return v;
}
