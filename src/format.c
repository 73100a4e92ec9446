/* format: names of the four API formats. */
#include "format.h"

#include <string.h>

static const char *const names[NR_FMT_COUNT] = { "openai", "anthropic", "responses", "gemini" };

int nr_format_parse(const char *name)
{
	for (int i = 0; i < NR_FMT_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

const char *nr_format_name(enum nr_format f)
{
	return (unsigned)f < NR_FMT_COUNT ? names[f] : "unknown";
}
