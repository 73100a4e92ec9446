/* req_anthropic: Messages requests ↔ the IR (ir.h). */
#include <string.h>

#include "translate/ir.h"

/* A text or image block → an IR part (jv_invalid() for other blocks: they
 * have no IR equivalent and are dropped). */
static jv parse_media(jv b, const char *type)
{
	if (strcmp(type, "text") == 0) {
		const char *t = jstr(b, "text");
		return t && *t ? ir_text(jv_string(t)) : jv_invalid();
	}
	if (strcmp(type, "image") == 0) {
		jv src = jget(b, "source");
		const char *st = jstr(src, "type");
		jv part = jv_invalid();
		if (st && strcmp(st, "base64") == 0 && jstr(src, "media_type") && jstr(src, "data"))
			part = JV_OBJECT(jv_string("type"), jv_string("image"),
				jv_string("media_type"), jget(src, "media_type"),
				jv_string("data"), jget(src, "data"));
		else if (st && strcmp(st, "url") == 0 && jstr(src, "url"))
			part = JV_OBJECT(jv_string("type"), jv_string("image"),
					 jv_string("url"), jget(src, "url"));
		jv_free(src);
		return part;
	}
	return jv_invalid();
}

static int parse_tool_result(jv b, const char *where, jv *part, jv *err)
{
	jv id = jget(b, "tool_use_id");
	jv c = jget(b, "content");
	jv parts = jv_array();
	int rc = 0;
	if (!jis(id, JV_KIND_STRING)) {
		*err = ir_error("%s: a tool_result needs a string tool_use_id", where);
		rc = -1;
	} else if (jis(c, JV_KIND_STRING)) {
		if (jv_string_length_bytes(jv_copy(c)) > 0)
			parts = jv_array_append(parts, ir_text(jv_copy(c)));
	} else if (jis(c, JV_KIND_ARRAY)) {
		jv_array_foreach(c, i, q) {
			const char *t = jstr(q, "type");
			jv p = t ? parse_media(q, t) : jv_invalid();
			if (jv_is_valid(p))
				parts = jv_array_append(parts, p);
			jv_free(q);
		}
	} else if (jv_is_valid(c)) {
		*err = ir_error("%s: tool_result content must be a string or blocks, not %s",
				where, jkind(c));
		rc = -1;
	}
	if (!rc)
		*part = JV_OBJECT(jv_string("type"), jv_string("tool_result"),
			jv_string("id"), ir_id_from_anthropic(jv_copy(id)), jv_string("content"),
			jv_copy(parts), jv_string("is_error"),
			jv_bool(jis_at(b, "is_error", JV_KIND_TRUE)));
	jv_free(id);
	jv_free(c);
	jv_free(parts);
	return rc;
}

/* One content block → an IR part in *part (jv_invalid() when dropped). */
static int parse_block(jv b, const char *where, jv *part, jv *err)
{
	const char *type = jstr(b, "type");
	*part = jv_invalid();
	if (!type) {
		*err = ir_error("%s must be an object with a type", where);
		return -1;
	}
	if (strcmp(type, "tool_use") == 0) {
		jv id = jget(b, "id"), name = jget(b, "name"), input = jget(b, "input");
		if (!jis(id, JV_KIND_STRING) || !jis(name, JV_KIND_STRING) ||
		    (jv_is_valid(input) && !jis(input, JV_KIND_OBJECT))) {
			*err = ir_error("%s: a tool_use needs a string id and name and an object input",
					where);
			jv_free(id), jv_free(name), jv_free(input);
			return -1;
		}
		*part = JV_OBJECT(jv_string("type"), jv_string("tool_call"),
			jv_string("id"), ir_id_from_anthropic(id), jv_string("name"), name,
			jv_string("arguments"), ir_args_text(input));
		return 0;
	}
	if (strcmp(type, "tool_result") == 0)
		return parse_tool_result(b, where, part, err);
	if (strcmp(type, "thinking") == 0 || strcmp(type, "redacted_thinking") == 0) {
		int redacted = type[0] == 'r';
		jv sig = jget(b, redacted ? "data" : "signature");
		jv p = JV_OBJECT(jv_string("type"), jv_string("thinking"), jv_string("text"),
			redacted ? jv_string("") : jv_string(jstr(b, "thinking") ? jstr(b, "thinking") : ""));
		if (jis(sig, JV_KIND_STRING)) {
			jv origin;
			sig = ir_sig_parse(sig, NR_FMT_ANTHROPIC, &origin);
			p = jv_object_set(p, jv_string("signature"), sig);
			p = jv_object_set(p, jv_string("origin"), origin);
		} else {
			jv_free(sig);
		}
		if (redacted)
			p = jv_object_set(p, jv_string("redacted"), jv_true());
		*part = p;
		return 0;
	}
	*part = parse_media(b, type);	/* server tools, documents…: dropped */
	return 0;
}

static int parse_message(jv m, int i, jv *ir, jv *err)
{
	char where[48];
	snprintf(where, sizeof where, "messages[%d]", i);
	const char *role = jstr(m, "role");
	if (!role || (strcmp(role, "user") && strcmp(role, "assistant") && strcmp(role, "system"))) {
		*err = ir_error("%s needs a role: user or assistant", where);
		return -1;
	}
	jv c = jget(m, "content");
	int rc = 0;
	if (strcmp(role, "system") == 0) {	/* mid-conversation system (beta) */
		jv sys = jget(*ir, "system");
		jv text = jis(c, JV_KIND_STRING) ? jv_copy(c) : jv_invalid();
		if (jis(c, JV_KIND_ARRAY))
			text = ir_join_text(jv_copy(c));
		if (jv_is_valid(text))
			jset(ir, "system", jv_array_append(jv_is_valid(sys) ? sys : jv_array(), text));
		else
			jv_free(sys);
	} else if (jis(c, JV_KIND_STRING)) {
		if (jv_string_length_bytes(jv_copy(c)) > 0)
			ir_push_part(ir, role, ir_text(jv_copy(c)));
	} else if (jis(c, JV_KIND_ARRAY)) {
		jv_array_foreach(c, k, b) {
			char w[80];
			snprintf(w, sizeof w, "%s.content[%d]", where, k);
			jv part;
			if (!rc)
				rc = parse_block(b, w, &part, err);
			if (!rc && jv_is_valid(part))
				ir_push_part(ir, role, part);
			jv_free(b);
		}
	} else {
		*err = ir_error("%s.content must be a string or an array of blocks, not %s",
				where, jkind(c));
		rc = -1;
	}
	jv_free(c);
	return rc;
}

static int parse_system(jv sys, jv *ir, jv *err)
{
	if (!jv_is_valid(sys))
		return 0;
	if (jis(sys, JV_KIND_STRING)) {
		if (jv_string_length_bytes(jv_copy(sys)) > 0)
			jset(ir, "system", JV_ARRAY(jv_copy(sys)));
		return 0;
	}
	if (!jis(sys, JV_KIND_ARRAY)) {
		*err = ir_error("system must be a string or an array of text blocks, not %s",
				jkind(sys));
		return -1;
	}
	jv out = jv_array();
	jv_array_foreach(sys, i, b) {
		const char *t = jstr(b, "text");
		if (t && *t)
			out = jv_array_append(out, jv_string(t));
		jv_free(b);
	}
	jset(ir, "system", out);
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
		const char *type = jstr(t, "type");
		/* typed tools other than custom are Anthropic's server tools: dropped */
		if (!rc && (!type || strcmp(type, "custom") == 0))
			rc = ir_take_tool(ir, jget(t, "name"), jget(t, "description"),
					  jget(t, "input_schema"), err);
		jv_free(t);
	}
	return rc;
}

static int parse_tool_choice(jv tc, jv *ir, jv *err)
{
	if (!jv_is_valid(tc))
		return 0;
	const char *t = jstr(tc, "type");
	jv out;
	if (t && (strcmp(t, "auto") == 0 || strcmp(t, "none") == 0))
		out = JV_OBJECT(jv_string("type"), jv_string(t));
	else if (t && strcmp(t, "any") == 0)
		out = JV_OBJECT(jv_string("type"), jv_string("required"));
	else if (t && strcmp(t, "tool") == 0 && jstr(tc, "name"))
		out = JV_OBJECT(jv_string("type"), jv_string("tool"), jv_string("name"),
				jget(tc, "name"));
	else {
		*err = ir_error("tool_choice must be {type: auto|any|none|tool}");
		return -1;
	}
	jset(ir, "tool_choice", out);
	if (jis_at(tc, "disable_parallel_tool_use", JV_KIND_TRUE))
		jset(ir, "parallel_tool_calls", jv_false());
	return 0;
}

static void parse_thinking(jv req, jv *ir)
{
	jv th = jget(req, "thinking");
	const char *t = jstr(th, "type");
	jv budget = jget(th, "budget_tokens");
	if (t && strcmp(t, "enabled") == 0 && jis(budget, JV_KIND_NUMBER)) {
		jset(ir, "reasoning", JV_OBJECT(jv_string("budget"), jv_copy(budget),
						jv_string("show"), jv_true()));
	} else if (t && strcmp(t, "adaptive") == 0) {
		jv oc = jget(req, "output_config");
		jv r = JV_OBJECT(jv_string("show"), jv_true());
		jset(&r, "effort", jget(oc, "effort"));
		jset(ir, "reasoning", r);
		jv_free(oc);
	}
	jv_free(budget);
	jv_free(th);
}

jv req_anthropic_parse(jv req, const char *model)
{
	(void)model;
	jv msgs = ir_request_array(req, "an anthropic request", "messages");
	if (!jv_is_valid(msgs)) {
		jv_free(req);
		return msgs;
	}
	jv ir = JV_OBJECT(jv_string("messages"), jv_array());
	jv err = jv_invalid();
	jv sys = jget(req, "system");
	int rc = parse_system(sys, &ir, &err);
	jv_free(sys);
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
	jv meta = jget(req, "metadata");
	if (!rc)
		rc = ir_take_string(&ir, "model", jget(req, "model"), "model", &err) ||
		     ir_take_number(&ir, "max_tokens", jget(req, "max_tokens"), "max_tokens", &err) ||
		     ir_take_number(&ir, "temperature", jget(req, "temperature"), "temperature", &err) ||
		     ir_take_number(&ir, "top_p", jget(req, "top_p"), "top_p", &err) ||
		     ir_take_number(&ir, "top_k", jget(req, "top_k"), "top_k", &err) ||
		     ir_take_stop(&ir, jget(req, "stop_sequences"), "stop_sequences", &err) ||
		     ir_take_bool(&ir, "stream", jget(req, "stream"), "stream", &err) ||
		     ir_take_string(&ir, "user", jget(meta, "user_id"), "metadata.user_id", &err);
	jv_free(meta);
	if (!rc)
		parse_thinking(req, &ir);
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
	const char *t = jstr(p, "type");
	jv out;
	if (strcmp(t, "text") == 0) {
		out = JV_OBJECT(jv_string("type"), jv_string("text"), jv_string("text"), jget(p, "text"));
	} else if (jstr(p, "url")) {
		out = JV_OBJECT(jv_string("type"), jv_string("image"), jv_string("source"),
			JV_OBJECT(jv_string("type"), jv_string("url"), jv_string("url"), jget(p, "url")));
	} else {
		out = JV_OBJECT(jv_string("type"), jv_string("image"), jv_string("source"),
			JV_OBJECT(jv_string("type"), jv_string("base64"),
				  jv_string("media_type"), jget(p, "media_type"),
				  jv_string("data"), jget(p, "data")));
	}
	jv_free(p);
	return out;
}

static jv emit_tool_result(jv p)
{
	jv c = jget(p, "content");
	jv out = JV_OBJECT(jv_string("type"), jv_string("tool_result"),
			   jv_string("tool_use_id"), ir_id_to_anthropic(jget(p, "id")));
	int n = jv_array_length(jv_copy(c));
	jv first = n ? jv_array_get(jv_copy(c), 0) : jv_invalid();
	if (n == 1 && strcmp(jstr(first, "type"), "text") == 0) {
		out = jv_object_set(out, jv_string("content"), jget(first, "text"));
	} else if (n > 0) {
		jv blocks = jv_array();
		jv_array_foreach(c, i, q)
			blocks = jv_array_append(blocks, emit_media(q));
		out = jv_object_set(out, jv_string("content"), blocks);
	}
	jv_free(first);
	jv_free(c);
	if (jis_at(p, "is_error", JV_KIND_TRUE))
		out = jv_object_set(out, jv_string("is_error"), jv_true());
	jv_free(p);
	return out;
}

/* One IR message → an anthropic message, tool results first (the API wants
 * them at the start of the user turn that follows the calls). */
static jv emit_message(jv m, jv *err)
{
	jv c = jget(m, "content");
	jv results = jv_array(), blocks = jv_array();
	jv_array_foreach(c, i, p) {
		const char *t = jstr(p, "type");
		if (strcmp(t, "tool_result") == 0) {
			results = jv_array_append(results, emit_tool_result(p));
		} else if (strcmp(t, "tool_call") == 0) {
			jv input = ir_args_object(jget(p, "arguments"), jget(p, "name"));
			if (!jv_is_valid(input)) {	/* keep the first error */
				if (jv_invalid_has_msg(jv_copy(*err))) {
					jv_free(input);
				} else {
					jv_free(*err);
					*err = input;
				}
				input = jv_object();
			}
			blocks = jv_array_append(blocks, JV_OBJECT(jv_string("type"), jv_string("tool_use"),
				jv_string("id"), ir_id_to_anthropic(jget(p, "id")),
				jv_string("name"), jget(p, "name"), jv_string("input"), input));
			jv_free(p);
		} else if (strcmp(t, "thinking") == 0) {
			/* only Anthropic's own signed thinking can go back to it */
			if (ir_sig_for(p, NR_FMT_ANTHROPIC)) {
				int red = jis_at(p, "redacted", JV_KIND_TRUE);
				jv b = JV_OBJECT(jv_string("type"),
					jv_string(red ? "redacted_thinking" : "thinking"));
				if (!red)
					b = jv_object_set(b, jv_string("thinking"), jget(p, "text"));
				b = jv_object_set(b, jv_string(red ? "data" : "signature"),
						  jget(p, "signature"));
				blocks = jv_array_append(blocks, b);
			}
			jv_free(p);
		} else {
			blocks = jv_array_append(blocks, emit_media(p));
		}
	}
	jv_free(c);
	jv out = JV_OBJECT(jv_string("role"), jget(m, "role"),
			   jv_string("content"), jv_array_concat(results, blocks));
	jv_free(m);
	return out;
}

static void emit_reasoning(jv ir, jv *out, long max_tokens)
{
	jv r = jget(ir, "reasoning");
	if (!jv_is_valid(r))
		return;
	jv b = jget(r, "budget");
	long budget = jis(b, JV_KIND_NUMBER) ? ir_long(jv_number_value(b)) : -1;
	jv_free(b);
	const char *effort = jstr(r, "effort");
	if (budget < 0 && effort)
		budget = ir_effort_budget(effort);
	jv_free(r);
	if (budget == 0 || max_tokens <= NR_ANTHROPIC_MIN_BUDGET)
		return;		/* off, or no room for the smallest budget */
	if (budget < 0)
		budget = max_tokens / 2;
	if (budget < NR_ANTHROPIC_MIN_BUDGET)
		budget = NR_ANTHROPIC_MIN_BUDGET;
	if (budget >= max_tokens)
		budget = max_tokens - 1;
	/* With thinking on, Anthropic refuses forced tool use, and the last
	 * assistant turn that called tools must start with its (signed) thinking;
	 * history from another format has none, so thinking stays off then. */
	jv tc = jget(*out, "tool_choice");
	const char *tct = jstr(tc, "type");
	int forced = tct && (strcmp(tct, "any") == 0 || strcmp(tct, "tool") == 0);
	jv_free(tc);
	jv msgs = jget(*out, "messages");
	int n = jv_array_length(jv_copy(msgs)), unsigned_turn = 0;
	for (int i = n - 1; i >= 0; i--) {
		jv m = jv_array_get(jv_copy(msgs), i);
		if (strcmp(jstr(m, "role"), "assistant") == 0) {
			jv c = jget(m, "content");
			int calls = 0;
			jv_array_foreach(c, k, blk) {
				calls |= strcmp(jstr(blk, "type"), "tool_use") == 0;
				jv_free(blk);
			}
			jv first = jv_array_get(c, 0);
			const char *ft = jstr(first, "type");
			unsigned_turn = calls && !(ft && strstr(ft, "thinking"));
			jv_free(first);
			jv_free(m);
			break;
		}
		jv_free(m);
	}
	jv_free(msgs);
	if (forced || unsigned_turn)
		return;
	jset(out, "thinking", JV_OBJECT(jv_string("type"), jv_string("enabled"),
					jv_string("budget_tokens"), jv_number((double)budget)));
	/* sampling changes are refused with thinking on; top_p only in [0.95, 1] */
	*out = jv_object_delete(*out, jv_string("temperature"));
	*out = jv_object_delete(*out, jv_string("top_k"));
	jv tp = jget(*out, "top_p");
	if (jis(tp, JV_KIND_NUMBER) && jv_number_value(tp) < 0.95)
		*out = jv_object_delete(*out, jv_string("top_p"));
	jv_free(tp);
}

jv req_anthropic_emit(jv ir)
{
	jv out = jv_object();
	jset(&out, "model", jget(ir, "model"));
	/* Anthropic requires max_tokens; other formats let it default. */
	jv mt = jget(ir, "max_tokens");
	long max_tokens = jis(mt, JV_KIND_NUMBER) ? ir_long(jv_number_value(mt))
						  : NR_ANTHROPIC_DEFAULT_MAX_TOKENS;
	jv_free(mt);
	out = jv_object_set(out, jv_string("max_tokens"), jv_number((double)max_tokens));
	jv sys = jget(ir, "system");
	if (jis(sys, JV_KIND_ARRAY) && jv_array_length(jv_copy(sys)) == 1) {
		out = jv_object_set(out, jv_string("system"), jv_array_get(jv_copy(sys), 0));
	} else if (jv_is_valid(sys)) {
		jv blocks = jv_array();
		jv_array_foreach(sys, i, s)
			blocks = jv_array_append(blocks, ir_text(s));
		out = jv_object_set(out, jv_string("system"), blocks);
	}
	jv_free(sys);
	jv err = jv_invalid();
	jv msgs = jv_array();
	jv im = jget(ir, "messages");
	jv_array_foreach(im, i, m) {
		jv em = emit_message(m, &err);
		jv c = jget(em, "content");
		if (jv_array_length(c) > 0)	/* a turn of dropped blocks only: skipped */
			msgs = jv_array_append(msgs, em);
		else
			jv_free(em);
	}
	jv_free(im);
	if (jv_invalid_has_msg(jv_copy(err))) {
		jv_free(msgs);
		jv_free(out);
		jv_free(ir);
		return err;
	}
	jv_free(err);
	out = jv_object_set(out, jv_string("messages"), msgs);
	jv tools = jget(ir, "tools");
	if (jv_is_valid(tools)) {
		jv ot = jv_array();
		jv_array_foreach(tools, i, t) {
			jv d = JV_OBJECT(jv_string("name"), jget(t, "name"));
			jset(&d, "description", jget(t, "description"));
			d = jv_object_set(d, jv_string("input_schema"), jget(t, "parameters"));
			ot = jv_array_append(ot, d);
			jv_free(t);
		}
		out = jv_object_set(out, jv_string("tools"), ot);
		jv tc = jget(ir, "tool_choice");
		const char *t = jstr(tc, "type");
		jv choice = jv_invalid();
		if (t)
			choice = strcmp(t, "tool") == 0
				? JV_OBJECT(jv_string("type"), jv_string("tool"), jv_string("name"),
					    jget(tc, "name"))
				: JV_OBJECT(jv_string("type"),
					    jv_string(strcmp(t, "required") == 0 ? "any" : t));
		if (jis_at(ir, "parallel_tool_calls", JV_KIND_FALSE) &&
		    !(t && strcmp(t, "none") == 0)) {
			if (!jv_is_valid(choice))
				choice = JV_OBJECT(jv_string("type"), jv_string("auto"));
			choice = jv_object_set(choice, jv_string("disable_parallel_tool_use"), jv_true());
		}
		jset(&out, "tool_choice", choice);
		jv_free(tc);
	}
	jv_free(tools);
	jv temp = jget(ir, "temperature");
	if (jis(temp, JV_KIND_NUMBER) && jv_number_value(temp) > 1) {	/* 0–1 here, 0–2 elsewhere */
		jv_free(temp);
		temp = jv_number(1);
	}
	jset(&out, "temperature", temp);
	jset(&out, "top_p", jget(ir, "top_p"));
	jset(&out, "top_k", jget(ir, "top_k"));
	jset(&out, "stop_sequences", jget(ir, "stop"));
	jset(&out, "stream", jget(ir, "stream"));
	jv user = jget(ir, "user");
	if (jv_is_valid(user))
		out = jv_object_set(out, jv_string("metadata"),
				    JV_OBJECT(jv_string("user_id"), user));
	emit_reasoning(ir, &out, max_tokens);
	jv_free(ir);
	return out;
}
