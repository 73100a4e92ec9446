/* engine: runs one filter over a whole input and enforces rtk-filter's
 * invariants: the output is never larger than the input (else the input is
 * the output), any failure yields the input unchanged, binary and empty input
 * pass through, memory stays bounded (input and output spill to temp files). */
#ifndef NR_RTK_ENGINE_H
#define NR_RTK_ENGINE_H

#include <stddef.h>

#include "buf.h"
#include "rtk/filter.h"

struct rtk_stats {
	const char *filter;		/* chosen filter, or "none" (binary/empty) */
	unsigned long long in_bytes;
	unsigned long long out_bytes;
	int unchanged;			/* the input was printed as it came */
};

/* Reads fd `in` to EOF and writes the result to fd `out`. `forced` may be NULL
 * (auto-detect). Returns 0, or -1 with errno when reading or writing failed. */
int rtk_filter_fd(int in, int out, const struct rtk_filter *forced, struct rtk_stats *st);

/* The same over memory: *out receives the result (filtered text or a copy of
 * the input). Returns 0, or -1 with errno (ENOMEM). */
int rtk_filter_mem(const char *in, size_t n, const struct rtk_filter *forced,
		   struct buf *out, struct rtk_stats *st);

/* A rough token estimate (about 4 bytes per token for code and logs). */
unsigned long long rtk_estimate_tokens(unsigned long long bytes);

#endif
