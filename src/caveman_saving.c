/* caveman_saving: the estimate of caveman mode's saving (caveman_saving.h). */
#include "caveman_saving.h"

#include <math.h>

void caveman_saving(const struct caveman_sides *s, struct caveman_saving *out)
{
	out->avg_on = s->on_answers > 0 ? s->on_tokens / s->on_answers : NAN;
	out->avg_off = s->off_answers > 0 ? s->off_tokens / s->off_answers : NAN;
	out->tokens = (out->avg_off - out->avg_on) * s->on_answers;	/* NAN stays NAN */
	out->usd = s->on_tokens > 0 ? out->tokens * s->on_cost / s->on_tokens : NAN;
}
