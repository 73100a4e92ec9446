/* jwt: base64url-decodes a token's middle part and parses it (see jwt.h). */
#include "jwt.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define JWT_PAYLOAD_MAX 65536	/* claims larger than this are not a login's */

jv nr_jwt_claims(const char *token)
{
	const char *a = token ? strchr(token, '.') : NULL;
	const char *b = a ? strchr(a + 1, '.') : NULL;
	if (!b || b - a - 1 <= 0 || b - a - 1 > JWT_PAYLOAD_MAX)
		return jv_invalid_with_msg(jv_string("not a JWT"));
	size_t n = (size_t)(b - a - 1);
	/* base64url → base64, padded to a multiple of 4 for EVP_DecodeBlock */
	char *in = malloc(n + 4);
	unsigned char *out = malloc(n + 4);
	if (!in || !out) {
		free(in);
		free(out);
		return jv_invalid_with_msg(jv_string("out of memory"));
	}
	for (size_t i = 0; i < n; i++)
		in[i] = a[1 + i] == '-' ? '+' : a[1 + i] == '_' ? '/' : a[1 + i];
	size_t pad = (4 - n % 4) % 4;
	if (pad == 3) {		/* no base64 has a lone character in its last group */
		free(in);
		free(out);
		return jv_invalid_with_msg(jv_string("not a JWT"));
	}
	memset(in + n, '=', pad);
	int len = EVP_DecodeBlock(out, (unsigned char *)in, (int)(n + pad));
	jv claims;
	if (len < 0) {
		claims = jv_invalid_with_msg(jv_string("not a JWT"));
	} else {
		len -= (int)pad;	/* EVP_DecodeBlock counts the padding's zero bytes */
		claims = jv_parse_sized((const char *)out, len);
		if (jv_is_valid(claims) && jv_get_kind(claims) != JV_KIND_OBJECT) {
			jv_free(claims);
			claims = jv_invalid_with_msg(jv_string("a JWT's claims are not an object"));
		}
	}
	free(in);
	free(out);
	return claims;
}

double nr_jwt_exp(const char *token)
{
	jv c = nr_jwt_claims(token);
	double exp = -1;
	if (jv_is_valid(c)) {
		jv e = jv_object_get(c, jv_string("exp"));
		if (jv_get_kind(e) == JV_KIND_NUMBER)
			exp = jv_number_value(e);
		jv_free(e);
	} else {
		jv_free(c);
	}
	return exp;
}
