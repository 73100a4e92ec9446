/* request: PLACEHOLDER until request mode lands. */
#include <stdlib.h>
#include <string.h>

#include "rtk/request.h"

int rtk_request(const char *json, size_t n, enum nr_format format, int caveman,
		struct buf *out, struct rtk_request_stats *st, char **err)
{
	(void)json, (void)n, (void)format, (void)caveman, (void)out, (void)st;
	*err = strdup("request mode not implemented yet");
	return -1;
}
