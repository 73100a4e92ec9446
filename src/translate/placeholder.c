/* placeholder: API stubs until the real translations land (delete piece by piece). */
#include <errno.h>
#include <stdlib.h>

#include "translate/translate.h"

jv nr_translate_request(jv req, enum nr_format from, enum nr_format to, const char *model)
{
	(void)model;
	if (from == to)
		return req;
	jv_free(req);
	return jv_invalid_with_msg(jv_string("request translation not implemented yet"));
}

jv nr_translate_error(jv body, int status, enum nr_format from, enum nr_format to,
		      int *out_status)
{
	(void)from, (void)to;
	*out_status = status;
	return body;
}

jv nr_error_body(enum nr_format to, int status, const char *type, const char *message)
{
	(void)to, (void)status;
	return JV_OBJECT(jv_string("error"), JV_OBJECT(jv_string("type"), jv_string(type),
		jv_string("message"), jv_string(message)));
}
