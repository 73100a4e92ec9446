/* alias: the aliases file format, its parser and its matcher (see alias.h). */
#include "route/alias.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "logsafe.h"
#include "route/dirs.h"

/* Model names as tools send them (claude-opus-4-1@20250805, qwen2.5:7b),
 * plus the glob characters; nothing that needs quoting in a shell or a log. */
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@+-"
#define GLOB_CHARS "*?[]!^"

const char *nr_alias_pattern_error(const char *pattern)
{
	size_t n = strlen(pattern);
	if (n == 0)
		return "an empty pattern";
	if (n > NR_ALIAS_PATTERN_MAX)
		return "a pattern longer than 128 bytes";
	if (strchr(pattern, '/'))
		return "a '/' in the pattern: PROVIDER/MODEL names are never aliased";
	if (strspn(pattern, NAME_CHARS GLOB_CHARS) != n)
		return "a character other than letters, digits, . _ : @ + - and the glob characters * ? [ ] !";
	int open = 0;	/* a bracket expression left open would match its '[' literally */
	for (const char *p = pattern; *p; p++) {
		if (*p == '[' && !open)
			open = 1;
		else if (*p == ']' && open && p[-1] != '[' && !(strchr("!^", p[-1]) && p[-2] == '['))
			open = 0;
		else if (*p == ']' && !open)
			return "a ']' without its '['";
	}
	return open ? "a '[' without its ']'" : NULL;
}

const char *nr_alias_target_error(const char *target)
{
	const char *slash = strchr(target, '/');
	if (!slash)
		return nr_name_ok(target) ? NULL : "not PROVIDER/MODEL nor a combo name ([A-Za-z0-9._-], 1 to 64 bytes)";
	struct buf provider = BUF_INIT;
	int ok = buf_append(&provider, target, (size_t)(slash - target)) == 0 && nr_name_ok(provider.p);
	buf_free(&provider);
	if (!ok)
		return "a bad provider name before the '/'";
	if (!slash[1])
		return "no model after the '/'";
	if (!log_printable(target) || strpbrk(target, " \t"))
		return "a space, control character or invalid UTF-8 in the target";
	return NULL;
}

void nr_aliases_free(struct nr_aliases *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].pattern);
		free(a->v[i].target);
	}
	free(a->v);
	*a = (struct nr_aliases){ 0 };
}

static int add(struct nr_aliases *a, const char *pattern, const char *target, int line)
{
	struct nr_alias *v = reallocarray(a->v, a->n + 1, sizeof *v);
	if (!v)
		return -1;
	a->v = v;
	struct nr_alias *x = &v[a->n];
	*x = (struct nr_alias){ strdup(pattern), strdup(target), line, strpbrk(pattern, "*?[") != NULL };
	a->n++;
	return x->pattern && x->target ? 0 : -1;
}

/* One line (NUL-terminated, comment and all): 0 blank or added, -1 error. */
static int parse_line(struct nr_aliases *a, char *line, int lineno, const char *what, struct buf *err)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	char *save = NULL, *pattern = strtok_r(line, " \t\r", &save);
	if (!pattern)
		return 0;
	char *target = strtok_r(NULL, " \t\r", &save), *extra = strtok_r(NULL, " \t\r", &save);
	const char *why = !target || extra ? "want PATTERN TARGET" : nr_alias_pattern_error(pattern);
	if (!why)
		why = nr_alias_target_error(target);
	if (why) {
		buf_printf(err, "%s: line %d: %s", what, lineno, why);
		return -1;
	}
	if (add(a, pattern, target, lineno) < 0) {
		buf_printf(err, "out of memory");
		return -1;
	}
	return 0;
}

int nr_aliases_parse(const char *text, const char *what, struct nr_aliases *a, struct buf *err)
{
	*a = (struct nr_aliases){ 0 };
	struct buf line = BUF_INIT;
	int lineno = 0, rc = 0;
	for (const char *p = text; *p && rc == 0;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		buf_reset(&line);
		if (buf_append(&line, p, n) < 0) {
			buf_printf(err, "out of memory");
			rc = -1;
		} else if (line.p) {
			rc = parse_line(a, line.p, lineno, what, err);
		}
		p += n + (nl != NULL);
	}
	buf_free(&line);
	if (rc < 0)
		nr_aliases_free(a);
	return rc;
}

const struct nr_alias *nr_alias_match(const struct nr_aliases *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!a->v[i].glob && strcmp(a->v[i].pattern, name) == 0)
			return &a->v[i];
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].glob && fnmatch(a->v[i].pattern, name, 0) == 0)
			return &a->v[i];
	return NULL;
}
