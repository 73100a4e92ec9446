/* reply: answers nr-serve writes itself (not the router's), shared by conn.c
 * and dispatch.c so that neither calls into the other. */
#ifndef NR_SERVE_REPLY_H
#define NR_SERVE_REPLY_H

#include "format.h"
#include "serve/http.h"

#define SERVE_JSON_CT "Content-Type: application/json\r\n"

/* An error body in format f with this status; 0, or -1 when writing failed. */
int serve_send_error(struct http_conn *c, enum nr_format f, int status, const char *type,
		     const char *msg, int keep_alive, int head_only);

#endif
