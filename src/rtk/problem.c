/* problem: recognises error and warning lines of common tools, so that every
 * filter keeps them whatever else it drops. */
#include <ctype.h>
#include <string.h>

#include "rtk/filter.h"

static const char *const problem_words[] = {
	"error", "warning", "fatal", "fail", "panic", "exception", "traceback",
	"assert", "segmentation fault", "abort", "denied", "not found", "cannot",
	"undefined reference", "unable to", "npm err", "npm warn", NULL,
};

/* Case-insensitive search for a lowercase word in s[0..n). */
static int has_word(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++) {
		if (tolower((unsigned char)s[i]) != w[0])
			continue;
		size_t j = 1;
		while (j < k && tolower((unsigned char)s[i + j]) == w[j])
			j++;
		if (j == k)
			return 1;
	}
	return 0;
}

int rtk_is_problem_line(const char *s, size_t n)
{
	for (size_t i = 0; problem_words[i]; i++)
		if (has_word(s, n, problem_words[i]))
			return 1;
	return 0;
}
