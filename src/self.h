/* self: where the running program lives, for what it finds beside itself
 * (the share dir, nr-setup, the stock pipeline stages). */
#ifndef NR_SELF_H
#define NR_SELF_H

#include "buf.h"

/* Appends the directory of this program's executable (/proc/self/exe, no
 * trailing slash) to out, emptied first. 0; -1 with errno. */
int nr_exe_dir(struct buf *out);

#endif
