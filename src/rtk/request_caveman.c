/* request_caveman: the terse-answers instruction, placed per format. */
#include "rtk/request_caveman.h"

#include <stdio.h>
#include <string.h>

const char caveman_instruction[] =
	"Answer tersely: technical substance only (code, commands, exact names, numbers, facts). "
	"No filler, pleasantries, apologies, hedging, restating the question or closing summary; "
	"fragments are fine.";

struct place {
	const char *doc;
	struct edits *e;
	struct buf tmp;
};

static size_t off(const struct place *pl, const char *p)
{
	return (size_t)(p - pl->doc);
}

/* The string literal `str` with the instruction appended after a blank line. */
static int append_to_string(struct place *pl, struct json_span str)
{
	struct buf text = BUF_INIT;
	size_t il = strlen(caveman_instruction);
	int rc = json_str_decode(str, &text);
	if (rc == 0 && text.len >= il && memcmp(text.p + text.len - il, caveman_instruction, il) == 0)
		goto done;	/* already there */
	if (rc == 0 && text.len)
		rc = buf_puts(&text, "\n\n");
	if (rc == 0)
		rc = buf_puts(&text, caveman_instruction);
	buf_reset(&pl->tmp);
	if (rc == 0)
		rc = json_str(&pl->tmp, text.p, text.len);
	if (rc == 0)
		rc = edits_add(pl->e, off(pl, str.p), str.n, pl->tmp.p, pl->tmp.len);
done:
	buf_free(&text);
	return rc;
}

/* Nonzero when an item of `array` has a "text" equal to the instruction. */
static int has_instruction(struct json_span array)
{
	struct json_iter it = json_iter_init(array);
	struct json_span item;
	while (json_array_next(&it, &item))
		if (json_str_is(json_get(item, "text"), caveman_instruction))
			return 1;
	return 0;
}

/* `before` + the instruction as a JSON string + `after`, into pl->tmp. */
static int wrap(struct place *pl, const char *before, const char *after)
{
	buf_reset(&pl->tmp);
	if (buf_puts(&pl->tmp, before) < 0 ||
	    json_str(&pl->tmp, caveman_instruction, strlen(caveman_instruction)) < 0 ||
	    buf_puts(&pl->tmp, after) < 0)
		return -1;
	return 0;
}

/* Appends item `before`"instruction"`after` at the end of the array, unless
 * an item already carries the instruction. */
static int append_item(struct place *pl, struct json_span array, const char *before,
		       const char *after)
{
	if (has_instruction(array))
		return 0;
	char head[64];
	snprintf(head, sizeof head, "%s%s", json_is_empty(array) ? "" : ",", before);
	if (wrap(pl, head, after) < 0)
		return -1;
	size_t at = off(pl, json_container_end(array));
	return edits_add(pl->e, at, 0, pl->tmp.p, pl->tmp.len);
}

/* Adds member "key": before"instruction"after as the object's first member,
 * where a reader looks for the system prompt. */
static int add_member(struct place *pl, struct json_span object, const char *key,
		      const char *before, const char *after)
{
	char head[128], tail[128];
	snprintf(head, sizeof head, "\"%s\":%s", key, before);
	snprintf(tail, sizeof tail, "%s%s", after, json_is_empty(object) ? "" : ",");
	if (wrap(pl, head, tail) < 0)
		return -1;
	return edits_add(pl->e, off(pl, object.p) + 1, 0, pl->tmp.p, pl->tmp.len);
}

static int set_value(struct place *pl, struct json_span v, const char *before, const char *after)
{
	if (wrap(pl, before, after) < 0)
		return -1;
	return edits_add(pl->e, off(pl, v.p), v.n, pl->tmp.p, pl->tmp.len);
}

static int bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "--caveman: %s", what);
	return -1;
}

static int anthropic(struct place *pl, struct json_span top, char *err, size_t errlen)
{
	struct json_span sys = json_get(top, "system");
	switch (json_type_of(sys)) {
	case JSON_NULL:
		return sys.n ? set_value(pl, sys, "", "") : add_member(pl, top, "system", "", "");
	case JSON_STRING:
		return append_to_string(pl, sys);
	case JSON_ARRAY:
		return append_item(pl, sys, "{\"type\":\"text\",\"text\":", "}");
	default:
		return bad(err, errlen, "\"system\" is neither a string nor an array of blocks");
	}
}

static int openai(struct place *pl, struct json_span top, char *err, size_t errlen)
{
	struct json_span msgs = json_get(top, "messages"), m;
	struct json_iter it = json_iter_init(msgs);
	while (json_array_next(&it, &m)) {
		struct json_span role = json_get(m, "role");
		if (!json_str_is(role, "system") && !json_str_is(role, "developer"))
			continue;
		struct json_span c = json_get(m, "content");
		switch (json_type_of(c)) {
		case JSON_NULL:
			return c.n ? set_value(pl, c, "", "") : add_member(pl, m, "content", "", "");
		case JSON_STRING:
			return append_to_string(pl, c);
		case JSON_ARRAY:
			return append_item(pl, c, "{\"type\":\"text\",\"text\":", "}");
		default:
			return bad(err, errlen, "the system message's content is neither a string "
						"nor an array of parts");
		}
	}
	if (wrap(pl, "{\"role\":\"system\",\"content\":", json_is_empty(msgs) ? "}" : "},") < 0)
		return -1;
	return edits_add(pl->e, off(pl, msgs.p) + 1, 0, pl->tmp.p, pl->tmp.len);
}

static int responses(struct place *pl, struct json_span top, char *err, size_t errlen)
{
	struct json_span ins = json_get(top, "instructions");
	switch (json_type_of(ins)) {
	case JSON_NULL:
		return ins.n ? set_value(pl, ins, "", "") : add_member(pl, top, "instructions", "", "");
	case JSON_STRING:
		return append_to_string(pl, ins);
	default:
		return bad(err, errlen, "\"instructions\" is not a string");
	}
}

static int gemini(struct place *pl, struct json_span top, char *err, size_t errlen)
{
	struct json_span si = json_get(top, "systemInstruction");
	if (!si.n)
		si = json_get(top, "system_instruction");	/* the proto name, also accepted */
	switch (json_type_of(si)) {
	case JSON_NULL:
		if (si.n)
			return set_value(pl, si, "{\"parts\":[{\"text\":", "}]}");
		return add_member(pl, top, "systemInstruction", "{\"parts\":[{\"text\":", "}]}");
	case JSON_STRING:
		return append_to_string(pl, si);
	case JSON_OBJECT:
		break;
	default:
		return bad(err, errlen, "\"systemInstruction\" is not an object");
	}
	struct json_span parts = json_get(si, "parts");
	if (!parts.n || json_type_of(parts) == JSON_NULL) {
		if (parts.n)
			return set_value(pl, parts, "[{\"text\":", "}]");
		return add_member(pl, si, "parts", "[{\"text\":", "}]");
	}
	if (json_type_of(parts) != JSON_ARRAY)
		return bad(err, errlen, "\"systemInstruction.parts\" is not an array");
	return append_item(pl, parts, "{\"text\":", "}");
}

int caveman_insert(const char *doc, struct json_span top, enum nr_format format, struct edits *e,
		   char *err, size_t errlen)
{
	struct place pl = { doc, e, BUF_INIT };
	int rc;
	err[0] = '\0';
	switch (format) {
	case NR_FMT_ANTHROPIC:
		rc = anthropic(&pl, top, err, errlen);
		break;
	case NR_FMT_OPENAI:
		rc = openai(&pl, top, err, errlen);
		break;
	case NR_FMT_RESPONSES:
		rc = responses(&pl, top, err, errlen);
		break;
	default:
		rc = gemini(&pl, top, err, errlen);
		break;
	}
	buf_free(&pl.tmp);
	return rc;
}
