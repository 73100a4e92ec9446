/* login: `nr login PROVIDER`, the flows of each vendor (login_codex.c,
 * login_copilot.c) and what they share. A flow fills an nr_tokens; login.c
 * stores it as the account. */
#ifndef NR_ADMIN_LOGIN_H
#define NR_ADMIN_LOGIN_H

#include <jv.h>

#include "buf.h"
#include "route/oauth.h"
#include "route/provider.h"

struct login_opts {
	const char *name;	/* the account's name; NULL: from the login's e-mail */
	int device;		/* the device-code flow (no browser on this machine) */
	int browser;		/* open the address with xdg-open when there is a display */
	int port;		/* the loopback callback's port, -1: 1455 then 1457 */
	long timeout_s;		/* how long the user has to finish */
};

/* Each 0, or -1 with the reason said on stderr. */
int login_codex_browser(const struct nr_provider *p, const struct login_opts *o, struct nr_tokens *t);
int login_codex_device(const struct nr_provider *p, const struct login_opts *o, struct nr_tokens *t);
int login_copilot_device(const struct nr_provider *p, const struct login_opts *o, struct nr_tokens *t);

/* base64url without padding of n random bytes (PKCE verifier, state); 0 or -1. */
int login_random(struct buf *out, size_t n);
/* base64url without padding of SHA-256(s): the S256 code challenge; 0 or -1. */
int login_challenge(const char *verifier, struct buf *out);

/* POSTs the JSON object `req` (consumed) to url and parses the answer:
 * *status and the answer's object (an empty object when it is none); 0, or
 * -1 when no answer came (said on stderr). */
int login_post_json(const char *url, jv req, long *status, jv *answer);

/* The poll interval of a device-code answer: a string in Codex's ("5"), a
 * number in RFC 8628's; 5 when neither, or outside 1 to 60 s. */
double login_interval(jv answer);

/* A step of login_poll: what one answer to the poll means. 1 done, 0 not
 * yet (it may lengthen *every), -1 failed (said on stderr). */
typedef int login_step(long status, jv answer, void *ctx, double *every);

/* POSTs req (not consumed) to url every `every` seconds until step says it
 * is done or failed, or the deadline (monotonic s) passes (said); 0 done, or -1. */
int login_poll(const char *url, jv req, double every, double deadline, login_step *step, void *ctx);

/* Sleeps s seconds; 0, or -1 when the deadline (monotonic s) would pass. */
int login_wait(double s, double deadline);
double login_now(void);

#endif
