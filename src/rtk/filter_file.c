/* filter_file: a file's content shown without line numbers (cat, head,
 * sed -n, a tool that prints a file): source code, configuration, data,
 * markup. Like a numbered read it is what the model asked for, and its
 * look-alike lines (#include after #include, "try:", one array entry after
 * another) are the content, not a log's noise: every line stays as it is,
 * only trailing blanks go. So do the tables and records commands print (ps,
 * docker ps, kubectl get, psql, jq -c): each row names what a model acts on.
 *
 * Detected by shape over the head, and only where no other filter claims the
 * text (the lowest score above the generic filter's floor). Never when a
 * tenth of its lines read as a log's (a timestamp, a level word or a shell
 * trace first; a structured log's JSON record). Then when six lines in ten
 * read as code, data or markup (end in a bracket, ';', ',', ':', '=', '\',
 * '|', '+', '&' or '>'; a comment, or a line inside a comment block,
 * docstring or fence; a keyword of some language first; "key": value,
 * key: value, key = value; a tag; a CSV row; a table's row, its fields apart
 * in columns; a nested listing's directory), or when its other lines do not
 * repeat one shape (a quarter of them alike is a program repeating itself:
 * dedup-log's). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/log_line.h"
#include "rtk/paths.h"

#define FILE_SCORE 32	/* above the generic filter's floor (30), below every specific one */
#define SHAPES_MAX 64	/* line shapes the detection remembers */

/* Words that start a statement or a declaration in common languages. */
static const char *const keywords[] = {
	"import ", "from ", "package ", "func ", "def ", "class ", "return", "if ", "if(", "elif ",
	"else", "for ", "for(", "while ", "while(", "switch", "case ", "default:", "break;",
	"continue", "try", "catch", "except", "finally", "raise ", "throw ", "with ", "async ",
	"await ", "yield", "lambda", "const ", "let ", "var ", "fn ", "pub ", "use ", "mod ", "impl ",
	"struct ", "enum ", "union ", "typedef ", "static ", "extern ", "inline ", "void ", "int ",
	"char ", "unsigned ", "public ", "private ", "protected ", "interface ", "type ", "export ",
	"module ", "require", "function ", "local ", "end", "then", "do", "fi", "done", "esac",
	"echo ", "set ", "namespace ", "template", "#include", "#define", "#if", "#endif", "#else",
	"#undef", "#pragma", "@", NULL,
};

static int starts_keyword(const char *s, size_t n)
{
	for (size_t k = 0; keywords[k]; k++)
		if (rtk_starts(s, n, keywords[k]))
			return 1;
	return 0;
}

/* `"key": `, `key: value`, `key = value`: data and configuration. */
static int key_value(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '"') {
		const char *q = memchr(s + 1, '"', n - 1);
		return q && (size_t)(q - s) + 1 < n && q[1] == ':';
	}
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
		i++;
	if (!i || i >= n)
		return 0;
	if (s[i] == ':' && (i + 1 == n || s[i + 1] == ' '))
		return 1;
	return i + 2 < n && s[i] == ' ' && s[i + 1] == '=' && s[i + 2] == ' ';
}

/* A comment line, or markup's structure: a heading, a fence, a list item,
 * a quote, a table row. */
static int is_comment(const char *s, size_t n)
{
	static const char *const marks[] = { "//", "/*", "*", "#", "--", ";", "<!--", "\"\"\"",
					     "'''", "```", "- ", "> ", "|", "1. ", NULL };
	for (size_t k = 0; marks[k]; k++)
		if (rtk_starts(s, n, marks[k]))
			return 1;
	return 0;
}

/* Block comments, docstrings, Markdown's fences: a licence at a file's top
 * is prose, but prose inside the file's own comment, and a "$ make" in a
 * fence is an example, not a shell's trace. The state after line s[0..n). */
enum block { B_NONE, B_C, B_XML, B_DOC2, B_DOC1, B_FENCE };

static enum block block_after(enum block b, const char *s, size_t n)
{
	static const char *const open[] = { NULL, "/*", "<!--", "\"\"\"", "'''", "```" };
	static const char *const close[] = { NULL, "*/", "-->", "\"\"\"", "'''", "```" };
	size_t i = 0;
	while (i < n) {
		if (b == B_NONE) {
			enum block found = B_NONE;
			size_t at = n;
			for (int k = B_C; k <= B_FENCE; k++) {
				const char *p = memmem(s + i, n - i, open[k], strlen(open[k]));
				if (p && (size_t)(p - s) < at) {
					at = (size_t)(p - s);
					found = (enum block)k;
				}
			}
			if (found == B_NONE)
				return B_NONE;
			b = found;
			i = at + strlen(open[found]);
		} else {
			const char *p = memmem(s + i, n - i, close[b], strlen(close[b]));
			if (!p)
				return b;
			i = (size_t)(p - s) + strlen(close[b]);
			b = B_NONE;
		}
	}
	return b;
}

/* A JSON record of a structured log (zap, logrus, bunyan, pino, ECS): one
 * of their keys. Records without (jq -c, sqlite3 -json) are data. */
static int log_record(const char *s, size_t n)
{
	static const char *const keys[] = { "\"level\"", "\"lvl\"", "\"severity\"", "\"msg\"",
					    "\"message\"", "\"ts\"", "\"time\"", "\"timestamp\"",
					    "\"@timestamp\"", NULL };
	for (size_t k = 0; keys[k]; k++)
		if (memmem(s, n, keys[k], strlen(keys[k])))
			return 1;
	return 0;
}

/* A program's run rather than a file: a timestamp, a level, a trace first. */
static int log_like(const char *s, size_t n)
{
	static const char *const levels[] = { "INFO", "DEBUG", "WARN", "ERROR", "TRACE", "FATAL",
					      "[INFO", "[DEBUG", "[WARN", "[ERROR", "npm ", "+ ",
					      "$ ", "> ", NULL };
	for (size_t k = 0; levels[k]; k++)
		if (rtk_starts(s, n, levels[k]))
			return 1;
	if (n >= 3 && s[0] == '{' && s[1] == '"' && s[n - 1] == '}')
		return log_record(s, n);	/* a record a line: a structured log's, or data */
	size_t i = s[0] == '[' ? 1 : 0, d = i;
	while (d < n && isdigit((unsigned char)s[d]))
		d++;
	/* "2026-12-07", "10:42:01", "[12:00", "I1207 10:42" glog */
	return d > i && d < n && d - i <= 4 && strchr("-/:.", s[d]) && d + 1 < n &&
	       isdigit((unsigned char)s[d + 1]);
}

/* A row of a table (ps, docker ps, kubectl get, lsof, pip list, a TSV row,
 * psql's and Markdown's " | " columns): three gaps of two blanks, a tab or a
 * bar between its fields, as programs align columns and prose never does.
 * Its rows differ in the id a model acts on (a PID, a port, a container, a
 * query's key), so they are data, not a log's look-alikes. */
static int table_row(const char *s, size_t n)
{
	unsigned gaps = 0;
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;	/* indentation is no gap */
	while (i < n) {
		size_t j = i;
		while (j < n && (s[j] == ' ' || s[j] == '\t'))
			j++;
		int bar = j > i && j + 1 < n && s[j] == '|' && s[j + 1] == ' ';
		if (j > i && j < n && (j - i >= 2 || memchr(s + i, '\t', j - i) || bar) && ++gaps >= 3)
			return 1;
		i = j > i ? j : i + 1;
	}
	return 0;
}

/* A directory's line of a nested listing, rtk-filter's own (paths.h):
 * "src/ main.c util.c", "sub/ … 40 files omitted", "lib/": read again (a
 * listing filtered in a shell, then in a request), it stays as it is. */
static int listing_line(const char *s, size_t n)
{
	size_t j = 0;
	while (j < n && s[j] != ' ' && s[j] != ':')
		j++;
	return j >= 2 && s[j - 1] == '/' && (j == n || s[j] == ' ');
}

static int code_shaped(const char *s, size_t n)
{
	if (s[0] == '\t')
		return 1;	/* indented by a tab: code, a Makefile's recipe */
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	const char *t = s + i;
	size_t tn = n - i;
	if (is_comment(t, tn) || starts_keyword(t, tn) || key_value(t, tn))
		return 1;
	if (t[0] == '<' || rtk_starts(t, tn, "{{") || rtk_starts(t, tn, "{%"))
		return 1;	/* markup and templates: a tag first */
	if (rtk_count(t, tn, ',') >= 2 && !memmem(t, tn, ", ", 2))
		return 1;	/* a CSV row: "1,ann,Paris", not prose's "a, b" */
	if (table_row(t, tn) || listing_line(t, tn))
		return 1;
	return strchr("{}[]();,:=\\|+&>", t[tn - 1]) != NULL;
}

static int detect(const char *head, size_t len)
{
	struct head_iter it;
	const char *s;
	size_t n;
	unsigned lines = 0, code = 0, logs = 0, repeats = 0;
	uint64_t shapes[SHAPES_MAX];
	size_t nshapes = 0;
	enum block b = B_NONE;
	head_iter_init(&it, head, len);
	while (head_iter_next(&it, &s, &n)) {
		if (!(n = rtk_trim_end(s, n)))
			continue;
		lines++;
		int in_block = b != B_NONE;
		b = block_after(b, s, n);
		if (!in_block && log_like(s, n)) {
			logs++;
			continue;
		}
		if (in_block || code_shaped(s, n)) {
			code++;
			continue;
		}
		/* the same kind of line again: a program repeating itself */
		uint64_t h = log_hash_shape(s, n);
		size_t k = 0;
		while (k < nshapes && shapes[k] != h)
			k++;
		if (k < nshapes)
			repeats++;
		else if (nshapes < SHAPES_MAX)
			shapes[nshapes++] = h;
	}
	unsigned prose = lines - code - logs;	/* neither: sentences, table rows */
	if (lines < 3 || logs * 10 > lines)
		return 0;
	if (code * 10 >= lines * 6 || prose < 4 || repeats * 4 < prose)
		return FILE_SCORE;
	return 0;
}

static void *start(void)
{
	return calloc(1, 1);
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	(void)st;
	return rtk_out_line(out, s, rtk_trim_end(s, n));
}

static int finish(void *st, struct rtk_out *out)
{
	(void)st;
	(void)out;
	return 0;
}

const struct rtk_filter rtk_filter_file = {
	.name = "file",
	.keeps = "every line of a file shown without numbers (code, configuration, data) or of a table; only trailing blanks go",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free,
};
