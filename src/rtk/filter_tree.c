/* filter_tree: tree's drawing (├──, │, └──, or the ASCII |-- `--) turned into
 * one space of indent per level; a directory's files follow it on its line.
 * Every name is kept up to the listing budget of paths.h; past it, files are
 * counted per directory. The root line and the "N directories, M files" total
 * stay as they are. tree -f's paths become names (their directory is the line
 * they are on), and of the bracket of -h, -s, -p, -u or -D only a big file's
 * size stays, as ls's filter shows it. */
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/paths.h"

struct tree {
	struct buf line;
	struct buf pending;	/* the last entry, until the next tells if it is a directory */
	size_t pending_depth;	/* 0: nothing pending */
	size_t budget;		/* leaves still to be shown */
	int open;		/* an output line is open */
	size_t open_depth;	/* depth of the entries on the open line */
	unsigned long long hidden;	/* leaves counted, not shown, on the open line */
	unsigned long long pending_size;	/* from its bracket; 0: none or small */
	struct buf root;	/* the first line: tree's starting directory */
	int seen_entry;		/* an entry came: full_paths is decided */
	int full_paths;		/* tree -f: each name is root/…/name */
	int npm;		/* npm ls's drawing (see entry_depth) */
};

/* Length of one indent unit at s ("│  ", "    ", "|   "; npm ls's "│ ",
 * "  "), 0 if none. */
static size_t indent_unit(const char *s, size_t n, int npm)
{
	size_t i;
	if (rtk_starts(s, n, "\xe2\x94\x82"))	/* │ */
		i = 3;
	else if (n && (s[0] == '|' || s[0] == ' '))
		i = 1;
	else
		return 0;
	for (int k = 0; k < (npm ? 1 : 3); k++) {
		if (i < n && s[i] == ' ')
			i++;
		else if (rtk_starts(s + i, n - i, "\xc2\xa0"))	/* no-break space */
			i += 2;
		else
			return 0;
	}
	return i;
}

/* Length of the entry marker at s ("├── ", "└── ", "|-- ", "`-- "; npm ls's
 * "├─┬ ", "└─┬ " of a package with dependencies below it), 0 if none. */
static size_t entry_mark(const char *s, size_t n, int *branch)
{
	size_t i;
	*branch = 0;
	if (rtk_starts(s, n, "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80") ||
	    rtk_starts(s, n, "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80"))
		i = 9;
	else if (rtk_starts(s, n, "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\xac") ||
		 rtk_starts(s, n, "\xe2\x94\x94\xe2\x94\x80\xe2\x94\xac"))
		i = 9, *branch = 1;
	else if (rtk_starts(s, n, "|--") || rtk_starts(s, n, "`--"))
		i = 3;
	else
		return 0;
	if (i < n && s[i] == ' ')
		return i + 1;
	if (rtk_starts(s + i, n - i, "\xc2\xa0"))
		return i + 2;
	return 0;
}

/* The depth (1 for the root's children) of an entry line and where its name
 * starts; 0 when the line is no entry. *npm: npm ls's two-column drawing,
 * known once a "─┬" mark was seen (only such a package has lines below it). */
static size_t entry_depth(const char *s, size_t n, size_t *name, int *npm)
{
	size_t i = 0, depth = 1, k;
	int branch;
	for (;;) {
		if ((k = entry_mark(s + i, n - i, &branch))) {
			*name = i + k;
			*npm |= branch;
			return *name < n ? depth : 0;
		}
		if (!(k = indent_unit(s + i, n - i, *npm)))
			return 0;
		i += k;
		depth++;
	}
}

static int detect(const char *head, size_t len)
{
	struct head_iter it;
	const char *s;
	size_t n, name;
	unsigned total = 0, entries = 0;
	int npm = 0;
	head_iter_init(&it, head, len);
	while (head_iter_next(&it, &s, &n)) {
		if (n == 0)
			continue;
		total++;
		if (entry_depth(s, n, &name, &npm))
			entries++;
	}
	return entries >= 2 && entries * 2 >= total ? 90 : 0;
}

static void *start(void)
{
	struct tree *t = calloc(1, sizeof *t);
	if (t)
		t->budget = LISTING_BUDGET;
	return t;
}

static int close_line(struct tree *t, struct rtk_out *out)
{
	if (!t->open)
		return 0;
	t->open = 0;
	if (t->hidden)
		return rtk_out_printf(out, " … %llu files omitted\n", t->hidden);
	return rtk_out_write(out, "\n", 1);
}

static int open_line(struct tree *t, struct rtk_out *out, size_t depth)
{
	if (close_line(t, out) < 0)
		return -1;
	for (size_t i = 1; i < depth; i++)
		if (rtk_out_write(out, " ", 1) < 0)
			return -1;
	t->open = 1;
	t->open_depth = depth;
	t->hidden = 0;
	return 0;
}

static int put_name(struct rtk_out *out, const char *s, size_t n, const char *lead)
{
	int quote = memchr(s, ' ', n) != NULL;
	return rtk_out_printf(out, "%s%s", lead, quote ? "\"" : "") < 0 || rtk_out_write(out, s, n) < 0 ||
	       (quote && rtk_out_write(out, "\"", 1) < 0) ? -1 : 0;
}

/* tree -f: the name without its directories (a link's target left whole). */
static void base_name(const char **s, size_t *n)
{
	const char *arrow = memmem(*s, *n, " -> ", 4);
	size_t end = arrow ? (size_t)(arrow - *s) : *n;
	while (end > 1 && (*s)[end - 1] != '/')
		end--;
	if (end > 1 && end < *n) {
		*s += end;
		*n -= end;
	}
}

/* "[118K]  name", "[-rw-r--r-- root  12345]  name": the bracket goes; its
 * last field read as a size, kept when big. */
static void strip_bracket(struct tree *t, const char **s, size_t *n)
{
	t->pending_size = 0;
	const char *close = *n > 1 && (*s)[0] == '[' ? memchr(*s, ']', *n) : NULL;
	if (!close)
		return;
	size_t i = (size_t)(close - *s) + 1;
	if (i + 1 >= *n || (*s)[i] != ' ' || (*s)[i + 1] != ' ')
		return;	/* tree writes "]  name"; "[draft] notes.md" is a name */
	const char *f = close;
	while (f > *s + 1 && f[-1] == ' ')
		f--;
	const char *b = f;
	while (b > *s + 1 && b[-1] != ' ')
		b--;
	unsigned long long v;
	if (paths_parse_size(b, (size_t)(f - b), &v) && v >= BIG_FILE)
		t->pending_size = v;
	while (i < *n && (*s)[i] == ' ')
		i++;
	*s += i;
	*n -= i;
}

static int emit(struct tree *t, struct rtk_out *out, size_t depth, int is_dir)
{
	const char *s = t->pending.p;
	size_t n = t->pending.len;
	if (t->full_paths)
		base_name(&s, &n);
	if (is_dir) {	/* its own line; its files will follow on it */
		if (open_line(t, out, depth) < 0 || put_name(out, s, n, "") < 0 || rtk_out_write(out, "/", 1) < 0)
			return -1;
		t->open_depth = depth + 1;
		return 0;
	}
	int same_line = t->open && t->open_depth == depth;
	if (!same_line && open_line(t, out, depth) < 0)
		return -1;
	if (!t->budget) {
		t->hidden++;
		return 0;
	}
	t->budget--;
	if (put_name(out, s, n, same_line ? " " : "") < 0)
		return -1;
	if (!t->pending_size)
		return 0;
	struct buf size = BUF_INIT;
	int rc = paths_put_size(&size, t->pending_size) < 0 ? -1 : rtk_out_write(out, size.p, size.len);
	buf_free(&size);
	return rc;
}

static int flush_pending(struct tree *t, struct rtk_out *out, size_t next_depth)
{
	if (!t->pending_depth)
		return 0;
	size_t d = t->pending_depth;
	t->pending_depth = 0;
	return emit(t, out, d, next_depth > d);
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct tree *t = st;
	if (paths_clean(&t->line, s, n) < 0)
		return -1;
	const char *p = t->line.p;
	size_t m = t->line.len, name = 0;
	size_t depth = entry_depth(p, m, &name, &t->npm);
	if (flush_pending(t, out, depth) < 0)
		return -1;
	if (!depth) {	/* the root, the total, a message */
		if (close_line(t, out) < 0)
			return -1;
		if (!t->seen_entry && !t->root.len && m) {
			strip_bracket(t, &p, &m);
			if (buf_append(&t->root, p, m) < 0)
				return -1;
		}
		return m ? rtk_out_line(out, p, m) : 0;
	}
	const char *nm = p + name;
	size_t nn = m - name;
	strip_bracket(t, &nm, &nn);
	if (!t->seen_entry) {	/* tree -f names its first entry root/name */
		t->seen_entry = 1;
		t->full_paths = t->root.len && nn > t->root.len && memcmp(nm, t->root.p, t->root.len) == 0 &&
				nm[t->root.len] == '/';
	}
	buf_reset(&t->pending);
	if (buf_append(&t->pending, nm, nn) < 0)
		return -1;
	t->pending_depth = depth;
	return 0;
}

static int finish(void *st, struct rtk_out *out)
{
	struct tree *t = st;
	if (flush_pending(t, out, 0) < 0)
		return -1;
	return close_line(t, out);
}

static void tree_free(void *st)
{
	struct tree *t = st;
	buf_free(&t->line);
	buf_free(&t->pending);
	buf_free(&t->root);
	free(t);
}

const struct rtk_filter rtk_filter_tree = {
	.name = "tree",
	.keeps = "every directory and file, indented one space a level (counts past 2000 files)",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = tree_free,
};
