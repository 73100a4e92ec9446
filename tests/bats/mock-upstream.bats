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
	# 3>&-: bats waits for whoever holds its fd 3
	env "$@" "$MOCK" --listen 127.0.0.1:0 --log "$BATS_TEST_TMPDIR/log" \
		>"$BATS_TEST_TMPDIR/port" 2>"$BATS_TEST_TMPDIR/mock.err" 3>&- &
	MOCK_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$BATS_TEST_TMPDIR/port" ] && break
		sleep 0.05
	done
	URL=http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")
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
	! grep -q '"usage"' "$BATS_TEST_TMPDIR/s"
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
	# NR_STREAMS_TOOL: a copy of ../shared/streams with `npm install` done in it
	tool=${NR_STREAMS_TOOL:-$SHARED/streams}/accumulate.mjs
	[ -d "${tool%/*}/node_modules" ] || skip "needs NR_STREAMS_TOOL with node_modules (tests/mock/README.md)"
	command -v node >/dev/null || skip "needs node"
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
	! grep -q "$KEY" "$BATS_TEST_TMPDIR/log"
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
