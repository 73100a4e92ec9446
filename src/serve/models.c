/* models: lists PROVIDER/MODEL for each model a provider file names, each
 * combo, and each alias (the user's, then the shipped ones it does not
 * override), from the shipped share dir and the user's config dir. */
#include "serve/models.h"

#include <jv.h>
#include <stdlib.h>
#include <string.h>

#include "logsafe.h"
#include "route/alias.h"
#include "route/dirs.h"
#include "route/provider.h"

static jv named_entry(const char *id, const char *owner, jv display)
{
	return JV_OBJECT(jv_string("id"), jv_string(id), jv_string("object"), jv_string("model"),
			 jv_string("created"), jv_number(0), jv_string("owned_by"), jv_string(owner),
			 jv_string("type"), jv_string("model"), jv_string("display_name"),
			 display, jv_string("created_at"), jv_string("1970-01-01T00:00:00Z"));
}

static jv entry(const char *id, const char *owner)
{
	return named_entry(id, owner, jv_string(id));
}

/* An alias's entry, under the id a client asks for (its pattern when listed). */
static jv alias_entry(const char *id, const struct nr_alias *a)
{
	return named_entry(id, "nr-alias", jv_string_fmt("%s (alias of %s)", id, a->target));
}

static int listed(jv data, const char *id)
{
	int found = 0;
	jv_array_foreach(data, i, e) {
		(void)i;
		jv eid = jv_object_get(e, jv_string("id"));
		found = found || strcmp(jv_string_value(eid), id) == 0;
		jv_free(eid);
	}
	jv_free(data);
	return found;
}

/* The aliases, in lookup order, but those a listed id (a combo, the user's
 * alias of the same pattern) takes first; a bad file lists none of its own. */
static jv add_aliases(jv data)
{
	for (int o = NR_ALIAS_USER; o <= NR_ALIAS_SHIPPED; o++) {
		const struct nr_aliases *set;
		struct buf err = BUF_INIT;
		if (nr_aliases_load((enum nr_alias_origin)o, &set, &err) < 0)
			nr_log("nr-serve: %s", err.p ? err.p : "out of memory");
		for (size_t i = 0; i < set->n; i++)
			if (!listed(jv_copy(data), set->v[i].pattern))
				data = jv_array_append(data, alias_entry(set->v[i].pattern, &set->v[i]));
		buf_free(&err);
	}
	return data;
}

/* The alias a client's name resolves through (user's first), or NULL. */
static const struct nr_alias *alias_for(const char *id)
{
	if (strchr(id, '/') || !log_printable(id))
		return NULL;	/* PROVIDER/MODEL is never aliased */
	for (int o = NR_ALIAS_USER; o <= NR_ALIAS_SHIPPED; o++) {
		const struct nr_aliases *set;
		struct buf err = BUF_INIT;
		int loaded = nr_aliases_load((enum nr_alias_origin)o, &set, &err) == 0;
		buf_free(&err);
		const struct nr_alias *a = loaded ? nr_alias_match(set, id) : NULL;
		if (a)
			return a;
	}
	return NULL;
}

/* Every entry: providers' models, then combos, then aliases. */
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
	return add_aliases(data);
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
	/* a name no entry has, but an alias takes (claude-haiku-4-5-20251001) */
	const struct nr_alias *a = rc == 0 ? alias_for(id) : NULL;
	if (a)
		rc = put_json(out, alias_entry(id, a)) < 0 ? -1 : 1;
	return rc;
}
