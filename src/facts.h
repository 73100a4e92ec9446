/* facts: what one stage of nr's pipeline tells the later ones about a
 * request, in the pipe itself rather than as prose on stderr. A stage that
 * has facts writes them before the request as CGI-style header lines and a
 * blank line (rtk-filter --request --facts):
 *
 *	Nr-Rtk-Saved-Bytes: 1234
 *	Nr-Rtk-Saved-Tokens: 308
 *	Nr-Rtk-Caveman: 1
 *
 *	{"model": ...
 *
 * A JSON request starts with '{' (or white space), a header line with a
 * letter, so a reader tells the two apart from the first byte. nr-serve
 * carries facts between the stages it runs as environment variables of the
 * same names (NR_RTK_SAVED_BYTES), so that a user's own stage always sees a
 * bare request. */
#ifndef NR_FACTS_H
#define NR_FACTS_H

#include <stddef.h>

#include "buf.h"

struct nr_facts {
	long long rtk_bytes;	/* bytes rtk-filter saved; -1 when not told */
	long long rtk_tokens;	/* tokens it saved (estimated); -1 when not told */
	long long caveman;	/* 1 it asked for terse answers (caveman mode), 0 not; -1 not told */
};

#define NR_FACTS_NONE { -1, -1, -1 }
#define NR_FACTS_MAX_HEAD 65536	/* a facts block longer than this is invalid */

/* Reads a facts block at the start of the n bytes at p, if there is one:
 * the facts named in it are set in *f (others are left as they were; unknown
 * Nr-* names are ignored, for stages newer than the reader), and *body is the
 * offset of the request after it (0 when there is no block). 0; -1 when the
 * block is malformed, with *err saying how. */
int facts_split(const char *p, size_t n, struct nr_facts *f, size_t *body, const char **err);

/* Appends the block for the facts that are set (nothing when none is). 0, or -1 with errno. */
int facts_write(struct buf *b, const struct nr_facts *f);

/* The facts in the environment variables NR_RTK_SAVED_BYTES,
 * NR_RTK_SAVED_TOKENS and NR_RTK_CAVEMAN, for those not set in *f already (a
 * flag told them, and their variables are not read): 0; -1 when one is not a
 * count (or a flag not 0 or 1), *err naming the variable. */
int facts_from_env(struct nr_facts *f, const char **err);

/* What the fact of environment variable `env` wants, for a message:
 * "0 or 1" for a flag (NR_RTK_CAVEMAN), else "a count". */
const char *facts_wants(const char *env);

#endif
