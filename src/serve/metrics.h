/* metrics: GET /metrics, the usage rows' sums (rollup.h), the cooldowns and
 * the quota windows in Prometheus's text exposition format (version 0.0.4).
 * Labels are names only (provider, model, combo, outcome, class, account,
 * window): never a request's id, a key, or anything else that grows with
 * the requests. */
#ifndef NR_SERVE_METRICS_H
#define NR_SERVE_METRICS_H

#include <sqlite3.h>

#include "buf.h"
#include "serve/http.h"

/* The exposition into *out. 0, or -1 with a message in *err. */
int metrics_text(sqlite3 *db, double now, struct buf *out, struct buf *err);

/* Answers the request (the caller has checked who may ask): 200 with the
 * exposition, or 500 in plain text. 0, or -1 when writing failed. */
int metrics_answer(struct http_conn *c, const struct http_request *req);

#endif
