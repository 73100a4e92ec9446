/* alias: the model names tools send on their own (claude-haiku-4-5-20251001,
 * gpt-5-codex, gemini-2.5-pro) mapped to a target nr routes: PROVIDER/MODEL
 * or a combo. Two files, the user's $NR_CONFIG_DIR/aliases and the shipped
 * share/aliases, one alias a line:
 *
 *     PATTERN TARGET      # comment
 *
 * PATTERN is a name or an fnmatch(3) glob (`claude-haiku-*`); never a '/'
 * (PROVIDER/MODEL is never aliased). Within a file an exact name beats every
 * glob, and among globs the first that matches wins. A target is resolved
 * without aliases, so aliases never chain and cannot loop. The order of the
 * whole lookup is target.h's. One parser and one matcher, shared by nr-route
 * (nr-serve) and `nr alias`. */
#ifndef NR_ROUTE_ALIAS_H
#define NR_ROUTE_ALIAS_H

#include <stddef.h>

#include "buf.h"

#define NR_ALIAS_PATTERN_MAX 128		/* bytes in a pattern */
#define NR_ALIAS_FILE_MAX (1024 * 1024)		/* bytes read from an aliases file */

struct nr_alias {
	char *pattern;
	char *target;
	int line;		/* in its file, from 1 */
	int glob;		/* the pattern has *, ? or [ */
};

struct nr_aliases {
	struct nr_alias *v;
	size_t n;
};

enum nr_alias_origin { NR_ALIAS_USER, NR_ALIAS_SHIPPED };

/* Why pattern cannot be an alias's PATTERN, or NULL when it can. */
const char *nr_alias_pattern_error(const char *pattern);
/* Why target cannot be an alias's TARGET by its spelling, or NULL. */
const char *nr_alias_target_error(const char *target);

/* Parses an aliases file's text into a (the caller frees it); 0, or -1 with
 * "WHAT: line N: why" in err. `what` names the file. */
int nr_aliases_parse(const char *text, const char *what, struct nr_aliases *a, struct buf *err);
void nr_aliases_free(struct nr_aliases *a);

/* The alias for name: an exact pattern first, else the first glob matching
 * it in file order; NULL when none. */
const struct nr_alias *nr_alias_match(const struct nr_aliases *a, const char *name);

/* The path of origin's file into path; 0, or -1 when its dir is unknown. */
int nr_alias_path(enum nr_alias_origin o, struct buf *path);

/* The aliases of origin's file (none when it does not exist), parsed once per
 * process and kept while the file is unchanged (filecheck.h): *a points at
 * them until the next call for that origin. 0, or -1 with the reason in err
 * (a bad line, with the file and line number). */
int nr_aliases_load(enum nr_alias_origin o, const struct nr_aliases **a, struct buf *err);

#endif
