/* models: GET /v1/models — every provider model and every combo. */
#ifndef NR_SERVE_MODELS_H
#define NR_SERVE_MODELS_H

#include "buf.h"

/* The list as JSON into *out: OpenAI's list format ({"object":"list","data":[…]}),
 * each entry also carrying Anthropic's type/display_name/created_at fields so both SDKs
 * read it. 0, or -1 when out of memory. */
int models_list_json(struct buf *out);
/* The entry whose id is `id`, as JSON into *out: 1 found, 0 not listed, -1
 * when out of memory. */
int models_find_json(const char *id, struct buf *out);

#endif
