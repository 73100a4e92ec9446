/* cgi: the head and body of nr-route's CGI answer (see cgi.h). */
#include "route/cgi.h"

#include "buf.h"
#include "io.h"

int nr_cgi_begin(struct nr_cgi *c, int status, const char *content_type, const char *target)
{
	if (c->started)
		return 0;
	struct buf h = BUF_INIT;
	int rc = buf_printf(&h, "Status: %d\r\nContent-Type: %s\r\n", status, content_type);
	if (rc == 0 && target)
		rc = buf_printf(&h, "X-Nr-Target: %s\r\n", target);
	if (rc == 0)
		rc = buf_puts(&h, "\r\n");
	if (rc == 0)
		rc = write_all(c->fd, h.p, h.len);
	buf_free(&h);
	if (rc == 0)
		c->started = 1;
	return rc;
}

int nr_cgi_write(struct nr_cgi *c, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (write_all(c->fd, p, n) < 0)
		return -1;
	c->body_bytes += (long long)n;
	return 0;
}
