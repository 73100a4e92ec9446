/* Exit codes shared by every nr program (listed in each --help and the README). */
#ifndef NR_EXITCODES_H
#define NR_EXITCODES_H

enum {
	NR_EXIT_OK = 0,
	NR_EXIT_UPSTREAM = 1,  /* nr-route: every target failed; body is the client-format error */
	NR_EXIT_DATA = 65,     /* the input was not what the mode needs (invalid JSON, bad SSE) */
	NR_EXIT_UNAVAILABLE = 69, /* nr db: the team's PostgreSQL cannot be reached (sysexits' EX_UNAVAILABLE) */
	NR_EXIT_NOPERM = 77,   /* refused by a pipeline stage (sysexits' EX_NOPERM): 403; by a key's policy (nr-route) */
	NR_EXIT_USAGE = 100,   /* bad command line */
	NR_EXIT_SYS = 111,     /* system failure: I/O, memory, temp files */
};

#endif
