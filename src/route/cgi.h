/* cgi: nr-route's output, a CGI response on an fd: "Status: N", headers, a
 * blank line, then the body, each piece written at once (no stdio buffer). */
#ifndef NR_ROUTE_CGI_H
#define NR_ROUTE_CGI_H

#include <stddef.h>

struct nr_cgi {
	int fd;
	int started;		/* the status line and headers are out */
	long long body_bytes;	/* body bytes written so far */
};

/* Writes the head once: status, content type and X-Nr-Target (may be NULL). */
int nr_cgi_begin(struct nr_cgi *c, int status, const char *content_type, const char *target);
int nr_cgi_write(struct nr_cgi *c, const char *p, size_t n);

#endif
