/* facts: the header block a pipeline stage puts before a request (facts.h). */
#include "facts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *header, *env;
	size_t off;
	int flag;	/* 0 or 1, not a count */
} known[] = {
	{ "Nr-Rtk-Saved-Bytes", "NR_RTK_SAVED_BYTES", offsetof(struct nr_facts, rtk_bytes), 0 },
	{ "Nr-Rtk-Saved-Tokens", "NR_RTK_SAVED_TOKENS", offsetof(struct nr_facts, rtk_tokens), 0 },
	{ "Nr-Rtk-Caveman", "NR_RTK_CAVEMAN", offsetof(struct nr_facts, caveman), 1 },
};
#define NKNOWN (sizeof known / sizeof known[0])

/* A count: decimal digits only, no sign, no overflow; a flag's at most 1. */
static int count(const char *s, size_t n, int flag, long long *out)
{
	long long v = 0;
	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (flag && v > 1)
		return -1;
	*out = v;
	return 0;
}

static int is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

int facts_split(const char *p, size_t n, struct nr_facts *f, size_t *body, const char **err)
{
	*body = 0;
	if (n == 0 || !((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')))
		return 0;	/* a bare request */
	size_t i = 0;
	struct nr_facts got = *f;
	for (;;) {
		if (i >= NR_FACTS_MAX_HEAD) {
			*err = "the facts block before the request is too long";
			return -1;
		}
		const char *nl = memchr(p + i, '\n', n - i);
		if (!nl) {
			*err = "the facts block before the request has no end (a blank line)";
			return -1;
		}
		size_t end = (size_t)(nl - p), len = end - i;
		if (len > 0 && p[end - 1] == '\r')
			len--;
		if (len == 0) {
			*body = end + 1;
			*f = got;
			return 0;
		}
		const char *line = p + i;
		size_t name = 0;
		while (name < len && is_name_char(line[name]))
			name++;
		if (name == 0 || name >= len || line[name] != ':') {
			*err = i == 0 ? "the request starts with neither '{' nor a facts line (Name: value)"
				      : "a line of the facts block before the request is not 'Name: value'";
			return -1;
		}
		size_t v = name + 1;
		while (v < len && (line[v] == ' ' || line[v] == '\t'))
			v++;
		for (size_t k = 0; k < NKNOWN; k++) {
			if (strlen(known[k].header) != name || strncasecmp(line, known[k].header, name) != 0)
				continue;
			if (count(line + v, len - v, known[k].flag, (long long *)((char *)&got + known[k].off)) < 0) {
				*err = known[k].flag ? "a facts line's value is not 0 or 1"
						     : "a facts line's value is not a count";
				return -1;
			}
		}
		i = end + 1;
	}
}

int facts_write(struct buf *b, const struct nr_facts *f)
{
	int any = 0;
	for (size_t k = 0; k < NKNOWN; k++) {
		long long v = *(const long long *)((const char *)f + known[k].off);
		if (v < 0)
			continue;
		if (buf_printf(b, "%s: %lld\n", known[k].header, v) < 0)
			return -1;
		any = 1;
	}
	return any ? buf_putc(b, '\n') : 0;
}

int facts_from_env(struct nr_facts *f, const char **err)
{
	for (size_t k = 0; k < NKNOWN; k++) {
		long long *fact = (long long *)((char *)f + known[k].off);
		const char *v = getenv(known[k].env);
		if (*fact >= 0 || !v || !*v)
			continue;
		if (count(v, strlen(v), known[k].flag, fact) < 0) {
			*err = known[k].env;
			return -1;
		}
	}
	return 0;
}

const char *facts_wants(const char *env)
{
	for (size_t k = 0; k < NKNOWN; k++)
		if (strcmp(known[k].env, env) == 0 && known[k].flag)
			return "0 or 1";
	return "a count";
}
