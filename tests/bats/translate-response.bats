#!/usr/bin/env bats
# nr-translate --response: a whole (non-streaming) response body of one format
# becomes the same response in another: text, thinking, tool calls, finish
# reasons, usage with cache tokens, ids and models; pass-through; bad input.

load helper

T=$BATS_TEST_TMPDIR
FORMATS="openai anthropic responses gemini"

OPENAI='{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4.1",
 "choices":[{"index":0,"finish_reason":"tool_calls","logprobs":null,"message":{"role":"assistant",
  "content":"Checking.","reasoning_content":"Think.","tool_calls":[
   {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
   {"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]}}],
 "usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":100}}}'
OPENAI_LEN='{"id":"chatcmpl-2","object":"chat.completion","created":1700000000,"model":"gpt-4.1",
 "choices":[{"index":0,"finish_reason":"length","message":{"role":"assistant","content":"Hello world"}}],
 "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}'
ANTHROPIC='{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",
 "content":[{"type":"thinking","thinking":"Let me think.","signature":"EqQBsig"},{"type":"text","text":"Checking."},
  {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris"}}],
 "stop_reason":"tool_use","stop_sequence":null,
 "usage":{"input_tokens":20,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,"output_tokens":42}}'
ANTHROPIC_LEN='{"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5",
 "content":[{"type":"text","text":"Hello world"}],"stop_reason":"max_tokens","stop_sequence":null,
 "usage":{"input_tokens":9,"output_tokens":2}}'
RESPONSES='{"id":"resp_1","object":"response","created_at":1700000000,"status":"completed","model":"gpt-5","error":null,
 "output":[{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Plan."}],"encrypted_content":"gAAAA"},
  {"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Checking.","annotations":[]}]},
  {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}],
 "usage":{"input_tokens":300,"input_tokens_details":{"cached_tokens":200},"output_tokens":50,
  "output_tokens_details":{"reasoning_tokens":16},"total_tokens":350}}'
RESPONSES_LEN='{"id":"resp_2","object":"response","created_at":1700000000,"status":"incomplete","model":"gpt-5",
 "incomplete_details":{"reason":"max_output_tokens"},
 "output":[{"type":"message","id":"msg_2","role":"assistant","status":"incomplete","content":[{"type":"output_text","text":"Hello world","annotations":[]}]}],
 "usage":{"input_tokens":9,"output_tokens":2,"total_tokens":11}}'
GEMINI='{"candidates":[{"index":0,"finishReason":"STOP","content":{"role":"model","parts":[
  {"text":"Hmm.","thought":true},{"text":"Checking."},
  {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"CiQB"},
  {"functionCall":{"name":"get_time","args":{}}}]}}],
 "usageMetadata":{"promptTokenCount":40,"cachedContentTokenCount":32,"candidatesTokenCount":12,"thoughtsTokenCount":48,"totalTokenCount":100},
 "modelVersion":"gemini-2.5-flash","responseId":"r1"}'
GEMINI_LEN='{"candidates":[{"index":0,"finishReason":"MAX_TOKENS","content":{"role":"model","parts":[{"text":"Hello world"}]}}],
 "usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":2,"totalTokenCount":11},"modelVersion":"gemini-2.5-flash","responseId":"r2"}'

resp() { nr-translate --response --from "$1" --to "$2" "${@:3}"; }
body() { local v=${1^^}; printf '%s' "${!v}"; }

# The meaning of a response body, the same JSON whatever its format:
# text, thinking, tool calls (name + parsed arguments), finish class, usage.
meaning() {
	case $1 in
	openai) jq -cS '.choices[0] as $c | {text: ($c.message.content // ""),
		think: ($c.message.reasoning_content // ""),
		tools: [$c.message.tool_calls[]? | {name: .function.name, args: (.function.arguments | fromjson)}],
		finish: ({"stop":"stop","length":"length","tool_calls":"tool_calls","content_filter":"filtered"}[$c.finish_reason]),
		in: .usage.prompt_tokens, out: .usage.completion_tokens}' ;;
	anthropic) jq -cS '{text: ([.content[] | select(.type == "text") | .text] | join("")),
		think: ([.content[] | select(.type == "thinking") | .thinking] | join("")),
		tools: [.content[] | select(.type == "tool_use") | {name, args: .input}],
		finish: ({"end_turn":"stop","stop_sequence":"stop","max_tokens":"length","tool_use":"tool_calls","refusal":"filtered"}[.stop_reason]),
		in: (.usage.input_tokens + (.usage.cache_read_input_tokens // 0) + (.usage.cache_creation_input_tokens // 0)),
		out: .usage.output_tokens}' ;;
	responses) jq -cS '{text: ([.output[] | select(.type == "message") | .content[] | select(.type == "output_text") | .text] | join("")),
		think: ([.output[] | select(.type == "reasoning") | .summary[].text] | join("")),
		tools: [.output[] | select(.type == "function_call") | {name, args: (.arguments | fromjson)}],
		finish: (if .status == "incomplete" then (if .incomplete_details.reason == "content_filter" then "filtered" else "length" end)
			 elif ([.output[] | select(.type == "function_call")] | length) > 0 then "tool_calls" else "stop" end),
		in: .usage.input_tokens, out: .usage.output_tokens}' ;;
	gemini) jq -cS '.candidates[0] as $c | ([$c.content.parts[] | select(.functionCall)]) as $calls | {
		text: ([$c.content.parts[] | select(.text and (.thought | not)) | .text] | join("")),
		think: ([$c.content.parts[] | select(.thought) | .text] | join("")),
		tools: [$calls[] | {name: .functionCall.name, args: .functionCall.args}],
		finish: (if $c.finishReason == "MAX_TOKENS" then "length" elif $c.finishReason == "SAFETY" then "filtered"
			 elif ($calls | length) > 0 then "tool_calls" else "stop" end),
		in: .usageMetadata.promptTokenCount,
		out: ((.usageMetadata.candidatesTokenCount // 0) + (.usageMetadata.thoughtsTokenCount // 0))}' ;;
	esac
}

@test "an openai completion becomes an anthropic message with thinking, text and tool_use blocks" {
	run resp openai anthropic <<<"$OPENAI"
	assert_success
	printf '%s' "$output" >"$T/a"
	run jq -c '[.id, .model, [.content[].type], .content[2].input, .content[3].id, .stop_reason]' "$T/a"
	assert_output '["chatcmpl-1","gpt-4.1",["thinking","text","tool_use","tool_use"],{"city":"Paris"},"call_b","tool_use"]'
	run jq -c '.usage' "$T/a"
	assert_output '{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":30}'
}

@test "an anthropic message becomes an openai completion with reasoning_content and tool_calls" {
	run resp anthropic openai <<<"$ANTHROPIC"
	assert_success
	printf '%s' "$output" >"$T/o"
	run jq -c '.choices[0] | [.message.content, .message.reasoning_content, .message.tool_calls[0].id, .message.tool_calls[0].function.arguments, .finish_reason]' "$T/o"
	assert_output '["Checking.","Let me think.","toolu_01","{\"city\":\"Paris\"}","tool_calls"]'
	run jq -c '.usage' "$T/o"
	assert_output '{"prompt_tokens":125,"completion_tokens":42,"total_tokens":167,"prompt_tokens_details":{"cached_tokens":100,"cache_write_tokens":5}}'
	run grep -c EqQBsig "$T/o"
	assert_output 0
}

@test "a responses body becomes a gemini response with thought, text and functionCall parts" {
	run resp responses gemini <<<"$RESPONSES"
	assert_success
	run jq -c '[.responseId, .modelVersion, .candidates[0].content.parts, .candidates[0].finishReason, .usageMetadata]' <<<"$output"
	assert_output '["resp_1","gpt-5",[{"text":"Plan.","thought":true},{"text":"Checking."},{"functionCall":{"name":"get_weather","args":{"city":"Paris"},"id":"call_1"}}],"STOP",{"promptTokenCount":300,"cachedContentTokenCount":200,"candidatesTokenCount":34,"thoughtsTokenCount":16,"totalTokenCount":350}]'
	[[ $output != *gAAAA* ]] || fail "encrypted_content leaked to gemini"
}

@test "a gemini response becomes a responses body, named by --model when it carries no model" {
	run resp gemini responses --model gemini-2.5-pro <<<"$(jq -c 'del(.modelVersion)' <<<"$GEMINI")"
	assert_success
	printf '%s' "$output" >"$T/r"
	run jq -c '[.id, .model, .status, [.output[].type], .output[2].arguments, .usage.input_tokens, .usage.output_tokens, .usage.input_tokens_details.cached_tokens]' "$T/r"
	assert_output '["r1","gemini-2.5-pro","completed",["reasoning","message","function_call","function_call"],"{\"city\":\"Paris\"}",40,60,32]'
	run jq -r '.output[2].call_id' "$T/r"
	refute_output ""
	run grep -c CiQB "$T/r"
	assert_output 0
}

@test "finish reasons map in whole responses" {
	check() {	# FROM BODY TO EXPECTED (jq path to the reason)
		run resp "$1" "$3" <<<"$2"
		assert_success
		got=$(jq -r "$4" <<<"$output")
		[ "$got" = "$5" ] || fail "$1 -> $3: got '$got', expected '$5'"
	}
	check anthropic "$ANTHROPIC_LEN" responses '.status + "/" + .incomplete_details.reason' incomplete/max_output_tokens
	check anthropic "$ANTHROPIC_LEN" openai '.choices[0].finish_reason' length
	check openai "$OPENAI_LEN" gemini '.candidates[0].finishReason' MAX_TOKENS
	check responses "$RESPONSES_LEN" anthropic '.stop_reason' max_tokens
	check gemini "$(sed 's/MAX_TOKENS/SAFETY/' <<<"$GEMINI_LEN")" openai '.choices[0].finish_reason' content_filter
	check gemini "$GEMINI" anthropic '.stop_reason' tool_use
	check openai "$(sed 's/"tool_calls","logprobs"/"stop","logprobs"/' <<<"$OPENAI")" anthropic '.stop_reason' tool_use
	check anthropic "$(sed 's/max_tokens/stop_sequence/' <<<"$ANTHROPIC_LEN")" openai '.choices[0].finish_reason' stop
}

@test "same format on both sides returns the body unchanged, unknown fields kept" {
	for f in $FORMATS; do
		in=$(body "$f" | jq -c '. + {"x_unknown":{"kept":true}}')
		run resp "$f" "$f" <<<"$in"
		assert_success
		[ "$(jq -cS . <<<"$output")" = "$(jq -cS . <<<"$in")" ] || fail "$f pass-through changed the body"
	done
}

@test "same format on both sides is a byte pass-through of the answer: numbers and escapes as written" {
	for f in $FORMATS; do
		body "$f" | jq -c . | sed 's|}$|,"x":{"one":1.0,"big":12345678901234567890,"t":"caf\\u00e9 \\/"}}|' >"$BATS_TEST_TMPDIR/in"
		grep -q '"one":1.0' "$BATS_TEST_TMPDIR/in" || fail "the test's body was not built"
		resp "$f" "$f" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" || fail "$f: exit $?"
		cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out" || fail "$f changed the bytes"
	done
}

@test "round trips A to B to A keep the meaning of the response, for every pair" {
	for a in $FORMATS; do
		for fixture in "$a" "${a}_len"; do
			want=$(body "$fixture" | meaning "$a")
			for b in $FORMATS; do
				[ "$a" != "$b" ] || continue
				body "$fixture" | resp "$a" "$b" >"$T/mid" || fail "$fixture -> $b failed"
				# B itself must mean the same
				got=$(meaning "$b" <"$T/mid")
				[ "$got" = "$want" ] || fail "$fixture -> $b: $got, expected $want"
				resp "$b" "$a" <"$T/mid" >"$T/back" || fail "$fixture -> $b -> $a failed"
				got=$(meaning "$a" <"$T/back")
				[ "$got" = "$want" ] || fail "$fixture -> $b -> $a: $got, expected $want"
			done
		done
	done
}

@test "invalid JSON, a non-object and a body without its content are refused with exit 65" {
	run resp openai anthropic <<<'{"id": "x", '
	assert_failure 65
	assert_output --partial "invalid JSON"
	run resp openai anthropic <<<'[1, 2]'
	assert_failure 65
	assert_output --partial "not a JSON object"
	run resp openai gemini <<<'{"id":"x","choices":[]}'
	assert_failure 65
	assert_output --partial "no choices[0]"
}

@test "tool arguments that are not a JSON object cannot become an anthropic input" {
	bad=$(jq -c '.choices[0].message.tool_calls[0].function.arguments = "{\"city\":"' <<<"$OPENAI")
	run resp openai anthropic <<<"$bad"
	assert_failure 65
	assert_output --partial "arguments are not a JSON object"
	run resp openai gemini <<<"$bad"
	assert_failure 65
	# responses carries arguments as a string: kept as they came
	run resp openai responses <<<"$bad"
	assert_success
	run jq -r '.output[] | select(.type == "function_call" and .call_id == "call_a") | .arguments' <<<"$output"
	assert_output '{"city":'
}

@test "a responses body that reports a failure is refused with its message" {
	failed='{"id":"resp_9","object":"response","created_at":1,"status":"failed","model":"gpt-5","output":[],"error":{"code":"server_error","message":"The model crashed"}}'
	run resp responses anthropic <<<"$failed"
	assert_failure 65
	assert_output --partial "reports an error: The model crashed"
}
