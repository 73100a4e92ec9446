/* Fuzz target: rtk-filter --request. Byte 0: bits 0-1 the format, bit 2
 * --caveman; the rest is the request body. */
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
	int rc = rtk_request((const char *)data + 1, size - 1, data[0] & 3, data[0] & 4 ? 1 : 0,
			     &out, &st, &err);
	if (rc < 0 && (!err || out.len))
		abort();	/* a refusal says why and writes nothing */
	free(err);
	buf_free(&out);
	return 0;
}
