/* filter_git_status: `git status`, long or short, as short-format codes with
 * one line a run of paths of the same code.
 *
 * Each path of the long format gets its short-format code ("M  staged",
 * " M unstaged", "?? untracked", "UU conflicted"); consecutive paths of one
 * code share a line ("?? notes.txt build/"), since the code and the line
 * break cost as much as a short path. Every path is kept whole (facts are
 * paths); one with a space is quoted, as the short format does, and a
 * rename ("a -> b") keeps a line of its own. Section titles and git's fixed
 * "(use "git add <file>..." ...)" advice go uncounted: the codes say what the
 * titles said, and the advice is the same in every repository. "On branch X"
 * with its upstream line becomes -sb's "## X...origin/X [ahead 1]"; branch
 * lines it cannot restate and progress lines stay. A `git status -v` diff
 * goes through diff_body. */
#include <stdlib.h>
#include <string.h>

#include "rtk/diff_body.h"
#include "rtk/diff_text.h"
#include "rtk/filter.h"

enum section { SEC_NONE, SEC_STAGED, SEC_UNSTAGED, SEC_UNMERGED, SEC_UNTRACKED, SEC_IGNORED };

struct git_status {
	enum section sec;
	int in_diff;		/* `git status -v`: the rest is a diff */
	int branch_held;	/* "On branch <branch>" waits for its upstream line */
	struct buf branch;
	char code[2];		/* of the open run of paths */
	int run_open;		/* a "XY path path" line is open */
	struct buf scratch;	/* a line without its colour codes */
	struct buf rename;	/* a name-status rename as "old -> new" */
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

/* `git status -sb`: "## BRANCH[...UPSTREAM][ [ahead N, behind M]]" (or "## No
 * commits yet on X", "## HEAD (no branch)"), then only short-format lines;
 * not a Markdown heading over a document. */
static int sb_head(const char *head, size_t len)
{
	const char *nl = memchr(head, '\n', len);
	size_t n = nl ? (size_t)(nl - head) : len;
	const char *sp = memchr(head + 3, ' ', n - 3);
	if (sp && !rtk_starts(sp, n - (size_t)(sp - head), " [") &&
	    !rtk_starts(head, n, "## No commits yet on ") && !rtk_starts(head, n, "## Initial commit on ") &&
	    !rtk_starts(head, n, "## HEAD (no branch)"))
		return 0;
	while (nl) {
		const char *p = nl + 1, *end = head + len;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl && !is_short_line(p, (size_t)(nl - p)))
			return 0;	/* a cut last line is not judged */
	}
	return 1;
}

/* `git diff --name-status`: "M<tab>path", "R100<tab>old<tab>new"; the length
 * of the code and its tab, or 0. */
static size_t name_status(const char *s, size_t n)
{
	if (n < 3 || !s[0] || !strchr("ACDMRTUX", s[0]))
		return 0;
	size_t i = 1;
	while (i < n && i < 4 && s[i] >= '0' && s[i] <= '9')
		i++;
	return i + 1 < n && s[i] == '\t' && s[i + 1] != '\t' ? i + 1 : 0;
}

static int detect(const char *head, size_t len)
{
	static const char *const starts[] = {
		"On branch ", "HEAD detached at ", "HEAD detached from ",
		"Not currently on any branch.", "interactive rebase in progress",
		"rebase in progress", "You are currently ", "## ",
	};
	for (size_t i = 0; i < COUNT(starts); i++)
		if (rtk_starts(head, len, starts[i]) && (i + 1 < COUNT(starts) || sb_head(head, len)))
			return i + 1 == COUNT(starts) ? 90 : 95;
	int lines = 0, short_lines = 0;
	for (const char *p = head, *end = head + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (nl || n >= 4) {	/* a cut last line counts once it shows its code */
			lines++;
			short_lines += is_short_line(p, n) || name_status(p, n);
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

/* Ends the open run of paths with its line break. */
static int close_run(struct git_status *g, struct rtk_out *out)
{
	if (!g->run_open)
		return 0;
	g->run_open = 0;
	return rtk_out_write(out, "\n", 1);
}

/* path[0..n) with code xy: onto the open run when the code is the same, else
 * on a new line. long_form: a path as the long format prints it (unquoted). */
static int emit_path(struct git_status *g, const char xy[2], const char *path, size_t n,
		     int long_form, struct rtk_out *out)
{
	int rename = strchr("RC", xy[0]) || strchr("RC", xy[1]);
	int quote = long_form && !rename && memchr(path, ' ', n) && path[0] != '"';
	if (g->run_open && !rename && memcmp(g->code, xy, 2) == 0) {
		if (rtk_out_write(out, " ", 1) < 0)
			return -1;
	} else {
		if (close_run(g, out) < 0 || rtk_out_write(out, xy, 2) < 0 ||
		    rtk_out_write(out, " ", 1) < 0)
			return -1;
		memcpy(g->code, xy, 2);
		g->run_open = 1;
	}
	if (!quote) {
		if (rtk_out_write(out, path, n) < 0)
			return -1;
	} else {
		if (rtk_out_write(out, "\"", 1) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (((path[i] == '"' || path[i] == '\\') && rtk_out_write(out, "\\", 1) < 0) ||
			    rtk_out_write(out, path + i, 1) < 0)
				return -1;
		if (rtk_out_write(out, "\"", 1) < 0)
			return -1;
	}
	return rename ? close_run(g, out) : 0;
}

/* A "\t<state>:   path" or "\tpath" line of the current section. */
static int path_line(struct git_status *g, const char *s, size_t n, struct rtk_out *out)
{
	s++;	/* the tab */
	n--;
	if (g->sec == SEC_UNTRACKED || g->sec == SEC_IGNORED)
		return emit_path(g, g->sec == SEC_UNTRACKED ? "??" : "!!", s, n, 1, out);
	for (size_t i = 0; i < COUNT(states); i++) {
		if (!rtk_starts(s, n, states[i].word))
			continue;
		size_t k = strlen(states[i].word);
		while (k < n && s[k] == ' ')
			k++;
		const char *c = states[i].code;
		char xy[2] = { ' ', ' ' };
		if (c[1]) {
			xy[0] = c[0];
			xy[1] = c[1];
		} else {
			xy[g->sec == SEC_STAGED ? 0 : 1] = c[0];
		}
		return emit_path(g, xy, s + k, n - k, 1, out);
	}
	if (close_run(g, out) < 0)
		return -1;
	return rtk_out_line(out, s, n);	/* a state this filter does not know: as it came */
}

/* The upstream in "…'origin/main'…" of line s[0..n) after prefix; 0 if none. */
static int quoted_upstream(const char *s, size_t n, const char *prefix, const char **u,
			   size_t *un, const char **rest)
{
	size_t k = strlen(prefix);
	if (!rtk_starts(s, n, prefix) || k >= n || s[k] != '\'')
		return 0;
	const char *end = memchr(s + k + 1, '\'', n - k - 1);
	if (!end)
		return 0;
	*u = s + k + 1;
	*un = (size_t)(end - *u);
	*rest = end + 1;
	return 1;
}

/* The held "On branch X" with the line after it: "## X...U [ahead N]" when
 * that line is a state -sb can say, else both as they came (line NULL: the
 * held line alone, as "## X"). Returns 1 when the line was used. */
static int branch_line(struct git_status *g, const char *s, size_t n, struct rtk_out *out)
{
	static const struct {
		const char *prefix, *suffix, *tag;
	} forms[] = {
		{ "Your branch is up to date with ", ".", NULL },
		{ "Your branch is ahead of ", " commit.", "ahead" },
		{ "Your branch is ahead of ", " commits.", "ahead" },
		{ "Your branch is behind ", " commit, and can be fast-forwarded.", "behind" },
		{ "Your branch is behind ", " commits, and can be fast-forwarded.", "behind" },
	};
	const char *b = g->branch.p + strlen("On branch ");
	int bn = (int)(g->branch.len - strlen("On branch "));
	g->branch_held = 0;
	for (size_t i = 0; s && i < COUNT(forms); i++) {
		const char *u, *rest;
		size_t un;
		if (!quoted_upstream(s, n, forms[i].prefix, &u, &un, &rest))
			continue;
		size_t rn = (size_t)(s + n - rest), sn = strlen(forms[i].suffix);
		if (!forms[i].tag) {
			if (rn != sn || memcmp(rest, forms[i].suffix, sn) != 0)
				continue;
			return rtk_out_printf(out, "## %.*s...%.*s\n", bn, b, (int)un, u) < 0 ? -1 : 1;
		}
		/* " by 3 commits." */
		if (!rtk_starts(rest, rn, " by ") || rn <= 4 + sn ||
		    memcmp(rest + rn - sn, forms[i].suffix, sn) != 0)
			continue;
		const char *num = rest + 4;
		size_t nn = rn - 4 - sn, d = 0;
		while (d < nn && num[d] >= '0' && num[d] <= '9')
			d++;
		if (d != nn)
			continue;
		return rtk_out_printf(out, "## %.*s...%.*s [%s %.*s]\n", bn, b, (int)un, u,
				      forms[i].tag, (int)nn, num) < 0 ? -1 : 1;
	}
	if (s && rtk_starts(s, n, "Your branch "))
		return rtk_out_line(out, g->branch.p, g->branch.len) < 0 ? -1 : 0;
	return rtk_out_printf(out, "## %.*s\n", bn, b) < 0 ? -1 : 0;
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct git_status *g = st;
	if (diff_plain_line(&g->scratch, &s, &n) < 0)
		return -1;
	if (g->in_diff || rtk_starts(s, n, "diff --git ")) {
		if (!g->in_diff && (close_run(g, out) < 0 ||
				    (g->branch_held && branch_line(g, NULL, 0, out) < 0)))
			return -1;
		g->in_diff = 1;
		return diff_body_line(&g->body, s, n, out);
	}
	if (n == 0)
		return 0;
	if (g->branch_held) {
		int used = branch_line(g, s, n, out);
		if (used)
			return used < 0 ? -1 : 0;
	}
	if (s[0] == '\t' && g->sec != SEC_NONE)
		return path_line(g, s, n, out);
	if (g->sec == SEC_NONE && is_short_line(s, n))
		return emit_path(g, s, s + 3, n - 3, 0, out);
	size_t code = g->sec == SEC_NONE ? name_status(s, n) : 0;
	if (code) {	/* the letter as the short format's first column */
		const char xy[2] = { s[0], ' ' };
		const char *tab = memchr(s + code, '\t', n - code);
		if (!tab)
			return emit_path(g, xy, s + code, n - code, 1, out);	/* unquoted, as the long format */
		buf_reset(&g->rename);	/* a rename or copy: "old -> new" */
		if (buf_append(&g->rename, s + code, (size_t)(tab - s) - code) < 0 ||
		    buf_puts(&g->rename, " -> ") < 0 || buf_append(&g->rename, tab + 1, n - (size_t)(tab - s) - 1) < 0)
			return -1;
		return emit_path(g, xy, g->rename.p, g->rename.len, 0, out);
	}
	for (size_t i = 0; i < COUNT(sections); i++)
		if (n == strlen(sections[i].title) && rtk_starts(s, n, sections[i].title)) {
			g->sec = sections[i].sec;
			return 0;	/* the short codes say it on every line */
		}
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (rtk_starts(s + i, n - i, "(use \"git ") || rtk_starts(s, n, "no changes added to commit"))
		return 0;	/* git's fixed advice */
	if (close_run(g, out) < 0)
		return -1;
	g->sec = SEC_NONE;	/* branch or progress text ends a section */
	if (rtk_starts(s, n, "On branch ") && n > strlen("On branch ")) {
		buf_reset(&g->branch);
		if (buf_append(&g->branch, s, n) < 0)
			return -1;
		g->branch_held = 1;
		return 0;
	}
	/* "nothing added to commit but untracked files present (use "git add" to track)" */
	const char *use = NULL;
	for (size_t k = 0; k + 7 <= n; k++)
		if (memcmp(s + k, " (use \"", 7) == 0 && s[n - 1] == ')')
			use = s + k;
	return rtk_out_line(out, s, use ? (size_t)(use - s) : n);
}

static int finish(void *st, struct rtk_out *out)
{
	struct git_status *g = st;
	if (close_run(g, out) < 0 || (g->branch_held && branch_line(g, NULL, 0, out) < 0))
		return -1;
	return diff_body_finish(&g->body, out);
}

static void free_state(void *st)
{
	struct git_status *g = st;
	diff_body_free(&g->body);
	buf_free(&g->branch);
	buf_free(&g->scratch);
	buf_free(&g->rename);
	free(g);
}

const struct rtk_filter rtk_filter_git_status = {
	.name = "git-status",
	.keeps = "branch state (as -sb says it) and every path with its short-format code (M, A, D, R, ??, UU, ...), one line a run of one code",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free_state,
};
