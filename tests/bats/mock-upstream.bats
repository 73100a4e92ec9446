#!/usr/bin/env bats
# The tests' mock upstream keeps its promises (tests/mock/README.md): four
# formats whole and streamed, tool loops, failure words, keys, the request
# log, concurrency, clean exit. Other suites rely on all of it.

load helper

MOCK=${NR_MOCK:-$ROOT/tests/mock/mock-upstream}	# NR_MOCK: another build of it
KEY=sk-test-secret-1234

# Starts a mock (extra env as arguments) and sets URL, MOCK_PID.
start_mock() {
	[ -x "$MOCK" ] || fail "tests/mock/mock-upstream is not built (run make)"
	# a restart must not read the last mock's port before the new one truncates the file
	: >"$BATS_TEST_TMPDIR/port"
	# 3>&-: bats waits for whoever holds its fd 3
	env "$@" "$MOCK" --listen 127.0.0.1:0 --log "$BATS_TEST_TMPDIR/log" "${MOCK_OPTS[@]}" \
		>"$BATS_TEST_TMPDIR/port" 2>"$BATS_TEST_TMPDIR/mock.err" 3>&- &
	MOCK_PID=$!
	local port
	port_file port "$BATS_TEST_TMPDIR/port"
	URL=http://127.0.0.1:$port
}

stop_mock() {
	kill "$MOCK_PID" 2>/dev/null || true
	wait "$MOCK_PID" 2>/dev/null || true
}

setup() { start_mock; }
teardown() { stop_mock; }

# post PATH BODY [curl args...]: the response body on stdout
post() {
	local path=$1 body=$2
	shift 2
	curl -sS -N "$URL$path" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		-d "$body" "$@"
}

# the data of every SSE event, one JSON per line
sse_data() { sed -n 's/^data: //p' | tr -d '\r'; }

OA_TOOLS='"tools":[{"type":"function","function":{"name":"read_file","parameters":{"type":"object","properties":{"path":{"type":"string"},"n":{"type":"integer"}},"required":["path"]}}}]'
AN_TOOLS='"tools":[{"name":"Bash","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}]'
RS_TOOLS='"tools":[{"type":"function","name":"read_file","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}]'
GM_TOOLS='"tools":[{"functionDeclarations":[{"name":"read_file","parametersJsonSchema":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}]}]'
GM_USER='"contents":[{"role":"user","parts":[{"text":"hi"}]}]'

@test "--help prints the usage and exits 0; a bad flag exits 100" {
	run "$MOCK" --help
	assert_success
	assert_output --partial "--listen"
	run "$MOCK" --bogus
	[ "$status" -eq 100 ]
	run "$MOCK"
	[ "$status" -eq 100 ]
}

@test "a non-loopback listen address is refused with exit 100" {
	run "$MOCK" --listen 0.0.0.0:0
	[ "$status" -eq 100 ]
	assert_output --partial "non-loopback"
}

@test "openai non-streaming answers the hello text with usage from the sizes" {
	run post /v1/chat/completions '{"model":"gpt-x","messages":[{"role":"user","content":"hi"}]}'
	assert_success
	run jq -r '[.object, .choices[0].message.content, .choices[0].finish_reason,
		(.usage.prompt_tokens > 0), .usage.total_tokens == .usage.prompt_tokens + .usage.completion_tokens] | join("|")' <<<"$output"
	assert_output "chat.completion|Hello from mock-upstream (openai, gpt-x)|stop|true|true"
}

@test "openai streaming sends chunks, the usage chunk only when asked, then one [DONE]" {
	post /v1/chat/completions '{"model":"gpt-x","stream":true,"messages":[]}' >"$BATS_TEST_TMPDIR/s"
	run bash -c "sse_data() { sed -n 's/^data: //p'; }; sse_data <'$BATS_TEST_TMPDIR/s' | grep -v DONE | jq -j '.choices[0].delta.content // empty'"
	assert_output "Hello from mock-upstream (openai, gpt-x)"
	[ "$(grep -c '^data: \[DONE\]$' "$BATS_TEST_TMPDIR/s")" -eq 1 ]
	[ "$(tail -2 "$BATS_TEST_TMPDIR/s" | head -1)" = "data: [DONE]" ]
	! grep -q '"usage"' "$BATS_TEST_TMPDIR/s" || fail "found: the check above must find nothing"
	post /v1/chat/completions '{"model":"gpt-x","stream":true,"stream_options":{"include_usage":true}}' |
		sse_data | grep -v DONE | tail -1 >"$BATS_TEST_TMPDIR/last"
	run jq -c '[.choices, .usage.completion_tokens > 0]' "$BATS_TEST_TMPDIR/last"
	assert_output '[[],true]'
}

@test "anthropic non-streaming and streaming follow the Messages shapes" {
	run post /v1/messages '{"model":"claude-x","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
	run jq -r '[.type, .content[0].text, .stop_reason, .usage.input_tokens > 0] | join("|")' <<<"$output"
	assert_output "message|Hello from mock-upstream (anthropic, claude-x)|end_turn|true"
	post /v1/messages '{"model":"claude-x","stream":true,"messages":[]}' >"$BATS_TEST_TMPDIR/s"
	run bash -c "grep '^event: ' '$BATS_TEST_TMPDIR/s' | uniq | cut -d' ' -f2 | paste -sd,"
	assert_output "message_start,content_block_start,ping,content_block_delta,content_block_stop,message_delta,message_stop"
	# every event's data.type equals its event name
	run bash -c "paste -d' ' <(sed -n 's/^event: //p' '$BATS_TEST_TMPDIR/s') <(sed -n 's/^data: //p' '$BATS_TEST_TMPDIR/s' | jq -r .type) | awk '\$1 != \$2'"
	assert_output ""
	run bash -c "sed -n 's/^data: //p' '$BATS_TEST_TMPDIR/s' | jq -j 'select(.type==\"content_block_delta\").delta.text'"
	assert_output "Hello from mock-upstream (anthropic, claude-x)"
}

@test "responses streaming numbers its events from 0 and ends in response.completed with usage" {
	run post /v1/responses '{"model":"gpt-r","input":"hi"}'
	run jq -r '[.object, .status, .output[0].content[0].text, .usage.output_tokens > 0] | join("|")' <<<"$output"
	assert_output "response|completed|Hello from mock-upstream (responses, gpt-r)|true"
	post /v1/responses '{"model":"gpt-r","stream":true,"input":"hi"}' | sse_data >"$BATS_TEST_TMPDIR/d"
	run jq -s -c '[map(.sequence_number) == [range(length)], .[0].type, .[-1].type, .[-1].response.usage.total_tokens > 0]' "$BATS_TEST_TMPDIR/d"
	assert_output '[true,"response.created","response.completed",true]'
	run jq -j 'select(.type=="response.output_text.delta").delta' "$BATS_TEST_TMPDIR/d"
	assert_output "Hello from mock-upstream (responses, gpt-r)"
}

@test "gemini takes the model from the URL, streams CRLF-separated chunks and ends with STOP" {
	run post /v1beta/models/gem-x:generateContent "{$GM_USER}"
	run jq -r '[.candidates[0].content.parts[0].text, .candidates[0].finishReason, .usageMetadata.promptTokenCount > 0] | join("|")' <<<"$output"
	assert_output "Hello from mock-upstream (gemini, gem-x)|STOP|true"
	post '/v1beta/models/gem-x:streamGenerateContent?alt=sse' "{$GM_USER}" >"$BATS_TEST_TMPDIR/s"
	grep -q $'}\r$' "$BATS_TEST_TMPDIR/s"
	run bash -c "sed -n 's/^data: //p' '$BATS_TEST_TMPDIR/s' | tr -d '\r' | jq -r '.candidates[0].finishReason // \"-\"' | paste -sd,"
	assert_output "-,-,-,-,STOP"
}

@test "the mock's streams pass the real-stream checker in every format" {
	stream_tool
	tool=$TOOL
	post /v1/chat/completions "{\"model\":\"m-tool\",\"stream\":true,$OA_TOOLS}" >"$BATS_TEST_TMPDIR/openai"
	post /v1/messages '{"model":"m","stream":true}' >"$BATS_TEST_TMPDIR/anthropic"
	post /v1/responses "{\"model\":\"m-tool\",\"stream\":true,$RS_TOOLS}" >"$BATS_TEST_TMPDIR/responses"
	post '/v1beta/models/m:streamGenerateContent?alt=sse' "{$GM_USER}" >"$BATS_TEST_TMPDIR/gemini"
	for f in openai anthropic responses gemini; do
		node "$tool" expect "$f" "$BATS_TEST_TMPDIR/$f" >"$BATS_TEST_TMPDIR/$f.json" || fail "$f: $(cat "$BATS_TEST_TMPDIR/$f.json")"
	done
	run jq -r '.tool_calls[0].arguments.path' "$BATS_TEST_TMPDIR/openai.json"
	assert_output "README.md"
}

@test "tool calls the first tool with a string for each required property, in every format" {
	run post /v1/chat/completions "{\"model\":\"gpt-tool\",$OA_TOOLS,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
	run jq -c '[.choices[0].finish_reason, .choices[0].message.tool_calls[0].function.name, (.choices[0].message.tool_calls[0].function.arguments | fromjson)]' <<<"$output"
	assert_output '["tool_calls","read_file",{"path":"README.md"}]'
	run post /v1/messages "{\"model\":\"claude-tool\",$AN_TOOLS,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
	run jq -c '[.stop_reason, .content[0].type, .content[0].name, .content[0].input, (.content[0].id | startswith("toolu_"))]' <<<"$output"
	assert_output '["tool_use","tool_use","Bash",{"command":"echo mock-upstream"},true]'
	run post /v1/responses "{\"model\":\"r-tool\",$RS_TOOLS,\"input\":\"hi\"}"
	run jq -c '[.output[0].type, .output[0].name, (.output[0].arguments | fromjson)]' <<<"$output"
	assert_output '["function_call","read_file",{"path":"README.md"}]'
	run post /v1beta/models/g-tool:generateContent "{$GM_TOOLS,$GM_USER}"
	run jq -c '.candidates[0].content.parts[0].functionCall' <<<"$output"
	assert_output '{"name":"read_file","args":{"path":"README.md"}}'
}

@test "a read tool's path comes from MOCK_TOOL_PATH when it is set" {
	stop_mock
	start_mock MOCK_TOOL_PATH=/tmp/some/file.txt
	run post /v1/chat/completions "{\"model\":\"gpt-tool\",$OA_TOOLS,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
	run jq -r '.choices[0].message.tool_calls[0].function.arguments' <<<"$output"
	assert_output '{"path":"/tmp/some/file.txt"}'
}

# Claude Code defines Agent first and Read later; Codex has exec_command
THREE_TOOLS='"tools":[{"name":"Agent","input_schema":{"type":"object","properties":{"prompt":{"type":"string"}},"required":["prompt"]}},{"name":"Bash","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}},{"name":"Read","input_schema":{"type":"object","properties":{"file_path":{"type":"string"}},"required":["file_path"]}}]'

@test "tool-WORD calls the first tool whose name starts with WORD, in any case" {
	run post /v1/messages "{\"model\":\"claude-tool-read\",$THREE_TOOLS,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
	run jq -c '[.content[0].name, .content[0].input]' <<<"$output"
	assert_output '["Read",{"file_path":"README.md"}]'
	run post /v1/messages "{\"model\":\"claude-tool-BASH-slow-1\",$THREE_TOOLS,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
	run jq -r '.content[0].name' <<<"$output"
	assert_output Bash
	# the word after tool is a behaviour word: the first tool, as plain tool
	run post /v1/messages "{\"model\":\"claude-tool-slow-1\",$THREE_TOOLS,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
	run jq -r '.content[0].name' <<<"$output"
	assert_output Agent
}

@test "tool-WORD with no tool of that name answers the default text" {
	run post /v1/messages "{\"model\":\"claude-tool-write\",$THREE_TOOLS,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
	run jq -r '[.stop_reason, .content[0].text] | join(" ")' <<<"$output"
	assert_output 'end_turn Hello from mock-upstream (anthropic, claude-tool-write)'
}

@test "a command or cmd property comes from MOCK_TOOL_COMMAND when it is set" {
	run post /v1/responses '{"model":"r-tool","input":"hi","tools":[{"type":"function","name":"exec_command","parameters":{"type":"object","properties":{"cmd":{"type":"string"}},"required":["cmd"]}}]}'
	run jq -r '.output[0].arguments' <<<"$output"
	assert_output '{"cmd":"echo mock-upstream"}'
	stop_mock
	start_mock MOCK_TOOL_COMMAND='cat "a b.txt"'
	run post /v1/messages "{\"model\":\"claude-tool-bash\",$THREE_TOOLS,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
	run jq -c '.content[0].input' <<<"$output"
	assert_output '{"command":"cat \"a b.txt\""}'
}

@test "streamed tool arguments arrive in fragments that join to the whole arguments" {
	post /v1/chat/completions "{\"model\":\"gpt-tool\",\"stream\":true,$OA_TOOLS}" | sse_data | grep -v DONE >"$BATS_TEST_TMPDIR/d"
	[ "$(jq -s '[.[].choices[0].delta.tool_calls // empty] | length' "$BATS_TEST_TMPDIR/d")" -ge 3 ]
	run jq -j '.choices[0].delta.tool_calls[0].function.arguments // empty' "$BATS_TEST_TMPDIR/d"
	assert_output '{"path":"README.md"}'
	post /v1/messages "{\"model\":\"claude-tool\",\"stream\":true,$AN_TOOLS}" | sse_data >"$BATS_TEST_TMPDIR/a"
	run jq -j 'select(.delta.type=="input_json_delta").delta.partial_json' "$BATS_TEST_TMPDIR/a"
	assert_output '{"command":"echo mock-upstream"}'
}

@test "after a tool result the answer is 'Tool said: ' and the result's text, in every format" {
	run post /v1/chat/completions '{"model":"gpt-tool","messages":[{"role":"user","content":"go"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"read_file","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"file body A"}]}'
	run jq -r '.choices[0].message.content' <<<"$output"
	assert_output "Tool said: file body A"
	run post /v1/messages '{"model":"claude-tool","messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"body B"}]}]}]}'
	run jq -r '.content[0].text' <<<"$output"
	assert_output "Tool said: body B"
	run post /v1/responses '{"model":"r-tool","input":[{"type":"function_call_output","call_id":"c1","output":"body C"}]}'
	run jq -r '.output[0].content[0].text' <<<"$output"
	assert_output "Tool said: body C"
	run post /v1beta/models/g-tool:generateContent '{"contents":[{"role":"user","parts":[{"functionResponse":{"name":"read_file","response":{"output":"body D"}}}]}]}'
	run jq -r '.candidates[0].content.parts[0].text' <<<"$output"
	assert_output "Tool said: body D"
}

@test "the echoed tool result stops at 200 bytes without splitting a character" {
	long=$(printf 'é%.0s' $(seq 1 150))	# 300 bytes of 2-byte characters
	run post /v1/chat/completions "{\"model\":\"gpt-tool\",\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":\"x$long\"}]}"
	run jq -r '.choices[0].message.content' <<<"$output"
	[ "$output" = "Tool said: x$(printf 'é%.0s' $(seq 1 99))" ] || fail "got: $output"
}

@test "status-NNN answers that status with the endpoint's error body" {
	run curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" -d '{"model":"x-status-500"}'
	assert_output 500
	run jq -r .error.type "$BATS_TEST_TMPDIR/b"
	assert_output server_error
	run curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/v1/messages" -H "x-api-key: $KEY" -d '{"model":"claude-status-529"}'
	assert_output 529
	run jq -r '.type + " " + .error.type' "$BATS_TEST_TMPDIR/b"
	assert_output "error overloaded_error"
	run curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/v1/responses" -H "Authorization: Bearer $KEY" -d '{"model":"x-status-400"}'
	assert_output 400
	run jq -r .error.type "$BATS_TEST_TMPDIR/b"
	assert_output invalid_request_error
	run curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/v1beta/models/g-status-403:generateContent" -H "x-goog-api-key: $KEY" -d '{}'
	assert_output 403
	run jq -r '.error.status + " " + (.error.code|tostring)' "$BATS_TEST_TMPDIR/b"
	assert_output "PERMISSION_DENIED 403"
}

@test "retry-NNN adds Retry-After and ratelimit adds the providers' reset headers" {
	run curl -sS -D - -o /dev/null "$URL/v1/messages" -H "x-api-key: $KEY" -d '{"model":"c-status-429-retry-17-ratelimit"}'
	assert_line --partial "HTTP/1.1 429"
	assert_line $'Retry-After: 17\r'
	assert_line $'x-ratelimit-reset-requests: 17s\r'
	assert_line --regexp '^anthropic-ratelimit-requests-reset: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z'
	run post /v1/chat/completions '{"model":"c-status-429-retry-17"}'
	run jq -r .error.message <<<"$output"
	assert_output --partial "try again in 17s"
}

@test "quota sends each provider's quota error, with status-NNN choosing a non-429 status" {
	run curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" -d '{"model":"gpt-quota"}'
	assert_output 429
	run jq -r '.error.code + " " + .error.message' "$BATS_TEST_TMPDIR/b"
	assert_output --partial "insufficient_quota You exceeded your current quota"
	run curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" -d '{"model":"gpt-quota-status-403"}'
	assert_output 403
	run jq -r .error.code "$BATS_TEST_TMPDIR/b"
	assert_output insufficient_quota
	run curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/v1/messages" -H "x-api-key: $KEY" -d '{"model":"claude-quota"}'
	assert_output 400
	run jq -r .error.message "$BATS_TEST_TMPDIR/b"
	assert_output --partial "credit balance is too low"
}

@test "slow-MS waits before the first byte" {
	run curl -sS -o /dev/null -w '%{time_starttransfer}' "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" -d '{"model":"x-slow-400"}'
	assert_success
	awk -v t="$output" 'BEGIN { exit !(t >= 0.4) }' || fail "first byte after $output s"
	run curl -sS -m 0.2 "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" -d '{"model":"x-slow-2000"}'
	[ "$status" -eq 28 ]
}

@test "stall-MS sends the first event then goes silent" {
	run curl -sS -N -m 0.5 "$URL/v1/messages" -H "x-api-key: $KEY" -d '{"model":"c-stall-3000","stream":true}'
	[ "$status" -eq 28 ]
	assert_output --partial "event: message_start"
	refute_output --partial "content_block_start"
	run curl -sS -w '%{time_total}' -o /dev/null "$URL/v1/messages" -H "x-api-key: $KEY" -d '{"model":"c-stall-300","stream":true}'
	awk -v t="$output" 'BEGIN { exit !(t >= 0.3) }' || fail "stream took only $output s"
}

@test "cut closes a stream after its first content event, with no terminal event" {
	for f in 'v1/chat/completions {"model":"x-cut","stream":true} DONE' \
		'v1/messages {"model":"x-cut","stream":true} message_stop' \
		'v1/responses {"model":"x-cut","stream":true} response.completed' \
		'v1beta/models/x-cut:streamGenerateContent?alt=sse {} STOP'; do
		set -- $f
		run curl -sS -N "$URL/$1" -H "Authorization: Bearer $KEY" -d "$2"
		[ "$status" -eq 18 ] || fail "$1: curl exit $status, wanted 18 (transfer closed early)"
		assert_output --partial "Hello"
		refute_output --partial "$3"
		refute_output --partial "from mock"
	done
}

@test "cutearly closes after the headers, before any byte of the body" {
	run curl -sS -D "$BATS_TEST_TMPDIR/h" "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" -d '{"model":"x-cutearly"}'
	[ "$status" -eq 18 ]
	grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/h"
	[ -z "$output" ] || [[ "$output" == curl:* ]]
	run curl -sS -N "$URL/v1/messages" -H "x-api-key: $KEY" -d '{"model":"x-cutearly","stream":true}'
	[ "$status" -eq 18 ]
	refute_output --partial "event:"
}

@test "badjson sends an invalid JSON body, or a broken event when streaming" {
	run post /v1/chat/completions '{"model":"x-badjson"}'
	assert_success
	run jq . <<<"$output"
	assert_failure
	post /v1/messages '{"model":"x-badjson","stream":true}' | sse_data >"$BATS_TEST_TMPDIR/d"
	bad=0
	while IFS= read -r line; do jq -e . >/dev/null 2>&1 <<<"$line" || bad=$((bad + 1)); done <"$BATS_TEST_TMPDIR/d"
	[ "$bad" -eq 1 ]
}

@test "long-N streams exactly N text deltas" {
	post /v1/chat/completions '{"model":"x-long-500","stream":true}' | sse_data | grep -v DONE >"$BATS_TEST_TMPDIR/d"
	[ "$(jq -s '[.[].choices[0].delta.content // empty | select(. != "")] | length' "$BATS_TEST_TMPDIR/d")" -eq 500 ]
	post '/v1beta/models/g-long-50:streamGenerateContent?alt=sse' '{}' | sse_data >"$BATS_TEST_TMPDIR/g"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/g")" -eq 50 ]
}

@test "keys are read from Bearer, x-api-key, x-goog-api-key and ?key=; none or bad* gets 401" {
	body='{"model":"m"}'
	code() { curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$@" -d "$body"; }
	[ "$(code "$URL/v1/chat/completions" -H 'Authorization: Bearer k1')" = 200 ]
	[ "$(code "$URL/v1/messages" -H 'x-api-key: k2')" = 200 ]
	[ "$(code "$URL/v1beta/models/m:generateContent" -H 'x-goog-api-key: k3')" = 200 ]
	[ "$(code "$URL/v1beta/models/m:generateContent?alt=sse&key=k4")" = 200 ]
	[ "$(code "$URL/v1/chat/completions")" = 401 ]
	run jq -r .error.code "$BATS_TEST_TMPDIR/b"
	assert_output invalid_api_key
	[ "$(code "$URL/v1/messages" -H 'x-api-key: bad-key')" = 401 ]
	run jq -r .error.type "$BATS_TEST_TMPDIR/b"
	assert_output authentication_error
}

@test "the log holds one JSON line per request with the key's tail but never the key" {
	post /v1/messages '{"model":"claude-x","stream":true,"messages":[{"role":"user","content":"hi"}]}' \
		-H "x-api-key: $KEY" -H 'anthropic-version: 2023-06-01' -H 'anthropic-beta: b1,b2' -A 'tester/1' >/dev/null
	curl -sS "$URL/v1beta/models/g:generateContent?key=$KEY" -d '{}' >/dev/null
	[ "$(wc -l <"$BATS_TEST_TMPDIR/log")" -eq 2 ]
	run jq -c 'del(.ts, .header_names)' <(head -1 "$BATS_TEST_TMPDIR/log")
	assert_output '{"method":"POST","path":"/v1/messages","format":"anthropic","model":"claude-x","stream":true,"key_tail":"1234","status":200,"headers":{"content-type":"application/json","anthropic-version":"2023-06-01","anthropic-beta":"b1,b2","user-agent":"tester/1","accept":"*/*"},"body":{"model":"claude-x","stream":true,"messages":[{"role":"user","content":"hi"}]}}'
	run jq -r '[.path, .format, .model, .key_tail, (.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))] | join("|")' <(tail -1 "$BATS_TEST_TMPDIR/log")
	assert_output "/v1beta/models/g:generateContent|gemini|g|1234|true"
	! grep -q "$KEY" "$BATS_TEST_TMPDIR/log" || fail "found: the check above must find nothing"
	# every header's name, never a value: what reached the upstream at all
	run jq -c '.header_names | sort' <(head -1 "$BATS_TEST_TMPDIR/log")
	assert_output '["accept","anthropic-beta","anthropic-version","authorization","content-length","content-type","host","user-agent","x-api-key"]'
}

@test "a malformed request gets a 400 and the mock keeps serving" {
	run curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/v1/messages" -H "x-api-key: $KEY" -d '{"model": broken'
	assert_output 400
	run jq -r .error.type "$BATS_TEST_TMPDIR/b"
	assert_output invalid_request_error
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/v1/messages" -H "x-api-key: $KEY" -d '{"messages":[]}'
	assert_output 400
	exec {sock}<>"/dev/tcp/127.0.0.1/${URL##*:}"
	printf 'NOT HTTP AT ALL\r\n\r\n' >&$sock
	IFS= read -r -t 5 line <&$sock
	exec {sock}<&-
	[ "$line" = $'HTTP/1.1 400 Bad Request\r' ]
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" -d '{"model":"m"}'
	assert_output 200
}

@test "unknown paths get 404, path prefixes before /v1 work, GET /v1/models and count_tokens answer" {
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/nope" -H "Authorization: Bearer $KEY" -d '{}'
	assert_output 404
	run post /openai/v1/chat/completions '{"model":"m"}'
	run jq -r .choices[0].message.content <<<"$output"
	assert_output "Hello from mock-upstream (openai, m)"
	run curl -sS "$URL/api/v1/models" -H "Authorization: Bearer $KEY"
	run jq -r '.object + " " + .data[0].object' <<<"$output"
	assert_output "list model"
	run curl -sS "$URL/v1/messages/count_tokens?beta=true" -H "x-api-key: $KEY" -d '{"model":"c","messages":[]}'
	assert_output '{"input_tokens":7}'
}

@test "chunked request bodies, large bodies and keep-alive connections are served" {
	run curl -sS "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" -H 'Transfer-Encoding: chunked' -d '{"model":"chunky"}'
	run jq -r .model <<<"$output"
	assert_output chunky
	{ printf '{"model":"big","messages":[{"role":"user","content":"'; head -c 3000000 /dev/zero | tr '\0' a; printf '"}]}'; } >"$BATS_TEST_TMPDIR/big"
	run curl -sS "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" --data-binary @"$BATS_TEST_TMPDIR/big"
	run jq -r '.usage.prompt_tokens > 750000' <<<"$output"
	assert_output true
	run curl -sS -v "$URL/v1/chat/completions" "$URL/v1/messages" -H "Authorization: Bearer $KEY" -d '{"model":"m"}'
	assert_output --partial "Re-using existing connection"
	assert_output --partial "(anthropic, m)"
}

@test "a held request does not delay others, and parallel requests log whole lines" {
	post /v1/chat/completions '{"model":"held-slow-30000"}' >/dev/null 2>&1 3>&- &
	held=$!
	run curl -sS -m 10 "$URL/v1/messages" -H "x-api-key: $KEY" -d '{"model":"quick"}'
	kill -0 "$held" || fail "the held request ended early"
	kill "$held"
	run jq -r .content[0].text <<<"$output"
	assert_output "Hello from mock-upstream (anthropic, quick)"
	pids=()
	for i in $(seq 1 8); do
		post /v1/chat/completions "{\"model\":\"p$i\",\"stream\":true,\"pad\":\"$(head -c 20000 /dev/zero | tr '\0' x)\"}" \
			>"$BATS_TEST_TMPDIR/o$i" 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 8); do
		grep -q "\" p$i)\"" "$BATS_TEST_TMPDIR/o$i" && grep -q '^data: \[DONE\]' "$BATS_TEST_TMPDIR/o$i" ||
			fail "request $i: $(cat "$BATS_TEST_TMPDIR/o$i")"
	done
	# 20 KB lines from 8 children at once: each still parses on its own
	run jq -r 'select(.model | startswith("p")) | .model' "$BATS_TEST_TMPDIR/log"
	[ "${#lines[@]}" -eq 8 ] || fail "log: $output"
}

@test "SIGTERM ends the mock with status 0, stalled answers included" {
	curl -sS -N "$URL/v1/messages" -H "x-api-key: $KEY" -d '{"model":"c-stall-20000","stream":true}' >/dev/null 2>&1 3>&- &
	cpid=$!
	sleep 0.3
	kill -TERM "$MOCK_PID"
	rc=0
	wait "$MOCK_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "mock-upstream exited $rc on SIGTERM"
	for _ in $(seq 1 40); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$cpid" 2>/dev/null || { kill "$cpid"; fail "the stalled answer outlived the mock"; }
}

# ---- OAuth: Codex (auth.openai.com + chatgpt.com) and GitHub Copilot

CODEX_CLIENT=app_EMoamEEZ73f0CkXaXp7hrann
VERIFIER=mock-verifier-0123456789-abcdefghijklmnopqrstuvwxyz

# Restarts the mock with --state DIR (extra env as arguments).
start_state_mock() {
	stop_mock
	mkdir -p "$BATS_TEST_TMPDIR/state"
	MOCK_OPTS=(--state "$BATS_TEST_TMPDIR/state")
	start_mock "$@"
}
# MOCK_OPTS: more options for start_mock's mock
MOCK_OPTS=()

# PKCE's S256 challenge of a verifier: base64url(SHA-256), no padding
pkce() {
	local hex
	hex=$(printf %s "$1" | sha256sum | cut -c1-64 | sed 's/../\\x&/g')
	printf "$hex" | basenc --base64url | tr -d '=\n'
}

# The payload of a JWT, as JSON
jwt_claims() {
	local p
	p=$(cut -d. -f2 <<<"$1")
	while ((${#p} % 4)); do p+="="; done
	basenc --base64url -d <<<"$p"
}

# authorize QUERY: the Location of the answer (empty when none)
authorize() {
	curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{redirect_url}' "$URL/oauth/authorize?$1"
}
AUTH_QUERY="response_type=code&client_id=$CODEX_CLIENT&redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback&code_challenge_method=S256"

# code_for VERIFIER: a code from /oauth/authorize for the verifier's challenge
code_for() {
	authorize "$AUTH_QUERY&code_challenge=$(pkce "$1")&state=s" | sed 's/.*[?&]code=\([^&]*\).*/\1/'
}

# exchange CODE VERIFIER [REDIRECT]: the token endpoint's body; its status in $BATS_TEST_TMPDIR/code
exchange() {
	curl -sS -w '%{http_code}' -o "$BATS_TEST_TMPDIR/tok" "$URL/oauth/token" --data-urlencode grant_type=authorization_code \
		--data-urlencode "code=$1" --data-urlencode "code_verifier=$2" \
		--data-urlencode "redirect_uri=${3:-http://localhost:1455/auth/callback}" \
		--data-urlencode "client_id=$CODEX_CLIENT" >"$BATS_TEST_TMPDIR/code"
	cat "$BATS_TEST_TMPDIR/tok"
}

# refresh TOKEN: "STATUS BODY"
refresh() {
	curl -sS -w ' %{http_code}' "$URL/oauth/token" -H 'content-type: application/json' \
		-d "{\"client_id\":\"$CODEX_CLIENT\",\"grant_type\":\"refresh_token\",\"refresh_token\":\"$1\"}" |
		sed 's/\(.*\) \([0-9]*\)$/\2 \1/'
}

@test "oauth/authorize redirects with a code and the state, percent-decoded and re-encoded" {
	C=$(pkce "$VERIFIER")
	run authorize "$AUTH_QUERY&code_challenge=$C&state=a%2Bb%2Fc+d%3D"
	[[ "$output" =~ ^http://localhost:1455/auth/callback\?code=mc\.$C\.[0-9a-f]+\&state=a%2Bb%2Fc%20d%3D$ ]] || fail "Location: $output"
	# a redirect_uri with a query of its own gets &code=
	run authorize "response_type=code&client_id=$CODEX_CLIENT&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb%3Fx%3D1&code_challenge=$C&code_challenge_method=S256&state=s"
	[[ "$output" == "http://127.0.0.1:9/cb?x=1&code=mc.$C."*"&state=s" ]] || fail "Location: $output"
	# mock_error: the redirect carries the error instead of a code
	run authorize "$AUTH_QUERY&code_challenge=$C&state=s2&mock_error=access_denied"
	assert_output "http://localhost:1455/auth/callback?error=access_denied&state=s2"
}

@test "oauth/authorize answers 400 text naming what is missing or wrong" {
	C=$(pkce "$VERIFIER")
	full="$AUTH_QUERY&code_challenge=$C&state=s"
	for p in response_type client_id redirect_uri code_challenge code_challenge_method state; do
		q=$(tr '&' '\n' <<<"$full" | grep -v "^$p=" | paste -sd'&')
		run curl -sS -D "$BATS_TEST_TMPDIR/h" -w ' %{http_code}' "$URL/oauth/authorize?$q"
		assert_output "mock-upstream: $p is missing
 400"
		grep -qi '^content-type: text/plain' "$BATS_TEST_TMPDIR/h"
	done
	run curl -sS "$URL/oauth/authorize?${full/S256/plain}"
	assert_output "mock-upstream: code_challenge_method must be S256"
	run curl -sS "$URL/oauth/authorize?${full/$CODEX_CLIENT/other}"
	assert_output --partial "client_id is not Codex's"
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/oauth/authorize?$full%zz"
	assert_output 400
}

@test "oauth/token exchanges a code for three tokens when the verifier matches the challenge" {
	code=$(code_for "$VERIFIER")
	run exchange "$code" "$VERIFIER"
	[ "$(cat "$BATS_TEST_TMPDIR/code")" = 200 ] || fail "$output"
	run jq -r 'keys_unsorted | join(",")' "$BATS_TEST_TMPDIR/tok"
	assert_output "id_token,access_token,refresh_token"
	run jq -r .refresh_token "$BATS_TEST_TMPDIR/tok"
	[[ "$output" =~ ^rt-[0-9a-f]{16}$ ]] || fail "refresh_token: $output"
	id=$(jq -r .id_token "$BATS_TEST_TMPDIR/tok")
	access=$(jq -r .access_token "$BATS_TEST_TMPDIR/tok")
	[ "$(cut -d. -f1 <<<"$access")" = "$(printf '{"alg":"none","typ":"JWT"}' | basenc --base64url | tr -d =)" ]
	[ "$(cut -d. -f3 <<<"$access")" = "$(printf mock-signature | basenc --base64url | tr -d =)" ]
	now=$(date +%s)
	run jq -c --argjson now "$now" '[.email, (.exp - $now | . >= 3590 and . <= 3610), .["https://api.openai.com/auth"]]' <(jwt_claims "$id")
	assert_output '["user@example.com",true,{"chatgpt_account_id":"acct-mock-1","chatgpt_plan_type":"plus"}]'
	run jq -c '[.["https://api.openai.com/auth"], (.jti | length > 0), (.exp | type)]' <(jwt_claims "$access")
	assert_output '[{"chatgpt_account_id":"acct-mock-1"},true,"number"]'
	# two exchanges give different access tokens (their jti); a code is not single-use
	exchange "$code" "$VERIFIER" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/code")" = 200 ]
	[ "$(jq -r .access_token "$BATS_TEST_TMPDIR/tok")" != "$access" ]
}

@test "oauth/token refuses a wrong verifier, a foreign code, a wrong client and a code sent as JSON" {
	code=$(code_for "$VERIFIER")
	run exchange "$code" "another-verifier"
	[ "$(cat "$BATS_TEST_TMPDIR/code")" = 400 ]
	run jq -r .error "$BATS_TEST_TMPDIR/tok"
	assert_output invalid_grant
	run exchange "not-a-mock-code" "$VERIFIER"
	[ "$(cat "$BATS_TEST_TMPDIR/code")" = 400 ]
	run jq -r '.error + " " + (.error_description | length > 0 | tostring)' "$BATS_TEST_TMPDIR/tok"
	assert_output "invalid_grant true"
	run curl -sS -w ' %{http_code}' "$URL/oauth/token" -d grant_type=authorization_code -d "code=$code" \
		-d "code_verifier=$VERIFIER" -d redirect_uri=x -d client_id=other
	assert_output --partial '"error":"invalid_client"'
	assert_output --partial ' 401'
	run curl -sS -w ' %{http_code}' "$URL/oauth/token" -H 'content-type: application/json' \
		-d "{\"grant_type\":\"authorization_code\",\"code\":\"$code\",\"code_verifier\":\"$VERIFIER\",\"redirect_uri\":\"x\",\"client_id\":\"$CODEX_CLIENT\"}"
	assert_output --partial '"error":"unsupported_grant_type"'
	assert_output --partial ' 400'
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/oauth/token" -d grant_type=authorization_code -d "code=$code" \
		-d "code_verifier=$VERIFIER" -d client_id=$CODEX_CLIENT
	assert_output 400
}

@test "a refresh rotates all three tokens; without --state a token may be used again" {
	run refresh rt-seed
	[[ "$output" == "200 "* ]] || fail "$output"
	run jq -r '[.id_token, .access_token, .refresh_token] | map(length > 0) | all' <<<"${output#200 }"
	assert_output true
	new=$(refresh rt-seed | cut -d' ' -f2- | jq -r .refresh_token)
	[[ "$new" =~ ^rt-[0-9a-f]{16}$ ]] && [ "$new" != rt-seed ]
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/oauth/token" -d grant_type=refresh_token -d refresh_token=rt-seed -d client_id=$CODEX_CLIENT
	assert_output 400	# a refresh is JSON, as Codex sends it
}

@test "with --state a refresh token works once: the second use is refresh_token_reused" {
	start_state_mock
	run refresh rt-once
	[[ "$output" == "200 "* ]] || fail "$output"
	next=$(jq -r .refresh_token <<<"${output#200 }")
	run refresh rt-once
	assert_output '401 {"error":{"message":"Your refresh token has already been used to generate a new access token. Please try signing in again.","code":"refresh_token_reused"}}'
	run refresh "$next"
	[[ "$output" == "200 "* ]] || fail "the rotated token: $output"
	[ -n "$(ls "$BATS_TEST_TMPDIR/state")" ]
}

@test "rt-expired gets refresh_token_expired, rt-flaky a 503" {
	run refresh rt-expired-1
	[[ "$output" == "401 "* ]] || fail "$output"
	run jq -r .error.code <<<"${output#401 }"
	assert_output refresh_token_expired
	run refresh rt-flaky-1
	[[ "$output" == "503 "* ]] || fail "$output"
	run jq -r .error.type <<<"${output#503 }"
	assert_output server_error
}

@test "MOCK_REFRESH_DELAY_MS holds refreshes; of two at once with --state exactly one wins" {
	start_state_mock MOCK_REFRESH_DELAY_MS=400
	start=$(date +%s%N)
	refresh rt-race >"$BATS_TEST_TMPDIR/r1" 3>&- &
	p1=$!
	refresh rt-race >"$BATS_TEST_TMPDIR/r2" 3>&- &
	p2=$!
	wait "$p1" "$p2"
	[ $((($(date +%s%N) - start) / 1000000)) -ge 400 ]
	run bash -c "for r in '$BATS_TEST_TMPDIR/r1' '$BATS_TEST_TMPDIR/r2'; do cut -c1-3 \"\$r\"; done | sort | paste -sd,"
	assert_output "200,401"
	grep -q refresh_token_reused "$BATS_TEST_TMPDIR/r1" "$BATS_TEST_TMPDIR/r2"
}

@test "MOCK_TOKEN_TTL sets the tokens' lifetime, 0 or negative issuing expired ones" {
	stop_mock
	start_mock MOCK_TOKEN_TTL=-60
	run refresh rt-x
	access=$(jq -r .access_token <<<"${output#200 }")
	run jq --argjson now "$(date +%s)" '.exp < $now' <(jwt_claims "$access")
	assert_output true
	stop_mock
	start_mock MOCK_TOKEN_TTL=120
	run refresh rt-x
	access=$(jq -r .access_token <<<"${output#200 }")
	run jq --argjson now "$(date +%s)" '.exp - $now | . >= 110 and . <= 130' <(jwt_claims "$access")
	assert_output true
	stop_mock
	start_mock MOCK_TOKEN_TTL=soon	# not an integer: the default hour
	run refresh rt-x
	access=$(jq -r .access_token <<<"${output#200 }")
	run jq --argjson now "$(date +%s)" '.exp - $now | . >= 3590 and . <= 3610' <(jwt_claims "$access")
	assert_output true
}

@test "Codex device flow: a user code, 403 while pending (counted with --state), then a code that exchanges" {
	start_state_mock MOCK_DEVICE_PENDING=2 MOCK_DEVICE_INTERVAL=7
	run curl -sS "$URL/api/accounts/deviceauth/usercode" -H 'content-type: application/json' -d "{\"client_id\":\"$CODEX_CLIENT\"}"
	run jq -c '[(.device_auth_id | test("^dev-[0-9a-f]+$")), .user_code, .interval]' <<<"$output"
	assert_output '[true,"MOCK-1234","7"]'
	id=$(curl -sS "$URL/api/accounts/deviceauth/usercode" -H 'content-type: application/json' -d "{\"client_id\":\"$CODEX_CLIENT\"}" | jq -r .device_auth_id)
	poll() { curl -sS -o "$BATS_TEST_TMPDIR/p" -w '%{http_code}' "$URL/api/accounts/deviceauth/token" -H 'content-type: application/json' -d "{\"device_auth_id\":\"$1\",\"user_code\":\"MOCK-1234\"}"; }
	[ "$(poll "$id")" = 403 ]
	[ "$(poll "$id")" = 403 ]
	[ "$(poll "$id")" = 200 ] || fail "$(cat "$BATS_TEST_TMPDIR/p")"
	code=$(jq -r .authorization_code "$BATS_TEST_TMPDIR/p")
	verifier=$(jq -r .code_verifier "$BATS_TEST_TMPDIR/p")
	[ "$(jq -r .code_challenge "$BATS_TEST_TMPDIR/p")" = "$(pkce "$verifier")" ]
	exchange "$code" "$verifier" https://auth.openai.com/deviceauth/callback >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/code")" = 200 ]
	# each device_auth_id has its own count
	[ "$(poll dev-other)" = 403 ]
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/api/accounts/deviceauth/token" -H 'content-type: application/json' -d "{\"device_auth_id\":\"$id\",\"user_code\":\"WRONG\"}"
	assert_output 400
	run curl -sS -w ' %{http_code}' "$URL/api/accounts/deviceauth/usercode" -H 'content-type: application/json' -d '{"client_id":"other"}'
	assert_output --partial '"error":"invalid_client"'
	assert_output --partial ' 401'
}

@test "a --state directory that cannot be written answers 500" {
	start_state_mock
	rm -r "$BATS_TEST_TMPDIR/state"
	run refresh rt-nowhere
	[[ "$output" == "500 "* ]] || fail "$output"
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/api/accounts/deviceauth/token" -H 'content-type: application/json' -d '{"device_auth_id":"dev-1","user_code":"MOCK-1234"}'
	assert_output 500
}

@test "without --state a device poll is never pending" {
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/api/accounts/deviceauth/token" -H 'content-type: application/json' -d '{"device_auth_id":"dev-1","user_code":"MOCK-1234"}'
	assert_output 200
	run curl -sS "$URL/login/oauth/access_token" -H 'accept: application/json' -d client_id=c -d device_code=gdc-1 -d grant_type=urn:ietf:params:oauth:grant-type:device_code
	run jq -r '.access_token | test("^ghu_mock[0-9a-f]+$")' <<<"$output"
	assert_output true
}

@test "concurrent polls count race-free: of 8 at once with MOCK_DEVICE_PENDING=5, exactly 5 wait" {
	start_state_mock MOCK_DEVICE_PENDING=5
	pids=()
	for i in $(seq 1 8); do
		curl -sS -o /dev/null -w '%{http_code}\n' "$URL/api/accounts/deviceauth/token" -H 'content-type: application/json' \
			-d '{"device_auth_id":"dev-many","user_code":"MOCK-1234"}' >"$BATS_TEST_TMPDIR/c$i" 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"
	run bash -c "cat '$BATS_TEST_TMPDIR'/c* | sort | uniq -c | awk '{print \$2 \"x\" \$1}' | paste -sd,"
	assert_output "200x3,403x5"
}

@test "the Codex backend takes a live access token with its ChatGPT-Account-ID, and answers as responses" {
	access=$(refresh rt-a | cut -d' ' -f2- | jq -r .access_token)
	cx() { curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/backend-api/codex/responses" "$@"; }
	[ "$(cx -H "Authorization: Bearer $access" -H 'ChatGPT-Account-ID: acct-mock-1' -d '{"model":"gpt-5","input":"hi"}')" = 200 ]
	run jq -r '.output[0].content[0].text' "$BATS_TEST_TMPDIR/b"
	assert_output "Hello from mock-upstream (responses, gpt-5)"
	# any prefix, streams, model words
	run curl -sS -N "$URL/proxy/backend-api/codex/responses" -H "Authorization: Bearer $access" -H 'ChatGPT-Account-ID: acct-mock-1' -d '{"model":"gpt-5","stream":true,"input":"hi"}'
	assert_output --partial "event: response.completed"
	[ "$(cx -H "Authorization: Bearer $access" -H 'ChatGPT-Account-ID: acct-mock-1' -d '{"model":"gpt-5-status-429"}')" = 429 ]
	# the account id must match the token's
	[ "$(cx -H "Authorization: Bearer $access" -H 'ChatGPT-Account-ID: acct-other' -d '{"model":"m"}')" = 403 ]
	[ "$(cx -H "Authorization: Bearer $access" -d '{"model":"m"}')" = 403 ]
	# the token check comes before the model's words
	[ "$(cx -H "Authorization: Bearer sk-key" -H 'ChatGPT-Account-ID: acct-mock-1' -d '{"model":"gpt-5-status-429"}')" = 401 ]
}

@test "the Codex backend answers 401 token_expired to an expired, foreign or id token" {
	body='{"model":"m","input":"hi"}'
	cx() { curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/backend-api/codex/responses" -H 'ChatGPT-Account-ID: acct-mock-1' -d "$body" "$@"; }
	id=$(refresh rt-a | cut -d' ' -f2- | jq -r .id_token)
	for bearer in sk-plain-key "$id" "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30.bW9jay1zaWduYXR1cmU"; do
		[ "$(cx -H "Authorization: Bearer $bearer")" = 401 ] || fail "$bearer: $(cat "$BATS_TEST_TMPDIR/b")"
	done
	[ "$(cx)" = 401 ]
	stop_mock
	start_mock MOCK_TOKEN_TTL=0
	expired=$(refresh rt-a | cut -d' ' -f2- | jq -r .access_token)
	[ "$(cx -H "Authorization: Bearer $expired")" = 401 ]
	run jq -c '[.error.type, .error.code, (.error.message | test("token expired"))]' "$BATS_TEST_TMPDIR/b"
	assert_output '["invalid_request_error","token_expired",true]'
}

@test "GitHub device flow: a device code, authorization_pending with --state, then a ghu_ token" {
	start_state_mock MOCK_DEVICE_PENDING=1 MOCK_DEVICE_INTERVAL=3
	run curl -sS "$URL/login/device/code" -H 'accept: application/json' -H 'content-type: application/json' -d '{"client_id":"Iv1.b507a08c87ecfe98","scope":"read:user"}'
	run jq -c '[(.device_code | test("^gdc-[0-9a-f]+$")), .user_code, .verification_uri, .expires_in, .interval]' <<<"$output"
	assert_output '[true,"GHUB-1234","https://github.com/login/device",900,3]'
	dc=$(curl -sS "$URL/login/device/code" -H 'accept: application/json' -d client_id=Iv1.b507a08c87ecfe98 | jq -r .device_code)
	poll() { curl -sS -w ' %{http_code}' "$URL/login/oauth/access_token" -H 'accept: application/json' -H 'content-type: application/json' \
		-d "{\"client_id\":\"Iv1.b507a08c87ecfe98\",\"device_code\":\"$1\",\"grant_type\":\"urn:ietf:params:oauth:grant-type:device_code\"}"; }
	run poll "$dc"
	assert_output --regexp '^\{"error":"authorization_pending".* 200$'
	run poll "$dc"
	[[ "$output" == *" 200" ]]
	run jq -c '[(.access_token | test("^ghu_mock[0-9a-f]+$")), .token_type, .scope]' <<<"${output% 200}"
	assert_output '[true,"bearer","read:user"]'
	run poll gdc-denied-1
	assert_output --regexp '^\{"error":"access_denied".* 200$'
	run poll not-a-device-code
	assert_output --regexp '^\{"error":"incorrect_device_code".* 200$'
	gh() { curl -sS "$URL/login/oauth/access_token" -H 'accept: application/json' "$@" | jq -r .error; }
	[ "$(gh -d device_code=gdc-1 -d grant_type=urn:ietf:params:oauth:grant-type:device_code)" = incorrect_client_credentials ]
	[ "$(gh -d client_id=c -d device_code=gdc-1 -d grant_type=refresh_token)" = unsupported_grant_type ]
	run curl -sS -w ' %{http_code}' "$URL/login/device/code" -H 'accept: application/json' -d scope=read:user
	assert_output --regexp '^\{"error":"incorrect_client_credentials".* 400$'
}

@test "GitHub answers a form to a client that does not accept JSON, as github.com does" {
	run curl -sS -D "$BATS_TEST_TMPDIR/h" "$URL/login/device/code" -d client_id=Iv1.b507a08c87ecfe98
	assert_output --regexp '^device_code=gdc-[0-9a-f]+&user_code=GHUB-1234&verification_uri=https%3A%2F%2Fgithub.com%2Flogin%2Fdevice&expires_in=900&interval=1$'
	grep -qi '^content-type: application/x-www-form-urlencoded' "$BATS_TEST_TMPDIR/h"
}

@test "copilot_internal/v2/token trades a ghu_ token for a Copilot token pointing back at the mock" {
	stop_mock
	start_mock MOCK_TOKEN_TTL=1000
	run curl -sS "$URL/copilot_internal/v2/token" -H 'Authorization: token ghu_abc'
	now=$(date +%s)
	run jq -c --argjson now "$now" --arg url "$URL" '[(.token | test("^tid=mock;exp=[0-9]+;sku=mock")),
		(.expires_at - $now | . >= 990 and . <= 1010), (.token | capture("exp=(?<e>[0-9]+)").e | tonumber) == .expires_at,
		.refresh_in, .endpoints.api == $url]' <<<"$output"
	assert_output '[true,true,true,700,true]'
	[ "$(curl -sS "$URL/copilot_internal/v2/token" -H 'Authorization: token gho_abc' | jq -r '.token | length > 0')" = true ]
	[ "$(curl -sS "$URL/copilot_internal/v2/token" -H 'Authorization: Bearer ghu_abc' | jq -r '.token | length > 0')" = true ]
	# two tokens differ
	[ "$(curl -sS "$URL/copilot_internal/v2/token" -H 'Authorization: token ghu_abc' | jq -r .token)" != \
	  "$(curl -sS "$URL/copilot_internal/v2/token" -H 'Authorization: token ghu_abc' | jq -r .token)" ]
	for auth in 'token sk-abc' 'token ghu_' ''; do
		run curl -sS -w ' %{http_code}' "$URL/copilot_internal/v2/token" ${auth:+-H "Authorization: $auth"}
		assert_output --partial '"message":"Bad credentials"'
		assert_output --partial ' 401'
	done
	stop_mock
	start_mock MOCK_TOKEN_TTL=100
	run curl -sS "$URL/copilot_internal/v2/token" -H 'Authorization: token ghu_abc'
	run jq .refresh_in <<<"$output"
	assert_output 0
}

@test "Copilot chat/completions wants a live Copilot token and copilot-integration-id" {
	token=$(curl -sS "$URL/copilot_internal/v2/token" -H 'Authorization: token ghu_abc' | jq -r .token)
	chat() { curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$URL/chat/completions" -d '{"model":"gpt-4o","messages":[]}' "$@"; }
	[ "$(chat -H "Authorization: Bearer $token" -H 'copilot-integration-id: vscode-chat')" = 200 ]
	run jq -r '.choices[0].message.content' "$BATS_TEST_TMPDIR/b"
	assert_output "Hello from mock-upstream (openai, gpt-4o)"
	[ "$(chat -H "Authorization: Bearer $token")" = 400 ]
	run jq -r .error.message "$BATS_TEST_TMPDIR/b"
	assert_output --partial copilot-integration-id
	past=$(($(date +%s) - 5))
	for bearer in "tid=mock;exp=$past;sku=mock" ghu_abc sk-key; do
		[ "$(chat -H "Authorization: Bearer $bearer" -H 'copilot-integration-id: vscode-chat')" = 401 ] || fail "$bearer"
		run jq -r .error.code "$BATS_TEST_TMPDIR/b"
		assert_output token_expired
	done
	# /v1/chat/completions keeps the plain key rules
	[ "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions" -H 'Authorization: Bearer sk-key' -d '{"model":"m"}')" = 200 ]
}

@test "copilot_internal/user gives the premium quota snapshot, resetting on the first of next month" {
	run curl -sS "$URL/copilot_internal/user" -H 'Authorization: token ghu_abc'
	next=$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%Y-%m-01)
	run jq -c '[.quota_reset_date, (.quota_snapshots.premium_interactions | .entitlement, .remaining, .percent_remaining, .unlimited)]' <<<"$output"
	assert_output "[\"$next\",300,135,45,false]"
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/copilot_internal/user" -H 'Authorization: token nope'
	assert_output 401
}

@test "OAuth requests are logged as format oauth with secrets cut to their tails, never whole" {
	code=$(code_for "$VERIFIER")
	out=$(exchange "$code" "$VERIFIER")
	rt=$(jq -r .refresh_token <<<"$out")
	refresh "$rt" >"$BATS_TEST_TMPDIR/r"
	gh=$(curl -sS "$URL/login/oauth/access_token" -H 'accept: application/json' -d client_id=c -d device_code=gdc-secret-42 -d grant_type=urn:ietf:params:oauth:grant-type:device_code | jq -r .access_token)
	ct=$(curl -sS "$URL/copilot_internal/v2/token" -H "Authorization: token $gh" | jq -r .token)
	log=$BATS_TEST_TMPDIR/log
	run jq -c 'select(.path == "/oauth/token") | [.format, .key_tail, .body.grant_type, .body.code // .body.refresh_token, .body.code_verifier]' "$log"
	assert_line --index 0 "[\"oauth\",\"${code: -4}\",\"authorization_code\",\"${code: -4}\",\"${VERIFIER: -4}\"]"
	assert_line --index 1 "[\"oauth\",\"${rt: -4}\",\"refresh_token\",\"${rt: -4}\",null]"
	run jq -r 'select(.path == "/copilot_internal/v2/token") | .key_tail' "$log"
	assert_output "${gh: -4}"
	for secret in "$code" "$VERIFIER" "$rt" gdc-secret-42 "$gh" "$ct" \
		"$(jq -r .access_token <<<"$out")" "$(jq -r .id_token <<<"$out")" "$(cut -d' ' -f2- "$BATS_TEST_TMPDIR/r" | jq -r .refresh_token)"; do
		! grep -qF -- "$secret" "$log" || fail "the log holds $secret"
	done
	# harmless fields stay whole
	run jq -r 'select(.path == "/oauth/authorize") | .body.redirect_uri' "$log"
	assert_output "http://localhost:1455/auth/callback"
}

@test "the subscriptions' headers are logged; OAuth paths answer 405 to another method" {
	token=$(curl -sS "$URL/copilot_internal/v2/token" -H 'Authorization: token ghu_abc' | jq -r .token)
	curl -sS -o /dev/null "$URL/chat/completions" -H "Authorization: Bearer $token" -H 'copilot-integration-id: vscode-chat' \
		-H 'editor-version: vscode/1.110.0' -H 'x-initiator: agent' -d '{"model":"m"}'
	run jq -c 'select(.path == "/chat/completions") | [.format, .headers["copilot-integration-id"], .headers["editor-version"], .headers["x-initiator"]]' "$BATS_TEST_TMPDIR/log"
	assert_output '["openai","vscode-chat","vscode/1.110.0","agent"]'
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/oauth/token"
	assert_output 405
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/copilot_internal/user" -H 'Authorization: token ghu_a' -d x
	assert_output 405
}

@test "--state wants a writable directory" {
	run "$MOCK" --listen 127.0.0.1:0 --state "$BATS_TEST_TMPDIR/none"
	[ "$status" -eq 100 ]
	assert_output --partial "--state"
}
