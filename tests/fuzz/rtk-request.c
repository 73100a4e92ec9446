/* Fuzz target: rtk-filter --request. Byte 0: bits 0-1 the format, bit 2
 * --caveman, bit 3 rtk off (tool results kept); the rest is the request body. */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "rtk/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (4u << 20))
		return -1;
	struct buf out = BUF_INIT;
	struct rtk_request_stats st = { 0 };
	char *err = NULL;
	int flags = (data[0] & 4 ? RTK_REQUEST_CAVEMAN : 0) | (data[0] & 8 ? RTK_REQUEST_KEEP_RESULTS : 0);
	int rc = rtk_request((const char *)data + 1, size - 1, data[0] & 3, flags, &out, &st, &err);
	if (rc < 0 && (!err || out.len))
		abort();	/* a refusal says why and writes nothing */
	free(err);
	buf_free(&out);
	return 0;
}
