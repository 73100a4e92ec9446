/* req_responses: OpenAI Responses requests ↔ the IR (ir.h). */
#include <string.h>

#include "translate/ir.h"

static int is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

/* Message or tool-output content (string or parts) → IR text/image parts. */
static int parse_parts(jv c, const char *where, jv *parts, jv *err)
{
	if (jis(c, JV_KIND_STRING)) {
		if (jv_string_length_bytes(jv_copy(c)) > 0)
			*parts = jv_array_append(*parts, ir_text(jv_copy(c)));
		return 0;
	}
	if (!jv_is_valid(c))
		return 0;
	if (!jis(c, JV_KIND_ARRAY)) {
		*err = ir_error("%s content must be a string or an array of parts, not %s",
				where, jkind(c));
		return -1;
	}
	jv_array_foreach(c, i, p) {
		const char *t = jstr(p, "type");
		if (is(t, "input_text") || is(t, "output_text") || is(t, "text")) {
			const char *s = jstr(p, "text");
			if (s && *s)
				*parts = jv_array_append(*parts, ir_text(jv_string(s)));
		} else if (is(t, "refusal") && jstr(p, "refusal")) {
			*parts = jv_array_append(*parts, ir_text(jget(p, "refusal")));
		} else if (is(t, "input_image") && jstr(p, "image_url")) {
			*parts = jv_array_append(*parts, ir_image_from_url(jget(p, "image_url")));
		}	/* files, file_id images, audio: dropped */
		jv_free(p);
	}
	return 0;
}

static void add(jv *ir, const char *role, jv part)
{
	ir_push_part(ir, role, part);
}

static int parse_item(jv it, int i, jv *ir, jv *err)
{
	char where[32];
	snprintf(where, sizeof where, "input[%d]", i);
	if (!jis(it, JV_KIND_OBJECT)) {
		*err = ir_error("%s must be an object, not %s", where, jkind(it));
		return -1;
	}
	const char *type = jstr(it, "type");
	const char *role = jstr(it, "role");
	int rc = 0;
	if (!type || is(type, "message")) {
		jv c = jget(it, "content");
		jv parts = jv_array();
		if (!role) {
			*err = ir_error("%s is a message without a role", where);
			rc = -1;
		} else {
			rc = parse_parts(c, where, &parts, err);
		}
		if (!rc && (is(role, "system") || is(role, "developer"))) {
			if (jv_array_length(jv_copy(parts)) > 0) {
				jv sys = jget(*ir, "system");
				jset(ir, "system", jv_array_append(jv_is_valid(sys) ? sys : jv_array(),
								   ir_join_text(jv_copy(parts))));
			}
		} else if (!rc && (is(role, "user") || is(role, "assistant"))) {
			jv_array_foreach(parts, k, p)
				add(ir, role, p);
		} else if (!rc) {
			*err = ir_error("%s has an unknown role '%s'", where, role);
			rc = -1;
		}
		jv_free(parts);
		jv_free(c);
	} else if (is(type, "function_call") || is(type, "custom_tool_call")) {
		int custom = type[0] == 'c';
		jv id = jget(it, "call_id"), name = jget(it, "name");
		jv args = custom ? jget(it, "input") : jget(it, "arguments");
		if (!jis(id, JV_KIND_STRING) || !jis(name, JV_KIND_STRING) ||
		    (jv_is_valid(args) && !jis(args, JV_KIND_STRING))) {
			*err = ir_error("%s: a %s needs string call_id, name and %s", where, type,
					custom ? "input" : "arguments");
			jv_free(id), jv_free(name), jv_free(args);
			return -1;
		}
		if (custom)	/* freeform input travels as {"input": "..."} */
			args = ir_args_text(JV_OBJECT(jv_string("input"), args));
		add(ir, "assistant", JV_OBJECT(jv_string("type"), jv_string("tool_call"),
			jv_string("id"), id, jv_string("name"), name,
			jv_string("arguments"), jv_is_valid(args) ? args : jv_string("{}")));
	} else if (is(type, "function_call_output") || is(type, "custom_tool_call_output")) {
		jv id = jget(it, "call_id"), out = jget(it, "output");
		jv parts = jv_array();
		if (!jis(id, JV_KIND_STRING)) {
			*err = ir_error("%s: a %s needs a string call_id", where, type);
			rc = -1;
		} else {
			rc = parse_parts(out, where, &parts, err);
		}
		if (!rc)
			add(ir, "user", JV_OBJECT(jv_string("type"), jv_string("tool_result"),
				jv_string("id"), jv_copy(id), jv_string("content"), jv_copy(parts),
				jv_string("is_error"), jv_false()));
		jv_free(id), jv_free(out), jv_free(parts);
	} else if (is(type, "reasoning")) {
		jv summary = jget(it, "summary");
		jv text = jv_string("");
		if (jis(summary, JV_KIND_ARRAY)) {
			jv_array_foreach(summary, k, s) {
				const char *t = jstr(s, "text");
				if (t) {
					if (k)
						text = jv_string_append_str(text, "\n\n");
					text = jv_string_append_str(text, t);
				}
				jv_free(s);
			}
		}
		jv_free(summary);
		jv p = JV_OBJECT(jv_string("type"), jv_string("thinking"), jv_string("text"), text);
		jset(&p, "id", jget(it, "id"));
		jv enc = jget(it, "encrypted_content");
		if (jis(enc, JV_KIND_STRING)) {
			jv origin;
			enc = ir_sig_parse(enc, NR_FMT_RESPONSES, &origin);
			p = jv_object_set(p, jv_string("signature"), enc);
			p = jv_object_set(p, jv_string("origin"), origin);
		} else {
			jv_free(enc);
			p = jv_object_set(p, jv_string("origin"), jv_string("responses"));
		}
		add(ir, "assistant", p);
	}	/* built-in tool items, item_reference…: no meaning elsewhere, dropped */
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
		if (!rc && is(type, "function"))
			rc = ir_take_tool(ir, jget(t, "name"), jget(t, "description"),
					  jget(t, "parameters"), err);
		else if (!rc && is(type, "custom"))
			rc = ir_take_tool(ir, jget(t, "name"), jget(t, "description"),
				jv_parse("{\"type\":\"object\",\"properties\":{\"input\":"
					 "{\"type\":\"string\"}},\"required\":[\"input\"]}"), err);
		jv_free(t);
	}
	return rc;
}

static int parse_tool_choice(jv tc, jv *ir, jv *err)
{
	if (!jv_is_valid(tc))
		return 0;
	jv out = jv_invalid();
	const char *s = jis(tc, JV_KIND_STRING) ? jv_string_value(tc) : NULL;
	const char *t = jstr(tc, "type");
	if (is(s, "auto") || is(s, "none") || is(s, "required"))
		out = JV_OBJECT(jv_string("type"), jv_string(s));
	else if ((is(t, "function") || is(t, "custom")) && jstr(tc, "name"))
		out = JV_OBJECT(jv_string("type"), jv_string("tool"), jv_string("name"),
				jget(tc, "name"));
	else if (is(t, "allowed_tools"))
		out = JV_OBJECT(jv_string("type"),
				jv_string(is(jstr(tc, "mode"), "required") ? "required" : "auto"));
	if (!jv_is_valid(out)) {
		*err = ir_error("tool_choice must be auto, none, required or a named function");
		return -1;
	}
	jset(ir, "tool_choice", out);
	return 0;
}

jv req_responses_parse(jv req, const char *model)
{
	(void)model;
	if (!jis(req, JV_KIND_OBJECT)) {
		jv_free(req);
		return ir_error("a responses request must be a JSON object");
	}
	jv input = jget(req, "input"), conversation = jget(req, "conversation");
	jv err = jv_invalid();
	int rc = 0;
	if (!jis(input, JV_KIND_STRING) && !jis(input, JV_KIND_ARRAY)) {
		err = ir_error(jv_is_valid(input) ? "input must be a string or an array of items, not %s"
			       : "a responses request needs input (%s)", jkind(input));
		rc = -1;
	} else if (jstr(req, "previous_response_id") || jis(conversation, JV_KIND_STRING) ||
		   jis(conversation, JV_KIND_OBJECT)) {
		err = ir_error("previous_response_id and conversation need server-side state that "
			       "another format cannot use");
		rc = -1;
	}
	jv_free(conversation);
	jv ir = JV_OBJECT(jv_string("messages"), jv_array());
	jv ins = jget(req, "instructions");
	if (!rc && jis(ins, JV_KIND_STRING) && jv_string_length_bytes(jv_copy(ins)) > 0)
		jset(&ir, "system", JV_ARRAY(jv_copy(ins)));
	else if (!rc && jv_is_valid(ins) && !jis(ins, JV_KIND_STRING)) {
		err = ir_error("instructions must be a string, not %s", jkind(ins));
		rc = -1;
	}
	jv_free(ins);
	if (!rc && jis(input, JV_KIND_STRING)) {
		add(&ir, "user", ir_text(jv_copy(input)));
	} else if (!rc) {
		jv_array_foreach(input, i, it) {
			if (!rc)
				rc = parse_item(it, i, &ir, &err);
			jv_free(it);
		}
	}
	jv_free(input);
	jv tools = jget(req, "tools");
	if (!rc && jv_is_valid(tools))
		rc = parse_tools(tools, &ir, &err);
	jv_free(tools);
	jv tc = jget(req, "tool_choice");
	if (!rc)
		rc = parse_tool_choice(tc, &ir, &err);
	jv_free(tc);
	if (!rc)
		rc = ir_take_string(&ir, "model", jget(req, "model"), "model", &err) ||
		     ir_take_number(&ir, "max_tokens", jget(req, "max_output_tokens"),
				    "max_output_tokens", &err) ||
		     ir_take_number(&ir, "temperature", jget(req, "temperature"), "temperature", &err) ||
		     ir_take_number(&ir, "top_p", jget(req, "top_p"), "top_p", &err) ||
		     ir_take_bool(&ir, "stream", jget(req, "stream"), "stream", &err) ||
		     ir_take_bool(&ir, "parallel_tool_calls", jget(req, "parallel_tool_calls"),
				  "parallel_tool_calls", &err) ||
		     ir_take_string(&ir, "user", jget(req, "user"), "user", &err);
	jv r = jget(req, "reasoning");
	const char *effort = jstr(r, "effort"), *summary = jstr(r, "summary");
	if (!rc && ((effort && !is(effort, "none")) || summary)) {
		jv ro = jv_object();
		if (effort && !is(effort, "none"))
			ro = jv_object_set(ro, jv_string("effort"), jv_string(effort));
		if (summary && !is(summary, "none"))
			ro = jv_object_set(ro, jv_string("show"), jv_true());
		jset(&ir, "reasoning", ro);
	}
	jv_free(r);
	jv_free(req);
	if (rc) {
		jv_free(ir);
		return err;
	}
	return ir;
}

/* ---- emit ---- */

static jv emit_part(jv p, int assistant)
{
	jv out;
	if (strcmp(jstr(p, "type"), "text") == 0)
		out = JV_OBJECT(jv_string("type"), jv_string(assistant ? "output_text" : "input_text"),
				jv_string("text"), jget(p, "text"));
	else
		out = JV_OBJECT(jv_string("type"), jv_string("input_image"),
				jv_string("image_url"), ir_image_to_url(jv_copy(p)));
	jv_free(p);
	return out;
}

static jv message(const char *role, jv content)
{
	return JV_OBJECT(jv_string("type"), jv_string("message"), jv_string("role"),
			 jv_string(role), jv_string("content"), content);
}

static jv emit_result(jv p)
{
	jv c = jget(p, "content");
	int images = 0;
	jv_array_foreach(c, i, q) {
		images |= strcmp(jstr(q, "type"), "image") == 0;
		jv_free(q);
	}
	int error = jis_at(p, "is_error", JV_KIND_TRUE);
	jv output;
	if (images) {
		output = jv_array();
		if (error)	/* no flag in this format: say it */
			output = jv_array_append(output, JV_OBJECT(jv_string("type"),
				jv_string("input_text"), jv_string("text"), jv_string("Error:")));
		jv_array_foreach(c, i, q)
			output = jv_array_append(output, emit_part(q, 0));
		jv_free(c);
	} else {
		output = ir_join_text(c);
		if (error)
			output = jv_string_concat(jv_string("Error: "), output);
	}
	jv out = JV_OBJECT(jv_string("type"), jv_string("function_call_output"),
			   jv_string("call_id"), jget(p, "id"), jv_string("output"), output);
	jv_free(p);
	return out;
}

/* Appends an IR message's items to input: results first, text and images as
 * one message item per run, calls and reasoning as their own items. */
static jv emit_message(jv input, jv m)
{
	int assistant = strcmp(jstr(m, "role"), "assistant") == 0;
	jv c = jget(m, "content");
	jv run = jv_array(), results = jv_array(), items = jv_array();
	jv_array_foreach(c, i, p) {
		const char *t = jstr(p, "type");
		if (strcmp(t, "text") == 0 || strcmp(t, "image") == 0) {
			run = jv_array_append(run, emit_part(p, assistant));
			continue;
		}
		if (jv_array_length(jv_copy(run)) > 0) {
			items = jv_array_append(items, message(assistant ? "assistant" : "user", run));
			run = jv_array();
		}
		if (strcmp(t, "tool_result") == 0) {
			results = jv_array_append(results, emit_result(p));
			continue;
		}
		if (strcmp(t, "tool_call") == 0) {
			items = jv_array_append(items, JV_OBJECT(jv_string("type"),
				jv_string("function_call"), jv_string("call_id"), jget(p, "id"),
				jv_string("name"), jget(p, "name"), jv_string("arguments"),
				jget(p, "arguments")));
		} else if (ir_sig_for(p, NR_FMT_RESPONSES) && jstr(p, "id")) {
			/* reasoning state goes back only to its issuer, with its item id */
			jv summary = jv_array();
			const char *text = jstr(p, "text");
			if (text && *text)
				summary = jv_array_append(summary, JV_OBJECT(jv_string("type"),
					jv_string("summary_text"), jv_string("text"), jv_string(text)));
			items = jv_array_append(items, JV_OBJECT(jv_string("type"), jv_string("reasoning"),
				jv_string("id"), jget(p, "id"), jv_string("summary"), summary,
				jv_string("encrypted_content"), jget(p, "signature")));
		}
		jv_free(p);
	}
	jv_free(c);
	if (jv_array_length(jv_copy(run)) > 0)
		items = jv_array_append(items, message(assistant ? "assistant" : "user", run));
	else
		jv_free(run);
	jv_free(m);
	return jv_array_concat(jv_array_concat(input, results), items);
}

jv req_responses_emit(jv ir)
{
	jv out = jv_object();
	jset(&out, "model", jget(ir, "model"));
	jv sys = jget(ir, "system");
	if (jv_is_valid(sys)) {
		jv text = jv_string("");
		jv_array_foreach(sys, i, s)
			text = jv_string_concat(i ? jv_string_append_str(text, "\n\n") : text, s);
		out = jv_object_set(out, jv_string("instructions"), text);
	}
	jv_free(sys);
	jv input = jv_array();
	jv im = jget(ir, "messages");
	jv_array_foreach(im, i, m)
		input = emit_message(input, m);
	jv_free(im);
	out = jv_object_set(out, jv_string("input"), input);
	jv tools = jget(ir, "tools");
	if (jv_is_valid(tools)) {
		jv ot = jv_array();
		jv_array_foreach(tools, i, t) {
			jv d = JV_OBJECT(jv_string("type"), jv_string("function"),
					 jv_string("name"), jget(t, "name"));
			jset(&d, "description", jget(t, "description"));
			jset(&d, "parameters", jget(t, "parameters"));
			ot = jv_array_append(ot, d);
			jv_free(t);
		}
		out = jv_object_set(out, jv_string("tools"), ot);
		jv tc = jget(ir, "tool_choice");
		const char *t = jstr(tc, "type");
		if (is(t, "tool"))
			out = jv_object_set(out, jv_string("tool_choice"), JV_OBJECT(jv_string("type"),
				jv_string("function"), jv_string("name"), jget(tc, "name")));
		else if (t)
			out = jv_object_set(out, jv_string("tool_choice"), jv_string(t));
		jv_free(tc);
		jset(&out, "parallel_tool_calls", jget(ir, "parallel_tool_calls"));
	}
	jv_free(tools);
	jset(&out, "max_output_tokens", jget(ir, "max_tokens"));
	jset(&out, "temperature", jget(ir, "temperature"));
	jset(&out, "top_p", jget(ir, "top_p"));
	jset(&out, "stream", jget(ir, "stream"));
	jset(&out, "user", jget(ir, "user"));
	jv r = jget(ir, "reasoning");
	if (jv_is_valid(r)) {
		jv ro = jv_object();
		jv budget = jget(r, "budget");
		if (jstr(r, "effort"))
			ro = jv_object_set(ro, jv_string("effort"), jget(r, "effort"));
		else if (jis(budget, JV_KIND_NUMBER))
			ro = jv_object_set(ro, jv_string("effort"),
				jv_string(ir_budget_effort(ir_long(jv_number_value(budget)))));
		jv_free(budget);
		if (jis_at(r, "show", JV_KIND_TRUE))
			ro = jv_object_set(ro, jv_string("summary"), jv_string("auto"));
		if (jv_object_length(jv_copy(ro)) > 0)
			out = jv_object_set(out, jv_string("reasoning"), ro);
		else
			jv_free(ro);
	}
	jv_free(r);
	jv_free(ir);
	return out;
}
