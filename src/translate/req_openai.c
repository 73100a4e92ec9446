/* req_openai: Chat Completions requests ↔ the IR (ir.h). */
#include <string.h>

#include "translate/ir.h"

/* A user/system content (string or parts) → IR parts appended to *parts. */
static int parse_content(jv content, const char *where, int images, jv *parts, jv *err)
{
	if (jis(content, JV_KIND_STRING)) {
		if (jv_string_length_bytes(jv_copy(content)) > 0)
			*parts = jv_array_append(*parts, ir_text(jv_copy(content)));
		return 0;
	}
	if (!jv_is_valid(content))
		return 0;
	if (!jis(content, JV_KIND_ARRAY)) {
		*err = ir_error("%s.content must be a string or an array of parts, not %s",
				where, jkind(content));
		return -1;
	}
	int rc = 0;
	jv_array_foreach(content, i, p) {
		const char *t = jstr(p, "type");
		if (!t) {
			*err = ir_error("%s.content[%d] must be an object with a type", where, i);
			rc = -1;
		} else if (strcmp(t, "text") == 0 || strcmp(t, "refusal") == 0) {
			jv text = jget(p, t);
			if (!jis(text, JV_KIND_STRING)) {
				*err = ir_error("%s.content[%d].%s must be a string", where, i, t);
				rc = -1;
			} else if (jv_string_length_bytes(jv_copy(text)) > 0) {
				*parts = jv_array_append(*parts, ir_text(text));
				text = jv_invalid();
			}
			jv_free(text);
		} else if (strcmp(t, "image_url") == 0 && images) {
			jv iu = jget(p, "image_url");
			jv url = jis(iu, JV_KIND_STRING) ? jv_copy(iu) : jget(iu, "url");
			jv_free(iu);
			if (!jis(url, JV_KIND_STRING)) {
				*err = ir_error("%s.content[%d].image_url.url must be a string", where, i);
				jv_free(url);
				rc = -1;
			} else {
				*parts = jv_array_append(*parts, ir_image_from_url(url));
			}
		}	/* audio, files: no equivalent in the IR, dropped */
		jv_free(p);
		if (rc)
			break;
	}
	return rc;
}

static int parse_tool_calls(jv calls, const char *where, jv *ir, jv *err)
{
	if (!jis(calls, JV_KIND_ARRAY)) {
		*err = ir_error("%s.tool_calls must be an array", where);
		return -1;
	}
	int rc = 0;
	jv_array_foreach(calls, i, c) {
		jv id = jget(c, "id");
		const char *type = jstr(c, "type");
		jv fn = jget(c, type && strcmp(type, "custom") == 0 ? "custom" : "function");
		jv name = jget(fn, "name");
		jv args = type && strcmp(type, "custom") == 0
			? ir_args_text(JV_OBJECT(jv_string("input"), jget(fn, "input")))
			: jget(fn, "arguments");
		if (!jis(id, JV_KIND_STRING) || !jis(name, JV_KIND_STRING) ||
		    (jv_is_valid(args) && !jis(args, JV_KIND_STRING))) {
			*err = ir_error("%s.tool_calls[%d] needs a string id, function.name and "
					"function.arguments", where, i);
			rc = -1;
			jv_free(id), jv_free(name), jv_free(args);
		} else {
			jv part = JV_OBJECT(jv_string("type"), jv_string("tool_call"), jv_string("id"), id,
				jv_string("name"), name, jv_string("arguments"),
				jv_is_valid(args) ? args : jv_string("{}"));
			ir_push_part(ir, "assistant", part);
		}
		jv_free(fn);
		jv_free(c);
		if (rc)
			break;
	}
	return rc;
}

static int parse_message(jv m, int i, jv *ir, jv *err)
{
	char where[32];
	snprintf(where, sizeof where, "messages[%d]", i);
	const char *role = jstr(m, "role");
	if (!role) {
		*err = ir_error("%s must be an object with a role", where);
		return -1;
	}
	jv content = jget(m, "content");
	jv parts = jv_array();
	int rc = 0;
	if (strcmp(role, "system") == 0 || strcmp(role, "developer") == 0) {
		rc = parse_content(content, where, 0, &parts, err);
		if (!rc && jv_array_length(jv_copy(parts)) > 0) {
			jv sys = jget(*ir, "system");
			jset(ir, "system", jv_array_append(jv_is_valid(sys) ? sys : jv_array(),
							   ir_join_text(jv_copy(parts))));
		}
	} else if (strcmp(role, "user") == 0 || strcmp(role, "assistant") == 0) {
		rc = parse_content(content, where, role[0] == 'u', &parts, err);
		jv_array_foreach(parts, k, p)
			ir_push_part(ir, role, p);
		jv calls = jget(m, "tool_calls");
		if (!rc && role[0] == 'a' && jv_is_valid(calls))
			rc = parse_tool_calls(calls, where, ir, err);
		jv_free(calls);
	} else if (strcmp(role, "tool") == 0) {
		jv id = jget(m, "tool_call_id");
		rc = parse_content(content, where, 0, &parts, err);
		if (!rc && !jis(id, JV_KIND_STRING)) {
			*err = ir_error("%s (a tool result) needs a string tool_call_id", where);
			rc = -1;
		}
		if (!rc) {
			jv part = JV_OBJECT(jv_string("type"), jv_string("tool_result"),
				jv_string("id"), jv_copy(id), jv_string("content"), jv_copy(parts),
				jv_string("is_error"), jv_false());
			ir_push_part(ir, "user", part);
		}
		jv_free(id);
	} else if (strcmp(role, "function") != 0) {	/* legacy function results: dropped */
		*err = ir_error("%s has an unknown role '%s'", where, role);
		rc = -1;
	}
	jv_free(content);
	jv_free(parts);
	return rc;
}

static int parse_tools(jv tools, jv *ir, jv *err)
{
	if (!jis(tools, JV_KIND_ARRAY)) {
		*err = ir_error("tools must be an array");
		return -1;
	}
	int rc = 0;
	jv_array_foreach(tools, i, t) {
		const char *type = jstr(t, "type");
		if (type && strcmp(type, "function") == 0) {
			jv fn = jget(t, "function");
			rc = ir_take_tool(ir, jget(fn, "name"), jget(fn, "description"),
					  jget(fn, "parameters"), err);
			jv_free(fn);
		} else if (type && strcmp(type, "custom") == 0) {
			/* freeform tool: one string parameter named input */
			jv c = jget(t, "custom");
			rc = ir_take_tool(ir, jget(c, "name"), jget(c, "description"),
				jv_parse("{\"type\":\"object\",\"properties\":{\"input\":"
					 "{\"type\":\"string\"}},\"required\":[\"input\"]}"), err);
			jv_free(c);
		}
		jv_free(t);
		if (rc)
			break;
	}
	return rc;
}

static int parse_tool_choice(jv tc, jv *ir, jv *err)
{
	if (!jv_is_valid(tc))
		return 0;
	jv out = jv_invalid();
	if (jis(tc, JV_KIND_STRING)) {
		const char *s = jv_string_value(tc);
		if (strcmp(s, "auto") == 0 || strcmp(s, "none") == 0 || strcmp(s, "required") == 0)
			out = JV_OBJECT(jv_string("type"), jv_copy(tc));
	} else if (jis(tc, JV_KIND_OBJECT)) {
		const char *type = jstr(tc, "type");
		jv fn = jget(tc, type && strcmp(type, "custom") == 0 ? "custom" : "function");
		jv name = jget(fn, "name");
		jv allowed = jget(tc, "allowed_tools");
		if (jis(name, JV_KIND_STRING)) {
			out = JV_OBJECT(jv_string("type"), jv_string("tool"), jv_string("name"), name);
		} else if (type && strcmp(type, "allowed_tools") == 0) {
			jv_free(name);
			const char *mode = jstr(allowed, "mode");
			out = JV_OBJECT(jv_string("type"),
				jv_string(mode && strcmp(mode, "required") == 0 ? "required" : "auto"));
		} else {
			jv_free(name);
		}
		jv_free(fn);
		jv_free(allowed);
	}
	if (!jv_is_valid(out)) {
		*err = ir_error("tool_choice must be auto, none, required or a named function");
		return -1;
	}
	jset(ir, "tool_choice", out);
	return 0;
}

jv req_openai_parse(jv req, const char *model)
{
	(void)model;
	jv msgs = ir_request_array(req, "an openai request", "messages");
	if (!jv_is_valid(msgs)) {
		jv_free(req);
		return msgs;
	}
	jv ir = JV_OBJECT(jv_string("messages"), jv_array());
	jv err = jv_invalid();
	int rc = 0;
	jv n = jget(req, "n");
	if (jis(n, JV_KIND_NUMBER) && jv_number_value(n) > 1) {
		err = ir_error("n > 1 (several choices) cannot be translated");
		rc = -1;
	}
	jv_free(n);
	jv_array_foreach(msgs, i, m) {
		if (!rc)
			rc = parse_message(m, i, &ir, &err);
		jv_free(m);
	}
	jv_free(msgs);
	jv tools = jget(req, "tools");
	if (!rc && jv_is_valid(tools))
		rc = parse_tools(tools, &ir, &err);
	jv_free(tools);
	jv tc = jget(req, "tool_choice");
	if (!rc)
		rc = parse_tool_choice(tc, &ir, &err);
	jv_free(tc);
	jv max = jget(req, "max_completion_tokens");
	if (!jv_is_valid(max))
		max = jget(req, "max_tokens");
	if (!rc)
		rc = ir_take_number(&ir, "max_tokens", max, "max_completion_tokens", &err) ||
		     ir_take_string(&ir, "model", jget(req, "model"), "model", &err) ||
		     ir_take_number(&ir, "temperature", jget(req, "temperature"), "temperature", &err) ||
		     ir_take_number(&ir, "top_p", jget(req, "top_p"), "top_p", &err) ||
		     ir_take_stop(&ir, jget(req, "stop"), "stop", &err) ||
		     ir_take_bool(&ir, "stream", jget(req, "stream"), "stream", &err) ||
		     ir_take_bool(&ir, "parallel_tool_calls", jget(req, "parallel_tool_calls"),
				  "parallel_tool_calls", &err) ||
		     ir_take_string(&ir, "user", jget(req, "user"), "user", &err);
	else
		jv_free(max);
	const char *effort = jstr(req, "reasoning_effort");
	if (!rc && effort && strcmp(effort, "none") != 0)
		jset(&ir, "reasoning", JV_OBJECT(jv_string("effort"), jv_string(effort)));
	jv_free(req);
	if (rc) {
		jv_free(ir);
		return err;
	}
	return ir;
}

/* ---- emit ---- */

/* IR parts → openai content: a string for a single text, else parts. */
static jv emit_content(jv parts)
{
	int n = jv_array_length(jv_copy(parts));
	if (n == 1) {
		jv p = jv_array_get(jv_copy(parts), 0);
		if (strcmp(jstr(p, "type"), "text") == 0) {
			jv t = jget(p, "text");
			jv_free(p);
			jv_free(parts);
			return t;
		}
		jv_free(p);
	}
	jv out = jv_array();
	jv_array_foreach(parts, i, p) {
		if (strcmp(jstr(p, "type"), "text") == 0)
			out = jv_array_append(out, JV_OBJECT(jv_string("type"), jv_string("text"),
				jv_string("text"), jget(p, "text")));
		else if (strcmp(jstr(p, "type"), "image") == 0)
			out = jv_array_append(out, JV_OBJECT(jv_string("type"), jv_string("image_url"),
				jv_string("image_url"), JV_OBJECT(jv_string("url"),
					ir_image_to_url(jv_copy(p)))));
		jv_free(p);
	}
	jv_free(parts);
	return out;
}

/* A user turn: one tool message per result (they must follow the assistant's
 * calls directly), then the remaining parts, and images from results, as one
 * user message. */
static jv emit_user(jv msgs, jv content)
{
	jv rest = jv_array();
	jv_array_foreach(content, i, p) {
		const char *t = jstr(p, "type");
		if (strcmp(t, "tool_result") == 0) {
			jv rc = jget(p, "content");
			jv text = ir_join_text(jv_copy(rc));
			if (jis_at(p, "is_error", JV_KIND_TRUE))	/* no flag: say it */
				text = jv_string_concat(jv_string("Error: "), text);
			jv_array_foreach(rc, k, q) {
				if (strcmp(jstr(q, "type"), "image") == 0)
					rest = jv_array_append(rest, jv_copy(q));
				jv_free(q);
			}
			jv_free(rc);
			msgs = jv_array_append(msgs, JV_OBJECT(jv_string("role"), jv_string("tool"),
				jv_string("tool_call_id"), jget(p, "id"), jv_string("content"), text));
			jv_free(p);
		} else if (strcmp(t, "text") == 0 || strcmp(t, "image") == 0) {
			rest = jv_array_append(rest, p);
		} else {
			jv_free(p);
		}
	}
	jv_free(content);
	if (jv_array_length(jv_copy(rest)) == 0) {
		jv_free(rest);
		return msgs;
	}
	return jv_array_append(msgs, JV_OBJECT(jv_string("role"), jv_string("user"),
		jv_string("content"), emit_content(rest)));
}

static jv emit_assistant(jv msgs, jv content)
{
	jv text = jv_array(), calls = jv_array();
	jv_array_foreach(content, i, p) {
		const char *t = jstr(p, "type");
		if (strcmp(t, "text") == 0) {
			text = jv_array_append(text, p);
		} else if (strcmp(t, "tool_call") == 0) {
			calls = jv_array_append(calls, JV_OBJECT(jv_string("id"), jget(p, "id"),
				jv_string("type"), jv_string("function"), jv_string("function"),
				JV_OBJECT(jv_string("name"), jget(p, "name"),
					  jv_string("arguments"), jget(p, "arguments"))));
			jv_free(p);
		} else {	/* thinking: Chat Completions cannot carry it */
			jv_free(p);
		}
	}
	jv_free(content);
	int nt = jv_array_length(jv_copy(text)), nc = jv_array_length(jv_copy(calls));
	if (nt == 0 && nc == 0) {
		jv_free(text);
		jv_free(calls);
		return msgs;
	}
	jv m = JV_OBJECT(jv_string("role"), jv_string("assistant"), jv_string("content"),
			 nt ? emit_content(text) : (jv_free(text), jv_null()));
	if (nc)
		m = jv_object_set(m, jv_string("tool_calls"), calls);
	else
		jv_free(calls);
	return jv_array_append(msgs, m);
}

static jv emit_tool_choice(jv tc)
{
	const char *t = jstr(tc, "type");
	jv out;
	if (strcmp(t, "tool") == 0)
		out = JV_OBJECT(jv_string("type"), jv_string("function"), jv_string("function"),
				JV_OBJECT(jv_string("name"), jget(tc, "name")));
	else
		out = jv_string(t);
	jv_free(tc);
	return out;
}

jv req_openai_emit(jv ir)
{
	jv out = jv_object();
	jset(&out, "model", jget(ir, "model"));
	jv msgs = jv_array();
	jv sys = jget(ir, "system");
	if (jv_is_valid(sys)) {
		/* "system", not "developer": many compatible servers reject the latter */
		jv text = jv_string("");
		jv_array_foreach(sys, i, s)
			text = jv_string_concat(i ? jv_string_append_str(text, "\n\n") : text, s);
		msgs = jv_array_append(msgs, JV_OBJECT(jv_string("role"), jv_string("system"),
						       jv_string("content"), text));
	}
	jv_free(sys);
	jv im = jget(ir, "messages");
	jv_array_foreach(im, i, m) {
		if (strcmp(jstr(m, "role"), "user") == 0)
			msgs = emit_user(msgs, jget(m, "content"));
		else
			msgs = emit_assistant(msgs, jget(m, "content"));
		jv_free(m);
	}
	jv_free(im);
	out = jv_object_set(out, jv_string("messages"), msgs);
	jv tools = jget(ir, "tools");
	if (jv_is_valid(tools)) {
		jv ot = jv_array();
		jv_array_foreach(tools, i, t) {
			jv fn = JV_OBJECT(jv_string("name"), jget(t, "name"));
			jset(&fn, "description", jget(t, "description"));
			jset(&fn, "parameters", jget(t, "parameters"));
			ot = jv_array_append(ot, JV_OBJECT(jv_string("type"), jv_string("function"),
							   jv_string("function"), fn));
			jv_free(t);
		}
		out = jv_object_set(out, jv_string("tools"), ot);
		/* both are refused without tools */
		jv tc = jget(ir, "tool_choice");
		if (jv_is_valid(tc))
			out = jv_object_set(out, jv_string("tool_choice"), emit_tool_choice(tc));
		jset(&out, "parallel_tool_calls", jget(ir, "parallel_tool_calls"));
	}
	jv_free(tools);
	jset(&out, "max_completion_tokens", jget(ir, "max_tokens"));
	jset(&out, "temperature", jget(ir, "temperature"));
	jset(&out, "top_p", jget(ir, "top_p"));
	jset(&out, "stop", jget(ir, "stop"));
	jv r = jget(ir, "reasoning");
	const char *effort = jstr(r, "effort");
	jv budget = jget(r, "budget");
	if (effort)
		jset(&out, "reasoning_effort", jv_string(effort));
	else if (jis(budget, JV_KIND_NUMBER))
		jset(&out, "reasoning_effort",
		     jv_string(ir_budget_effort(ir_long(jv_number_value(budget)))));
	jv_free(budget);
	jv_free(r);
	jset(&out, "user", jget(ir, "user"));
	if (jis_at(ir, "stream", JV_KIND_TRUE)) {
		/* nr needs usage for every streamed answer: ask for it
		 * (stream_options is refused when not streaming) */
		jset(&out, "stream", jv_true());
		jset(&out, "stream_options", JV_OBJECT(jv_string("include_usage"), jv_true()));
	}
	jv_free(ir);
	return out;
}
