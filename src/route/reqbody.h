/* reqbody: the request body one target gets. In the client's own format it is
 * the client's bytes with only the members nr must set edited in place (the
 * model, stream, stream_options.include_usage, a combo's max_tokens): numbers
 * such as 1.0 or 12345678901234567890 and escapes such as \u00e9 go on as the
 * client wrote them. In another format it is translated (translate.h). */
#ifndef NR_ROUTE_REQBODY_H
#define NR_ROUTE_REQBODY_H

#include "buf.h"
#include "route/fallback.h"
#include "route/provider.h"
#include "route/target.h"

/* The client's request as a jv (borrowed: do not free), parsed on first use:
 * only a target in another format needs it. Invalid when it does not parse. */
jv nr_request_json(struct nr_request *rq);

/* Writes target t's body in the format of its provider p to out, with p's
 * rewrites (drop=, set., default., stream=always) applied last. *usage_added is set when nr
 * asked an openai upstream for stream usage the client did not ask for (its
 * usage-only chunk must then not reach the client). 0; else -1 (out of memory)
 * or -2 (the request does not translate to `to`) with the reason in why. */
int nr_request_body(struct nr_request *rq, const struct nr_target *t, const struct nr_provider *p,
		    struct buf *out, int *usage_added, struct buf *why);

#endif
