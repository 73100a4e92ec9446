/* request: PLACEHOLDER until request mode lands. */
#include <stdlib.h>
#include <string.h>

#include "rtk/request.h"

int rtk_format_parse(const char *name)
{
	static const char *const names[] = { "openai", "anthropic", "responses", "gemini" };
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int rtk_request(const char *json, size_t n, enum rtk_format format, int caveman,
		struct buf *out, struct rtk_request_stats *st, char **err)
{
	(void)json, (void)n, (void)format, (void)caveman, (void)out, (void)st;
	*err = strdup("request mode not implemented yet");
	return -1;
}
