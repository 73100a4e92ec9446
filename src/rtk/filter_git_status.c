/* filter_git_status: `git status` long format becomes the short one.
 *
 * Each path of the long format turns into its short-format line ("M  staged",
 * " M unstaged", "?? untracked", "UU conflicted"), so every path survives with
 * its state while section titles and the "(use "git add <file>..." ...)"
 * hints go (counted). Branch and progress lines stay. Short and -sb formats
 * pass unchanged; a `git status -v` diff goes through diff_body. */
#include <stdlib.h>
#include <string.h>

#include "rtk/diff_body.h"
#include "rtk/diff_text.h"
#include "rtk/filter.h"

enum section { SEC_NONE, SEC_STAGED, SEC_UNSTAGED, SEC_UNMERGED, SEC_UNTRACKED, SEC_IGNORED };

struct git_status {
	enum section sec;
	int in_diff;		/* `git status -v`: the rest is a diff */
	unsigned long long hints;
	struct buf scratch;	/* a line without its colour codes */
	struct diff_body body;
};

static const struct {
	const char *title;
	enum section sec;
} sections[] = {
	{ "Changes to be committed:", SEC_STAGED },
	{ "Changes not staged for commit:", SEC_UNSTAGED },
	{ "Unmerged paths:", SEC_UNMERGED },
	{ "Untracked files:", SEC_UNTRACKED },
	{ "Ignored files:", SEC_IGNORED },
};

/* Long-format state words and their short-format letters. */
static const struct {
	const char *word;
	const char *code;	/* one letter, or two for unmerged paths */
} states[] = {
	{ "modified:", "M" }, { "new file:", "A" }, { "deleted:", "D" },
	{ "renamed:", "R" }, { "copied:", "C" }, { "typechange:", "T" },
	{ "both modified:", "UU" }, { "both added:", "AA" }, { "both deleted:", "DD" },
	{ "added by us:", "AU" }, { "added by them:", "UA" },
	{ "deleted by us:", "DU" }, { "deleted by them:", "UD" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* "XY path" of the short format, X and Y from git's state letters. */
static int is_short_line(const char *s, size_t n)
{
	static const char letters[] = " MTADRCU?!";
	return n >= 4 && s[0] && s[1] && strchr(letters, s[0]) && strchr(letters, s[1]) &&
	       !(s[0] == ' ' && s[1] == ' ') && s[2] == ' ' && s[3] != ' ';
}

static int detect(const char *head, size_t len)
{
	static const char *const starts[] = {
		"On branch ", "HEAD detached at ", "HEAD detached from ",
		"Not currently on any branch.", "interactive rebase in progress",
		"rebase in progress", "You are currently ", "## ",
	};
	for (size_t i = 0; i < COUNT(starts); i++)
		if (rtk_starts(head, len, starts[i]))
			return i + 1 == COUNT(starts) ? 90 : 95;
	int lines = 0, short_lines = 0;
	for (const char *p = head, *end = head + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (nl || n >= 4) {	/* a cut last line counts once it shows its code */
			lines++;
			short_lines += is_short_line(p, n);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return lines && short_lines * 10 >= lines * 9 ? 75 : 0;
}

static void *start(void)
{
	struct git_status *g = calloc(1, sizeof *g);
	if (g)
		diff_body_init(&g->body);
	return g;
}

/* A "\t<state>:   path" or "\tpath" line of the current section. */
static int path_line(struct git_status *g, const char *s, size_t n, struct rtk_out *out)
{
	s++;	/* the tab */
	n--;
	if (g->sec == SEC_UNTRACKED || g->sec == SEC_IGNORED) {
		if (rtk_out_write(out, g->sec == SEC_UNTRACKED ? "?? " : "!! ", 3) < 0)
			return -1;
		return rtk_out_line(out, s, n);
	}
	for (size_t i = 0; i < COUNT(states); i++) {
		if (!rtk_starts(s, n, states[i].word))
			continue;
		size_t k = strlen(states[i].word);
		while (k < n && s[k] == ' ')
			k++;
		const char *c = states[i].code;
		char xy[3] = { ' ', ' ', ' ' };
		if (c[1]) {
			xy[0] = c[0];
			xy[1] = c[1];
		} else {
			xy[g->sec == SEC_STAGED ? 0 : 1] = c[0];
		}
		if (rtk_out_write(out, xy, 3) < 0)
			return -1;
		return rtk_out_line(out, s + k, n - k);
	}
	return rtk_out_line(out, s, n);	/* a state this filter does not know: as it came */
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct git_status *g = st;
	if (diff_plain_line(&g->scratch, &s, &n) < 0)
		return -1;
	if (g->in_diff || rtk_starts(s, n, "diff --git ")) {
		g->in_diff = 1;
		return diff_body_line(&g->body, s, n, out);
	}
	if (n == 0)
		return 0;
	if (s[0] == '\t' && g->sec != SEC_NONE)
		return path_line(g, s, n, out);
	for (size_t i = 0; i < COUNT(sections); i++)
		if (n == strlen(sections[i].title) && rtk_starts(s, n, sections[i].title)) {
			g->sec = sections[i].sec;
			return 0;	/* the short codes say it on every line */
		}
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (rtk_starts(s + i, n - i, "(use \"git ") || rtk_starts(s, n, "no changes added to commit")) {
		g->hints++;
		return 0;
	}
	/* "nothing added to commit but untracked files present (use "git add" to track)" */
	const char *use = NULL;
	for (size_t k = 0; k + 7 <= n; k++)
		if (memcmp(s + k, " (use \"", 7) == 0 && s[n - 1] == ')')
			use = s + k;
	if (use) {
		g->hints++;
		return rtk_out_line(out, s, (size_t)(use - s));
	}
	g->sec = SEC_NONE;	/* branch or progress text ends a section */
	return rtk_out_line(out, s, n);
}

static int finish(void *st, struct rtk_out *out)
{
	struct git_status *g = st;
	if (diff_body_finish(&g->body, out) < 0)
		return -1;
	if (g->hints && rtk_out_omitted(out, g->hints, "git hint lines") < 0)
		return -1;
	return 0;
}

static void free_state(void *st)
{
	struct git_status *g = st;
	diff_body_free(&g->body);
	buf_free(&g->scratch);
	free(g);
}

const struct rtk_filter rtk_filter_git_status = {
	.name = "git-status",
	.keeps = "branch state and every path with its short-format code (M, A, D, R, ??, UU, ...)",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free_state,
};
