/* paths_detect: does a line, or a whole detection head, read as a list of
 * paths? Shared by find, search-list and grep -l style output. */
#include <ctype.h>
#include <string.h>

#include "rtk/paths.h"

#define PATH_MAX_SPACES 3	/* "% of dogs.txt" yes, a sentence no */

/* "abc1234 subject": git log --oneline, not a path. */
static int starts_with_hash(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && isxdigit((unsigned char)s[i]))
		i++;
	return i >= 7 && i < n && s[i] == ' ';
}

/* "?? x", "M  x", "A  x": git status --short columns. */
static int starts_with_status(const char *s, size_t n)
{
	static const char codes[] = " MADRCU?!T";
	return n > 3 && strchr(codes, s[0]) && strchr(codes, s[1]) && s[2] == ' ';
}

int paths_is_path(const char *s, size_t n)
{
	if (n == 0 || n > 4096 || isspace((unsigned char)s[0]) || s[0] == '-' || s[0] == '#')
		return 0;
	if (s[n - 1] == ':' || starts_with_hash(s, n) || starts_with_status(s, n))
		return 0;
	int spaces = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t' || c < 0x20)
			return 0;
		if (c == ' ') {
			if (++spaces > PATH_MAX_SPACES || (i + 1 < n && s[i + 1] == ' '))
				return 0;
		}
		if (c == ':' && i + 1 < n && (s[i + 1] == ' ' || isdigit((unsigned char)s[i + 1])))
			return 0;	/* "find: …" message, "file:12:" grep hit */
	}
	return 1;
}

int paths_detect_list(const char *head, size_t len, const char *prefix)
{
	struct head_iter it;
	const char *s;
	size_t n, plen = strlen(prefix);
	unsigned total = 0, paths = 0, slashed = 0, spaced = 0, data = 0;
	head_iter_init(&it, head, len);
	while (head_iter_next(&it, &s, &n)) {
		if (n == 0)
			continue;
		total++;
		/* an array's entries, a record a line, CSV rows, tags: data, not names */
		data += strchr("\"[{(<", s[0]) || strchr(",;[]{}()>", s[n - 1]) || rtk_count(s, n, ',') >= 2;
		if (!rtk_starts(s, n, prefix) || !paths_is_path(s + plen, n - plen))
			continue;
		paths++;
		if (memchr(s + plen, '/', n - plen))
			slashed++;
		if (memchr(s + plen, ' ', n - plen))
			spaced++;
	}
	if (total < 2 || paths * 10 < total * 9 || data * 10 >= total)
		return 0;
	if (slashed * 2 >= paths)
		return 70;
	return spaced * 10 <= paths ? 35 : 0;	/* bare names: ls -1 and the like */
}
