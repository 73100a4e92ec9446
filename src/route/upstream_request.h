/* upstream_request: the URL and headers of one attempt on one account of a
 * provider (its body is reqbody.h's). */
#ifndef NR_ROUTE_UPSTREAM_REQUEST_H
#define NR_ROUTE_UPSTREAM_REQUEST_H

#include <curl/curl.h>

#include "buf.h"
#include "route/accounts.h"
#include "route/fallback.h"
#include "route/provider.h"

/* The endpoint for the provider's format, appended to url; with auth=query it
 * holds the key (explicit_bzero it once done). */
void nr_request_url(struct buf *url, const struct nr_provider *p, const char *model, int stream,
		    const struct nr_account *acct);

/* The request headers (the key's among them); NULL when out of memory. Free
 * them with curl_slist_free_all. */
struct curl_slist *nr_request_headers(const struct nr_provider *p, const struct nr_account *acct,
				      const struct nr_request *rq);

#endif
