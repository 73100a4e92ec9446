/* answer: what the mock says, before it is put in a wire format: a text (in
 * pieces for streaming) or one tool call, and the token counts. */
#include "mock.h"

#include <stdlib.h>	/* arc4random: glibc 2.36 */
#include <strings.h>
#include <string.h>

#include "utf8.h"

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);
	must(d ? 0 : -1);
	return d;
}

/* prefix + 24 random hex digits, like the providers' ids (zeros under
 * MOCK_FIXED, so that two answers can be compared byte for byte) */
static char *make_id(const char *prefix)
{
	struct buf b = BUF_INIT;
	must(buf_puts(&b, prefix));
	for (int i = 0; i < 3; i++)
		must(buf_printf(&b, "%08x", getenv("MOCK_FIXED") ? 0 : arc4random()));
	return buf_steal(&b, NULL);
}

static void add_cut(struct answer *a, size_t at)
{
	size_t *c = reallocarray(a->cuts, a->ncuts + 1, sizeof *c);
	must(c ? 0 : -1);
	a->cuts = c;
	a->cuts[a->ncuts++] = at;
}

/* Sets the text, cut before each space (spaces are ASCII, so a cut never
 * splits a UTF-8 sequence). */
static void set_text(struct answer *a, char *text)
{
	a->text = text;
	add_cut(a, 0);
	for (size_t i = 1; text[i]; i++)
		if (text[i] == ' ')
			add_cut(a, i);
	add_cut(a, strlen(text));
}

/* long-N: exactly N pieces "w1 ", "w2 ", ... */
static void set_long_text(struct answer *a, long n)
{
	struct buf b = BUF_INIT;
	must(buf_puts(&b, ""));
	add_cut(a, 0);
	for (long i = 1; i <= n; i++) {
		must(buf_printf(&b, "w%ld ", i));
		add_cut(a, b.len);
	}
	a->text = buf_steal(&b, NULL);
}

static int starts_with_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* The value the mock gives required property `prop` of tool `tool`. */
static const char *arg_value(const char *tool, const char *prop)
{
	const char *path = getenv("MOCK_TOOL_PATH");
	if (starts_with_ci(tool, "read") && path &&
	    (strcmp(prop, "path") == 0 || strcmp(prop, "file_path") == 0))
		return path;
	if (strstr(prop, "path") || strstr(prop, "file"))
		return "README.md";
	if (strcmp(prop, "command") == 0 || strcmp(prop, "cmd") == 0) {
		const char *cmd = getenv("MOCK_TOOL_COMMAND");
		return cmd ? cmd : "echo mock-upstream";
	}
	return "mock-upstream";
}

/* {"<required property>": "<string>", ...} as JSON text */
static char *tool_args(const char *tool, jv schema)
{
	jv args = jv_object();
	jv req = jv_get_kind(schema) == JV_KIND_OBJECT ? jv_object_get(schema, jv_string("required"))
						     : (jv_free(schema), jv_invalid());
	if (jv_get_kind(req) == JV_KIND_ARRAY) {
		jv_array_foreach(req, i, prop) {
			(void)i;
			if (jv_get_kind(prop) == JV_KIND_STRING) {
				const char *v = arg_value(tool, jv_string_value(prop));
				args = jv_object_set(args, prop, jv_string(v));
			} else {
				jv_free(prop);
			}
		}
	}
	jv_free(req);
	jv text = jv_dump_string(args, 0);
	char *s = dup_or_die(jv_string_value(text));
	jv_free(text);
	return s;
}

static void set_tool_call(struct answer *a, jv name, jv schema)
{
	a->tool_name = dup_or_die(jv_string_value(name));
	jv_free(name);
	a->tool_args = tool_args(a->tool_name, schema);
	a->call_id = make_id(a->fmt == NR_FMT_ANTHROPIC ? "toolu_" : "call_");
}

/* "Tool said: " + the first bytes of the result, cut between characters */
static char *tool_said(jv result)
{
	const char *r = jv_string_value(result);
	size_t len = (size_t)jv_string_length_bytes(jv_copy(result));
	struct buf b = BUF_INIT;
	must(buf_puts(&b, "Tool said: "));
	must(buf_append(&b, r, utf8_cut(r, len, MOCK_TOOL_RESULT_ECHO)));
	jv_free(result);
	return buf_steal(&b, NULL);
}

void answer_build(struct answer *a, enum nr_format fmt, const char *model, jv req,
		  size_t req_bytes, const struct behaviour *bh)
{
	static const char *const id_prefix[NR_FMT_COUNT] = { "chatcmpl-", "msg_", "resp_", "" };
	memset(a, 0, sizeof *a);
	a->fmt = fmt;
	a->model = dup_or_die(model);
	a->id = make_id(id_prefix[fmt]);
	jv name, schema;
	if (bh->tool) {
		jv result = conv_last_tool_result(fmt, jv_copy(req));
		if (jv_get_kind(result) == JV_KIND_STRING)
			set_text(a, tool_said(result));
		else if (jv_free(result), conv_find_tool(fmt, jv_copy(req), bh->tool_word, bh->tool_word_len,
							 &name, &schema) == 0)
			set_tool_call(a, name, schema);
	}
	jv_free(req);
	if (!a->text && !a->tool_name) {
		if (bh->long_n > 0) {
			set_long_text(a, bh->long_n);
		} else {
			struct buf b = BUF_INIT;
			must(buf_printf(&b, "Hello from mock-upstream (%s, %s)", nr_format_name(fmt), model));
			set_text(a, buf_steal(&b, NULL));
		}
	}
	size_t out = a->text ? strlen(a->text) : strlen(a->tool_name) + strlen(a->tool_args);
	a->in_tokens = bh->hugeusage ? 1e300 : (double)(req_bytes / 4 + 1);
	a->out_tokens = bh->hugeusage ? 1e300 : (double)(out / 4 + 1);
	if (bh->cached)	/* fixed counts: 100 input tokens, 30 read from the cache, 20 written, 7 out */
		a->in_tokens = 100, a->cache_read = 30, a->cache_write = 20, a->out_tokens = 7;
}

void answer_free(struct answer *a)
{
	free(a->model);
	free(a->id);
	free(a->text);
	free(a->cuts);
	free(a->tool_name);
	free(a->tool_args);
	free(a->call_id);
	memset(a, 0, sizeof *a);
}

size_t answer_npieces(const struct answer *a)
{
	return a->ncuts > 0 ? a->ncuts - 1 : 0;
}

jv answer_piece(const struct answer *a, size_t i)
{
	return jv_string_sized(a->text + a->cuts[i], (int)(a->cuts[i + 1] - a->cuts[i]));
}

size_t answer_args_half(const struct answer *a)
{
	size_t n = strlen(a->tool_args);
	return utf8_cut(a->tool_args, n, n / 2);
}

jv answer_args(const struct answer *a)
{
	return jv_parse(a->tool_args);
}

jv answer_usage_openai(const struct answer *a)
{
	return JV_OBJECT(S("prompt_tokens"), N(a->in_tokens), S("completion_tokens"), N(a->out_tokens),
			 S("total_tokens"), N(a->in_tokens + a->out_tokens),
			 S("prompt_tokens_details"), JV_OBJECT(S("cached_tokens"), N(a->cache_read)),
			 S("completion_tokens_details"), JV_OBJECT(S("reasoning_tokens"), N(0)));
}
