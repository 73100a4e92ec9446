#!/usr/bin/env bats
# nr-translate --stream: SSE of one format in, SSE of another out, event by
# event; the exact mappings (PROTOCOLS 5.4-5.6, 6.3), cut and broken streams,
# pass-through, the recorded real streams, round trips and bounded memory.

load helper

T=$BATS_TEST_TMPDIR

# ---- writing small streams inline ----

# oc DELTA [FINISH]: one chat.completion.chunk
oc() {
	printf 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4.1","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}\n\n' "$1" "${2:-null}"
}
# ousage JSON: the usage chunk (no choices)
ousage() {
	printf 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4.1","choices":[],"usage":%s}\n\n' "$1"
}
# ae TYPE [FIELDS]: one anthropic event
ae() { printf 'event: %s\ndata: {"type":"%s"%s}\n\n' "$1" "$1" "${2:+,$2}"; }
# re TYPE FIELDS: one responses event, numbered
SEQ=0
re() { printf 'event: %s\ndata: {"type":"%s","sequence_number":%d,%s}\n\n' "$1" "$1" "$SEQ" "$2"; SEQ=$((SEQ + 1)); }
# gc JSON: one gemini chunk, framed as streamGenerateContent sends it
gc() { printf 'data: %s\r\n\r\n' "$1"; }

AMSG='"message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":20,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,"output_tokens":1}}'

# openai: reasoning, text, two tool calls in fragments, usage with cache
openai_tools() {
	oc '{"role":"assistant","content":""}'
	oc '{"reasoning_content":"Think."}'
	oc '{"content":"Checking."}'
	oc '{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]}'
	oc '{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}'
	oc '{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}'
	oc '{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"tz\":\"CET\"}"}}]}'
	oc '{}' '"tool_calls"'
	ousage '{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":100}}'
	printf 'data: [DONE]\n\n'
}
openai_length() {
	oc '{"role":"assistant","content":""}'
	oc '{"content":"Hello"}'
	oc '{"content":" world"}'
	oc '{}' '"length"'
	ousage '{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}'
	printf 'data: [DONE]\n\n'
}
# anthropic: thinking with signature, text, a tool call in fragments, cache usage
anthropic_tools() {
	ae message_start "$AMSG"
	ae ping
	ae content_block_start '"index":0,"content_block":{"type":"thinking","thinking":""}'
	ae content_block_delta '"index":0,"delta":{"type":"thinking_delta","thinking":"Let me think."}'
	ae content_block_delta '"index":0,"delta":{"type":"signature_delta","signature":"EqQBsig"}'
	ae content_block_stop '"index":0'
	ae content_block_start '"index":1,"content_block":{"type":"text","text":""}'
	ae content_block_delta '"index":1,"delta":{"type":"text_delta","text":"Checking."}'
	ae ping
	ae content_block_stop '"index":1'
	ae content_block_start '"index":2,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}'
	ae content_block_delta '"index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Pa"}'
	ae content_block_delta '"index":2,"delta":{"type":"input_json_delta","partial_json":"ris\"}"}'
	ae content_block_stop '"index":2'
	ae message_delta '"delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}'
	ae message_stop
}
anthropic_length() {
	ae message_start "$AMSG"
	ae content_block_start '"index":0,"content_block":{"type":"text","text":""}'
	ae content_block_delta '"index":0,"delta":{"type":"text_delta","text":"Hello world"}'
	ae content_block_stop '"index":0'
	ae message_delta '"delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":2}'
	ae message_stop
}
RESP='"id":"resp_1","object":"response","created_at":1700000000,"model":"gpt-5"'
RS_ITEM='{"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"Plan."}]}'
MSG_ITEM='{"id":"msg_1","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Checking.","annotations":[]}]}'
FC_ITEM='{"id":"fc_1","type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}'
# responses: a reasoning item, a message, a function call
responses_tools() {
	SEQ=0
	re response.created "\"response\":{$RESP,\"status\":\"in_progress\",\"output\":[]}"
	re response.output_item.added '"output_index":0,"item":{"id":"rs_1","type":"reasoning","summary":[]}'
	re response.reasoning_summary_part.added '"item_id":"rs_1","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}'
	re response.reasoning_summary_text.delta '"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Plan."'
	re response.reasoning_summary_part.done '"item_id":"rs_1","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":"Plan."}'
	re response.output_item.done "\"output_index\":0,\"item\":$RS_ITEM"
	re response.output_item.added '"output_index":1,"item":{"id":"msg_1","type":"message","role":"assistant","status":"in_progress","content":[]}'
	re response.content_part.added '"item_id":"msg_1","output_index":1,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}'
	re response.output_text.delta '"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Checking."'
	re response.content_part.done '"item_id":"msg_1","output_index":1,"content_index":0,"part":{"type":"output_text","text":"Checking.","annotations":[]}'
	re response.output_item.done "\"output_index\":1,\"item\":$MSG_ITEM"
	re response.output_item.added '"output_index":2,"item":{"id":"fc_1","type":"function_call","call_id":"call_1","name":"get_weather","arguments":"","status":"in_progress"}'
	re response.function_call_arguments.delta '"item_id":"fc_1","output_index":2,"delta":"{\"city\":\"Paris\"}"'
	re response.output_item.done "\"output_index\":2,\"item\":$FC_ITEM"
	re response.completed "\"response\":{$RESP,\"status\":\"completed\",\"output\":[$RS_ITEM,$MSG_ITEM,$FC_ITEM],\"usage\":{\"input_tokens\":300,\"input_tokens_details\":{\"cached_tokens\":200},\"output_tokens\":50,\"output_tokens_details\":{\"reasoning_tokens\":16},\"total_tokens\":350}}"
}
responses_length() {
	SEQ=0
	local item='{"id":"msg_1","type":"message","role":"assistant","status":"incomplete","content":[{"type":"output_text","text":"Hello world","annotations":[]}]}'
	re response.created "\"response\":{$RESP,\"status\":\"in_progress\",\"output\":[]}"
	re response.output_item.added '"output_index":0,"item":{"id":"msg_1","type":"message","role":"assistant","status":"in_progress","content":[]}'
	re response.content_part.added '"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}'
	re response.output_text.delta '"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hello world"'
	re response.content_part.done '"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"Hello world","annotations":[]}'
	re response.output_item.done "\"output_index\":0,\"item\":$item"
	re response.incomplete "\"response\":{$RESP,\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"output\":[$item],\"usage\":{\"input_tokens\":9,\"output_tokens\":2,\"total_tokens\":11}}"
}
GM='"modelVersion":"gemini-2.5-flash","responseId":"r1"'
# gemini: a thought, text, two parallel calls, usage with cache and thoughts
gemini_tools() {
	gc "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hmm.\",\"thought\":true}]},\"index\":0}],$GM}"
	gc "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Checking.\"}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":40},$GM}"
	gc "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}}},{\"functionCall\":{\"name\":\"get_time\",\"args\":{\"tz\":\"CET\"}}}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":40,\"cachedContentTokenCount\":32,\"candidatesTokenCount\":12,\"thoughtsTokenCount\":48,\"totalTokenCount\":100},$GM}"
}
gemini_length() {
	gc "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hello\"}]},\"index\":0}],$GM}"
	gc "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\" world\"}]},\"finishReason\":\"MAX_TOKENS\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":2,\"totalTokenCount\":11},$GM}"
}

FORMATS="openai anthropic responses gemini"

# ---- reading translated streams ----

tr_stream() { nr-translate --stream --from "$1" --to "$2" "${@:3}"; }
# the JSON payloads, one a line ([DONE] left out)
# (one sed, not sed | tr | grep: a process costs more than the reading here)
payloads() { sed -n '/^data: /{s///;s/\r//g;/^\[DONE\]$/!p}' "$1"; }
# every payload is a whole JSON value: never half-written
all_json() { payloads "$1" | jq -e -s 'length > 0' >/dev/null || fail "not all JSON: $(cat "$1")"; }
# the finish reason a translated stream reports, in its own words
reason() {
	case $1 in
	openai) payloads "$2" | jq -r '.choices[]?.finish_reason // empty' ;;
	anthropic) payloads "$2" | jq -r 'select(.type == "message_delta") | .delta.stop_reason' ;;
	responses) payloads "$2" | jq -r 'select(.type | test("^response\\.(completed|incomplete)$")) | .response.status + "/" + (.response.incomplete_details.reason // "")' ;;
	gemini) payloads "$2" | jq -r '.candidates[]?.finishReason // empty' ;;
	esac
}

# ---- text, reasoning, tool calls ----

@test "text deltas become the target's text events, in order" {
	openai_length >"$T/in"
	tr_stream openai anthropic <"$T/in" >"$T/a"
	run jq -j 'select(.delta.type == "text_delta") | .delta.text' < <(payloads "$T/a")
	assert_output "Hello world"
	tr_stream openai gemini <"$T/in" >"$T/g"
	run jq -j '.candidates[0].content.parts[]? | select(.thought | not) | .text // empty' < <(payloads "$T/g")
	assert_output "Hello world"
	tr_stream openai responses <"$T/in" >"$T/r"
	run jq -j 'select(.type == "response.output_text.delta") | .delta' < <(payloads "$T/r")
	assert_output "Hello world"
	run jq -r 'select(.type == "response.output_item.done") | .item.content[0].text' < <(payloads "$T/r")
	assert_output "Hello world"
}

@test "openai reasoning_content becomes a thinking block before the text block" {
	openai_tools | tr_stream openai anthropic >"$T/a"
	run jq -r 'select(.type == "content_block_start") | .content_block.type' < <(payloads "$T/a")
	assert_output "$(printf 'thinking\ntext\ntool_use\ntool_use')"
	run jq -j 'select(.delta.type == "thinking_delta") | .delta.thinking' < <(payloads "$T/a")
	assert_output "Think."
}

@test "anthropic thinking reaches openai as reasoning_content, its signature dropped" {
	anthropic_tools | tr_stream anthropic openai >"$T/o"
	run jq -j '.choices[]?.delta.reasoning_content // empty' < <(payloads "$T/o")
	assert_output "Let me think."
	run grep -c EqQBsig "$T/o"
	assert_output 0
}

@test "anthropic thinking becomes a responses reasoning item with its summary" {
	anthropic_tools | tr_stream anthropic responses >"$T/r"
	run jq -c 'select(.type == "response.output_item.done") | .item | select(.type == "reasoning") | .summary' < <(payloads "$T/r")
	assert_output '[{"type":"summary_text","text":"Let me think."}]'
	run grep -c EqQBsig "$T/r"
	assert_output 0
}

@test "responses reasoning summaries and gemini thoughts carry over as thinking" {
	responses_tools | tr_stream responses gemini >"$T/g"
	run jq -c '.candidates[0].content.parts[]? | select(.thought)' < <(payloads "$T/g")
	assert_output '{"text":"Plan.","thought":true}'
	gemini_tools | tr_stream gemini anthropic >"$T/a"
	run jq -j 'select(.delta.type == "thinking_delta") | .delta.thinking' < <(payloads "$T/a")
	assert_output "Hmm."
}

@test "streamed tool-call fragments keep their call id, name and order" {
	anthropic_tools | tr_stream anthropic openai >"$T/o"
	run jq -c '.choices[]?.delta.tool_calls[]? | select(.id) | [.index, .id, .function.name]' < <(payloads "$T/o")
	assert_output '[0,"toolu_01","get_weather"]'
	# re-fragmented as the fragments came, concatenated per index
	run jq -r '.choices[]?.delta.tool_calls[]? | .function.arguments | select(. != "")' < <(payloads "$T/o")
	assert_output "$(printf '{"city": "Pa\nris"}')"
}

@test "parallel openai tool calls become consecutive anthropic blocks and responses items" {
	openai_tools >"$T/in"
	tr_stream openai anthropic <"$T/in" >"$T/a"
	run jq -c 'select(.type == "content_block_start" and .content_block.type == "tool_use") | [.index, .content_block.id, .content_block.name]' < <(payloads "$T/a")
	assert_output "$(printf '[2,"call_a","get_weather"]\n[3,"call_b","get_time"]')"
	tr_stream openai responses <"$T/in" >"$T/r"
	run jq -c 'select(.type == "response.output_item.done" and .item.type == "function_call") | [.output_index, .item.call_id, .item.name, .item.arguments]' < <(payloads "$T/r")
	assert_output "$(printf '[2,"call_a","get_weather","{\\"city\\":\\"Paris\\"}"]\n[3,"call_b","get_time","{\\"tz\\":\\"CET\\"}"]')"
}

@test "argument fragments are reassembled into gemini's whole functionCall args" {
	openai_tools | tr_stream openai gemini >"$T/g"
	run jq -c '.candidates[0].content.parts[]? | select(.functionCall) | .functionCall' < <(payloads "$T/g")
	assert_output "$(printf '{"name":"get_weather","args":{"city":"Paris"},"id":"call_a"}\n{"name":"get_time","args":{"tz":"CET"},"id":"call_b"}')"
}

@test "a tool call without argument fragments gets {} as its arguments" {
	{ ae message_start "$AMSG"
	  ae content_block_start '"index":0,"content_block":{"type":"tool_use","id":"toolu_9","name":"now","input":{}}'
	  ae content_block_stop '"index":0'
	  ae message_delta '"delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}'
	  ae message_stop; } >"$T/in"
	tr_stream anthropic openai <"$T/in" >"$T/o"
	run jq -j '.choices[]?.delta.tool_calls[]?.function.arguments' < <(payloads "$T/o")
	assert_output '{}'
	tr_stream anthropic gemini <"$T/in" >"$T/g"
	run jq -c '.candidates[0].content.parts[]? | select(.functionCall) | .functionCall.args' < <(payloads "$T/g")
	assert_output '{}'
}

@test "gemini calls get ids made up when they have none, one per call" {
	gemini_tools | tr_stream gemini openai >"$T/o"
	run jq -r '.choices[]?.delta.tool_calls[]? | select(.id) | "\(.index) \(.function.name)"' < <(payloads "$T/o")
	assert_output "$(printf '0 get_weather\n1 get_time')"
	n=$(payloads "$T/o" | jq -r '.choices[]?.delta.tool_calls[]?.id // empty' | sort -u | wc -l)
	[ "$n" -eq 2 ]
}

@test "tool ids become legal anthropic ids" {
	oc '{"tool_calls":[{"index":0,"id":"functions.Bash:0","type":"function","function":{"name":"Bash","arguments":"{}"}}]}' >"$T/in"
	oc '{}' '"tool_calls"' >>"$T/in"
	printf 'data: [DONE]\n\n' >>"$T/in"
	tr_stream openai anthropic <"$T/in" >"$T/a"
	run jq -r 'select(.type == "content_block_start") | .content_block.id' < <(payloads "$T/a")
	assert_output "functions_Bash_0"
}

# ---- finish reasons (PROTOCOLS 5.4) ----

@test "finish reasons map in every direction" {
	check() {	# FROM REASON-JSON TO EXPECTED
		case $1 in
		openai) { oc '{"content":"x"}'; oc '{}' "\"$2\""; printf 'data: [DONE]\n\n'; } ;;
		anthropic) { ae message_start "$AMSG"; ae message_delta "\"delta\":{\"stop_reason\":\"$2\"},\"usage\":{\"output_tokens\":1}"; ae message_stop; } ;;
		gemini) gc "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"$2\",\"index\":0}],$GM}" ;;
		responses) SEQ=0; re response.created "\"response\":{$RESP,\"status\":\"in_progress\",\"output\":[]}"
			   re "response.${2%/*}" "\"response\":{$RESP,\"status\":\"${2%/*}\",\"incomplete_details\":{\"reason\":\"${2#*/}\"},\"output\":[]}" ;;
		esac >"$T/in"
		tr_stream "$1" "$3" <"$T/in" >"$T/out"
		got=$(reason "$3" "$T/out")
		[ "$got" = "$4" ] || fail "$1 $2 -> $3: got '$got', expected '$4'"
	}
	check openai stop anthropic end_turn
	check openai length anthropic max_tokens
	check openai content_filter anthropic refusal
	check openai length responses incomplete/max_output_tokens
	check openai content_filter responses incomplete/content_filter
	check openai stop gemini STOP
	check openai length gemini MAX_TOKENS
	check openai content_filter gemini SAFETY
	check anthropic end_turn openai stop
	check anthropic stop_sequence openai stop
	check anthropic max_tokens openai length
	check anthropic model_context_window_exceeded openai length
	check anthropic refusal openai content_filter
	check anthropic pause_turn openai stop
	check anthropic max_tokens gemini MAX_TOKENS
	check anthropic end_turn responses completed/
	check gemini STOP openai stop
	check gemini MAX_TOKENS anthropic max_tokens
	check gemini SAFETY openai content_filter
	check gemini RECITATION anthropic refusal
	check gemini MALFORMED_FUNCTION_CALL openai stop
	check responses completed/ anthropic end_turn
	check responses incomplete/max_output_tokens openai length
	check responses incomplete/content_filter anthropic refusal
	check responses incomplete/max_output_tokens gemini MAX_TOKENS
}

@test "a turn with a tool call ends as a tool call whatever the source said" {
	gemini_tools >"$T/g"	# STOP with functionCall parts
	tr_stream gemini openai <"$T/g" >"$T/o"
	[ "$(reason openai "$T/o")" = tool_calls ]
	tr_stream gemini anthropic <"$T/g" >"$T/a"
	[ "$(reason anthropic "$T/a")" = tool_use ]
	{ oc '{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}'
	  oc '{}' '"stop"'; printf 'data: [DONE]\n\n'; } >"$T/o2"
	tr_stream openai anthropic <"$T/o2" >"$T/a2"
	[ "$(reason anthropic "$T/a2")" = tool_use ]
}

# ---- usage (PROTOCOLS 5.5), ids, models ----

@test "usage with cache tokens maps from anthropic to the other formats" {
	anthropic_tools >"$T/in"	# input 20 + cache read 100 + cache write 5, output 42
	tr_stream anthropic openai <"$T/in" >"$T/o"
	run jq -c 'select(.usage) | .usage' < <(payloads "$T/o")
	assert_output '{"prompt_tokens":125,"completion_tokens":42,"total_tokens":167,"prompt_tokens_details":{"cached_tokens":100,"cache_write_tokens":5}}'
	tr_stream anthropic responses <"$T/in" >"$T/r"
	run jq -c 'select(.type == "response.completed") | .response.usage | [.input_tokens, .input_tokens_details.cached_tokens, .output_tokens, .total_tokens]' < <(payloads "$T/r")
	assert_output '[125,100,42,167]'
	tr_stream anthropic gemini <"$T/in" >"$T/g"
	run jq -c 'select(.usageMetadata) | .usageMetadata | [.promptTokenCount, .cachedContentTokenCount, .candidatesTokenCount, .totalTokenCount]' < <(payloads "$T/g")
	assert_output '[125,100,42,167]'
}

@test "usage with cache tokens maps into anthropic's uncached input count" {
	openai_tools | tr_stream openai anthropic >"$T/a"	# prompt 120 of which 100 cached
	run jq -c 'select(.type == "message_delta") | .usage' < <(payloads "$T/a")
	assert_output '{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":30}'
	gemini_tools | tr_stream gemini anthropic >"$T/a2"	# prompt 40, 32 cached; 12 + 48 thoughts out
	run jq -c 'select(.type == "message_delta") | .usage' < <(payloads "$T/a2")
	assert_output '{"input_tokens":8,"cache_creation_input_tokens":0,"cache_read_input_tokens":32,"output_tokens":60}'
	gemini_tools | tr_stream gemini openai >"$T/o"
	run jq -c 'select(.usage) | .usage | [.prompt_tokens, .prompt_tokens_details.cached_tokens, .completion_tokens, .completion_tokens_details.reasoning_tokens]' < <(payloads "$T/o")
	assert_output '[40,32,60,48]'
}

@test "openai output ends with the finish chunk, the usage chunk and one [DONE]" {
	anthropic_tools | tr_stream anthropic openai >"$T/o"
	run bash -c "sed -n 's/^data: //p' '$T/o' | tail -n 3 | cut -c1-200"
	assert_line --index 0 --partial '"finish_reason":"tool_calls"'
	assert_line --index 1 --partial '"choices":[],"usage":'
	assert_line --index 2 '[DONE]'
	[ "$(grep -c '^data: \[DONE\]' "$T/o")" -eq 1 ]
	all_json "$T/o"
}

@test "response ids and model names carry over, and --model names a gemini stream without one" {
	anthropic_tools | tr_stream anthropic openai >"$T/o"
	run jq -r '"\(.id) \(.model)"' < <(payloads "$T/o" | head -n 1)
	assert_output "msg_01 claude-sonnet-4-5"
	gc '{"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]},"finishReason":"STOP","index":0}]}' |
		tr_stream gemini anthropic --model gemini-2.5-pro >"$T/a"
	run jq -r 'select(.type == "message_start") | .message.model' < <(payloads "$T/a")
	assert_output "gemini-2.5-pro"
}

@test "anthropic ping events produce nothing" {
	anthropic_tools >"$T/with"
	grep -v -e '^event: ping' -e '"type":"ping"' "$T/with" | cat -s >"$T/without"
	tr_stream anthropic gemini <"$T/with" >"$T/g1"
	tr_stream anthropic gemini <"$T/without" >"$T/g2"
	cmp "$T/g1" "$T/g2"
	[ "$(grep -c ping "$T/g1")" -eq 0 ]
}

# ---- errors after the stream has started (PROTOCOLS 6.3) ----

@test "an error event mid-stream becomes the target's error event" {
	{ ae message_start "$AMSG"
	  ae content_block_start '"index":0,"content_block":{"type":"text","text":""}'
	  ae content_block_delta '"index":0,"delta":{"type":"text_delta","text":"Hel"}'
	  ae error '"error":{"type":"overloaded_error","message":"Overloaded"}'; } >"$T/in"
	run tr_stream anthropic openai <"$T/in"
	assert_success
	printf '%s\n' "$output" >"$T/o"
	run jq -c '.error | [.message, .type]' < <(payloads "$T/o" | tail -n 1)
	assert_output '["Overloaded","server_error"]'
	[ "$(grep -c '\[DONE\]' "$T/o")" -eq 0 ]
	tr_stream anthropic responses <"$T/in" >"$T/r"
	run sed -n 's/^event: //p' "$T/r"
	assert_line --index -2 error
	assert_line --index -1 response.failed
	run jq -r 'select(.type == "response.failed") | .response.error.message' < <(payloads "$T/r")
	assert_output "Overloaded"
	tr_stream anthropic gemini <"$T/in" >"$T/g"
	run jq -c '.error | [.code, .status, .message]' < <(payloads "$T/g" | tail -n 1)
	assert_output '[503,"UNAVAILABLE","Overloaded"]'
}

@test "openai and responses error events keep their message and category" {
	{ oc '{"role":"assistant","content":"a"}'
	  printf 'data: {"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}\n\n'; } >"$T/o"
	tr_stream openai anthropic <"$T/o" >"$T/a"
	run jq -c 'select(.type == "error") | .error' < <(payloads "$T/a")
	assert_output '{"type":"rate_limit_error","message":"Rate limit reached"}'
	tr_stream openai responses <"$T/o" >"$T/r"
	run jq -c 'select(.type == "response.failed") | .response.error' < <(payloads "$T/r")
	assert_output '{"code":"rate_limit_exceeded","message":"Rate limit reached"}'
	{ SEQ=0; re response.created "\"response\":{$RESP,\"status\":\"in_progress\",\"output\":[]}"
	  re error '"error":{"type":"insufficient_quota","code":"insufficient_quota","message":"No quota"}'
	  re response.failed "\"response\":{$RESP,\"status\":\"failed\",\"error\":{\"code\":\"insufficient_quota\",\"message\":\"No quota\"},\"output\":[]}"; } >"$T/r2"
	tr_stream responses openai <"$T/r2" >"$T/o2"
	run jq -c 'select(.error) | .error | [.code, .message]' < <(payloads "$T/o2")
	assert_output '["insufficient_quota","No quota"]'
}

# ---- cut and broken streams ----

@test "a stream cut before its terminal event ends in a terminal error event and exit 65" {
	openai_tools | head -n 10 >"$T/openai"	# through the first argument fragment
	anthropic_tools | head -n 24 >"$T/anthropic"	# inside the text block
	responses_tools | head -n 39 >"$T/responses"	# inside the function call
	gemini_tools | head -n 4 >"$T/gemini"	# no finishReason yet
	for from in $FORMATS; do
		for to in $FORMATS; do
			run tr_stream "$from" "$to" <"$T/$from"
			[ "$status" -eq 65 ] || fail "$from -> $to: exit $status"
			printf '%s\n' "$output" >"$T/out"
			all_json "$T/out"
			last=$(payloads "$T/out" | tail -n 1)
			case $to in
			openai|gemini) jq -e '.error.message | test("ended before")' <<<"$last" >/dev/null ;;
			anthropic) jq -e '.type == "error"' <<<"$last" >/dev/null ;;
			responses) jq -e '.type == "response.failed" and .response.status == "failed"' <<<"$last" >/dev/null ;;
			esac || fail "$from -> $to: last event $last"
		done
	done
}

@test "a stream cut inside an event never leaves half-written JSON" {
	for from in $FORMATS; do
		"${from}_tools" >"$T/full"
		size=$(wc -c <"$T/full")
		head -c $((size * 2 / 3)) "$T/full" >"$T/cut"
		for to in $FORMATS; do
			run tr_stream "$from" "$to" <"$T/cut"
			[ "$status" -eq 65 ] || fail "$from -> $to: exit $status"
			printf '%s\n' "$output" >"$T/out"
			all_json "$T/out"
		done
	done
}

@test "a broken event ends the stream with an error event and exit 65" {
	{ oc '{"role":"assistant","content":"a"}'; printf 'data: {"choices":[{"delta":\n\n'; oc '{"content":"b"}'; } >"$T/in"
	for to in $FORMATS; do
		run tr_stream openai "$to" <"$T/in"
		assert_failure 65
		assert_output --partial "not a JSON object"
		printf '%s\n' "$output" >"$T/out"
		all_json "$T/out"
		! grep -q '"b"' "$T/out" || fail "$to: events after the broken one were translated"
	done
}

@test "arguments that are not a JSON object end a gemini stream with an error event" {
	{ oc '{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{bad"}}]}'
	  oc '{}' '"tool_calls"'; printf 'data: [DONE]\n\n'; } >"$T/in"
	run tr_stream openai gemini <"$T/in"
	assert_failure 65
	printf '%s\n' "$output" >"$T/out"
	all_json "$T/out"
	run jq -r '.error.message' < <(payloads "$T/out" | tail -n 1)
	assert_output --partial "not a JSON object"
	! grep -q finishReason "$T/out" || fail "the stream was also finished normally"
}

@test "an event larger than 16 MiB is refused with an error event" {
	{ printf 'data: {"x":"'; head -c 17000000 /dev/zero | tr '\0' a; printf '"}\n\n'; } >"$T/big"
	run tr_stream openai anthropic <"$T/big"
	assert_failure 65
	assert_output --partial "larger than 16 MiB"
}

# ---- SSE framing ----

@test "CRLF, comments and multi-line data read like the plain stream" {
	anthropic_tools >"$T/plain"
	# CRLF line ends, a keep-alive comment before each event, the JSON split over two data: lines
	sed -e 's/^event:/: keep-alive\nevent:/' -e 's/^data: {"type":"message_stop"/data: {"type":\ndata: "message_stop"/' \
		"$T/plain" | sed 's/$/\r/' >"$T/fancy"
	grep -q $'\r' "$T/fancy"
	tr_stream anthropic gemini <"$T/plain" >"$T/o1"
	tr_stream anthropic gemini <"$T/fancy" >"$T/o2"
	cmp "$T/o1" "$T/o2"
}

@test "any split of the input gives the same output, each event written as it arrives" {
	openai_tools >"$T/in"
	tr_stream openai anthropic <"$T/in" >"$T/whole"
	# splits inside "data:", inside a JSON value and between \r and \n
	printf 'data: {"x":1}\r\n\r\n' >/dev/null
	{ head -c 3 "$T/in"; sleep 0.05; head -c 400 "$T/in" | tail -c +4; sleep 0.05; tail -c +401 "$T/in"; } |
		tr_stream openai anthropic >"$T/split"
	cmp "$T/whole" "$T/split"
	gemini_tools >"$T/g"	# events end in \r\n\r\n: cut between \r and \n
	cut_at=$(grep -b -o $'\r' "$T/g" | head -n 1 | cut -d: -f1)
	tr_stream gemini anthropic <"$T/g" >"$T/gw"
	{ head -c $((cut_at + 1)) "$T/g"; sleep 0.05; tail -c +$((cut_at + 2)) "$T/g"; } | tr_stream gemini anthropic >"$T/gs"
	cmp "$T/gw" "$T/gs"
}

@test "the first event is written before the input ends" {
	mkfifo "$T/fifo"
	tr_stream openai anthropic <"$T/fifo" >"$T/out" &
	pid=$!
	exec 7>"$T/fifo"	# fd 3 belongs to bats
	oc '{"role":"assistant","content":""}' >&7
	oc '{"content":"early"}' >&7
	for _ in $(seq 100); do grep -q early "$T/out" && break; sleep 0.05; done
	grep -q early "$T/out" || { exec 7>&-; wait $pid; fail "nothing written while the input is open"; }
	oc '{}' '"stop"' >&7
	printf 'data: [DONE]\n\n' >&7
	exec 7>&-
	wait $pid
	grep -q message_stop "$T/out"
}

# ---- pass-through ----

@test "same format on both sides passes the bytes through unchanged" {
	for f in $FORMATS; do
		"${f}_tools" >"$T/in"
		printf ': keep-alive\n\n' >>"$T/in"
		tr_stream "$f" "$f" <"$T/in" >"$T/out"
		cmp "$T/in" "$T/out" || fail "$f pass-through changed the bytes"
	done
}

@test "a cut pass-through stream keeps the bytes it got and adds an error event" {
	anthropic_tools | head -n 24 >"$T/in"
	run tr_stream anthropic anthropic <"$T/in"
	assert_failure 65
	printf '%s\n' "$output" >"$T/out"
	head -c "$(wc -c <"$T/in")" "$T/out" | cmp - "$T/in"
	run sed -n 's/^event: //p' "$T/out"
	assert_line --index -1 error
	responses_tools | head -n 39 >"$T/rin"
	run tr_stream responses responses <"$T/rin"
	assert_failure 65
	printf '%s\n' "$output" >"$T/rout"
	run jq -s -c 'map(.sequence_number) | . == (sort | unique)' < <(payloads "$T/rout")
	assert_output true
}

# ---- real recorded streams, round trips ----

# judge < "FORMAT FILE EXPECT.json" lines: each FILE must be a well-formed
# FORMAT stream with that meaning (accumulate.mjs's reader and comparison),
# all in one node process.
judge() {
	cat >"$T/judge.mjs" <<'JS'
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const { read, compare } = await import(pathToFileURL(process.argv[2]).href);
const lines = readFileSync(0, 'utf8').split('\n').filter(Boolean);
let bad = 0;
for (const line of lines) {
  const [format, file, expectFile] = line.split(' ');
  const { meaning, problems } = await read(format, readFileSync(file));
  const d = [...problems, ...compare(JSON.parse(readFileSync(expectFile, 'utf8')), meaning, format)];
  if (d.length) { bad++; console.log(`FAIL ${format} ${file}: ${d.slice(0, 3).join('; ')}`); }
}
console.log(`${lines.length - bad} of ${lines.length} well formed with the expected meaning`);
process.exitCode = bad || !lines.length ? 1 : 0;
JS
	node "$T/judge.mjs" "$TOOL"
}

# run_matrix OUTDIR < "FROM TO FILE" lines: translates each FILE into
# OUTDIR/FROM.TO.NAME.{out,err,rc}, four at a time (a shell for each 16
# files, not a shell and a basename for each)
run_matrix() {
	mkdir -p "$1"
	xargs -P 4 -n 48 sh -c 'd=$0; while [ $# -ge 3 ]; do n=${3##*/}; b="$d/$1.$2.${n%.sse}";
		nr-translate --stream --from "$1" --to "$2" <"$3" >"$b.out" 2>"$b.err"; echo $? >"$b.rc"; shift 3; done' "$1"
}

@test "every recorded real stream translates to every format with its meaning kept" {
	stream_tool
	case $NR_BIN in
	*asan*)	# the sanitizer build is ~10x slower to start: each stream once, to the next format
		set -- $FORMATS
		for f in "$SHARED"/streams/*/*.sse; do
			src=${f%/*}; src=${src##*/}
			case $src in openai) to=anthropic ;; anthropic) to=responses ;; responses) to=gemini ;; gemini) to=openai ;; esac
			printf '%s %s %s\n' "$src" "$to" "$f"
		done >"$T/list"
		run_matrix "$T/out" <"$T/list"
		while read -r src to f; do
			n=${f##*/}; n=${n%.sse}; rc=
			read -r rc <"$T/out/$src.$to.$n.rc" || true
			[ "$rc" = 0 ] || fail "$src/$n -> $to: $(cat "$T/out/$src.$to.$n.err")"
			printf '%s %s %s\n' "$to" "$T/out/$src.$to.$n.out" "${f%.sse}.expect.json"
		done <"$T/list" | judge
		;;
	*)
		for f in "$SHARED"/streams/*/*.sse; do
			src=${f%/*}; src=${src##*/}
			for to in $FORMATS; do printf '%s %s %s\n' "$src" "$to" "$f"; done
		done | run_matrix "$T/out"
		run node "$TOOL" verify "$SHARED/streams" "$T/out"
		assert_success
		assert_output --partial "failures: none"
		;;
	esac
}

@test "round trips A to B to A keep the meaning, for every pair" {
	stream_tool
	for f in $FORMATS; do
		mkdir -p "$T/fx/$f"
		"${f}_tools" >"$T/fx/$f/tools.sse"
		"${f}_length" >"$T/fx/$f/length.sse"
	done
	node "$TOOL" write-expectations "$T/fx" || fail "the fixture streams are not well formed"
	for a in $FORMATS; do for b in $FORMATS; do
		[ "$a" != "$b" ] || continue
		for name in tools length; do printf '%s %s %s\n' "$a" "$b" "$T/fx/$a/$name.sse"; done
	done; done | run_matrix "$T/mid"
	for m in "$T"/mid/*.out; do	# back from B to A
		b=${m##*/}; b=${b%.out}; set -- ${b//./ }
		mkdir -p "$T/mid/$2"
		cp "$m" "$T/mid/$2/$1-$3.sse"
		printf '%s %s %s\n' "$2" "$1" "$T/mid/$2/$1-$3.sse"
	done | run_matrix "$T/back"
	# A→B must mean what A meant, and so must A→B→A
	for m in "$T"/mid/*.out; do
		b=${m##*/}; b=${b%.out}; set -- ${b//./ }
		printf '%s %s %s\n' "$2" "$m" "$T/fx/$1/$3.expect.json"
		printf '%s %s %s\n' "$1" "$T/back/$2.$1.$1-$3.out" "$T/fx/$1/$3.expect.json"
	done >"$T/list"
	[ "$(wc -l <"$T/list")" -eq 48 ]
	run judge <"$T/list"
	assert_success
	assert_output --partial "48 of 48"
}

# ---- bounded memory ----

@test "a 10,000-event stream is translated in under 5 MB of resident memory" {
	std_only "RSS is measured on the std build"
	command -v /usr/bin/time >/dev/null || skip "needs /usr/bin/time"
	{ oc '{"role":"assistant","content":""}'
	  # (one printf for the 10,000: its format is used again for each number)
	  printf 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"word %d "},"finish_reason":null}]}\n\n' $(seq 10000)
	  oc '{}' '"stop"'; ousage '{"prompt_tokens":5,"completion_tokens":10000,"total_tokens":10005}'
	  printf 'data: [DONE]\n\n'; } >"$T/big"
	for to in $FORMATS; do
		/usr/bin/time -f %M -o "$T/rss" nr-translate --stream --from openai --to "$to" <"$T/big" >"$T/out"
		kb=$(tail -n 1 "$T/rss")
		[ "$kb" -lt 5120 ] || fail "openai -> $to: peak RSS $kb KB"
		[ "$(grep -c '^data:' "$T/out")" -ge 10000 ] || fail "openai -> $to: events missing"
	done
}

@test "a responses response.failed whose error is null ends in an error event, without leaking (asan build; found by fuzzing)" {
	{ SEQ=0; re response.failed "\"response\":{$RESP,\"status\":\"failed\",\"error\":null,\"output\":[]}"; } >"$T/r"
	run tr_stream responses anthropic <"$T/r"
	assert_success
	printf '%s\n' "$output" >"$T/a"
	run jq -r 'select(.type == "error") | .error.message' < <(payloads "$T/a")
	assert_output 'the upstream reported an error'
}
