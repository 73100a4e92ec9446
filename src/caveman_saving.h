/* caveman_saving: what caveman mode saved, estimated. It asks the model for
 * terse answers, so what it saves is output never written, which no usage
 * row can measure. The estimate compares the answers (outcome ok, output
 * tokens known) with it on against those with it off:
 *
 *	tokens = (average output off - average output on) x answers on
 *	usd    = tokens x what the on side's output cost a token
 *
 * It assumes the two sides asked alike; a user's mix of models and tasks
 * may differ between them, so every reader says "estimate". Shared by the
 * dashboard and nr usage. */
#ifndef NR_CAVEMAN_SAVING_H
#define NR_CAVEMAN_SAVING_H

/* The sums of each side, as usage_rollup keeps them (db.c's migration 13). */
struct caveman_sides {
	double on_answers, on_tokens, on_cost;	/* with it on: answers, their output tokens, its cost */
	double off_answers, off_tokens;		/* with it off */
};

struct caveman_saving {
	double avg_on, avg_off;	/* output tokens an answer; NAN when the side has no answer */
	double tokens;		/* the estimate (negative: the on side wrote more); NAN unless both sides have answers */
	double usd;		/* its price; NAN when tokens is, or the on side wrote nothing to price by */
};

void caveman_saving(const struct caveman_sides *s, struct caveman_saving *out);

#endif
