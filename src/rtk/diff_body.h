/* diff_body: the part of git-diff and git-log that shrinks diff text (unified
 * diffs, `git diff`/`git show`/`git log -p` patches, `--stat` lines).
 *
 * Kept: every file header ("diff --git a/x b/x", mode, rename, binary notes),
 * every changed line of runs of at most RUN_SMALL lines, the first and last
 * lines of longer blocks, stat lines without their +/- graph, and any line it
 * does not recognise. Each run of changes gets an exact zero-context hunk
 * header ("@@ -12,2 +12,3 @@", as `git diff -U0` prints), so line numbers
 * stay right once context lines are gone. A run repeated verbatim is printed
 * once, then named by where it was seen ("path:line"). Dropped and counted: context lines,
 * "index"/"---"/"+++" header lines of git diffs, binary patch data. A hunk
 * rtk-filter shrank before (its lines end early, on a "… N … omitted" line)
 * is passed as it is, its header unchanged: filtering twice is filtering once. */
#ifndef NR_RTK_DIFF_BODY_H
#define NR_RTK_DIFF_BODY_H

#include "buf.h"
#include "rtk/diff_run.h"
#include "rtk/diff_seen.h"
#include "rtk/filter.h"

enum diff_state {
	DIFF_TEXT,	/* outside any file */
	DIFF_FILE,	/* in a file's header lines, after "diff --git" */
	DIFF_HUNK,	/* inside a hunk, counting its lines */
	DIFF_COMBINED,	/* inside a merge's combined hunk ("@@@") */
	DIFF_BINARY,	/* inside "GIT binary patch" data */
	DIFF_SHRUNK,	/* inside a hunk rtk-filter already shrank: passed as it is */
};

struct diff_body {
	enum diff_state state;
	int git_header;			/* the file began with "diff --git" */
	unsigned long long old_line, new_line;	/* next line numbers in the hunk */
	unsigned long long old_left, new_left;	/* lines the hunk header announced */
	struct buf hunk_header;		/* the hunk's "@@" line as it came */
	struct buf heading;		/* text after the hunk's closing "@@" */
	int heading_used;		/* printed on the hunk's first run */
	struct diff_run run;
	struct buf path;		/* the file's new name, to name repeated runs */
	struct diff_seen seen;
	unsigned long long context_dropped, header_dropped, binary_dropped;
};

void diff_body_init(struct diff_body *d);
/* One line (without '\n', '\r' or colour). Lines it does not recognise are
 * printed unchanged. Returns 0, or -1 on failure. */
int diff_body_line(struct diff_body *d, const char *s, size_t n, struct rtk_out *out);
/* Nonzero inside a hunk that still expects lines (where an empty line is
 * an unchanged one whose space was stripped). */
int diff_body_in_hunk(const struct diff_body *d);
/* Ends the current file (a new commit begins): prints the pending run. */
int diff_body_end(struct diff_body *d, struct rtk_out *out);
/* Ends the input: the pending run, then the counts of what was dropped. */
int diff_body_finish(struct diff_body *d, struct rtk_out *out);
void diff_body_free(struct diff_body *d);

/* Nonzero when the line is a `--stat` line (" path | 12 ++--") or its
 * summary (" 3 files changed, ..."). */
int diff_is_stat_line(const char *s, size_t n);
/* The same without the leading space ("path | 12", "3 files changed, …"). */
int diff_is_stat_text(const char *s, size_t n);

#endif
