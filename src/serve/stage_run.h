/* stage_run: a pipeline stage run as a child process (doc/pipeline.md): the
 * request on its stdin, its stdout read as it comes, in its own process
 * group so that a time limit or a client's hang-up stops it and whatever it
 * started. */
#ifndef NR_SERVE_STAGE_RUN_H
#define NR_SERVE_STAGE_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "route/out.h"
#include "serve/pipeline.h"
#include "serve/stage_env.h"

#define STAGE_ERR_MAX 65536	/* a request stage's stderr kept for the log and the message */
#define STAGE_HEAD_MAX 65536	/* the last stage's CGI head */

struct stage_result {
	int spawn_errno;	/* nonzero: it could not be started */
	int exited;		/* status is its wait status */
	int status;
	int timed_out;		/* killed at the time limit */
	int too_big;		/* killed: wrote more than it may */
	int client_gone;	/* stopped: the client hung up */
	int bad_answer;		/* last stage: its output was no CGI answer */
	struct buf err;		/* request stage: its stderr, the first STAGE_ERR_MAX bytes */
	pid_t pid;		/* last stage: still running after its answer (stage_reap) */
	int pidfd;
};

/* A request stage: in → its whole stdout in *out (at most out_max bytes),
 * within timeout_ms. 0 when it exited 0; -1 otherwise (see *r). */
int stage_filter(const struct stage *st, char *const envp[], const char *in, size_t n,
		 int timeout_ms, int hangup_fd, size_t out_max, struct buf *out,
		 struct stage_result *r);

/* The last stage: in → its CGI answer (Status, headers, blank line, body),
 * relayed to o as it comes; its stderr is nr-serve's. Returns when its stdout
 * has ended and it has exited (or 50 ms later): 0 when a whole head came, o
 * took every byte and no signal killed it; -1 otherwise (see *r; o->started
 * tells whether the client has a head). A stage that still runs is left to
 * stage_reap, after the answer is out. */
int stage_answer(const struct stage *st, char *const envp[], const char *in, size_t n,
		 int hangup_fd, struct nr_out *o, struct stage_result *r);

/* Waits for a stage stage_answer left running. */
void stage_reap(struct stage_result *r);
void stage_result_free(struct stage_result *r);

#endif
