/* filter_git_diff: `git diff`, `diff -u`, `git diff --stat`, `git format-patch`.
 * The work is diff_body's; this file detects the kind and cleans each line. */
#include <stdlib.h>
#include <string.h>

#include "rtk/diff_body.h"
#include "rtk/diff_text.h"
#include "rtk/filter.h"

struct git_diff {
	struct diff_body body;
	struct buf scratch;	/* a line without its colour codes */
};

/* The head's next line: [*s, *e) advanced past the current one. */
static int next_line(const char *head, size_t len, const char **s, const char **e)
{
	const char *end = head + len;
	if (*e >= end)
		return 0;
	*s = *e == head && *s == NULL ? head : *e + 1;
	if (*s >= end)
		return 0;
	const char *nl = memchr(*s, '\n', (size_t)(end - *s));
	*e = nl ? nl : end;
	return 1;
}

static int detect(const char *head, size_t len)
{
	if (rtk_starts(head, len, "diff --git ") || rtk_starts(head, len, "diff --cc "))
		return 95;
	if (rtk_starts(head, len, "From ") && diff_hex_len(head + 5, len - 5) == 40)
		return 90;	/* git format-patch: mail headers, message, stat, diff */
	const char *s = NULL, *e = head;
	int lines = 0, stat = 0, unified = 0;
	while (next_line(head, len, &s, &e)) {
		size_t n = (size_t)(e - s);
		if (n && s[n - 1] == '\r')
			n--;
		lines++;
		if (rtk_starts(s, n, "--- ") || rtk_starts(s, n, "+++ ") || rtk_starts(s, n, "@@ -"))
			unified++;
		else if (diff_is_stat_line(s, n) || (n && s[0] != ' ' && diff_is_stat_text(s, n)))
			stat++;	/* (the second as diff_body writes it: this filter's output again) */
	}
	if (unified >= 3 && (rtk_starts(head, len, "diff ") || rtk_starts(head, len, "--- ") ||
			     rtk_starts(head, len, "Index: ")))
		return 85;	/* diff -u, svn diff */
	if (lines && stat * 10 >= lines * 9)
		return 70;	/* git diff --stat */
	return 0;
}

static void *start(void)
{
	struct git_diff *g = calloc(1, sizeof *g);
	if (g)
		diff_body_init(&g->body);
	return g;
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct git_diff *g = st;
	if (diff_plain_line(&g->scratch, &s, &n) < 0)
		return -1;
	return diff_body_line(&g->body, s, n, out);
}

static int finish(void *st, struct rtk_out *out)
{
	struct git_diff *g = st;
	return diff_body_finish(&g->body, out);
}

static void free_state(void *st)
{
	struct git_diff *g = st;
	diff_body_free(&g->body);
	buf_free(&g->scratch);
	free(g);
}

const struct rtk_filter rtk_filter_git_diff = {
	.name = "git-diff",
	.keeps = "file headers, hunk line numbers, changed lines (ends of long blocks), stat lines",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free_state,
};
