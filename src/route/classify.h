/* classify: what an upstream's failed answer says about whom it concerns,
 * which decides where the fallback walk goes next (fallback.c). */
#ifndef NR_ROUTE_CLASSIFY_H
#define NR_ROUTE_CLASSIFY_H

enum nr_failure {
	NR_FAIL_NONE,
	NR_FAIL_RATE,	/* 429: the account is rate limited for this model */
	NR_FAIL_QUOTA,	/* 402, or a quota or billing mark in the body: the account is spent */
	NR_FAIL_AUTH,	/* 401: the key (or the login's token) was refused */
	NR_FAIL_TARGET,	/* 408, 5xx: the upstream failing, any account alike */
	NR_FAIL_FINAL,	/* the rest (400, 403, 404 …): passed on to the client */
};

/* The class of a failed answer's HTTP status and (error) body, may be NULL. */
enum nr_failure nr_classify(long status, const char *body);

#endif
