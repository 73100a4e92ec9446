#!/usr/bin/env bats
# Translation keeps numbers as written: a value carried from one format to
# another (sampling parameters, tool schemas, tool-call arguments, token
# counts) reaches the other side with the source's literal, not libjq's
# reprint of a double (1.0 → 1, 0.70 → 0.7, 1e-3 → 0.001, -0 → 0,
# 12345678901234567890 → 1.2345678901234567e+19). Checked with grep -F on the
# raw output, never through jq. Upstream errors in the client's own error
# shape pass byte for byte (cmp).

bats_require_minimum_version 1.5.0
load route-helper

FORMATS="openai anthropic responses gemini"

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	[ -z "${MOCK_PID:-}" ] || route_teardown
}

# The arguments of the earlier tool call, and the tool's schema, with the literals.
ARGS='{"big":12345678901234567890,"small":1e-3,"zero":-0,"one":1.0}'
SCHEMA='{"type":"object","properties":{"n":{"type":"number","maximum":12345678901234567890,"minimum":-0,"default":1e-3}}}'
ARGS_STR=$(printf '%s' "$ARGS" | sed 's/"/\\"/g')

# request FMT: a request in FMT with temperature 1.0, top_p 0.70, max tokens
# 8192, a tool with SCHEMA and an earlier call to it with ARGS.
request() {
	case $1 in
	openai) printf '{"model":"m","temperature":1.0,"top_p":0.70,"max_tokens":8192,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"%s"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}],"tools":[{"type":"function","function":{"name":"f","parameters":%s}}]}' "$ARGS_STR" "$SCHEMA" ;;
	anthropic) printf '{"model":"m","temperature":1.0,"top_p":0.70,"max_tokens":8192,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"c1","name":"f","input":%s}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"c1","content":"ok"}]}],"tools":[{"name":"f","input_schema":%s}]}' "$ARGS" "$SCHEMA" ;;
	responses) printf '{"model":"m","temperature":1.0,"top_p":0.70,"max_output_tokens":8192,"input":[{"role":"user","content":"hi"},{"type":"function_call","call_id":"c1","name":"f","arguments":"%s"},{"type":"function_call_output","call_id":"c1","output":"ok"}],"tools":[{"type":"function","name":"f","parameters":%s}]}' "$ARGS_STR" "$SCHEMA" ;;
	gemini) printf '{"contents":[{"role":"user","parts":[{"text":"hi"}]},{"role":"model","parts":[{"functionCall":{"name":"f","args":%s}}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"output":"ok"}}}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":%s}]}],"generationConfig":{"temperature":1.0,"topP":0.70,"maxOutputTokens":8192}}' "$ARGS" "$SCHEMA" ;;
	esac
}

# has FILE LITERAL...: every literal is in FILE, as bytes.
has() {
	local f=$1
	shift
	for l in "$@"; do
		grep -qF -- "$l" "$f" || fail "no $l in: $(cat "$f")"
	done
}

# args_in FMT FILE: ARGS' literals in FILE, as FMT carries arguments (openai
# and responses: inside a JSON string).
args_in() {
	case $1 in
	openai | responses) has "$2" 'big\":12345678901234567890' 'small\":1e-3' 'zero\":-0' 'one\":1.0' ;;
	*) has "$2" '"big":12345678901234567890' '"small":1e-3' '"zero":-0' '"one":1.0' ;;
	esac
}

# each_pair MODE MAKE CHECK: for the 12 pairs, MAKE FROM's input goes through
# nr-translate --MODE into $T/out, then CHECK TO runs on it.
each_pair() {
	local mode=$1 make=$2 check=$3
	for from in $FORMATS; do
		"$make" "$from" >"$T/in"
		for to in $FORMATS; do
			[ "$from" != "$to" ] || continue
			nr-translate "--$mode" --from "$from" --to "$to" --model m <"$T/in" >"$T/out" ||
				fail "$from -> $to failed: $(cat "$T/out")"
			"$check" "$to" || fail "$from -> $to"
		done
	done
}

# request_ok TO: the request's literals in $T/out, under TO's names.
request_ok() {
	local top_p='"top_p":0.70' max='"max_tokens":8192'
	case $1 in
	openai) max='"max_completion_tokens":8192' ;;
	responses) max='"max_output_tokens":8192' ;;
	gemini) top_p='"topP":0.70' max='"maxOutputTokens":8192' ;;
	esac
	has "$T/out" '"temperature":1.0' "$top_p" "$max" \
		'"maximum":12345678901234567890' '"minimum":-0' '"default":1e-3'
	args_in "$1" "$T/out"
}

@test "a request keeps its sampling numbers, schema and tool arguments as written, for each of the 12 pairs" {
	each_pair request request request_ok
}

@test "a number nr changes is nr's: a temperature above anthropic's 1 is clamped, the others stay as written" {
	printf '{"model":"m","temperature":1.50,"top_p":0.70,"messages":[{"role":"user","content":"hi"}]}' >"$T/in"
	nr-translate --request --from openai --to anthropic <"$T/in" >"$T/out"
	has "$T/out" '"temperature":1,' '"top_p":0.70' '"max_tokens":8192'
	run grep -F '1.50' "$T/out"
	assert_failure
}

@test "a number too large for a double keeps its literal, not the largest double (found by fuzzing)" {
	printf '{"model":"m","temperature":1e340,"top_p":-1e400,"messages":[{"role":"user","content":"hi"}]}' >"$T/in"
	nr-translate --request --from openai --to responses <"$T/in" >"$T/out"
	has "$T/out" '"temperature":1e340,' '"top_p":-1e400'
	run grep -F '1.7976931348623157e+308' "$T/out"
	assert_failure
}

# response FMT: a whole answer in FMT with a call to f with ARGS, and usage
# 9007199254740993 (2^53 + 1, no double holds it) in, 8192 out.
response() {
	case $1 in
	openai) printf '{"id":"r1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"%s"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":9007199254740993,"completion_tokens":8192,"total_tokens":9007199254749185}}' "$ARGS_STR" ;;
	anthropic) printf '{"id":"r1","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"c1","name":"f","input":%s}],"stop_reason":"tool_use","usage":{"input_tokens":9007199254740993,"output_tokens":8192}}' "$ARGS" ;;
	responses) printf '{"id":"r1","object":"response","created_at":1,"status":"completed","model":"m","output":[{"id":"fc1","type":"function_call","status":"completed","call_id":"c1","name":"f","arguments":"%s"}],"usage":{"input_tokens":9007199254740993,"output_tokens":8192,"total_tokens":9007199254749185}}' "$ARGS_STR" ;;
	gemini) printf '{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":%s}}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9007199254740993,"candidatesTokenCount":8192,"totalTokenCount":9007199254749185},"modelVersion":"m","responseId":"r1"}' "$ARGS" ;;
	esac
}

response_ok() {
	has "$T/out" 9007199254740993 8192
	args_in "$1" "$T/out"
}

@test "a whole answer keeps its token counts and tool arguments as written, for each of the 12 pairs" {
	each_pair response response response_ok
}

# stream FMT: an SSE stream in FMT calling f with ARGS, 123456789012 tokens in.
stream() {
	case $1 in
	openai)
		printf 'data: {"id":"s1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}\n\n'
		printf 'data: {"id":"s1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"%s"}}]},"finish_reason":null}]}\n\n' "$ARGS_STR"
		printf 'data: {"id":"s1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\n'
		printf 'data: {"id":"s1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":123456789012,"completion_tokens":8192,"total_tokens":123456797204}}\n\n'
		printf 'data: [DONE]\n\n' ;;
	anthropic)
		printf 'event: message_start\ndata: {"type":"message_start","message":{"id":"s1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":123456789012,"output_tokens":1}}}\n\n'
		printf 'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"c1","name":"f","input":{}}}\n\n'
		printf 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"%s"}}\n\n' "$ARGS_STR"
		printf 'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
		printf 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":8192}}\n\n'
		printf 'event: message_stop\ndata: {"type":"message_stop"}\n\n' ;;
	responses)
		printf 'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"s1","object":"response","created_at":1,"status":"in_progress","model":"m","output":[]}}\n\n'
		printf 'event: response.output_item.added\ndata: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"fc1","type":"function_call","status":"in_progress","call_id":"c1","name":"f","arguments":""}}\n\n'
		printf 'event: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","sequence_number":2,"item_id":"fc1","output_index":0,"delta":"%s"}\n\n' "$ARGS_STR"
		printf 'event: response.function_call_arguments.done\ndata: {"type":"response.function_call_arguments.done","sequence_number":3,"item_id":"fc1","output_index":0,"arguments":"%s"}\n\n' "$ARGS_STR"
		printf 'event: response.output_item.done\ndata: {"type":"response.output_item.done","sequence_number":4,"output_index":0,"item":{"id":"fc1","type":"function_call","status":"completed","call_id":"c1","name":"f","arguments":"%s"}}\n\n' "$ARGS_STR"
		printf 'event: response.completed\ndata: {"type":"response.completed","sequence_number":5,"response":{"id":"s1","object":"response","created_at":1,"status":"completed","model":"m","output":[{"id":"fc1","type":"function_call","status":"completed","call_id":"c1","name":"f","arguments":"%s"}],"usage":{"input_tokens":123456789012,"output_tokens":8192,"total_tokens":123456797204}}}\n\n' "$ARGS_STR" ;;
	gemini)
		printf 'data: {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":%s}}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":123456789012,"candidatesTokenCount":8192,"totalTokenCount":123456797204},"modelVersion":"m","responseId":"s1"}\r\n\r\n' "$ARGS" ;;
	esac
}

stream_ok() {
	has "$T/out" 123456789012 8192
	case $1 in	# gemini sends the call whole, the others its text
	gemini) args_in gemini "$T/out" ;;
	*) args_in openai "$T/out" ;;
	esac
}

@test "a stream keeps its tool arguments and token counts as written, for each of the 12 pairs" {
	each_pair stream stream stream_ok
}

# ---- through nr-route and nr-serve to the mock ----

@test "nr-route sends the upstream the client's literals: openai to anthropic and anthropic to openai" {
	route_setup
	provider po openai
	provider pa anthropic
	request openai | sed 's/"model":"m"/"model":"pa\/m1"/' >"$T/req"
	run --separate-stderr nr-route --from openai <"$T/req"
	assert_success
	has "$MOCK_RAW/request-1" '"temperature":1.0' '"top_p":0.70' '"max_tokens":8192' \
		'"maximum":12345678901234567890' '"minimum":-0' '"default":1e-3' '"big":12345678901234567890'
	rm -f "$MOCK_RAW"/*
	request anthropic | sed 's/"model":"m"/"model":"po\/m1"/' >"$T/req"
	run --separate-stderr nr-route --from anthropic <"$T/req"
	assert_success
	has "$MOCK_RAW/request-1" '"temperature":1.0' '"top_p":0.70' '"max_completion_tokens":8192' \
		'"maximum":12345678901234567890' '"minimum":-0' '"default":1e-3' 'big\":12345678901234567890'
}

@test "nr-serve sends the upstream the client's literals across formats: responses to gemini" {
	route_setup
	provider pg gemini auth=x-goog-api-key
	serve_start
	request responses | sed 's/"model":"m"/"model":"pg\/m1"/' >"$T/req"
	curl -sS -o "$T/got" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary @"$T/req" "$URL/v1/responses"
	has "$MOCK_RAW/request-1" '"temperature":1.0' '"topP":0.70' '"maxOutputTokens":8192' \
		'"maximum":12345678901234567890' '"minimum":-0' '"default":1e-3' '"big":12345678901234567890'
}

# ---- errors ----

@test "nr-translate --error passes an error in the client's own shape byte for byte" {
	printf '{"error":{"message":"caf\\u00e9","type":"invalid_request_error","param":null,"code":null,"n":1.0}}' >"$T/in"
	nr-translate --error 400 --from openai --to responses <"$T/in" >"$T/out" 2>"$T/err"
	cmp "$T/in" "$T/out"
	grep -qx 'status: 400' "$T/err"
	printf '{"type":"error","error":{"type":"overloaded_error","message":"x"},"retry":1e3}' >"$T/in"
	nr-translate --error 529 --from anthropic --to anthropic <"$T/in" >"$T/out" 2>"$T/err"
	cmp "$T/in" "$T/out"
	grep -qx 'status: 529' "$T/err"
}

@test "an upstream error goes to a client of its format byte for byte through nr-serve, the quoted key scrubbed (all four formats)" {
	route_setup
	provider po openai
	provider pa anthropic
	provider pr responses
	provider pg gemini auth=x-goog-api-key
	serve_start
	for f in openai anthropic responses gemini; do
		rm -f "$MOCK_RAW"/*
		local p=po path=/v1/chat/completions
		case $f in
		anthropic) p=pa path=/v1/messages ;;
		responses) p=pr path=/v1/responses ;;
		gemini) p=pg path="/v1beta/models/pg%2Fm-exact-status-400:generateContent" ;;
		esac
		body "$f" "$p/m-exact-status-400" >"$T/req"
		code=$(curl -sS -o "$T/got" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
			-H 'content-type: application/json' --data-binary @"$T/req" "$URL$path")
		[ "$code" = 400 ] || fail "$f: status $code"
		grep -qF '"big":12345678901234567890' "$MOCK_RAW/answer-1" || fail "$f: the mock sent no exact member"
		grep -qF "$MOCK_KEY" "$MOCK_RAW/answer-1" || fail "$f: the mock did not quote the key"
		sed "s/$MOCK_KEY/***/" "$MOCK_RAW/answer-1" >"$T/want"
		cmp "$T/want" "$T/got" || fail "$f: the client got $(cat "$T/got")"
	done
}

@test "an openai upstream's error reaches a responses client byte for byte (one error shape)" {
	route_setup
	provider po openai
	body responses po/m-exact-status-400 >"$T/req"
	run --separate-stderr nr-route --from responses <"$T/req"
	grep -qF '"negzero":-0' "$MOCK_RAW/answer-1"
	sed "s/$MOCK_KEY/***/" "$MOCK_RAW/answer-1" >"$T/want"
	printf '%s' "$output" | tail -c "$(wc -c <"$T/want")" >"$T/got"
	cmp "$T/want" "$T/got"
}
