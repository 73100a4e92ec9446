/* request_caveman: --caveman, one instruction asking the model for terse
 * technical answers, added where each format keeps its system prompt. It goes
 * after what is there (a new block after the existing blocks, or the end of a
 * string), so a cached prompt prefix stays intact, and it is not added twice
 * when already present. */
#ifndef NR_RTK_REQUEST_CAVEMAN_H
#define NR_RTK_REQUEST_CAVEMAN_H

#include <stddef.h>

#include "format.h"
#include "json_edit.h"
#include "json_span.h"

extern const char caveman_instruction[];

/* Adds the edits that put the instruction into request `top` (a validated
 * object of `format`, inside doc). 0; or -1 with a message in err[0..errlen)
 * when the system prompt has a shape the format does not allow, or -1 with
 * err empty when memory ran out. */
int caveman_insert(const char *doc, struct json_span top, enum nr_format format, struct edits *e,
		   char *err, size_t errlen);

#endif
