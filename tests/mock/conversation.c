/* conversation: the two things the `tool` behaviour reads from a request,
 * in each format: the first tool defined, and a tool result in the last message. */
#include "mock.h"

#include <string.h>

/* x[key] (x consumed), or null when x is not an object or lacks the key. */
static jv get(jv x, const char *key)
{
	if (jv_get_kind(x) != JV_KIND_OBJECT) {
		jv_free(x);
		return jv_null();
	}
	jv v = jv_object_get(x, jv_string(key));
	return jv_is_valid(v) ? v : jv_null();
}

/* x[i] (x consumed; i < 0 counts from the end), or null. */
static jv nth(jv x, int i)
{
	if (jv_get_kind(x) != JV_KIND_ARRAY) {
		jv_free(x);
		return jv_null();
	}
	int n = jv_array_length(jv_copy(x));
	if (i < 0)
		i += n;
	if (i < 0 || i >= n) {
		jv_free(x);
		return jv_null();
	}
	return jv_array_get(x, i);
}

static int is_string(jv x, const char *s)
{
	int yes = jv_get_kind(x) == JV_KIND_STRING && strcmp(jv_string_value(x), s) == 0;
	jv_free(x);
	return yes;
}

/* The text of a tool result's content: a string, or the text of its parts
 * ([{type:"text"|"input_text",text}]), or else the value as JSON. */
static jv text_of(jv content)
{
	switch (jv_get_kind(content)) {
	case JV_KIND_STRING:
		return content;
	case JV_KIND_ARRAY: {
		jv out = jv_string("");
		jv_array_foreach(content, i, part) {
			(void)i;
			jv t = get(part, "text");
			if (jv_get_kind(t) == JV_KIND_STRING)
				out = jv_string_concat(out, t);
			else
				jv_free(t);
		}
		jv_free(content);
		return out;
	}
	default:
		return jv_dump_string(content, 0);
	}
}

int conv_first_tool(enum nr_format fmt, jv req, jv *name, jv *schema)
{
	jv tools = get(req, "tools");
	int n = jv_get_kind(tools) == JV_KIND_ARRAY ? jv_array_length(jv_copy(tools)) : 0;
	for (int i = 0; i < n; i++) {
		jv t = nth(jv_copy(tools), i);
		if (fmt == NR_FMT_GEMINI) {
			jv decls = get(jv_copy(t), "functionDeclarations");
			if (jv_get_kind(decls) == JV_KIND_NULL)
				decls = get(jv_copy(t), "function_declarations");
			jv_free(t);
			t = nth(decls, 0);
		}
		if (fmt == NR_FMT_OPENAI) {	/* {type:"function",function:{name,parameters}} */
			jv f = get(jv_copy(t), "function");
			if (jv_get_kind(f) == JV_KIND_OBJECT) {
				jv_free(t);
				t = f;
			} else {
				jv_free(f);
			}
		}
		jv nm = get(jv_copy(t), "name");
		if (jv_get_kind(nm) != JV_KIND_STRING) {
			jv_free(nm);
			jv_free(t);
			continue;
		}
		/* the schema's key differs per format; the first present wins */
		jv s = get(jv_copy(t), "input_schema");
		if (jv_get_kind(s) == JV_KIND_NULL)
			s = get(jv_copy(t), "parameters");
		if (jv_get_kind(s) == JV_KIND_NULL)
			s = get(jv_copy(t), "parametersJsonSchema");
		jv_free(t);
		jv_free(tools);
		*name = nm;
		*schema = s;
		return 0;
	}
	jv_free(tools);
	return -1;
}

jv conv_last_tool_result(enum nr_format fmt, jv req)
{
	switch (fmt) {
	case NR_FMT_OPENAI: {
		jv m = nth(get(req, "messages"), -1);
		if (!is_string(get(jv_copy(m), "role"), "tool")) {
			jv_free(m);
			return jv_invalid();
		}
		return text_of(get(m, "content"));
	}
	case NR_FMT_ANTHROPIC: {
		jv content = get(nth(get(req, "messages"), -1), "content");
		int n = jv_get_kind(content) == JV_KIND_ARRAY ? jv_array_length(jv_copy(content)) : 0;
		for (int i = 0; i < n; i++) {
			jv b = nth(jv_copy(content), i);
			if (is_string(get(jv_copy(b), "type"), "tool_result")) {
				jv_free(content);
				return text_of(get(b, "content"));
			}
			jv_free(b);
		}
		jv_free(content);
		return jv_invalid();
	}
	case NR_FMT_RESPONSES: {
		jv item = nth(get(req, "input"), -1);
		jv type = get(jv_copy(item), "type");
		if (is_string(jv_copy(type), "function_call_output") ||
		    is_string(jv_copy(type), "custom_tool_call_output")) {
			jv_free(type);
			return text_of(get(item, "output"));
		}
		jv_free(type);
		jv_free(item);
		return jv_invalid();
	}
	case NR_FMT_GEMINI: {
		jv parts = get(nth(get(req, "contents"), -1), "parts");
		int n = jv_get_kind(parts) == JV_KIND_ARRAY ? jv_array_length(jv_copy(parts)) : 0;
		for (int i = 0; i < n; i++) {
			jv r = get(nth(jv_copy(parts), i), "functionResponse");
			if (jv_get_kind(r) == JV_KIND_OBJECT) {
				jv_free(parts);
				jv resp = get(r, "response");
				jv out = get(jv_copy(resp), "output");
				if (jv_get_kind(out) == JV_KIND_STRING) {
					jv_free(resp);
					return out;
				}
				jv_free(out);
				return text_of(resp);
			}
			jv_free(r);
		}
		jv_free(parts);
		return jv_invalid();
	}
	}
	jv_free(req);
	return jv_invalid();
}
