/* cgi: the head and body of nr-route's CGI answer (see cgi.h). */
#include "route/cgi.h"

#include "buf.h"
#include "io.h"

static int cgi_head(struct nr_out *o, int status, const char *content_type, const char *target)
{
	struct nr_cgi *c = (struct nr_cgi *)o;
	struct buf h = BUF_INIT;
	int rc = buf_printf(&h, "Status: %d\r\nContent-Type: %s\r\n", status, content_type);
	if (rc == 0 && target)
		rc = buf_printf(&h, "X-Nr-Target: %s\r\n", target);
	if (rc == 0 && o->retry_after > 0)
		rc = buf_printf(&h, "Retry-After: %ld\r\n", o->retry_after);
	if (rc == 0 && o->extra_headers)
		rc = buf_puts(&h, o->extra_headers);
	if (rc == 0)
		rc = buf_puts(&h, "\r\n");
	if (rc == 0)
		rc = write_all(c->fd, h.p, h.len);
	buf_free(&h);
	return rc;
}

static int cgi_body(struct nr_out *o, const char *p, size_t n)
{
	return write_all(((struct nr_cgi *)o)->fd, p, n);
}

void nr_cgi_init(struct nr_cgi *c, int fd)
{
	*c = (struct nr_cgi){ { cgi_head, cgi_body, 0, 0, 0, NULL }, fd };
}
