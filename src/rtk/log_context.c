/* log_context: the one held-back line (see log_context.h). */
#include "rtk/log_context.h"

int log_context_hold(struct log_context *c, struct log_elide *e, const char *t, size_t tn,
		     enum log_kind kind)
{
	log_context_drop(c, e);
	buf_reset(&c->line);
	if (buf_append(&c->line, t, tn) < 0)
		return -1;
	c->held = 1;
	c->kind = kind;
	return 0;
}

void log_context_drop(struct log_context *c, struct log_elide *e)
{
	if (c->held)
		log_elide_add(e, c->kind);
	c->held = 0;
}

int log_context_emit(struct log_context *c, struct log_elide *e, struct rtk_out *o)
{
	if (!c->held)
		return 0;
	c->held = 0;
	return log_keep(e, o, c->line.p, c->line.len);
}

void log_context_free(struct log_context *c)
{
	buf_free(&c->line);
}
