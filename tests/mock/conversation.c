/* conversation: the two things the `tool` behaviour reads from a request,
 * in each format: the tool to call, and a tool result in the last message. */
#include "mock.h"

#include <string.h>
#include <strings.h>

/* The value at `path` in x (both consumed; negative indexes count from the
 * end), or null when it is missing or x has another shape. */
static jv at(jv x, jv path)
{
	jv v = jv_getpath(x, path);
	if (jv_is_valid(v))
		return v;
	jv_free(v);
	return jv_null();
}

static int is_string(jv x, const char *s)
{
	int yes = jv_get_kind(x) == JV_KIND_STRING && strcmp(jv_string_value(x), s) == 0;
	jv_free(x);
	return yes;
}

static int length(jv x)
{
	int n = jv_get_kind(x) == JV_KIND_ARRAY ? jv_array_length(jv_copy(x)) : 0;
	jv_free(x);
	return n;
}

/* The text of a tool result's content: a string, or the text of its parts
 * ([{type:"text"|"input_text",text}]), or else the value as JSON. */
static jv text_of(jv content)
{
	if (jv_get_kind(content) == JV_KIND_STRING)
		return content;
	if (jv_get_kind(content) != JV_KIND_ARRAY)
		return jv_dump_string(content, 0);
	jv out = jv_string("");
	jv_array_foreach(content, i, part) {
		(void)i;
		jv t = at(part, JV_ARRAY(S("text")));
		if (jv_get_kind(t) == JV_KIND_STRING)
			out = jv_string_concat(out, t);
		else
			jv_free(t);
	}
	jv_free(content);
	return out;
}

int conv_find_tool(enum nr_format fmt, jv req, const char *prefix, size_t prefix_len, jv *name,
		   jv *schema)
{
	jv tools = at(req, JV_ARRAY(S("tools")));
	int n = length(jv_copy(tools));
	for (int i = 0; i < n; i++) {
		jv t = at(jv_copy(tools), JV_ARRAY(N(i)));
		if (fmt == NR_FMT_GEMINI) {	/* tools[].functionDeclarations[] */
			jv d = at(jv_copy(t), JV_ARRAY(S("functionDeclarations"), N(0)));
			if (jv_get_kind(d) == JV_KIND_NULL)
				d = at(jv_copy(t), JV_ARRAY(S("function_declarations"), N(0)));
			jv_free(t);
			t = d;
		} else if (fmt == NR_FMT_OPENAI) {	/* {type:"function",function:{...}} */
			t = at(t, JV_ARRAY(S("function")));
		}
		jv nm = at(jv_copy(t), JV_ARRAY(S("name")));
		if (jv_get_kind(nm) != JV_KIND_STRING ||
		    (prefix && strncasecmp(jv_string_value(nm), prefix, prefix_len) != 0)) {
			jv_free(nm);
			jv_free(t);
			continue;
		}
		/* the schema's key differs per format; the first present wins */
		jv s = at(jv_copy(t), JV_ARRAY(S("input_schema")));
		if (jv_get_kind(s) == JV_KIND_NULL)
			s = at(jv_copy(t), JV_ARRAY(S("parameters")));
		if (jv_get_kind(s) == JV_KIND_NULL)
			s = at(jv_copy(t), JV_ARRAY(S("parametersJsonSchema")));
		jv_free(t);
		jv_free(tools);
		*name = nm;
		*schema = s;
		return 0;
	}
	jv_free(tools);
	return -1;
}

/* The first element of array `list` whose `key` is a string equal to `value`
 * (or, value NULL, whose `key` is an object); null when none. */
static jv find(jv list, const char *key, const char *value)
{
	int n = length(jv_copy(list));
	for (int i = 0; i < n; i++) {
		jv e = at(jv_copy(list), JV_ARRAY(N(i)));
		jv k = at(jv_copy(e), JV_ARRAY(S(key)));
		int hit;
		if (value) {
			hit = is_string(k, value);
		} else {
			hit = jv_get_kind(k) == JV_KIND_OBJECT;
			jv_free(k);
		}
		if (hit) {
			jv_free(list);
			return e;
		}
		jv_free(e);
	}
	jv_free(list);
	return jv_null();
}

jv conv_last_tool_result(enum nr_format fmt, jv req)
{
	jv found = jv_null();
	switch (fmt) {
	case NR_FMT_OPENAI: {	/* the last message has role "tool" */
		jv m = at(req, JV_ARRAY(S("messages"), N(-1)));
		if (is_string(at(jv_copy(m), JV_ARRAY(S("role"))), "tool"))
			found = at(jv_copy(m), JV_ARRAY(S("content")));
		else
			found = jv_invalid();
		jv_free(m);
		break;
	}
	case NR_FMT_ANTHROPIC: {	/* a tool_result block in the last message */
		jv b = find(at(req, JV_ARRAY(S("messages"), N(-1), S("content"))), "type", "tool_result");
		found = jv_get_kind(b) == JV_KIND_NULL ? jv_invalid() : at(jv_copy(b), JV_ARRAY(S("content")));
		jv_free(b);
		break;
	}
	case NR_FMT_RESPONSES: {	/* the last input item is a *_call_output */
		jv item = at(req, JV_ARRAY(S("input"), N(-1)));
		jv type = at(jv_copy(item), JV_ARRAY(S("type")));
		if (is_string(jv_copy(type), "function_call_output") || is_string(jv_copy(type), "custom_tool_call_output"))
			found = at(jv_copy(item), JV_ARRAY(S("output")));
		else
			found = jv_invalid();
		jv_free(type);
		jv_free(item);
		break;
	}
	case NR_FMT_GEMINI: {	/* a functionResponse part in the last content */
		jv p = find(at(req, JV_ARRAY(S("contents"), N(-1), S("parts"))), "functionResponse", NULL);
		if (jv_get_kind(p) == JV_KIND_NULL) {
			found = jv_invalid();
		} else {	/* response.output by convention, else the whole response */
			found = at(jv_copy(p), JV_ARRAY(S("functionResponse"), S("response"), S("output")));
			if (jv_get_kind(found) != JV_KIND_STRING) {
				jv_free(found);
				found = at(jv_copy(p), JV_ARRAY(S("functionResponse"), S("response")));
			}
		}
		jv_free(p);
		break;
	}
	}
	return jv_is_valid(found) ? text_of(found) : found;
}
