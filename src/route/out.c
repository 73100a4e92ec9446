/* out: the head-once, body-in-pieces protocol every answer writer shares (see out.h). */
#include "route/out.h"

#include <math.h>

#include "buf.h"
#include "json.h"

int nr_out_begin(struct nr_out *o, int status, const char *content_type, const char *target)
{
	if (o->started)
		return 0;
	if (o->head(o, status, content_type, target) < 0)
		return -1;
	o->started = 1;
	return 0;
}

int nr_out_write(struct nr_out *o, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (o->body(o, p, n) < 0)
		return -1;
	o->body_bytes += (long long)n;
	return 0;
}

#define RETRY_AFTER_MAX_S 86400L

void nr_out_retry_after(struct nr_out *o, double secs)
{
	o->retry_after = !(secs > 1) ? 1 : secs < RETRY_AFTER_MAX_S ? (long)ceil(secs) : RETRY_AFTER_MAX_S;
}

int nr_out_json(struct nr_out *o, int status, const char *target, jv v)
{
	struct buf b = BUF_INIT;
	int rc = json_dump(&b, v);
	if (rc == 0)
		rc = nr_out_begin(o, status, "application/json", target);
	if (rc == 0)
		rc = nr_out_write(o, b.p, b.len);
	buf_free(&b);
	return rc;
}
