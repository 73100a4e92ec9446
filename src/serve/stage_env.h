/* stage_env: the environment of a pipeline stage run as a process: nr-serve's
 * own, less the names it sets itself, plus CGI-style variables for this
 * request (doc/pipeline.md lists them). */
#ifndef NR_SERVE_STAGE_ENV_H
#define NR_SERVE_STAGE_ENV_H

#include <stddef.h>

struct stage_env {
	char **vars;	/* NULL-terminated, for posix_spawn */
	size_t n, cap;
	unsigned char *owned;	/* owned[i]: vars[i] was allocated here */
};

/* Starts from environ, leaving out HTTP_* and the variables of the contract.
 * 0, or -1 when out of memory. */
int stage_env_init(struct stage_env *e);
/* Sets NAME=value (replacing an earlier one); value NULL removes it. 0 or -1. */
int stage_env_set(struct stage_env *e, const char *name, const char *value);
int stage_env_set_count(struct stage_env *e, const char *name, long long v);
void stage_env_free(struct stage_env *e);

#endif
