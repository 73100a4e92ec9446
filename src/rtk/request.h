/* request: rtk-filter's --request mode: compress the text of every tool result
 * inside a whole API request, leaving everything else unchanged. */
#ifndef NR_RTK_REQUEST_H
#define NR_RTK_REQUEST_H

#include <stddef.h>

#include "buf.h"
#include "facts.h"
#include "format.h"

struct rtk_request_stats {
	unsigned long long results;	/* tool results seen */
	unsigned long long compressed;	/* of which made smaller */
	unsigned long long in_bytes;	/* text of tool results before */
	unsigned long long out_bytes;	/* and after */
};

/* rtk_request's flags */
#define RTK_REQUEST_CAVEMAN 1		/* add the terse-answers instruction */
#define RTK_REQUEST_KEEP_RESULTS 2	/* leave every tool result as it came (rtk off) */

/* Rewrites the request json[0..n) of `format` into *out, its tool results
 * compressed unless RTK_REQUEST_KEEP_RESULTS. With RTK_REQUEST_CAVEMAN, adds
 * the terse-answers instruction where the format keeps its system prompt.
 * Returns 0; or -1 with a message in *err (caller frees) when the input is
 * not a JSON object of that format, and then *out is left empty. */
int rtk_request(const char *json, size_t n, enum nr_format format, int flags,
		struct buf *out, struct rtk_request_stats *st, char **err);

/* What the request tells nr-route (the bytes of tool-result text taken out,
 * their estimated tokens, and whether rtk_request's flags asked for terse
 * answers), as the server and --facts say it. */
struct nr_facts rtk_request_facts(const struct rtk_request_stats *st, int flags);

#endif
