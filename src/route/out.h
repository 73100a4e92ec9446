/* out: where an answer goes. nr-route writes a CGI response on its stdout
 * (cgi.h); nr-serve, running the router in-process, writes HTTP to its client.
 * The head (status, content type, target) goes once, then the body in pieces. */
#ifndef NR_ROUTE_OUT_H
#define NR_ROUTE_OUT_H

#include <jv.h>
#include <stddef.h>

struct nr_out {
	/* 0, or -1 when the client can no longer be written to */
	int (*head)(struct nr_out *o, int status, const char *content_type, const char *target);
	int (*body)(struct nr_out *o, const char *p, size_t n);
	int started;		/* the head is out */
	long long body_bytes;	/* body bytes written so far */
	long retry_after;	/* > 0: the head says Retry-After: this many seconds */
	const char *extra_headers;	/* "Name: value\r\n" lines the head adds (a subscription's
					 * rate-limit headers, in pass-through), or NULL */
};

/* Sends the head unless it is already out; target (X-Nr-Target) may be NULL. */
int nr_out_begin(struct nr_out *o, int status, const char *content_type, const char *target);
int nr_out_write(struct nr_out *o, const char *p, size_t n);

/* The head's Retry-After for a wait of secs: whole seconds rounded up, from
 * 1 (none known, < 0, or NaN) to a day (an upstream may hint at anything,
 * even inf; clients cap their wait long before a day anyway). */
void nr_out_retry_after(struct nr_out *o, double secs);

/* A whole JSON answer or error: the head, then v as JSON (consumed). */
int nr_out_json(struct nr_out *o, int status, const char *target, jv v);

#endif
