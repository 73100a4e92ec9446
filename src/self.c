/* self: this program's own directory (see self.h). */
#include "self.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int nr_exe_dir(struct buf *out)
{
	buf_reset(out);
	for (size_t size = 256;; size *= 2) {	/* a path of any length: readlink cuts silently */
		if (size > 1 << 20) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (buf_reserve(out, size) < 0)
			return -1;
		ssize_t n = readlink("/proc/self/exe", out->p, size);
		if (n < 0)
			return -1;
		if ((size_t)n == size)
			continue;
		char *slash = memrchr(out->p, '/', (size_t)n);
		if (!slash) {
			errno = ENOENT;
			return -1;
		}
		out->len = (size_t)(slash - out->p);
		out->p[out->len] = '\0';
		return 0;
	}
}
