/* paths: helpers the listing filters (find, search-list, ls, tree, grep)
 * share: cleaning a line, walking the detection head, and writing a listing
 * compactly as one line per directory, nested by indentation:
 *
 *     ./ README.md Makefile
 *      src/ main.c util.c
 *       sub/ x.c … 40 files omitted
 *
 * A header's indent is the number of leading path components it shares with
 * the previous header; only the rest is printed. Names follow on the same line.
 * A listing is restructured, not cut: every name is shown until LISTING_BUDGET
 * names have been, far more than a model reads in one answer; past that each
 * directory is still named, with the count of its names not shown, so that the
 * model knows what to list again.
 */
#ifndef NR_RTK_PATHS_H
#define NR_RTK_PATHS_H

#include <stddef.h>

#include "buf.h"
#include "rtk/filter.h"

#define LISTING_BUDGET 2000	/* names shown in one listing before only counts are */
#define BIG_FILE 100000ULL	/* files at least this big show their size */

/* b = s[0..n) without ANSI escape sequences and without a trailing '\r'. */
int paths_clean(struct buf *b, const char *s, size_t n);

/* The complete lines of a detection head (a final line cut by the head limit
 * is not given). */
struct head_iter {
	const char *p, *end;
	int cut;	/* the head is a prefix of a longer input */
};
void head_iter_init(struct head_iter *it, const char *head, size_t len);
int head_iter_next(struct head_iter *it, const char **s, size_t *n);	/* 0 at end */

/* Nonzero when s[0..n) reads as one path or file name (no message, no
 * "file:line:" prefix, no status columns, at most a few spaces). */
int paths_is_path(const char *s, size_t n);
/* Detection score (0..100) of a head whose lines are paths, each after the
 * given item prefix ("" for none, "- " for an editor's result list). */
int paths_detect_list(const char *head, size_t len, const char *prefix);

/* The nested one-line-per-directory writer. */
struct nest {
	struct buf prev;	/* the last header's directory */
	size_t budget;		/* names still to be shown in the whole listing */
	unsigned long long hidden;	/* names counted, not shown, in the open directory */
	int open;		/* a header line is open */
	int have_prev;		/* prev holds a header */
	int bare;		/* the open line has no header and no name yet */
	const char *what;	/* what a name is, for the omitted count */
};
/* budget: names shown in all (0: LISTING_BUDGET). */
void nest_init(struct nest *ns, size_t budget, const char *what);
/* Closes the open line and starts the one of directory dir[0..n) ("" or "."
 * is the root, shown "./"; "" first of all opens a line of bare names). When
 * the same directory is given again the open line simply continues. */
int nest_dir(struct nest *ns, struct rtk_out *o, const char *dir, size_t n);
/* One name on the open line (quoted when it holds a space). */
int nest_name(struct nest *ns, struct rtk_out *o, const char *name, size_t n);
/* Ends the open line with its "… N WHAT omitted" count, if any. */
int nest_close(struct nest *ns, struct rtk_out *o);
void nest_free(struct nest *ns);

/* "(124K)", "(3.4M)": a size as people read it, put right after a name. */
int paths_put_size(struct buf *b, unsigned long long v);
/* Bytes of a size written as "123456", "118K" or "1.5M" (units of 1024);
 * 0 when s[0..n) is not one. */
int paths_parse_size(const char *s, size_t n, unsigned long long *v);

/* A bounded window of paths, written sorted by directory (names in the order
 * they came) through a nest whenever it fills up, and at the end. */
struct path_window {
	struct buf text;	/* the paths, back to back */
	struct buf index;	/* struct path_ref[] into text */
	size_t count;
	struct nest ns;
};
void path_window_init(struct path_window *w, size_t budget, const char *what);
/* Adds one path; git's "quoted\tpaths" are accepted as such. */
int path_window_add(struct path_window *w, struct rtk_out *o, const char *s, size_t n);
int path_window_flush(struct path_window *w, struct rtk_out *o);
void path_window_free(struct path_window *w);

#endif
