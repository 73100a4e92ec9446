/* reply: error answers in the client's format (see reply.h). */
#include "serve/reply.h"

#include "buf.h"
#include "translate/translate.h"

/* An error body in the client's format, as JSON text in *out. */
static int error_json(enum nr_format f, int status, const char *type, const char *msg,
		      struct buf *out)
{
	jv body = nr_error_body(f, status, type, msg);
	jv s = jv_dump_string(body, 0);
	int rc = buf_puts(out, jv_string_value(s));
	jv_free(s);
	return rc;
}

int serve_send_error(struct http_conn *c, enum nr_format f, int status, const char *type,
		     const char *msg, int keep_alive, int head_only)
{
	struct buf b = BUF_INIT;
	int rc = error_json(f, status, type, msg, &b);
	if (rc == 0)
		rc = http_write_response(c, status, SERVE_JSON_CT, b.p, b.len, keep_alive, head_only);
	buf_free(&b);
	return rc;
}
