/* combo_env: the environment an executable combo runs with. A combo is the
 * user's program, but it needs none of the provider keys nr-route holds: it
 * gets an allowlist (PATH, HOME, USER, LOGNAME, LANG, LC_*, TZ, TMPDIR,
 * NR_CONFIG_DIR, NR_DATA_DIR, NR_SHARE_DIR) minus any variable a provider
 * file names as a key (keys=NAME, and NAME_2, NAME_3 …), plus NR_MODEL (the
 * combo's name), NR_FROM (the client's format) and NR_CONFIG_DIR set to the
 * config dir nr-route uses when the environment does not name it. */
#ifndef NR_ROUTE_COMBO_ENV_H
#define NR_ROUTE_COMBO_ENV_H

#include "buf.h"

struct combo_env {
	char **v;		/* for execve: NULL-terminated, entries point into environ or below */
	struct buf model, from, config;	/* "NR_MODEL=…", "NR_FROM=…", "NR_CONFIG_DIR=…" */
};

/* Builds e for combo `name` asked for by a client in format `from` (may be
 * NULL); 0, or -1 (out of memory). Build it before fork: it allocates. */
int combo_env_build(struct combo_env *e, const char *name, const char *from);
void combo_env_free(struct combo_env *e);

#endif
