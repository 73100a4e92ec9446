/* models: lists PROVIDER/MODEL for each model a provider file names, and each
 * combo, from the shipped share dir and the user's config dir. */
#include "serve/models.h"

#include <jv.h>
#include <stdlib.h>
#include <string.h>

#include "route/dirs.h"
#include "route/provider.h"

static jv entry(const char *id, const char *owner)
{
	return JV_OBJECT(jv_string("id"), jv_string(id), jv_string("object"), jv_string("model"),
			 jv_string("created"), jv_number(0), jv_string("owned_by"), jv_string(owner),
			 jv_string("type"), jv_string("model"), jv_string("display_name"),
			 jv_string(id), jv_string("created_at"), jv_string("1970-01-01T00:00:00Z"));
}

/* Every entry, providers' models first, then combos. */
static jv all_models(void)
{
	jv data = jv_array();
	size_t np, nc;
	char **providers = nr_dir_names("providers", &np);
	for (size_t i = 0; i < np; i++) {
		struct nr_provider p;
		struct buf err = BUF_INIT;
		if (nr_provider_load(providers[i], &p, &err) == 0) {
			char *models = p.models ? strdup(p.models) : NULL, *save = NULL;
			for (char *m = models ? strtok_r(models, " \t", &save) : NULL; m;
			     m = strtok_r(NULL, " \t", &save)) {
				struct buf id = BUF_INIT;
				if (buf_printf(&id, "%s/%s", p.name, m) == 0)
					data = jv_array_append(data, entry(id.p, p.name));
				buf_free(&id);
			}
			free(models);
			nr_provider_free(&p);
		}
		buf_free(&err);
		free(providers[i]);
	}
	free(providers);
	char **combos = nr_dir_names("combos", &nc);
	for (size_t i = 0; i < nc; i++) {
		data = jv_array_append(data, entry(combos[i], "nr-combo"));
		free(combos[i]);
	}
	free(combos);
	return data;
}

static int put_json(struct buf *out, jv v)
{
	jv s = jv_dump_string(v, 0);
	int rc = buf_puts(out, jv_string_value(s));
	jv_free(s);
	return rc;
}

int models_list_json(struct buf *out)
{
	jv data = all_models();
	int len = jv_array_length(jv_copy(data));
	jv first = len ? jv_object_get(jv_array_get(jv_copy(data), 0), jv_string("id")) : jv_null();
	jv last = len ? jv_object_get(jv_array_get(jv_copy(data), len - 1), jv_string("id"))
		      : jv_null();
	jv list = JV_OBJECT(jv_string("object"), jv_string("list"), jv_string("data"), data,
			    jv_string("has_more"), jv_false(), jv_string("first_id"), first,
			    jv_string("last_id"), last);
	return put_json(out, list);
}

int models_find_json(const char *id, struct buf *out)
{
	jv data = all_models();
	int rc = 0;
	jv_array_foreach(data, i, e) {
		(void)i;
		jv eid = jv_object_get(jv_copy(e), jv_string("id"));
		if (rc == 0 && strcmp(jv_string_value(eid), id) == 0)
			rc = put_json(out, jv_copy(e)) < 0 ? -1 : 1;
		jv_free(eid);
		jv_free(e);
	}
	jv_free(data);
	return rc;
}
