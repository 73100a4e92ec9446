/* usage: token counts from upstream answers (see usage.h). */
#include "route/usage.h"

#include <string.h>

static void set(long long *dst, long long v)
{
	if (v >= 0)
		*dst = v;
}

/* What got knows replaces what out had. */
static void keep_known(struct nr_usage *out, const struct nr_usage *got)
{
	set(&out->input, got->input);
	set(&out->output, got->output);
	set(&out->cache_read, got->cache_read);
	set(&out->cache_write, got->cache_write);
}

/* One usage object, read by the translator's reader (one definition of the
 * counts for the whole program); what it knows replaces what u had. */
static void merge(jv obj, enum nr_format f, struct nr_usage *out)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		jv_free(obj);
		return;
	}
	struct nr_usage got;
	nr_usage_read(f, obj, &got);
	keep_known(out, &got);
}

void nr_usage_from_span(struct json_span obj, enum nr_format f, struct nr_usage *u)
{
	struct nr_usage got;
	nr_usage_read_span(f, obj, &got);
	keep_known(u, &got);
}

void nr_usage_from_json(jv obj, enum nr_format f, struct nr_usage *u)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		jv_free(obj);
		return;
	}
	static const char *const wrappers[] = { "message", "response" };
	for (int i = 0; i < 2; i++) {	/* anthropic message_start, responses response.completed */
		jv w = jv_object_get(jv_copy(obj), jv_string(wrappers[i]));
		if (jv_get_kind(w) == JV_KIND_OBJECT)
			merge(jv_object_get(w, jv_string("usage")), f, u);
		else
			jv_free(w);
	}
	merge(jv_object_get(jv_copy(obj), jv_string("usage")), f, u);
	merge(jv_object_get(obj, jv_string("usageMetadata")), f, u);
}
