/* behaviour: what the mock does, read from the words of the model name
 * ("claude-tool-status-429-retry-3" → tool call, 429, Retry-After: 3). */
#include "mock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The number in word `w`, or -1 when it is not all digits (or too big). */
static long number(const char *w, size_t n)
{
	if (n == 0 || n > 9)
		return -1;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -1;
		v = v * 10 + (w[i] - '0');
	}
	return v;
}

static int is(const char *w, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(w, word, n) == 0;
}

/* The behaviour words (the words a number can follow included). */
static int is_word(const char *w, size_t n)
{
	static const char *const words[] = { "tool", "quota", "ratelimit", "cut", "cutearly", "badjson",
					     "hugeusage", "exact", "cached",
					     "status", "retry", "slow", "stall", "long", "window" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (is(w, n, words[i]))
			return 1;
	return 0;
}

void behaviour_parse(const char *model, struct behaviour *bh)
{
	memset(bh, 0, sizeof *bh);
	bh->retry_after = -1;
	bh->window = -1;
	/* words are separated by '-' (and '/' so "mock/tool" works too) */
	const char *p = model;
	const char *prev = NULL;
	size_t prevn = 0;
	while (*p) {
		size_t n = strcspn(p, "-/");
		long v = number(p, n);
		if (n > 0 && prev && is(prev, prevn, "tool") && v < 0 && !is_word(p, n)) {
			bh->tool_word = p;	/* tool-WORD: which tool to call */
			bh->tool_word_len = n;
		} else if (is(p, n, "tool"))
			bh->tool = 1;
		else if (is(p, n, "quota"))
			bh->quota = 1;
		else if (is(p, n, "ratelimit"))
			bh->ratelimit = 1;
		else if (is(p, n, "cut"))
			bh->cut = 1;
		else if (is(p, n, "cutearly"))
			bh->cutearly = 1;
		else if (is(p, n, "badjson"))
			bh->badjson = 1;
		else if (is(p, n, "hugeusage"))
			bh->hugeusage = 1;
		else if (is(p, n, "exact"))
			bh->exact = 1;
		else if (is(p, n, "cached"))
			bh->cached = 1;
		else if (v >= 0 && prev) {
			/* a number gives its value to the word before it */
			if (is(prev, prevn, "status") && v >= 100 && v <= 599)
				bh->status = (int)v;
			else if (is(prev, prevn, "retry"))
				bh->retry_after = v;
			else if (is(prev, prevn, "slow"))
				bh->slow_ms = v;
			else if (is(prev, prevn, "stall"))
				bh->stall_ms = v;
			else if (is(prev, prevn, "long"))
				bh->long_n = v;
			else if (is(prev, prevn, "window") && v <= 100)
				bh->window = v;
		}
		prev = p;
		prevn = n;
		p += n;
		if (*p)
			p++;
	}
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
