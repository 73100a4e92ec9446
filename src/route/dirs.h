/* dirs: where nr-route finds provider and combo files. The user's config dir
 * ($NR_CONFIG_DIR, else $XDG_CONFIG_HOME/nr, else ~/.config/nr) is read after
 * the shipped share dir ($NR_SHARE_DIR, else ../share/nr or ../share next to
 * the executable). */
#ifndef NR_ROUTE_DIRS_H
#define NR_ROUTE_DIRS_H

#include <stddef.h>

#include "buf.h"

/* Each appends the directory to `out` (cleared first); 0, or -1 when unknown. */
int nr_config_dir(struct buf *out);
int nr_share_dir(struct buf *out);

/* A provider or combo name is safe as a file name: [A-Za-z0-9._-], not
 * starting with a dot, 1..64 bytes. */
int nr_name_ok(const char *name);

/* The names of the files in SUB ("providers", "combos") of both dirs, valid
 * (nr_name_ok), sorted and without repeats; *n of them, each and the array
 * to free. NULL when there are none. */
char **nr_dir_names(const char *sub, size_t *n);

#endif
