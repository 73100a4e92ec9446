/* headers: reading an upstream's response headers, kept as lowercased
 * "name: value\n" lines (upstream.h: headers_in). */
#ifndef NR_ROUTE_HEADERS_H
#define NR_ROUTE_HEADERS_H

#include "buf.h"

/* The value of header `name` (lowercase) in `headers`, copied into out; 1 or 0. */
int nr_header_get(const char *headers, const char *name, struct buf *out);

#endif
