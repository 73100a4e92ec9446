/* headers: one response header's value (see headers.h). */
#include "route/headers.h"

#include <ctype.h>
#include <string.h>

int nr_header_get(const char *headers, const char *name, struct buf *out)
{
	size_t nl = strlen(name);
	for (const char *p = headers; p && *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (v < p + len && isspace((unsigned char)*v))
				v++;
			size_t vl = (size_t)(p + len - v);
			while (vl && isspace((unsigned char)v[vl - 1]))
				vl--;
			buf_reset(out);
			return buf_append(out, v, vl) == 0;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}
