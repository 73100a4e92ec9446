/* jwt: the claims of a JSON Web Token, read without checking its signature:
 * nr only reads what its own login was given (expiry, account id) over TLS
 * from the issuer; the upstream that receives the token does the checking. */
#ifndef NR_JWT_H
#define NR_JWT_H

#include <jv.h>

/* The payload object of `token` (header.payload.signature, base64url), or
 * an invalid jv when it is not one. */
jv nr_jwt_claims(const char *token);

/* Its "exp" claim (unix seconds), or -1. */
double nr_jwt_exp(const char *token);

#endif
