/* problem: recognises error and warning lines of common tools, so that every
 * filter keeps them whatever else it drops.
 *
 * A bare word is not enough ("should handle errors" is an ordinary test name):
 * a problem word counts when the tool's syntax marks it — followed by ':' '!'
 * or '[' ("error:", "npm ERR!", "error[E0308]"), written in capitals as a log
 * level ("FAIL", "WARN"), bracketed ("[error]"), leading the line ("warning
 * package.json: …"), or as a CamelCase suffix ("TypeError:", "…Warning:").
 * A few fixed phrases (make's "*** ", "Segmentation fault", "No such file or
 * directory", "command not found", TAP's "not ok", "too many errors", failure
 * glyphs) and counts ("2 failed", "6 errors") count too.
 * One pass over the line, no allocation: it runs on every line of every log.
 */
#include <string.h>

#include "rtk/ansi.h"
#include "rtk/filter.h"

#define WORD_MAX 24	/* longer words are only checked by their suffix */

static int is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int is_word_byte(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/* The first visible byte at or after i, or 0 at the end of the line. */
static unsigned char next_visible(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] == 0x1b)
		i = rtk_ansi_end(s, n, i);
	return i < n ? (unsigned char)s[i] : 0;
}

/* A string literal and its length, so that the hot path never calls strlen. */
struct lit {
	const char *s;
	size_t n;
};
#define LIT(x) { x, sizeof(x) - 1 }

#define eq(w, k, x) ((k) == sizeof(x) - 1 && memcmp((w), (x), (k)) == 0)
#define ends_with(w, k, x) ((k) >= sizeof(x) - 1 && memcmp((w) + (k) - (sizeof(x) - 1), (x), sizeof(x) - 1) == 0)

/* Words that name a problem when the syntax around them says so. */
static int is_problem_word(const char *w, size_t k)
{
	static const struct lit words[] = {
		LIT("error"), LIT("errors"), LIT("err"), LIT("warning"), LIT("warn"),
		LIT("fatal"), LIT("fail"), LIT("failed"), LIT("failure"), LIT("failures"),
		LIT("panic"), LIT("exception"), LIT("critical"), LIT("abort"),
		LIT("aborted"), LIT("assertionerror"),
	};
	if (k < 3 || k > 14)
		return 0;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (words[i].n == k && memcmp(w, words[i].s, k) == 0)
			return 1;
	return 0;
}

/* Checks one word s[b..e); lw is its lowercase form (at most WORD_MAX bytes,
 * the word's tail when longer), upper is nonzero when it is all capitals. */
static int word_says_problem(const char *s, size_t n, size_t b, size_t e, const char *lw,
			     size_t k, int upper, int first)
{
	unsigned char next = next_visible(s, n, e);
	unsigned char prev = b ? (unsigned char)s[b - 1] : 0;
	int pw = is_problem_word(lw, k);

	if (pw && upper && k >= 3)
		return 1;	/* a log level: ERROR, WARN, FAIL, FATAL */
	if (pw && (next == ':' || next == '!' || next == '[' || prev == '[' || prev == '<'))
		return 1;
	if (pw && first && next != '(' && next != '.' && next != '=' && next != '_')
		return 1;
	/* CamelCase error types: TypeError: AssertionError, DeprecationWarning: */
	if ((ends_with(lw, k, "error") || ends_with(lw, k, "exception") ||
	     ends_with(lw, k, "warning")) && k > 5 && (next == ':' || next == 0))
		return 1;
	if (eq(lw, k, "panicked") || eq(lw, k, "segfault"))
		return 1;
	/* "2 failing", "1 failed", "6 errors" (javac, tsc) in summaries */
	if ((eq(lw, k, "failed") || eq(lw, k, "failing") || eq(lw, k, "errors") || eq(lw, k, "error")) &&
	    b >= 2 && s[b - 1] == ' ' && s[b - 2] >= '0' && s[b - 2] <= '9')
		return 1;
	/* "… failed." at a sentence end */
	if ((eq(lw, k, "failed") || eq(lw, k, "failing")) && (next == 0 || next == '.' || next == ','))
		return 1;
	if (first && eq(lw, k, "traceback"))
		return 1;
	return 0;
}

/* Case-insensitive: does s[i..n) start with the lowercase literal? */
static int at(const char *s, size_t n, size_t i, const struct lit *l)
{
	if (n - i < l->n)
		return 0;
	for (size_t j = 0; j < l->n; j++) {
		unsigned char c = (unsigned char)s[i + j];
		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		if (c != (unsigned char)l->s[j])
			return 0;
	}
	return 1;
}

/* Fixed phrases: the first word (lowercase, lw[0..k)) and what follows it
 * from s[e] on. */
static int phrase_at(const char *s, size_t n, size_t e, const char *lw, size_t k)
{
	static const struct {
		struct lit word, rest;
	} phrases[] = {
		{ LIT("segmentation"), LIT(" fault") }, { LIT("core"), LIT(" dumped") },
		{ LIT("undefined"), LIT(" reference to") },
		{ LIT("no"), LIT(" such file or directory") },
		{ LIT("permission"), LIT(" denied") }, { LIT("command"), LIT(" not found") },
		{ LIT("stack"), LIT(" overflow") }, { LIT("out"), LIT(" of memory") },
		{ LIT("killed"), LIT(" by signal") }, { LIT("not"), LIT(" ok ") },
		{ LIT("too"), LIT(" many errors") },	/* go's, and others' error limits */
	};
	for (size_t j = 0; j < sizeof phrases / sizeof phrases[0]; j++)
		if (phrases[j].word.n == k && memcmp(lw, phrases[j].word.s, k) == 0 &&
		    at(s, n, e, &phrases[j].rest))
			return 1;
	return 0;
}

static int glyph_at(const char *s, size_t n, size_t i)
{
	/* ✕ ✖ ✗ ✘ (U+2715..U+2718): failed tests in jest, mocha, node --test */
	return n - i >= 3 && (unsigned char)s[i] == 0xe2 && (unsigned char)s[i + 1] == 0x9c &&
	       (unsigned char)s[i + 2] >= 0x95 && (unsigned char)s[i + 2] <= 0x98;
}

/* A cheap filter before the word tables: the first letters of the problem
 * words and phrases, and the last letters of "…error", "…exception",
 * "…warning". */
static int worth_checking(const char *lw, size_t k)
{
	static const unsigned char first[256] = {
		['a'] = 1, ['c'] = 1, ['e'] = 1, ['f'] = 1, ['k'] = 1, ['n'] = 1, ['o'] = 1,
		['p'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['w'] = 1,
	};
	unsigned char last = (unsigned char)lw[k - 1];
	return first[(unsigned char)lw[0]] || last == 'r' || last == 'n' || last == 'g';
}

int rtk_is_problem_line(const char *s, size_t n)
{
	size_t i = 0;
	int words = 0;
	int npm = 0;	/* the line starts with "npm ": its level word is second */

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x1b) {
			i = rtk_ansi_end(s, n, i);
			continue;
		}
		if (c == '*' && n - i >= 4 && memcmp(s + i, "*** ", 4) == 0)
			return 1;	/* make: *** [target] Error 1; automake, jq tests */
		if (c == 0xe2 && glyph_at(s, n, i))
			return 1;
		if (!is_alpha(c)) {
			i++;
			continue;
		}
		size_t b = i;
		char lw[WORD_MAX];
		int upper = 1;
		while (i < n && is_word_byte((unsigned char)s[i])) {
			if (s[i] >= 'a' && s[i] <= 'z')
				upper = 0;
			i++;
		}
		size_t k = i - b < WORD_MAX ? i - b : WORD_MAX;
		const char *tail = s + i - k;
		for (size_t j = 0; j < k; j++)
			lw[j] = (char)((tail[j] >= 'A' && tail[j] <= 'Z') ? tail[j] | 0x20 : tail[j]);
		if (words == 0 && eq(lw, k, "npm"))
			npm = 1;
		int first = words == 0 || (words == 1 && npm);
		if (worth_checking(lw, k) && (phrase_at(s, n, i, lw, k) ||
					      word_says_problem(s, n, b, i, lw, k, upper, first)))
			return 1;
		words++;
	}
	return 0;
}

/* A byte of a file path: no blank, quote, bracket or separator of prose. */
static int path_byte(unsigned char c)
{
	return is_word_byte(c) || c == '.' || c == '/' || c == '-' || c == '+' || c == '~' ||
	       c == '@' || c == '\\' || c >= 0x80;
}

/* s[b..e) reads as a file: it has a '/' or a dot followed by an extension,
 * and is no URL's host ("http://h:80": a ':' before it). */
static int file_like(const char *s, size_t b, size_t e)
{
	if (e - b < 2 || (b && s[b - 1] == ':'))
		return 0;
	const char *dot = memrchr(s + b, '.', e - b);
	return memchr(s + b, '/', e - b) || (dot && dot + 1 < s + e && is_alpha((unsigned char)dot[1]));
}

/* "In x.sh line 46:" (shellcheck), "./b.sh: line 3: …" (bash), "at Foo.pm
 * line 5." (Perl): a file-like word, then "line" and a number; where the
 * file starts, or -1. */
static long file_then_line(const char *s, size_t n)
{
	const char *l = s;
	while ((l = memmem(l, n - (size_t)(l - s), "line ", 5))) {
		size_t at = (size_t)(l - s);
		l += 5;
		if (at == 0 || s[at - 1] != ' ' || at + 5 >= n || s[at + 5] < '0' || s[at + 5] > '9')
			continue;
		for (size_t e = 0, b; e < at; e = b + 1) {	/* the words before it */
			b = e;
			while (b < at && s[b] != ' ')
				b++;
			size_t end = b;
			while (end > e && (s[end - 1] == ':' || s[end - 1] == ','))
				end--;
			size_t start = e;
			while (start < end && !path_byte((unsigned char)s[start]))
				start++;
			int word = start < end;
			for (size_t k = start; k < end && word; k++)
				word = path_byte((unsigned char)s[k]);
			if (word && file_like(s, start, end))
				return (long)start;
		}
	}
	return -1;
}

long rtk_location(const char *s, size_t n)
{
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i], d = (unsigned char)s[i + 1];
		if ((c != ':' && c != '(') || d < '0' || d > '9')
			continue;
		size_t b = i;
		while (b && path_byte((unsigned char)s[b - 1]))
			b--;
		if (c == '(') {	/* tsc, MSBuild: "file.ts(12,5)" */
			size_t j = i + 1;
			while (j < n && s[j] >= '0' && s[j] <= '9')
				j++;
			if (j < n && (s[j] == ',' || s[j] == ')') && file_like(s, b, i))
				return (long)b;
			continue;
		}
		if (file_like(s, b, i))
			return (long)b;
	}
	/* Python: File "x.py", line 3, in f */
	const char *f = memmem(s, n, "File \"", 6);
	if (f && memmem(f, n - (size_t)(f - s), "\", line ", 8))
		return (long)(f - s);
	return file_then_line(s, n);
}
