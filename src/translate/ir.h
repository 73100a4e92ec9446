/* ir: the internal representation of a chat request shared by the four
 * request translators (req_*.c), and the small jv helpers they use.
 *
 * A request in any format is parsed into one normalised jv object, then
 * emitted from it in the target format. Keys are absent when unknown (never
 * null). Everything a format cannot express is simply not in the IR, so
 * emitters never invent fields.
 *
 *  {"model": "name",
 *   "system": ["text", ...],               system / developer / instructions /
 *                                          systemInstruction texts, in order
 *   "messages": [{"role": "user"|"assistant", "content": [PART, ...]}, ...],
 *                                          consecutive same-role turns merged:
 *                                          roles alternate, content non-empty
 *   "tools": [{"name", "description"?, "parameters": JSON Schema object}],
 *   "tool_choice": {"type": "auto"|"none"|"required"|"tool", "name"?},
 *   "parallel_tool_calls": bool,
 *   "max_tokens": int, "temperature": num, "top_p": num, "top_k": int,
 *   "stop": ["seq", ...], "stream": bool, "user": "end-user id",
 *   "reasoning": {"effort": "minimal|low|medium|high|xhigh"?, "budget": int?,
 *                 "show": bool?}}             show: the client wants to see it
 *
 * PART is one of
 *   {"type":"text", "text"}
 *   {"type":"image", "media_type", "data"}    raw base64, never re-encoded
 *   {"type":"image", "url", "media_type"?}
 *   {"type":"tool_call", "id", "name", "arguments"}   arguments: JSON text
 *   {"type":"tool_result", "id", "content": [text|image PART], "is_error": bool}
 *                                          (tool results live in user turns)
 *   {"type":"thinking", "text", "signature"?, "origin", "id"?, "redacted"?}
 *      origin: the format that issued the signature (opaque state is only
 *      ever sent back to its issuer); id: a responses reasoning item id;
 *      a gemini thoughtSignature found on a non-thought part becomes a
 *      thinking part with empty text just before that part.
 *
 * Ownership: as in jq, every function here that takes a jv consumes it,
 * except the j*() accessors, which only borrow their first argument. */
#ifndef NR_TRANSLATE_IR_H
#define NR_TRANSLATE_IR_H

#include <jv.h>

#include "format.h"

/* Anthropic requires max_tokens; nr sends this when the source has no limit. */
#define NR_ANTHROPIC_DEFAULT_MAX_TOKENS 8192
/* Anthropic's smallest thinking budget. */
#define NR_ANTHROPIC_MIN_BUDGET 1024

/* Borrowing accessors. jget: the value at key, or jv_invalid() when obj is not
 * an object or the key is missing or null. jget2 tries a then b (gemini accepts
 * camelCase and snake_case). */
jv jget(jv obj, const char *key);
jv jget2(jv obj, const char *a, const char *b);
int jis(jv v, jv_kind k);
const char *jkind(jv v);	/* "missing" for invalid values */
/* Nonzero when the value at key is of kind k (jget's reference is released). */
int jis_at(jv obj, const char *key, jv_kind k);
/* The string at key, or NULL; valid while obj lives. */
const char *jstr(jv obj, const char *key);

/* jv_invalid_with_msg with a formatted message. */
jv ir_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The array under `key` of request `req` (borrowed), which must be an object;
 * `what` names the request ("an openai request"). Returns the array, or an
 * ir_error saying what is wrong (test with jv_is_valid). */
jv ir_request_array(jv req, const char *what, const char *key);
/* Sets key on *obj (consumes val); invalid vals are dropped, not set. */
void jset(jv *obj, const char *key, jv val);

/* Appends part to the last message when it has `role`, else a new message. */
jv ir_add_part(jv msgs, const char *role, jv part);
/* The same on ir.messages, in place. */
void ir_push_part(jv *ir, const char *role, jv part);
jv ir_text(jv text);
/* An image part from a URL string: data URLs split into media_type + data. */
jv ir_image_from_url(jv url);
/* The URL of an image part (data URL rebuilt from media_type + data). */
jv ir_image_to_url(jv part);
/* The text parts of content joined with "\n\n" (images and others skipped). */
jv ir_join_text(jv parts);

/* Tool call arguments: JSON text → object ("" → {}), or an error. */
jv ir_args_object(jv args, jv name);
/* Any JSON value → its compact text. */
jv ir_args_text(jv value);

/* Signatures: a signature found in format src may be a tunnel of another
 * issuer's state, written "nr-sig:FORMAT:STATE" by the response translator.
 * Returns the state and sets *origin to its issuer's format name. */
jv ir_sig_parse(jv raw, enum nr_format src, jv *origin);
/* Nonzero when the thinking part's opaque state was issued by `to`. */
int ir_sig_for(jv part, enum nr_format to);

/* Tool ids for anthropic (^[a-zA-Z0-9_-]+$): a legal id is kept; any other
 * becomes "nrx_" + hex of its bytes, reversed by ir_id_from_anthropic. */
jv ir_id_to_anthropic(jv id);
jv ir_id_from_anthropic(jv id);

/* nr's effort ↔ budget table (there is no official one):
 * minimal 1024, low 4096, medium 8192, high 16384, xhigh 32768;
 * a budget maps back to the nearest effort at or above it (≤4096 low,
 * ≤8192 medium, else high; <=1024 minimal is read as low, since not every
 * model takes "minimal"). */
int ir_effort_budget(const char *effort);
const char *ir_budget_effort(long budget);

/* A JSON number as a token count: truncated toward zero, clamped to long's
 * range (a client may write 1e400, which is inf), NaN as 0. */
long ir_long(double d);

/* Parameter checks for parsers: each consumes v; a missing v is fine (0);
 * a v of the wrong type sets *err to a message naming `what` and returns -1;
 * otherwise the value is set at ir_key in *ir. */
int ir_take_number(jv *ir, const char *ir_key, jv v, const char *what, jv *err);
int ir_take_bool(jv *ir, const char *ir_key, jv v, const char *what, jv *err);
int ir_take_string(jv *ir, const char *ir_key, jv v, const char *what, jv *err);
/* stop: a string or an array of strings, kept as an array. */
int ir_take_stop(jv *ir, jv v, const char *what, jv *err);
/* A tool definition {"name","description"?,"parameters"} appended to ir.tools. */
int ir_take_tool(jv *ir, jv name, jv description, jv parameters, jv *err);

/* One parser (format → IR) and one emitter (IR → format) per format. A parser
 * returns the IR or an invalid jv whose message says what is wrong with the
 * request; `model` names the model when the format keeps it out of the body
 * (gemini). An emitter returns the request body, or an invalid jv when the IR
 * holds something the target cannot accept. Both consume their argument. */
jv req_openai_parse(jv req, const char *model);
jv req_openai_emit(jv ir);
jv req_anthropic_parse(jv req, const char *model);
jv req_anthropic_emit(jv ir);
jv req_responses_parse(jv req, const char *model);
jv req_responses_emit(jv ir);
jv req_gemini_parse(jv req, const char *model);
jv req_gemini_emit(jv ir);

/* Gemini's OpenAPI-subset Schema from a JSON Schema: unsupported keys dropped,
 * type arrays turned into type + nullable, const into enum. */
jv gemini_schema_from_json(jv schema);
/* And back: lowercase types, nullable into a type array. */
jv gemini_schema_to_json(jv schema);

#endif
