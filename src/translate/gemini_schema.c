/* gemini_schema: JSON Schema ↔ Gemini's OpenAPI-subset Schema for tool
 * parameters. Gemini answers 400 to keys outside its subset ($schema,
 * additionalProperties, $ref, type arrays, const…) and to empty object
 * properties, so translated tools carry only what it accepts. */
#include <string.h>

#include "translate/ir.h"

/* Keys Gemini's Schema takes as they are. */
static const char *const plain_keys[] = {
	"description", "title", "nullable", "minimum", "maximum", "minItems", "maxItems",
	"minLength", "maxLength", "pattern", "minProperties", "maxProperties", "default",
	"example", "propertyOrdering",
};
/* The only formats it documents (others are refused). */
static const char *const formats[] = { "date-time", "enum", "int32", "int64", "float", "double" };

static int in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}
#define IN(s, list) in((s), (list), sizeof(list) / sizeof((list)[0]))

static jv schema_list(jv list, jv (*each)(jv))
{
	jv out = jv_array();
	jv_array_foreach(list, i, s)
		out = jv_array_append(out, each(s));
	jv_free(list);
	return out;
}

jv gemini_schema_from_json(jv s)
{
	if (!jis(s, JV_KIND_OBJECT)) {
		jv_free(s);
		return jv_object();
	}
	jv out = jv_object();
	jv type = jget(s, "type");
	if (jis(type, JV_KIND_ARRAY)) {		/* ["string","null"] → string + nullable */
		jv one = jv_invalid();
		jv_array_foreach(type, i, t) {
			if (jis(t, JV_KIND_STRING) && strcmp(jv_string_value(t), "null") == 0)
				out = jv_object_set(out, jv_string("nullable"), jv_true());
			else if (jis(t, JV_KIND_STRING) && !jv_is_valid(one))
				one = jv_copy(t);
			jv_free(t);
		}
		jv_free(type);
		type = one;
	}
	if (jis(type, JV_KIND_STRING))
		out = jv_object_set(out, jv_string("type"), jv_copy(type));
	jv_object_foreach(s, k, v) {
		const char *key = jv_string_value(k);
		if (IN(key, plain_keys)) {
			out = jv_object_set(out, jv_copy(k), jv_copy(v));
		} else if (strcmp(key, "format") == 0 && jis(v, JV_KIND_STRING) &&
			   IN(jv_string_value(v), formats)) {
			out = jv_object_set(out, jv_copy(k), jv_copy(v));
		} else if (strcmp(key, "enum") == 0 && jis(v, JV_KIND_ARRAY)) {
			int strings = 1;
			jv_array_foreach(v, i, e) {
				strings &= jis(e, JV_KIND_STRING);
				jv_free(e);
			}
			if (strings)	/* Gemini enums are string enums */
				out = jv_object_set(out, jv_copy(k), jv_copy(v));
		} else if (strcmp(key, "const") == 0 && jis(v, JV_KIND_STRING)) {
			out = jv_object_set(out, jv_string("enum"), JV_ARRAY(jv_copy(v)));
		} else if (strcmp(key, "items") == 0 && jis(v, JV_KIND_OBJECT)) {
			out = jv_object_set(out, jv_copy(k), gemini_schema_from_json(jv_copy(v)));
		} else if ((strcmp(key, "anyOf") == 0 || strcmp(key, "oneOf") == 0) &&
			   jis(v, JV_KIND_ARRAY)) {
			out = jv_object_set(out, jv_string("anyOf"),
					    schema_list(jv_copy(v), gemini_schema_from_json));
		} else if (strcmp(key, "properties") == 0 && jis(v, JV_KIND_OBJECT) &&
			   jv_object_length(jv_copy(v)) > 0) {
			jv props = jv_object();
			jv_object_foreach(v, pk, pv)
				props = jv_object_set(props, pk, gemini_schema_from_json(pv));
			out = jv_object_set(out, jv_copy(k), props);
		}	/* $schema, additionalProperties, $ref, allOf, not…: dropped */
		jv_free(k);
		jv_free(v);
	}
	/* required may only name properties that are there */
	jv req = jget(s, "required"), props = jget(out, "properties");
	if (jis(req, JV_KIND_ARRAY) && jis(props, JV_KIND_OBJECT)) {
		jv keep = jv_array();
		jv_array_foreach(req, i, r) {
			if (jis(r, JV_KIND_STRING) && jv_object_has(jv_copy(props), jv_copy(r)))
				keep = jv_array_append(keep, r);
			else
				jv_free(r);
		}
		if (jv_array_length(jv_copy(keep)) > 0)
			out = jv_object_set(out, jv_string("required"), keep);
		else
			jv_free(keep);
	}
	jv_free(req);
	jv_free(props);
	jv_free(type);
	jv_free(s);
	return out;
}

jv gemini_schema_to_json(jv s)
{
	if (!jis(s, JV_KIND_OBJECT))
		return s;
	jv out = jv_object();
	int nullable = jis_at(s, "nullable", JV_KIND_TRUE);
	jv_object_foreach(s, k, v) {
		const char *key = jv_string_value(k);
		if (strcmp(key, "type") == 0 && jis(v, JV_KIND_STRING)) {
			/* Gemini's enum names (OBJECT, STRING…) in JSON Schema's case */
			char low[32];
			size_t n = strlen(jv_string_value(v));
			if (n < sizeof low) {
				for (size_t i = 0; i <= n; i++) {
					char c = jv_string_value(v)[i];
					low[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
				}
				jv t = jv_string(low);
				out = jv_object_set(out, jv_copy(k),
						    nullable ? JV_ARRAY(t, jv_string("null")) : t);
			}
		} else if (strcmp(key, "nullable") == 0) {
			/* folded into type */
		} else if (strcmp(key, "items") == 0) {
			out = jv_object_set(out, jv_copy(k), gemini_schema_to_json(jv_copy(v)));
		} else if (strcmp(key, "anyOf") == 0 && jis(v, JV_KIND_ARRAY)) {
			out = jv_object_set(out, jv_copy(k), schema_list(jv_copy(v), gemini_schema_to_json));
		} else if (strcmp(key, "properties") == 0 && jis(v, JV_KIND_OBJECT)) {
			jv props = jv_object();
			jv_object_foreach(v, pk, pv)
				props = jv_object_set(props, pk, gemini_schema_to_json(pv));
			out = jv_object_set(out, jv_copy(k), props);
		} else {
			out = jv_object_set(out, jv_copy(k), jv_copy(v));
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(s);
	return out;
}
