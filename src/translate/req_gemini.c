/* req_gemini: generateContent requests ↔ the IR (ir.h). The model is in the
 * URL, not the body. Gemini calls may lack ids: the IR gets stable ones
 * ("call_<content>_<part>"), and results are matched by id, else by name
 * and order; going to gemini, ids are left out and each functionResponse
 * takes the name of the call it answers. */
#include <string.h>

#include "translate/ir.h"

static int is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

static void add(jv *ir, const char *role, jv part)
{
	ir_push_part(ir, role, part);
}

static jv thinking(jv sig, jv text)
{
	jv p = JV_OBJECT(jv_string("type"), jv_string("thinking"), jv_string("text"), text);
	if (jis(sig, JV_KIND_STRING)) {
		jv origin;
		sig = ir_sig_parse(sig, NR_FMT_GEMINI, &origin);
		p = jv_object_set(p, jv_string("signature"), sig);
		p = jv_object_set(p, jv_string("origin"), origin);
	} else {
		jv_free(sig);
		p = jv_object_set(p, jv_string("origin"), jv_string("gemini"));
	}
	return p;
}

/* Finds the id of the first unanswered call named `name` in *pending (an
 * array of {id,name}), removes it from the list, and returns the id. */
static jv match_call(jv *pending, jv name, jv id)
{
	int n = jv_array_length(jv_copy(*pending));
	for (int i = 0; i < n; i++) {
		jv c = jv_array_get(jv_copy(*pending), i);
		int hit = jis(id, JV_KIND_STRING) ? jv_equal(jget(c, "id"), jv_copy(id))
						  : jv_equal(jget(c, "name"), jv_copy(name));
		if (hit) {
			jv cid = jget(c, "id");
			jv_free(c);
			/* rebuilt, not sliced: concatenating two slices of one array
			 * made libjq 1.6 assert (jvp_array_read) in the gcc build */
			jv rest = jv_array();
			jv_array_foreach(*pending, k, e) {
				if (k != i)
					rest = jv_array_append(rest, e);
				else
					jv_free(e);
			}
			jv_free(*pending);
			*pending = rest;
			jv_free(id);
			return cid;
		}
		jv_free(c);
	}
	return id;
}

static jv response_content(jv resp, int *error)
{
	*error = 0;
	if (!jv_is_valid(resp))	/* no response (or null): an empty result */
		return jv_array();
	jv v = jget(resp, "error");
	*error = jv_is_valid(v);
	if (!*error) {
		jv_free(v);
		v = jget(resp, "output");
	}
	if (!jv_is_valid(v))	/* no documented key: the whole object is the result */
		v = jv_copy(resp);
	jv text = jis(v, JV_KIND_STRING) ? v : jv_dump_string(v, 0);
	jv_free(resp);
	return jv_string_length_bytes(jv_copy(text)) > 0 ? JV_ARRAY(ir_text(text))
							 : (jv_free(text), jv_array());
}

static int parse_part(jv p, int ci, int pi, const char *role, jv *pending, jv *ir, jv *err)
{
	if (!jis(p, JV_KIND_OBJECT)) {
		*err = ir_error("contents[%d].parts[%d] must be an object, not %s", ci, pi, jkind(p));
		return -1;
	}
	jv sig = jget2(p, "thoughtSignature", "thought_signature");
	jv text = jget(p, "text");
	int thought = jis_at(p, "thought", JV_KIND_TRUE);
	if (thought) {
		add(ir, role, thinking(sig, jis(text, JV_KIND_STRING) ? text : jv_string("")));
		if (!jis(text, JV_KIND_STRING))
			jv_free(text);
		return 0;
	}
	if (jv_is_valid(sig))	/* a signature on a call or text part */
		add(ir, role, thinking(sig, jv_string("")));
	else
		jv_free(sig);
	jv inl = jget2(p, "inlineData", "inline_data");
	jv file = jget2(p, "fileData", "file_data");
	jv call = jget2(p, "functionCall", "function_call");
	jv resp = jget2(p, "functionResponse", "function_response");
	int rc = 0;
	if (jis(text, JV_KIND_STRING)) {
		if (jv_string_length_bytes(jv_copy(text)) > 0)
			add(ir, role, ir_text(jv_copy(text)));
	} else if (jv_is_valid(inl)) {
		jv mime = jget2(inl, "mimeType", "mime_type"), data = jget(inl, "data");
		if (jis(mime, JV_KIND_STRING) && jis(data, JV_KIND_STRING) &&
		    strncmp(jv_string_value(mime), "image/", 6) == 0)
			add(ir, role, JV_OBJECT(jv_string("type"), jv_string("image"),
				jv_string("media_type"), mime, jv_string("data"), data));
		else	/* PDFs, audio…: no IR equivalent */
			jv_free(mime), jv_free(data);
	} else if (jv_is_valid(file)) {
		jv mime = jget2(file, "mimeType", "mime_type"), uri = jget2(file, "fileUri", "file_uri");
		if (jis(uri, JV_KIND_STRING) && (!jis(mime, JV_KIND_STRING) ||
		    strncmp(jv_string_value(mime), "image/", 6) == 0)) {
			jv img = JV_OBJECT(jv_string("type"), jv_string("image"), jv_string("url"), uri);
			jset(&img, "media_type", mime);
			add(ir, role, img);
		} else {
			jv_free(mime), jv_free(uri);
		}
	} else if (jv_is_valid(call)) {
		jv name = jget(call, "name"), args = jget(call, "args"), id = jget(call, "id");
		if (!jis(name, JV_KIND_STRING) || (jv_is_valid(args) && !jis(args, JV_KIND_OBJECT))) {
			*err = ir_error("contents[%d].parts[%d].functionCall needs a name and object args",
					ci, pi);
			jv_free(name), jv_free(args), jv_free(id);
			rc = -1;
		} else {
			if (!jis(id, JV_KIND_STRING)) {
				jv_free(id);
				id = jv_string_fmt("call_%d_%d", ci, pi);
			}
			*pending = jv_array_append(*pending, JV_OBJECT(jv_string("id"), jv_copy(id),
						   jv_string("name"), jv_copy(name)));
			add(ir, role, JV_OBJECT(jv_string("type"), jv_string("tool_call"),
				jv_string("id"), id, jv_string("name"), name,
				jv_string("arguments"), ir_args_text(args)));
		}
	} else if (jv_is_valid(resp)) {
		jv name = jget(resp, "name"), id = jget(resp, "id");
		if (!jis(name, JV_KIND_STRING)) {
			*err = ir_error("contents[%d].parts[%d].functionResponse needs a name", ci, pi);
			jv_free(name), jv_free(id);
			rc = -1;
		} else {
			id = match_call(pending, name, id);
			jv_free(name);
			if (!jis(id, JV_KIND_STRING)) {	/* an answer to no call we saw */
				jv_free(id);
				id = jv_string_fmt("call_%d_%d", ci, pi);
			}
			int error;
			jv content = response_content(jget(resp, "response"), &error);
			add(ir, "user", JV_OBJECT(jv_string("type"), jv_string("tool_result"),
				jv_string("id"), id, jv_string("content"), content,
				jv_string("is_error"), jv_bool(error)));
		}
	}	/* executable code, unknown parts: dropped */
	jv_free(text), jv_free(inl), jv_free(file), jv_free(call), jv_free(resp);
	return rc;
}

static int parse_contents(jv contents, jv *ir, jv *err)
{
	jv pending = jv_array();
	int rc = 0;
	jv_array_foreach(contents, ci, c) {
		const char *r = jstr(c, "role");
		jv parts = jget(c, "parts");
		if (!rc && (!jis(c, JV_KIND_OBJECT) || !jis(parts, JV_KIND_ARRAY))) {
			*err = ir_error("contents[%d] must be an object with a parts array", ci);
			rc = -1;
		}
		if (!rc && r && !is(r, "user") && !is(r, "model")) {
			*err = ir_error("contents[%d] has an unknown role '%s'", ci, r);
			rc = -1;
		}
		const char *role = is(r, "model") ? "assistant" : "user";
		if (!rc)
			jv_array_foreach(parts, pi, p) {
				if (!rc)
					rc = parse_part(p, ci, pi, role, &pending, ir, err);
				jv_free(p);
			}
		jv_free(parts);
		jv_free(c);
	}
	jv_free(pending);
	return rc;
}

static int parse_system(jv si, jv *ir, jv *err)
{
	if (!jv_is_valid(si))
		return 0;
	if (jis(si, JV_KIND_STRING)) {
		jset(ir, "system", JV_ARRAY(jv_copy(si)));
		return 0;
	}
	jv parts = jget(si, "parts");
	if (!jis(parts, JV_KIND_ARRAY)) {
		*err = ir_error("systemInstruction must be a content with parts");
		jv_free(parts);
		return -1;
	}
	jv out = jv_array();
	jv_array_foreach(parts, i, p) {
		const char *t = jstr(p, "text");
		if (t && *t)
			out = jv_array_append(out, jv_string(t));
		jv_free(p);
	}
	jv_free(parts);
	if (jv_array_length(jv_copy(out)) > 0)
		jset(ir, "system", out);
	else
		jv_free(out);
	return 0;
}

static int parse_tools(jv tools, jv *ir, jv *err)
{
	if (!jis(tools, JV_KIND_ARRAY)) {
		*err = ir_error("tools must be an array");
		return -1;
	}
	int rc = 0;
	jv_array_foreach(tools, i, t) {
		jv decls = jget2(t, "functionDeclarations", "function_declarations");
		if (jis(decls, JV_KIND_ARRAY)) {	/* search, code execution…: dropped */
			jv_array_foreach(decls, k, d) {
				jv params = jget2(d, "parametersJsonSchema", "parameters_json_schema");
				if (!jv_is_valid(params))
					params = gemini_schema_to_json(jget(d, "parameters"));
				if (!rc)
					rc = ir_take_tool(ir, jget(d, "name"), jget(d, "description"),
							  params, err);
				else
					jv_free(params);
				jv_free(d);
			}
		}
		jv_free(decls);
		jv_free(t);
	}
	return rc;
}

static int parse_tool_config(jv tc, jv *ir, jv *err)
{
	jv fcc = jget2(tc, "functionCallingConfig", "function_calling_config");
	const char *mode = jstr(fcc, "mode");
	jv names = jget2(fcc, "allowedFunctionNames", "allowed_function_names");
	int rc = 0;
	if (jv_is_valid(names) && !jis(names, JV_KIND_ARRAY)) {
		*err = ir_error("toolConfig.functionCallingConfig.allowedFunctionNames must be an array");
		jv_free(names);
		jv_free(fcc);
		return -1;
	}
	if (is(mode, "AUTO") || is(mode, "VALIDATED"))
		jset(ir, "tool_choice", JV_OBJECT(jv_string("type"), jv_string("auto")));
	else if (is(mode, "NONE"))
		jset(ir, "tool_choice", JV_OBJECT(jv_string("type"), jv_string("none")));
	else if (is(mode, "ANY") && jv_is_valid(names) && jv_array_length(jv_copy(names)) == 1)
		jset(ir, "tool_choice", JV_OBJECT(jv_string("type"), jv_string("tool"),
			jv_string("name"), jv_array_get(jv_copy(names), 0)));
	else if (is(mode, "ANY"))
		jset(ir, "tool_choice", JV_OBJECT(jv_string("type"), jv_string("required")));
	else if (mode) {
		*err = ir_error("toolConfig.functionCallingConfig.mode '%s' is unknown", mode);
		rc = -1;
	}
	jv_free(names);
	jv_free(fcc);
	return rc;
}

static int parse_generation(jv gc, jv *ir, jv *err)
{
	if (jv_is_valid(gc) && !jis(gc, JV_KIND_OBJECT)) {
		*err = ir_error("generationConfig must be an object");
		return -1;
	}
	jv n = jget2(gc, "candidateCount", "candidate_count");
	int many = jis(n, JV_KIND_NUMBER) && jv_number_value(n) > 1;
	jv_free(n);
	if (many) {
		*err = ir_error("candidateCount > 1 (several candidates) cannot be translated");
		return -1;
	}
	int rc = ir_take_number(ir, "max_tokens", jget2(gc, "maxOutputTokens", "max_output_tokens"),
				"generationConfig.maxOutputTokens", err) ||
		 ir_take_number(ir, "temperature", jget(gc, "temperature"), "temperature", err) ||
		 ir_take_number(ir, "top_p", jget2(gc, "topP", "top_p"), "topP", err) ||
		 ir_take_number(ir, "top_k", jget2(gc, "topK", "top_k"), "topK", err) ||
		 ir_take_stop(ir, jget2(gc, "stopSequences", "stop_sequences"), "stopSequences", err);
	if (rc)
		return -1;
	jv th = jget2(gc, "thinkingConfig", "thinking_config");
	jv budget = jget2(th, "thinkingBudget", "thinking_budget");
	jv level = jget2(th, "thinkingLevel", "thinking_level");
	jv r = jv_object();
	if (jis(budget, JV_KIND_NUMBER) && jv_number_value(budget) > 0)	/* 0 off, -1 dynamic */
		r = jv_object_set(r, jv_string("budget"), jv_copy(budget));
	if (jis(level, JV_KIND_STRING)) {
		char low[16];
		const char *l = jv_string_value(level);
		size_t i = 0;
		for (; l[i] && i < sizeof low - 1; i++)
			low[i] = l[i] >= 'A' && l[i] <= 'Z' ? (char)(l[i] - 'A' + 'a') : l[i];
		low[i] = 0;
		if (ir_effort_budget(low) > 0)
			r = jv_object_set(r, jv_string("effort"), jv_string(low));
	}
	if (jis_at(th, "includeThoughts", JV_KIND_TRUE) || jis_at(th, "include_thoughts", JV_KIND_TRUE))
		r = jv_object_set(r, jv_string("show"), jv_true());
	if (jv_object_length(jv_copy(r)) > 0)
		jset(ir, "reasoning", r);
	else
		jv_free(r);
	jv_free(budget), jv_free(level), jv_free(th);
	return 0;
}

jv req_gemini_parse(jv req, const char *model)
{
	jv contents = ir_request_array(req, "a gemini request", "contents");
	if (!jv_is_valid(contents)) {
		jv_free(req);
		return contents;
	}
	jv ir = JV_OBJECT(jv_string("messages"), jv_array());
	if (model && *model)	/* the URL names it: models/NAME */
		jset(&ir, "model", jv_string(strncmp(model, "models/", 7) ? model : model + 7));
	jv err = jv_invalid();
	jv si = jget2(req, "systemInstruction", "system_instruction");
	int rc = parse_system(si, &ir, &err);
	jv_free(si);
	if (!rc)
		rc = parse_contents(contents, &ir, &err);
	jv_free(contents);
	jv tools = jget(req, "tools");
	if (!rc && jv_is_valid(tools))
		rc = parse_tools(tools, &ir, &err);
	jv_free(tools);
	jv tc = jget2(req, "toolConfig", "tool_config");
	if (!rc)
		rc = parse_tool_config(tc, &ir, &err);
	jv_free(tc);
	jv gc = jget2(req, "generationConfig", "generation_config");
	if (!rc)
		rc = parse_generation(gc, &ir, &err);
	jv_free(gc);
	jv_free(req);
	if (rc) {
		jv_free(ir);
		return err;
	}
	return ir;
}

/* ---- emit ---- */

static jv emit_media(jv p)
{
	jv out;
	if (strcmp(jstr(p, "type"), "text") == 0) {
		out = JV_OBJECT(jv_string("text"), jget(p, "text"));
	} else if (jstr(p, "url")) {
		/* Gemini needs a type; without one, the common case for photos */
		jv mime = jget(p, "media_type");
		out = JV_OBJECT(jv_string("fileData"), JV_OBJECT(jv_string("mimeType"),
			jv_is_valid(mime) ? mime : jv_string("image/jpeg"),
			jv_string("fileUri"), jget(p, "url")));
	} else {
		out = JV_OBJECT(jv_string("inlineData"), JV_OBJECT(jv_string("mimeType"),
			jget(p, "media_type"), jv_string("data"), jget(p, "data")));
	}
	jv_free(p);
	return out;
}

/* One IR message → a gemini content (no parts when everything was dropped);
 * `names` maps call ids to function names for the results. */
static jv emit_content(jv m, jv *names, jv *err)
{
	int model = strcmp(jstr(m, "role"), "assistant") == 0;
	jv c = jget(m, "content");
	jv responses = jv_array(), parts = jv_array(), sig = jv_invalid();
	jv_array_foreach(c, i, p) {
		const char *t = jstr(p, "type");
		jv part = jv_invalid();
		if (strcmp(t, "thinking") == 0) {
			if (ir_sig_for(p, NR_FMT_GEMINI) || is(jstr(p, "origin"), "gemini")) {
				const char *text = jstr(p, "text");
				if (text && *text) {
					part = JV_OBJECT(jv_string("text"), jv_string(text),
							 jv_string("thought"), jv_true());
					jset(&part, "thoughtSignature", jget(p, "signature"));
				} else if (ir_sig_for(p, NR_FMT_GEMINI)) {
					jv_free(sig);	/* rides on the next part */
					sig = jget(p, "signature");
				}
			}
		} else if (strcmp(t, "tool_call") == 0) {
			jv args = ir_args_object(jget(p, "arguments"), jget(p, "name"));
			if (!jv_is_valid(args)) {
				if (!jv_invalid_has_msg(jv_copy(*err))) {
					jv_free(*err);
					*err = args;
				} else {
					jv_free(args);
				}
				args = jv_object();
			}
			*names = jv_object_set(*names, jget(p, "id"), jget(p, "name"));
			part = JV_OBJECT(jv_string("functionCall"), JV_OBJECT(jv_string("name"),
				jget(p, "name"), jv_string("args"), args));
		} else if (strcmp(t, "tool_result") == 0) {
			jv name = jv_object_get(jv_copy(*names), jget(p, "id"));
			if (!jis(name, JV_KIND_STRING)) {
				jv_free(name);
				if (!jv_invalid_has_msg(jv_copy(*err))) {
					jv_free(*err);
					*err = ir_error("tool result '%s' answers no tool call in the "
							"conversation; gemini needs the function name",
							jstr(p, "id"));
				}
				name = jv_string("unknown");
			}
			jv rc = jget(p, "content");
			jv text = ir_join_text(jv_copy(rc));
			int error = jis_at(p, "is_error", JV_KIND_TRUE);
			responses = jv_array_append(responses, JV_OBJECT(jv_string("functionResponse"),
				JV_OBJECT(jv_string("name"), name, jv_string("response"),
					  JV_OBJECT(jv_string(error ? "error" : "output"), text))));
			jv_array_foreach(rc, k, q) {	/* images of a result follow the responses */
				if (strcmp(jstr(q, "type"), "image") == 0)
					parts = jv_array_append(parts, emit_media(q));
				else
					jv_free(q);
			}
			jv_free(rc);
		} else {
			part = emit_media(jv_copy(p));
		}
		if (jv_is_valid(part)) {
			if (jv_is_valid(sig)) {
				part = jv_object_set(part, jv_string("thoughtSignature"), sig);
				sig = jv_invalid();
			}
			parts = jv_array_append(parts, part);
		}
		jv_free(p);
	}
	jv_free(sig);	/* a trailing signature with no part to ride on */
	jv_free(c);
	jv_free(m);
	return JV_OBJECT(jv_string("role"), jv_string(model ? "model" : "user"),
			 jv_string("parts"), jv_array_concat(responses, parts));
}

static jv emit_generation(jv ir)
{
	jv gc = jv_object();
	jset(&gc, "maxOutputTokens", jget(ir, "max_tokens"));
	jset(&gc, "temperature", jget(ir, "temperature"));
	jset(&gc, "topP", jget(ir, "top_p"));
	jset(&gc, "topK", jget(ir, "top_k"));
	jset(&gc, "stopSequences", jget(ir, "stop"));
	jv r = jget(ir, "reasoning");
	if (jv_is_valid(r)) {
		jv th = jv_object();
		jv b = jget(r, "budget");
		if (jis(b, JV_KIND_NUMBER))
			th = jv_object_set(th, jv_string("thinkingBudget"), jv_copy(b));
		else if (jstr(r, "effort") && ir_effort_budget(jstr(r, "effort")) > 0)
			th = jv_object_set(th, jv_string("thinkingBudget"),
					   jv_number(ir_effort_budget(jstr(r, "effort"))));
		jv_free(b);
		if (jis_at(r, "show", JV_KIND_TRUE))
			th = jv_object_set(th, jv_string("includeThoughts"), jv_true());
		if (jv_object_length(jv_copy(th)) > 0)
			gc = jv_object_set(gc, jv_string("thinkingConfig"), th);
		else
			jv_free(th);
	}
	jv_free(r);
	jv_free(ir);
	return gc;
}

jv req_gemini_emit(jv ir)
{
	jv out = jv_object();
	jv sys = jget(ir, "system");
	if (jv_is_valid(sys)) {
		jv parts = jv_array();
		jv_array_foreach(sys, i, s)
			parts = jv_array_append(parts, JV_OBJECT(jv_string("text"), s));
		out = jv_object_set(out, jv_string("systemInstruction"),
				    JV_OBJECT(jv_string("parts"), parts));
	}
	jv_free(sys);
	jv names = jv_object(), err = jv_invalid(), contents = jv_array();
	jv im = jget(ir, "messages");
	jv_array_foreach(im, i, m) {
		jv c = emit_content(m, &names, &err);
		jv parts = jget(c, "parts");
		if (jv_array_length(parts) > 0)	/* Gemini refuses empty parts */
			contents = jv_array_append(contents, c);
		else
			jv_free(c);
	}
	jv_free(im);
	jv_free(names);
	if (jv_invalid_has_msg(jv_copy(err))) {
		jv_free(contents);
		jv_free(out);
		jv_free(ir);
		return err;
	}
	jv_free(err);
	out = jv_object_set(out, jv_string("contents"), contents);
	jv tools = jget(ir, "tools");
	if (jv_is_valid(tools)) {
		jv decls = jv_array();
		jv_array_foreach(tools, i, t) {
			jv d = JV_OBJECT(jv_string("name"), jget(t, "name"));
			jset(&d, "description", jget(t, "description"));
			jv schema = gemini_schema_from_json(jget(t, "parameters"));
			/* an object without properties is refused: no parameters at all */
			if (jv_object_has(jv_copy(schema), jv_string("properties")))
				d = jv_object_set(d, jv_string("parameters"), schema);
			else
				jv_free(schema);
			decls = jv_array_append(decls, d);
			jv_free(t);
		}
		out = jv_object_set(out, jv_string("tools"),
				    JV_ARRAY(JV_OBJECT(jv_string("functionDeclarations"), decls)));
		jv tc = jget(ir, "tool_choice");
		const char *t = jstr(tc, "type");
		jv fcc = jv_invalid();
		if (is(t, "tool"))
			fcc = JV_OBJECT(jv_string("mode"), jv_string("ANY"),
				jv_string("allowedFunctionNames"), JV_ARRAY(jget(tc, "name")));
		else if (t)
			fcc = JV_OBJECT(jv_string("mode"), jv_string(is(t, "required") ? "ANY" :
				is(t, "none") ? "NONE" : "AUTO"));
		if (jv_is_valid(fcc))
			out = jv_object_set(out, jv_string("toolConfig"),
					    JV_OBJECT(jv_string("functionCallingConfig"), fcc));
		jv_free(tc);
	}
	jv_free(tools);
	jv gc = emit_generation(jv_copy(ir));
	if (jv_object_length(jv_copy(gc)) > 0)
		out = jv_object_set(out, jv_string("generationConfig"), gc);
	else
		jv_free(gc);
	jv_free(ir);
	return out;
}
