/* log_line: reading a log line — visible text, hashes, seen-table, markers. */
#include "rtk/log_line.h"

#include <ctype.h>
#include <string.h>

#include "hash.h"
#include "rtk/ansi.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int log_clean(struct buf *scratch, const char *s, size_t n, const char **t, size_t *tn)
{
	while (n && is_blank(s[n - 1]))
		n--;
	const char *cr = memchr(s, '\r', n);
	if (cr) {	/* progress bars redraw with CR: only the last state shows */
		const char *last = cr;
		const char *p;
		while ((p = memchr(last + 1, '\r', n - (size_t)(last + 1 - s))))
			last = p;
		n -= (size_t)(last + 1 - s);
		s = last + 1;
	}
	if (!memchr(s, 0x1b, n)) {
		*t = s;
		*tn = n;
		return 0;
	}
	buf_reset(scratch);
	if (buf_reserve(scratch, n) < 0)
		return -1;
	for (size_t i = 0; i < n;) {
		if (s[i] == 0x1b) {
			i = rtk_ansi_end(s, n, i);
			continue;
		}
		scratch->p[scratch->len++] = s[i++];
	}
	scratch->p[scratch->len] = '\0';
	while (scratch->len && is_blank(scratch->p[scratch->len - 1]))
		scratch->len--;
	*t = scratch->p;
	*tn = scratch->len;
	return 0;
}

uint64_t log_hash_exact(const char *s, size_t n)
{
	return nr_fnv1a64(NR_FNV1A64_INIT, s, n);
}

/* Bytes that make a token variable: digits and path/URL/assignment marks. */
static const unsigned char variable_byte[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1, ['/'] = 1, ['\\'] = 1, ['@'] = 1, ['='] = 1,
};

static int starts_quoted(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	if (c == '\'' || c == '"' || c == '`')
		return 1;
	/* ‘ and “ (U+2018, U+201C), as gcc quotes names */
	return n >= 3 && c == 0xe2 && (unsigned char)s[1] == 0x80 &&
	       ((unsigned char)s[2] == 0x98 || (unsigned char)s[2] == 0x9c);
}

int log_is_name(const char *t, size_t tn)
{
	size_t i = 0;
	while (i < tn && t[i] == ' ')
		i++;
	if (i + 1 < tn && (t[i] == '*' || t[i] == '+') && t[i + 1] == ' ')
		i += 2;	/* git branch's current one, a worktree's */
	if (i >= tn || tn - i > 256 || memchr(t + i, ' ', tn - i) || memchr(t + i, '\t', tn - i))
		return 0;
	for (; i < tn; i++)
		if (isalpha((unsigned char)t[i]))
			return 1;
	return 0;	/* "⎯⎯[3/4]⎯", "-----": a rule, not a name */
}

/* A character after which digits are a number again, not part of a name. */
static int ends_word(unsigned char c)
{
	switch (c) {
	case '=': case ':': case ',': case ';': case '/': case '(': case ')': case '[':
	case ']': case '{': case '}': case '<': case '>': case '"': case '\'':
		return 1;
	default:
		return 0;
	}
}

uint64_t log_hash_numbers(const char *s, size_t n)
{
	uint64_t h = NR_FNV1A64_INIT;
	size_t i = 0;
	int name = 0;	/* in a word that began with a letter: its digits name */
	while (i < n && is_blank(s[i]))
		i++;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (is_blank(s[i])) {
			while (i < n && is_blank(s[i]))
				i++;
			if (i < n)
				h = nr_fnv1a64_byte(h, ' ');
			name = 0;
		} else if (c >= '0' && c <= '9' && !name) {
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			h = nr_fnv1a64_byte(h, 0x01);
		} else {
			if (ends_word(c))
				name = 0;	/* a word ends: "icmp_seq=5", "/users/12" */
			else if (!name && isalpha(c) && (i == 0 || !isalnum((unsigned char)s[i - 1])))
				name = 1;	/* "web5", "job12.sh", "issue-123", "v1.2" */
			h = nr_fnv1a64_byte(h, c);
			i++;
		}
	}
	return h;
}

uint64_t log_hash_shape(const char *s, size_t n)
{
	uint64_t h = NR_FNV1A64_INIT;
	size_t i = 0;
	while (i < n) {
		while (i < n && is_blank(s[i]))
			i++;
		if (i == n)
			break;
		size_t b = i;
		int var = starts_quoted(s + b, n - b);
		while (i < n && !is_blank(s[i]))
			var |= variable_byte[(unsigned char)s[i++]];
		h = var ? nr_fnv1a64_byte(h, 0x01) : nr_fnv1a64(h, s + b, i - b);
		h = nr_fnv1a64_byte(h, ' ');
	}
	return h;
}

const char *log_skip_blanks(const char *s, size_t n, size_t *rest)
{
	size_t i = 0;
	while (i < n && is_blank(s[i]))
		i++;
	*rest = n - i;
	return s + i;
}

uint32_t log_seen_add(struct log_seen *t, uint64_t key)
{
	if (key == 0)
		key = 1;	/* 0 marks an empty slot */
	size_t base = (size_t)(key ^ (key >> 29)) & (LOG_SEEN_SLOTS - LOG_SEEN_WAYS);
	size_t victim = base;
	t->clock++;
	for (size_t w = 0; w < LOG_SEEN_WAYS; w++) {
		size_t i = base + w;
		if (t->key[i] == key) {
			t->stamp[i] = t->clock;
			if (t->count[i] < UINT32_MAX)
				t->count[i]++;
			return t->count[i];
		}
		if (t->stamp[i] < t->stamp[victim])
			victim = i;	/* empty slots have stamp 0: taken first */
	}
	t->key[victim] = key;
	t->stamp[victim] = t->clock;
	t->count[victim] = 1;
	return 1;
}

static const char *const kind_names[LK_KINDS] = {
	[LK_SIMILAR] = "similar lines",
	[LK_REPEATED] = "repeated lines",
	[LK_PASSING] = "passing tests",
	[LK_SKIPPED] = "skipped or pending tests",
	[LK_PROGRESS] = "progress lines",
	[LK_SUITE] = "suite headers",
	[LK_STACK] = "stack frames",
	[LK_TRACE] = "traceback lines",
	[LK_TESTID] = "test ids",
	[LK_HEADER] = "header lines",
	[LK_COMMAND] = "compiler commands",
	[LK_STEP] = "build step lines",
	[LK_CHECK] = "configure checks",
	[LK_NPM] = "npm log lines",
	[LK_EXCERPT] = "source excerpt lines",
	[LK_NOTE] = "notes",
	[LK_CONTEXT] = "context lines",
};

static int elide_flush(struct log_elide *e, struct rtk_out *o, int all)
{
	for (size_t k = 0; k < LK_KINDS; k++) {
		if (!e->n[k] || !(all || log_kind_in_place((enum log_kind)k)))
			continue;
		if (rtk_out_omitted(o, e->n[k], kind_names[k]) < 0)
			return -1;
		e->n[k] = 0;
	}
	return 0;
}

int log_elide_flush(struct log_elide *e, struct rtk_out *o)
{
	return elide_flush(e, o, 0);
}

int log_elide_finish(struct log_elide *e, struct rtk_out *o)
{
	return elide_flush(e, o, 0) < 0 ? -1 : elide_flush(e, o, 1);	/* the last gap's first */
}

int log_keep(struct log_elide *e, struct rtk_out *o, const char *t, size_t tn)
{
	if (log_elide_flush(e, o) < 0)
		return -1;
	return rtk_out_line_cut(o, t, tn, LOG_KEEP_MAX);
}
