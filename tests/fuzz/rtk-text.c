/* Fuzz target: rtk-filter on tool output (the in-process engine). Byte 0
 * below 128 auto-detects the filter, else it forces rtk_filters[byte0-128]
 * (modulo their number); the rest is the text. The engine's promises are
 * checked: never larger than the input, the chosen filter named. */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "rtk/engine.h"
#include "rtk/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (4u << 20))
		return -1;
	size_t nfilters = 0;
	while (rtk_filters[nfilters])
		nfilters++;
	const struct rtk_filter *forced =
		data[0] < 128 ? NULL : rtk_filters[(data[0] - 128) % nfilters];
	struct buf out = BUF_INIT;
	struct rtk_stats st = { 0 };
	if (rtk_filter_mem((const char *)data + 1, size - 1, forced, &out, &st) < 0)
		abort();	/* only ENOMEM may fail, and the fuzzer gives plenty */
	if (out.len > size - 1 || !st.filter)
		abort();
	buf_free(&out);
	return 0;
}
