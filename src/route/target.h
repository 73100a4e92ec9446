/* target: a requested model name resolved into the ordered list of upstream
 * targets to try. `PROVIDER/MODEL` is one target; any other name is a combo:
 * the file combos/NAME in the user's config dir, else in the share dir, one
 * target per line in priority order (`PROVIDER/MODEL [max_tokens=N]
 * [budget_day=USD] [budget_month=USD]`, `#` comments). An executable combo file is run (no arguments, stdin /dev/null,
 * no other descriptor, the environment of combo_env.h) and its stdout read
 * instead; its stderr goes to the log, escaped. */
#ifndef NR_ROUTE_TARGET_H
#define NR_ROUTE_TARGET_H

#include <stddef.h>

#include "buf.h"

#define NR_TARGETS_MAX 64		/* lines per combo */
#define NR_COMBO_OUTPUT_MAX 65536	/* bytes read from a combo (file or program) */
#define NR_COMBO_RUN_MS 5000		/* an executable combo must answer within this */
#define NR_COMBO_STDERR_MAX 4096	/* bytes of a combo's stderr kept for the log */

struct nr_target {
	char *provider;
	char *model;		/* as the upstream names it (may contain '/': openrouter) */
	long max_tokens;	/* per-target override, -1 when none */
	double budget_day;	/* USD the target may cost a UTC day (budget.h), -1 when none */
	double budget_month;	/* and a UTC month */
};

/* A target with none of the per-target settings. */
#define NR_TARGET_NONE (struct nr_target){ .max_tokens = -1, .budget_day = -1, .budget_month = -1 }

struct nr_targets {
	char *combo;		/* the combo's name, NULL for a PROVIDER/MODEL request */
	struct nr_target *v;
	size_t n;
};

/* Resolves `name`, the first of these that knows it winning (README, "Model
 * names and aliases"): PROVIDER/MODEL (never aliased); a combo of that name;
 * the user's aliases; the providers listing the name in models=, followed by
 * the targets of a shipped alias of it as fallbacks; the shipped aliases.
 * 0, or -1 with the reason in err. `from` is the client's format name, passed
 * to executable combos. */
int nr_targets_resolve(const char *name, const char *from, struct nr_targets *t, struct buf *err);

/* What an alias may name: PROVIDER/MODEL (with a provider file) or a combo,
 * resolved without aliases. 1 into t, 0 neither (t empty), -1 error in err. */
int nr_targets_resolve_direct(const char *name, const char *from, struct nr_targets *t, struct buf *err);
void nr_targets_free(struct nr_targets *t);

/* Keeps, in order, the targets of t for which keep(target, ctx) is nonzero,
 * and frees the others; how many are kept. */
size_t nr_targets_keep(struct nr_targets *t, int (*keep)(const struct nr_target *v, void *ctx), void *ctx);

/* Parses combo text (the file's or the program's output) into t. */
int nr_combo_parse(const char *text, const char *what, struct nr_targets *t, struct buf *err);

/* Reads combo `name` into `out` (running it when executable); 1 found, 0 no
 * such combo, -1 error in err. */
int nr_combo_read(const char *name, const char *from, struct buf *out, struct buf *err);

/* The same without running anything: 1 the combo's text in out, 2 it is a
 * program (not run), 0 no such combo, -1 error in err. */
int nr_combo_read_text(const char *name, struct buf *out, struct buf *err);

#endif
