/* placeholder: API stubs until the real translations land (delete piece by piece). */
#include <errno.h>
#include <stdlib.h>

#include "translate/translate.h"

jv nr_translate_response(jv resp, enum nr_format from, enum nr_format to, const char *model)
{
	(void)model;
	if (from == to)
		return resp;
	jv_free(resp);
	return jv_invalid_with_msg(jv_string("response translation not implemented yet"));
}

struct nr_stream {
	int dummy;
};

struct nr_stream *nr_stream_new(enum nr_format from, enum nr_format to, const char *model)
{
	(void)from, (void)to, (void)model;
	return calloc(1, sizeof(struct nr_stream));
}

int nr_stream_feed(struct nr_stream *s, const char *p, size_t n, struct buf *out)
{
	(void)s;
	return buf_append(out, p, n);
}

int nr_stream_end(struct nr_stream *s, struct buf *out)
{
	(void)s, (void)out;
	return 0;
}

int nr_stream_fail(struct nr_stream *s, const char *type, const char *message, struct buf *out)
{
	(void)s, (void)type, (void)message, (void)out;
	return 0;
}

void nr_stream_usage(const struct nr_stream *s, struct nr_usage *u)
{
	(void)s;
	u->input = u->output = u->cache_read = u->cache_write = -1;
}

void nr_stream_free(struct nr_stream *s)
{
	free(s);
}

void nr_response_usage(jv resp, enum nr_format f, struct nr_usage *u)
{
	(void)f;
	jv_free(resp);
	u->input = u->output = u->cache_read = u->cache_write = -1;
}
