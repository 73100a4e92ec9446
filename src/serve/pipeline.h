/* pipeline: the way of a request through nr-serve, as a shell-like command
 * line of stages joined by '|' ("rtk-filter --request --facts | nr-route").
 * Every stage but the last reads a request on stdin and writes a request on
 * stdout; the last writes the answer as a CGI response. The stock stages are
 * builtins, run in this process as a shell runs its own; any other command
 * is run as a child process (stage_run.h). doc/pipeline.md is the contract. */
#ifndef NR_SERVE_PIPELINE_H
#define NR_SERVE_PIPELINE_H

#include <stddef.h>

#include "buf.h"

#define PIPELINE_DEFAULT "rtk-filter --request --facts | nr-route"

enum stage_kind {
	STAGE_EXEC,	/* a child process */
	STAGE_RTK,	/* builtin rtk-filter --request [--facts] [--caveman] */
	STAGE_ROUTE,	/* builtin nr-route */
};

struct stage {
	enum stage_kind kind;
	char **argv;		/* NULL-terminated; argv[0] as written */
	char *path;		/* STAGE_EXEC: the executable found when parsed */
	const char *name;	/* argv[0]'s last component, for messages */
	int stock_route;	/* nr-route, builtin or not: it alone is given the
				 * client's credential (auth=passthrough) */
	int facts, caveman;	/* STAGE_RTK: --facts, --caveman */
};

struct pipeline {
	struct stage *stage;
	size_t n;
	char *text;		/* as given */
};

/* Parses text into *p. With builtins 0 every stage is a child process (the
 * stock ones too: for the differential test and bench/serve). The stock
 * programs (rtk-filter, nr-route) are looked for next to this program first,
 * every other command in PATH. 0; -1 with the reason in *err. */
int pipeline_parse(const char *text, int builtins, struct pipeline *p, struct buf *err);
void pipeline_free(struct pipeline *p);

/* The first line of $NR_CONFIG_DIR/pipeline that is neither blank nor a
 * '#' comment, in a new string; NULL with *err empty when there is no such
 * file, NULL with *err set when it cannot be read. */
char *pipeline_from_config(struct buf *err);

#endif
