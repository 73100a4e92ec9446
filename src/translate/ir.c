/* ir: helpers shared by the request translators (see ir.h for the IR shape). */
#include "translate/ir.h"
#include "json.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

jv jget(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_invalid();
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	if (jv_get_kind(v) == JV_KIND_NULL) {
		jv_free(v);
		return jv_invalid();
	}
	return v;
}

jv jget2(jv obj, const char *a, const char *b)
{
	jv v = jget(obj, a);
	if (jv_is_valid(v))
		return v;
	return jget(obj, b);
}

int jis(jv v, jv_kind k)
{
	return jv_get_kind(v) == k;
}

int jis_at(jv obj, const char *key, jv_kind k)
{
	jv v = jget(obj, key);
	int r = jis(v, k);
	jv_free(v);
	return r;
}

const char *jkind(jv v)
{
	return jv_is_valid(v) ? jv_kind_name(jv_get_kind(v)) : "missing";
}

const char *jstr(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return NULL;
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	/* The object keeps its own reference to the string, so the pointer
	 * stays valid after this reference is dropped. */
	const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
	jv_free(v);
	return s;
}

jv ir_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	jv msg = jv_string_vfmt(fmt, ap);
	va_end(ap);
	return jv_invalid_with_msg(msg);
}

void jset(jv *obj, const char *key, jv val)
{
	if (!jv_is_valid(val)) {
		jv_free(val);
		return;
	}
	*obj = jv_object_set(*obj, jv_string(key), val);
}

jv ir_add_part(jv msgs, const char *role, jv part)
{
	int n = jv_array_length(jv_copy(msgs));
	if (n > 0) {
		jv last = jv_array_get(jv_copy(msgs), n - 1);
		const char *r = jstr(last, "role");
		if (r && strcmp(r, role) == 0) {
			/* release the array's and the message's references first so
			 * that jq appends in place instead of copying (no O(n²)) */
			msgs = jv_array_set(msgs, n - 1, jv_null());
			jv content = jget(last, "content");
			last = jv_object_delete(last, jv_string("content"));
			content = jv_array_append(content, part);
			last = jv_object_set(last, jv_string("content"), content);
			return jv_array_set(msgs, n - 1, last);
		}
		jv_free(last);
	}
	return jv_array_append(msgs, JV_OBJECT(jv_string("role"), jv_string(role),
		jv_string("content"), JV_ARRAY(part)));
}

void ir_push_part(jv *ir, const char *role, jv part)
{
	jv msgs = jget(*ir, "messages");
	*ir = jv_object_delete(*ir, jv_string("messages"));	/* msgs is now the only reference */
	*ir = jv_object_set(*ir, jv_string("messages"), ir_add_part(msgs, role, part));
}

jv ir_text(jv text)
{
	return JV_OBJECT(jv_string("type"), jv_string("text"), jv_string("text"), text);
}

jv ir_image_from_url(jv url)
{
	const char *u = jv_string_value(url);
	const char *semi = strchr(u, ';'), *comma = strchr(u, ',');
	if (strncmp(u, "data:", 5) == 0 && semi && comma && semi < comma &&
	    strncmp(semi, ";base64,", 8) == 0) {
		jv part = JV_OBJECT(jv_string("type"), jv_string("image"),
			jv_string("media_type"), jv_string_sized(u + 5, (int)(semi - u - 5)),
			jv_string("data"), jv_string(comma + 1));
		jv_free(url);
		return part;
	}
	return JV_OBJECT(jv_string("type"), jv_string("image"), jv_string("url"), url);
}

jv ir_image_to_url(jv part)
{
	jv url = jget(part, "url");
	if (jv_is_valid(url)) {
		jv_free(part);
		return url;
	}
	jv out = jv_string_fmt("data:%s;base64,", jstr(part, "media_type") ?
		jstr(part, "media_type") : "application/octet-stream");
	const char *d = jstr(part, "data");
	out = jv_string_append_str(out, d ? d : "");
	jv_free(part);
	return out;
}

jv ir_join_text(jv parts)
{
	jv out = jv_invalid();
	jv_array_foreach(parts, i, p) {
		const char *t = jstr(p, "type");
		if (t && strcmp(t, "text") == 0) {
			jv text = jget(p, "text");
			out = jv_is_valid(out) ? jv_string_concat(jv_string_append_str(out, "\n\n"), text)
					       : text;
		}
		jv_free(p);
	}
	jv_free(parts);
	return jv_is_valid(out) ? out : jv_string("");
}

jv ir_args_object(jv args, jv name)
{
	if (jis(args, JV_KIND_OBJECT)) {
		jv_free(name);
		return args;
	}
	const char *s = jis(args, JV_KIND_STRING) ? jv_string_value(args) : NULL;
	if (s && s[strspn(s, " \t\r\n")] == '\0') {
		jv_free(args);
		jv_free(name);
		return jv_object();
	}
	jv obj = s ? json_parse(s, strlen(s)) : jv_invalid();
	if (jis(obj, JV_KIND_OBJECT)) {
		jv_free(args);
		jv_free(name);
		return obj;
	}
	jv_free(obj);
	jv err = ir_error("the arguments of tool call '%s' are not a JSON object",
			  jis(name, JV_KIND_STRING) ? jv_string_value(name) : "?");
	jv_free(args);
	jv_free(name);
	return err;
}

jv ir_args_text(jv value)
{
	if (!jv_is_valid(value))
		return jv_string("{}");
	return jv_dump_string(value, 0);
}

#define SIG_TUNNEL "nr-sig:"

jv ir_sig_parse(jv raw, enum nr_format src, jv *origin)
{
	const char *s = jv_string_value(raw);
	if (strncmp(s, SIG_TUNNEL, strlen(SIG_TUNNEL)) == 0) {
		const char *fmt = s + strlen(SIG_TUNNEL), *colon = strchr(fmt, ':');
		if (colon) {
			jv name = jv_string_sized(fmt, (int)(colon - fmt));
			if (nr_format_parse(jv_string_value(name)) >= 0) {
				*origin = name;
				jv state = jv_string(colon + 1);
				jv_free(raw);
				return state;
			}
			jv_free(name);
		}
	}
	*origin = jv_string(nr_format_name(src));
	return raw;
}

int ir_sig_for(jv part, enum nr_format to)
{
	const char *o = jstr(part, "origin");
	return o && jstr(part, "signature") && strcmp(o, nr_format_name(to)) == 0;
}

static int anthropic_id_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(*s == '_' || *s == '-' || (*s >= '0' && *s <= '9') ||
		      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

jv ir_id_to_anthropic(jv id)
{
	const char *s = jv_string_value(id);
	if (anthropic_id_ok(s) && strncmp(s, "nrx_", 4) != 0)
		return id;
	static const char hex[] = "0123456789abcdef";
	jv out = jv_string("nrx_");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char h[2] = { hex[*p >> 4], hex[*p & 15] };
		out = jv_string_append_buf(out, h, 2);
	}
	jv_free(id);
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

jv ir_id_from_anthropic(jv id)
{
	const char *s = jv_string_value(id);
	if (strncmp(s, "nrx_", 4) != 0)
		return id;
	const char *h = s + 4;
	size_t n = strlen(h);
	if (n == 0 || n % 2)
		return id;
	jv out = jv_string("");
	for (size_t i = 0; i < n; i += 2) {
		int a = hexval(h[i]), b = hexval(h[i + 1]);
		if (a < 0 || b < 0 || (a == 0 && b == 0)) {
			jv_free(out);
			return id;
		}
		char c = (char)(a << 4 | b);
		out = jv_string_append_buf(out, &c, 1);
	}
	jv_free(id);
	return out;
}

static const struct {
	const char *effort;
	int budget;
} effort_table[] = {
	{ "minimal", 1024 }, { "low", 4096 }, { "medium", 8192 }, { "high", 16384 },
	{ "xhigh", 32768 }, { "max", 32768 },
};

int ir_effort_budget(const char *effort)
{
	for (size_t i = 0; i < sizeof effort_table / sizeof effort_table[0]; i++)
		if (strcmp(effort, effort_table[i].effort) == 0)
			return effort_table[i].budget;
	return -1;
}

long ir_long(double d)
{
	if (isnan(d))
		return 0;
	if (d >= (double)LONG_MAX)	/* 2^63: the first double past the range */
		return LONG_MAX;
	if (d <= (double)LONG_MIN)
		return LONG_MIN;
	return (long)d;
}

const char *ir_budget_effort(long budget)
{
	if (budget <= 4096)
		return "low";
	if (budget <= 8192)
		return "medium";
	return "high";
}

int ir_take_number(jv *ir, const char *ir_key, jv v, const char *what, jv *err)
{
	if (!jv_is_valid(v))
		return jv_free(v), 0;
	if (!jis(v, JV_KIND_NUMBER)) {
		*err = ir_error("%s must be a number, not %s", what, jkind(v));
		jv_free(v);
		return -1;
	}
	jset(ir, ir_key, v);
	return 0;
}

int ir_take_bool(jv *ir, const char *ir_key, jv v, const char *what, jv *err)
{
	if (!jv_is_valid(v))
		return jv_free(v), 0;
	if (!jis(v, JV_KIND_TRUE) && !jis(v, JV_KIND_FALSE)) {
		*err = ir_error("%s must be true or false, not %s", what, jkind(v));
		jv_free(v);
		return -1;
	}
	jset(ir, ir_key, v);
	return 0;
}

int ir_take_string(jv *ir, const char *ir_key, jv v, const char *what, jv *err)
{
	if (!jv_is_valid(v))
		return jv_free(v), 0;
	if (!jis(v, JV_KIND_STRING)) {
		*err = ir_error("%s must be a string, not %s", what, jkind(v));
		jv_free(v);
		return -1;
	}
	jset(ir, ir_key, v);
	return 0;
}

int ir_take_stop(jv *ir, jv v, const char *what, jv *err)
{
	if (!jv_is_valid(v))
		return jv_free(v), 0;
	if (jis(v, JV_KIND_STRING))
		v = JV_ARRAY(v);
	int ok = jis(v, JV_KIND_ARRAY);
	if (ok)
		jv_array_foreach(v, i, s) {
			ok = ok && jis(s, JV_KIND_STRING);
			jv_free(s);
		}
	if (!ok) {
		*err = ir_error("%s must be a string or an array of strings", what);
		jv_free(v);
		return -1;
	}
	if (jv_array_length(jv_copy(v)) > 0)
		jset(ir, "stop", v);
	else
		jv_free(v);
	return 0;
}

int ir_take_tool(jv *ir, jv name, jv description, jv parameters, jv *err)
{
	if (!jis(name, JV_KIND_STRING) || jv_string_length_bytes(jv_copy(name)) == 0) {
		*err = ir_error("a tool needs a name (a non-empty string), not %s", jkind(name));
		goto fail;
	}
	if (jv_is_valid(description) && !jis(description, JV_KIND_STRING)) {
		*err = ir_error("the description of tool '%s' must be a string", jv_string_value(name));
		goto fail;
	}
	if (!jv_is_valid(parameters))
		parameters = JV_OBJECT(jv_string("type"), jv_string("object"),
				       jv_string("properties"), jv_object());
	if (!jis(parameters, JV_KIND_OBJECT)) {
		*err = ir_error("the parameters of tool '%s' must be a JSON Schema object",
				jv_string_value(name));
		goto fail;
	}
	jv tool = JV_OBJECT(jv_string("name"), name);
	jset(&tool, "description", description);
	jset(&tool, "parameters", parameters);
	jv tools = jget(*ir, "tools");
	*ir = jv_object_set(*ir, jv_string("tools"),
		jv_array_append(jv_is_valid(tools) ? tools : jv_array(), tool));
	return 0;
fail:
	jv_free(name);
	jv_free(description);
	jv_free(parameters);
	return -1;
}

jv ir_request_array(jv req, const char *what, const char *key)
{
	if (!jis(req, JV_KIND_OBJECT))
		return ir_error("%s must be a JSON object", what);
	jv arr = jget(req, key);
	if (jis(arr, JV_KIND_ARRAY))
		return arr;
	jv e = jv_is_valid(arr) ? ir_error("%s must be an array, not %s", key, jkind(arr))
				: ir_error("%s needs %s (%s)", what, key, jkind(arr));
	jv_free(arr);
	return e;
}
