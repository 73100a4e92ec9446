#!/usr/bin/env bats
# nr-serve end to end: a client's HTTP request through rtk-filter and
# nr-route to the project's mock upstream on 127.0.0.1, and back.

load route-helper

setup() {
	route_setup
	provider mo openai "models=gpt-mock tool"
	provider ma anthropic "models=claude-mock"
	provider mg gemini
	serve_start
}

teardown() {
	route_teardown
}

@test "an OpenAI chat completion goes through to the provider and back" {
	run post /v1/chat/completions "$(body openai mo/gpt-mock)"
	assert_success
	echo "$output" | jq -e '.choices[0].message.content | test("Hello from mock-upstream")' >/dev/null
	usage_rows 1	# written just after the answer
	[ "$(db "select client_key || ' ' || provider || ' ' || status from usage")" = "tester mo 200" ]
}

@test "a base URL without /v1 works too" {
	run post /chat/completions "$(body openai mo/gpt-mock)"
	echo "$output" | jq -e '.choices[0].message.content' >/dev/null
}

@test "a streamed answer arrives as SSE with chunked encoding" {
	run post /v1/chat/completions "$(body openai mo/gpt-mock stream)" -i
	assert_output --partial 'Transfer-Encoding: chunked'
	assert_output --partial 'Content-Type: text/event-stream'
	assert_output --partial 'data: [DONE]'
}

@test "an Anthropic client is served by an OpenAI provider, streaming" {
	run post /v1/messages "$(body anthropic mo/gpt-mock stream)" -H 'anthropic-version: 2023-06-01'
	assert_output --partial 'event: message_start'
	assert_output --partial 'event: message_stop'
	assert_output --partial '"text":" (openai,"'
}

@test "a Gemini client with ?key= reaches a Gemini provider" {
	run curl -sS --max-time 20 -H 'content-type: application/json' --data-binary "$(body gemini x)" \
		"$URL/v1beta/models/mg/gemini-mock:generateContent?key=$KEY"
	echo "$output" | jq -e '.candidates[0].content.parts[0].text | test("Hello")' >/dev/null
}

@test "a Gemini client can stream from an Anthropic provider" {
	run curl -sS --max-time 20 -H "x-goog-api-key: $KEY" -H 'content-type: application/json' \
		--data-binary "$(body gemini x)" "$URL/v1beta/models/ma/claude-mock:streamGenerateContent?alt=sse"
	assert_output --partial '"text":" (anthropic,"'
	assert_output --partial '"finishReason":"STOP"'
}

@test "a Gemini client's model in the path is percent-decoded: mg%2Fgemini-mock reaches mg" {
	# Google's SDKs encode a '/' in the model name
	run curl -sS --max-time 20 -H "x-goog-api-key: $KEY" -H 'content-type: application/json' \
		--data-binary "$(body gemini x)" "$URL/v1beta/models/mg%2Fgemini-mock:streamGenerateContent?alt=sse"
	assert_output --partial '"finishReason":"STOP"'
	run curl -sS --max-time 20 -H "x-goog-api-key: $KEY" -H 'content-type: application/json' \
		--data-binary "$(body gemini x)" "$URL/v1beta/models/mg%2fgemini-mock:generateContent"
	echo "$output" | jq -e '.candidates[0].content.parts[0].text | test("Hello")' >/dev/null
	[ "$(jq -s -c 'map(.model)' "$MOCK_LOG")" = '["gemini-mock","gemini-mock"]' ]
}

@test "a Gemini model that decodes to a control character or to no known name is refused in Gemini's format" {
	for m in 'mg%2Fgemini%0Amock' 'mg%2Fgemini%0D%0AX-Injected:%201' 'mg%2Fgemini%7Fmock' '%ZZjunk%25'; do
		run curl -sS --max-time 20 -H "x-goog-api-key: $KEY" -H 'content-type: application/json' \
			-w '\n%{http_code}' --data-binary "$(body gemini x)" "$URL/v1beta/models/$m:generateContent"
		assert_line --index 1 --regexp '^4[0-9][0-9]$'
		echo "${lines[0]}" | jq -e '.error.status | type == "string"' >/dev/null
	done
	[ "$(mock_count)" -eq 0 ]
	run curl -sS --max-time 20 -H "x-goog-api-key: $KEY" "$URL/health"	# still serving
	assert_output '{"status":"ok"}'
}

@test "GET /v1/models lists provider models and combos in OpenAI's list format" {
	combo mycombo mo/gpt-mock
	run curl -sS -H "x-api-key: $KEY" "$URL/v1/models"
	echo "$output" | jq -e '.object == "list"' >/dev/null
	echo "$output" | jq -e '[.data[].id] | index("mo/gpt-mock") and index("ma/claude-mock") and index("mycombo")' >/dev/null
}

@test "the client's anthropic-beta headers reach an Anthropic provider as one list" {
	# Claude Code sends its betas (claude-code-…, context-management-…) with
	# body fields that need them; several header lines make one list
	run post /v1/messages "$(body anthropic ma/claude-mock)" -H 'anthropic-version: 2023-06-01' \
		-H 'anthropic-beta: claude-code-20250219,interleaved-thinking-2025-05-14' -H 'anthropic-beta: b3'
	echo "$output" | jq -e '.type == "message"' >/dev/null
	run jq -r '.headers["anthropic-beta"]' "$MOCK_LOG"
	assert_output 'claude-code-20250219,interleaved-thinking-2025-05-14,b3'
}

@test "anthropic-beta comes only from the request, never from nr-serve's own environment" {
	kill "$SERVER_PID"
	serve_start HTTP_ANTHROPIC_BETA=from-the-environment
	run post /v1/messages "$(body anthropic ma/claude-mock)" -H 'anthropic-version: 2023-06-01'
	echo "$output" | jq -e '.type == "message"' >/dev/null
	run jq -r '.headers["anthropic-beta"]' "$MOCK_LOG"
	assert_output null
}

@test "GET /v1/models/ID answers one model, its slash sent as %2F or as it is" {
	combo mycombo mo/gpt-mock
	run curl -sS -H "x-api-key: $KEY" "$URL/v1/models/mo%2Fgpt-mock"
	echo "$output" | jq -e '.id == "mo/gpt-mock" and .object == "model" and .type == "model"' >/dev/null
	run curl -sS -H "x-api-key: $KEY" "$URL/v1/models/mo/gpt-mock"
	echo "$output" | jq -e '.id == "mo/gpt-mock"' >/dev/null
	run curl -sS -H "x-api-key: $KEY" "$URL/models/mycombo"
	echo "$output" | jq -e '.id == "mycombo" and .owned_by == "nr-combo"' >/dev/null
}

@test "GET /v1/models/ID of an unknown model is a 404 in the client's format" {
	run curl -sS -w '\n%{http_code}' -H "x-api-key: $KEY" "$URL/v1/models/mo%2Fnope"
	assert_line --index 1 404
	echo "${lines[0]}" | jq -e '.error.type == "invalid_request_error"' >/dev/null
	run curl -sS -w '\n%{http_code}' -H "x-api-key: $KEY" -H 'anthropic-version: 2023-06-01' "$URL/v1/models/nope"
	assert_line --index 1 404
	echo "${lines[0]}" | jq -e '.type == "error" and .error.type == "not_found_error"' >/dev/null
}

@test "count_tokens answers an estimate without calling the upstream" {
	run post /v1/messages/count_tokens '{"model":"ma/claude-mock","messages":[{"role":"user","content":"0123456789abcdef"}]}'
	echo "$output" | jq -e '.input_tokens >= 4' >/dev/null
	[ "$(mock_count)" -eq 0 ]
}

@test "invalid JSON gets 400 in the client's format and reaches no upstream" {
	run post /v1/messages '{"model": nope' -w '\n%{http_code}'
	assert_line --index 1 400
	echo "${lines[0]}" | jq -e '.type == "error" and .error.type == "invalid_request_error"' >/dev/null
	[ "$(mock_count)" -eq 0 ]
	[ "$(db 'select count(*) from usage')" -eq 0 ]
}

@test "a revoked key is refused and nothing is recorded" {
	nr key revoke tester
	run post /v1/chat/completions "$(body openai mo/gpt-mock)" -w '\n%{http_code}'
	assert_line --index 1 401
	[ "$(db 'select count(*) from usage')" -eq 0 ]
	[ "$(mock_count)" -eq 0 ]
}

@test "a revoked key's name can be given to a new key; only the new key works" {
	old=$KEY
	run nr key add tester
	assert_failure	# a live key holds the name
	nr key revoke tester
	KEY=$(nr key add tester)
	[ -n "$KEY" ] && [ "$KEY" != "$old" ]
	run post /v1/chat/completions "$(body openai mo/gpt-mock)" -w '\n%{http_code}'
	assert_line --index 1 200
	KEY=$old run post /v1/chat/completions "$(body openai mo/gpt-mock)" -w '\n%{http_code}'
	assert_line --index 1 401
	[ "$(nr key list | grep -c '^tester')" -eq 1 ]
}

@test "tool results are compressed before the upstream sees them, and the saving is recorded" {
	log=$(for i in $(seq 1 400); do echo "INFO worker $i handled request in $((i % 7)) ms"; done | jq -Rs .)
	req='{"model":"mo/gpt-mock","messages":[{"role":"user","content":"run it"},
	  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"sh","arguments":"{}"}}]},
	  {"role":"tool","tool_call_id":"c1","content":'"$log"'}]}'
	run post /v1/chat/completions "$req"
	echo "$output" | jq -e '.choices[0].message.content' >/dev/null
	sent=$(jq -s '.[0].body.messages[2].content | length' "$MOCK_LOG")
	orig=$(echo "$log" | jq 'length')
	[ "$sent" -lt "$((orig / 2))" ] || fail "upstream got $sent of $orig bytes"
	usage_rows 1
	[ "$(db 'select rtk_saved_bytes > 0 from usage')" = 1 ]
}

@test "non-streaming answers keep the connection alive" {
	run curl -sS -v --max-time 20 -H "Authorization: Bearer $KEY" -d "$(body openai mo/gpt-mock)" \
		"$URL/v1/chat/completions" "$URL/v1/chat/completions"
	assert_output --partial 'Re-using existing connection'
	[ "$(mock_count)" -eq 2 ]
}

@test "when every target is rate-limited nr-serve's 429 carries the Retry-After" {
	provider lim anthropic
	run post /v1/messages "$(body anthropic lim/status-429-retry-7)" -i
	assert_line --index 0 --regexp '^HTTP/1.1 429'
	assert_line "Retry-After: 7"$'\r'
	echo "$output" | tail -n 1 | jq -e '.error.type == "rate_limit_error"' >/dev/null
}

@test "an Anthropic provider file without an anthropic-version line gets the client's, else 2023-06-01" {
	printf 'format=anthropic\nbase_url=http://127.0.0.1:%s/v1\nkeys=MOCK_KEY\n' "$MOCK_PORT" \
		>"$NR_CONFIG_DIR/providers/av"
	post /v1/messages "$(body anthropic av/claude-mock)" -H 'anthropic-version: 2023-01-01' >/dev/null
	post /v1/chat/completions "$(body openai av/claude-mock)" -H 'anthropic-version: 2023-01-01' >/dev/null
	post /v1/messages "$(body anthropic av/claude-mock)" >/dev/null
	run jq -s -c 'map(.headers["anthropic-version"])' "$MOCK_LOG"
	assert_output '["2023-01-01","2023-06-01","2023-06-01"]'
	post /v1/messages "$(body anthropic ma/claude-mock)" -H 'anthropic-version: 2023-01-01' >/dev/null
	run jq -r '.headers["anthropic-version"]' <(tail -n 1 "$MOCK_LOG")
	assert_output 2023-06-01	# the provider file's line wins
}

@test "when every target fails the client gets the error in its format" {
	provider bad openai
	run post /v1/messages "$(body anthropic bad/status-503)" -w '\n%{http_code}'
	assert_line --index 1 502
	echo "${lines[0]}" | jq -e '.type == "error"' >/dev/null
}

@test "a client that disconnects mid-stream stops the upstream call and the attempt is recorded" {
	# the stall outlasts the 1 s client and the 6 s wait for the usage row
	run curl -sS --max-time 1 -H "Authorization: Bearer $KEY" \
		-d "$(body openai mo/stall-8000 stream)" "$URL/v1/chat/completions"
	assert_failure
	for _ in $(seq 1 60); do
		[ "$(db 'select count(*) from usage' 2>/dev/null)" = 1 ] && break
		sleep 0.1
	done
	[ "$(db 'select count(*) from usage')" = 1 ]
	# stopped well before the stall would have ended, and recorded as such
	[ "$(db 'select outcome from usage')" = client_gone ]
	[ "$(db 'select latency_ms < 3500 from usage')" = 1 ]
}
