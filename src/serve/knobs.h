/* knobs: what is done to one request's body on its way to the router, rtk
 * compression of its tool results and caveman mode. Each is decided by the
 * request's header (x-nr-rtk, x-nr-caveman), else by the key's setting
 * (nr key set), else by the server's flag (--no-rtk, --caveman). The x-nr-*
 * headers are nr's own: the router forwards no client header but the
 * anthropic ones, so they never reach an upstream. */
#ifndef NR_SERVE_KNOBS_H
#define NR_SERVE_KNOBS_H

#include "keys.h"
#include "serve/http.h"
#include "serve/server.h"

struct knobs {
	int rtk;	/* 1: compress the tool results */
	int caveman;	/* 1: add the terse-answers instruction */
};

/* Fills *k. 0; -1 with *bad naming the header whose value is none of on, off,
 * true, false, 1, 0 (any case) — a 400 —, or *bad NULL when memory ran out. */
int knobs_resolve(const struct http_request *req, const struct serve_config *cfg,
		  const struct key_settings *key, struct knobs *k, const char **bad);

#endif
