/* cgi: nr-route's answer as a CGI response on an fd: "Status: N", headers, a
 * blank line, then the body, each piece written at once (no stdio buffer). */
#ifndef NR_ROUTE_CGI_H
#define NR_ROUTE_CGI_H

#include "route/out.h"

struct nr_cgi {
	struct nr_out out;	/* first: a struct nr_cgi * is a struct nr_out * */
	int fd;
};

void nr_cgi_init(struct nr_cgi *c, int fd);

#endif
