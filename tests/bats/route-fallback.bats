#!/usr/bin/env bats
# nr-route's fallback rules against the mock upstream: which failures move on
# to the next target, which reach the client as they are, and what the client
# gets when every target fails.

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	route_setup
	provider mock openai
	provider mock2 openai
}

teardown() {
	route_teardown
}

# route FMT MODEL [stream]: runs nr-route on a request in FMT for MODEL.
route() {
	body "$1" "$2" "${3:-}" >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from "$1" <"$BATS_TEST_TMPDIR/req"
}

@test "a same-format stream passes through as a CGI response with the provider prefix stripped" {
	route openai mock/m1 stream
	assert_success
	assert_line --index 0 "Status: 200"$'\r'
	assert_line --index 1 "Content-Type: text/event-stream"$'\r'
	assert_output --partial '"content":" mock-upstream"'
	assert_output --partial 'data: [DONE]'
	[ "$(jq -r .model "$MOCK_LOG")" = m1 ]
	[ "$(jq -r .stream "$MOCK_LOG")" = true ]
}

@test "a same-format anthropic request reaches the upstream with cache_control and unknown fields intact" {
	provider ant anthropic
	printf '%s' '{"model":"ant/c1","max_tokens":50,"x_custom":{"k":[1,2]},"system":[{"type":"text","text":"S","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}]}' >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from anthropic <"$BATS_TEST_TMPDIR/req"
	assert_success
	assert_line --index 0 "Status: 200"$'\r'
	[ "$(jq -c .body.x_custom "$MOCK_LOG")" = '{"k":[1,2]}' ]
	[ "$(jq -c .body.system[0].cache_control "$MOCK_LOG")" = '{"type":"ephemeral"}' ]
	[ "$(jq -r .headers[\"anthropic-version\"] "$MOCK_LOG")" = 2023-06-01 ]
	[ "$(jq -r .path "$MOCK_LOG")" = /v1/messages ]
}

@test "a non-streaming answer comes back whole as application/json" {
	route openai mock/m1
	assert_success
	assert_line --index 1 "Content-Type: application/json"$'\r'
	echo "$output" | tail -n 1 | jq -e '.choices[0].message.content == "Hello from mock-upstream (openai, m1)"'
}

@test "a gemini client's model comes from --model and the stream from --stream" {
	provider gem gemini auth=x-goog-api-key
	body gemini x >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from gemini --model gem/gemini-x --stream <"$BATS_TEST_TMPDIR/req"
	assert_success
	assert_line --index 1 "Content-Type: text/event-stream"$'\r'
	[ "$(jq -r .path "$MOCK_LOG")" = "/v1beta/models/gemini-x:streamGenerateContent" ] ||
		[ "$(jq -r .path "$MOCK_LOG")" = "/v1beta/models/gemini-x:streamGenerateContent?alt=sse" ]
	[ "$(jq -r .key_tail "$MOCK_LOG")" = 0001 ]
}

@test "connection refused falls back to the next target" {
	printf 'format=openai\nbase_url=http://127.0.0.1:1/v1\nkeys=MOCK_KEY\n' >"$NR_CONFIG_DIR/providers/dead"
	combo c dead/m1 mock/m2
	route openai c
	assert_success
	assert_output --partial 'mock-upstream (openai, m2)'
	[ "$(mock_count)" = 1 ]
}

@test "a connect that hangs past the connect timeout falls back to the next target" {
	: >"$BATS_TEST_TMPDIR/hung.port"
	"$MOCK" --listen 127.0.0.1:0 --no-accept >"$BATS_TEST_TMPDIR/hung.port" 3>&- &
	hung=$!
	port_file port "$BATS_TEST_TMPDIR/hung.port"
	[ -n "$port" ] || fail "the hung mock did not start"
	exec 5<>"/dev/tcp/127.0.0.1/$port"	# fills its queue: the next SYN goes unanswered
	printf 'format=openai\nbase_url=http://127.0.0.1:%s/v1\nkeys=MOCK_KEY\nconnect_timeout_ms=300\n' "$port" \
		>"$NR_CONFIG_DIR/providers/hung"
	combo c hung/m1 mock/m2
	route openai c
	exec 5<&-
	kill "$hung"
	assert_success
	assert_output --partial 'mock-upstream (openai, m2)'
	# the provider's connect_timeout_ms, not the 10 s default
	[ "$(db "select reason from usage where provider = 'hung'")" = "no connection within 300 ms" ]
	[ "$(db "select latency_ms < 5000 from usage where provider = 'hung'")" = 1 ]
}

@test "an upstream silent past the idle timeout falls back to the next target" {
	provider slowp openai idle_timeout_ms=300
	combo c slowp/slow-8000 mock/m2
	route openai c
	assert_success
	assert_output --partial 'mock-upstream (openai, m2)'
	run db "select reason from usage where position = 0"
	assert_output 'no data for 300 ms'
}

@test "HTTP 429 falls back to the next target" {
	combo c mock/status-429 mock2/m2
	route openai c
	assert_success
	assert_output --partial 'mock-upstream (openai, m2)'
}

@test "HTTP 500, 503, 529 and 408 each fall back to the next target" {
	for s in 500 503 529 408; do
		combo c "mock/status-$s" mock2/m2
		route openai c
		assert_success
		assert_output --partial 'mock-upstream (openai, m2)'
	done
	[ "$(mock_count)" = 8 ]
}

@test "a quota-exhausted error falls back even when sent as 400 (anthropic) or 429 (openai)" {
	provider ant anthropic quota_cooldown_s=2
	provider ant2 anthropic
	combo c ant/quota ant2/c2
	route anthropic c
	assert_success
	assert_output --partial 'mock-upstream (anthropic, c2)'
	run db "select status || ' ' || reason from usage where position = 0"
	assert_output '400 HTTP 400 quota exhausted, account cooling down 2 s'
	combo d mock/quota mock2/m3
	route openai d
	assert_success
	assert_output --partial 'mock-upstream (openai, m3)'
	run db "select scope from cooldowns order by scope"
	assert_output $'account ant MOCK_KEY\naccount mock MOCK_KEY'
}

@test "a 400 invalid request reaches the client as is and no other target is tried" {
	combo c mock/status-400 mock2/m2
	route openai c
	assert_success
	assert_line --index 0 "Status: 400"$'\r'
	assert_output --partial 'invalid_request_error'
	[ "$(mock_count)" = 1 ]
}

@test "a 403 permission error (not quota) reaches the client and no other target is tried" {
	combo c mock/status-403 mock2/m2
	route openai c
	assert_success
	assert_line --index 0 "Status: 403"$'\r'
	[ "$(mock_count)" = 1 ]
}

@test "a rejected key cools its account down and the provider's next account is tried" {
	export MOCK_KEY=bad-key-0001 MOCK_KEY_2=sk-good-0002
	provider mock openai rotation=fill-first
	route openai mock/m1
	assert_success
	assert_output --partial 'mock-upstream (openai, m1)'
	run jq -r .key_tail "$MOCK_LOG"
	assert_output $'0001\n0002'
	run db "select scope from cooldowns"
	assert_output "account mock MOCK_KEY"
	# the cooled account is skipped next time: only the good key is used
	route openai mock/m1
	assert_success
	[ "$(jq -r .key_tail "$MOCK_LOG" | tail -n 1)" = 0002 ]
	[ "$(mock_count)" = 3 ]
}

@test "a connection closed before the first byte falls back to the next target" {
	combo c mock/cutearly mock2/m2
	route openai c stream
	assert_success
	assert_output --partial '"content":" m2)"'
	refute_output --partial 'cutearly)'
}

@test "a 200 answer with invalid JSON falls back to the next target" {
	combo c mock/badjson mock2/m2
	route openai c
	assert_success
	assert_output --partial 'mock-upstream (openai, m2)'
}

@test "a stream cut after bytes reached the client is not retried" {
	combo c mock/cut mock2/m2
	route openai c stream
	assert_success
	assert_line --index 0 "Status: 200"$'\r'
	refute_output --partial 'm2)'
	[ "$(mock_count)" = 1 ]
	run db "select outcome from usage"
	assert_output cut
}

@test "a stream cut after bytes reached the client ends with a well-formed error event" {
	need_translate
	combo c mock/cut mock2/m2
	route openai c stream
	assert_success
	echo "$output" | grep '^data: ' | tail -n 1 | sed 's/^data: //' | jq -e '.error.message'
}

@test "a stream that stalls past the idle timeout is ended, not retried" {
	provider mock openai idle_timeout_ms=300
	combo c mock/stall-8000 mock2/m2
	route openai c stream
	assert_success
	[ "$(mock_count)" = 1 ]
	run db "select outcome || ': ' || reason from usage"
	assert_output --partial 'cut: the upstream stopped mid-stream: idle timeout'
}

@test "when every target fails the client gets an error naming each target, and exit 1" {
	printf 'format=openai\nbase_url=http://127.0.0.1:1/v1\nkeys=MOCK_KEY\n' >"$NR_CONFIG_DIR/providers/dead"
	combo c mock/status-500 dead/m9 mock2/status-529
	route openai c
	assert_failure 1
	assert_line --index 0 "Status: 502"$'\r'
	assert_output --partial 'mock/status-500 (MOCK_KEY): HTTP 500'
	assert_output --partial 'dead/m9 (MOCK_KEY): unable to reach dead'
	assert_output --partial 'mock2/status-529 (MOCK_KEY): HTTP 529'
	echo "$output" | tail -n 1 | jq -e .error.message
}

@test "the all-failed error is in the client's own format (anthropic)" {
	need_translate
	combo c mock/status-500
	route anthropic c
	assert_failure 1
	echo "$output" | tail -n 1 | jq -e '.type == "error" and (.error.message | test("mock/status-500"))'
}

@test "only rate limits and cooldowns give the client a 429" {
	combo c mock/status-429-retry-5 mock2/status-429-retry-5
	route openai c
	assert_failure 1
	assert_line --index 0 "Status: 429"$'\r'
}

@test "that 429 says Retry-After: the earliest whole second at which a target frees up" {
	combo c mock/status-429-retry-30 mock2/status-429-retry-5
	route openai c
	assert_failure 1
	assert_line "Retry-After: 5"$'\r'
	route openai c	# both cooling down now: 30 and at most 5 s left
	assert_failure 1
	assert_line --regexp $'^Retry-After: [1-5]\r$'	# a loaded machine may take seconds between them
	[ "$(mock_count)" = 2 ]
	combo d mock/status-429-ratelimit	# no Retry-After, only the reset headers (60 s)
	route openai d
	assert_line --regexp $'^Retry-After: (59|60)\r$'
}

@test "a 502 after other failures says no Retry-After" {
	combo c mock/status-429-retry-5 mock2/status-500
	route openai c
	assert_line --index 0 "Status: 502"$'\r'
	refute_line --regexp '^Retry-After'
}

@test "a target without a key set is skipped with the reason" {
	provider nokey openai keys=NO_SUCH_KEY_VAR
	combo c nokey/m1 mock/m2
	route openai c
	assert_success
	assert_output --partial 'mock-upstream (openai, m2)'
	combo d nokey/m1
	route openai d
	assert_failure 1
	assert_output --partial 'no key: set NO_SUCH_KEY_VAR'
}

@test "a request no target's format can carry gets 400 invalid_request, not 502" {
	need_translate
	provider ant anthropic
	combo c ant/c1 ant/c2
	printf '%s' '{"model":"c","messages":[{"role":"tool","content":"x"}]}' >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_failure 1
	assert_line --index 0 "Status: 400"$'\r'
	echo "$output" | tail -n 1 | jq -e '.error.type == "invalid_request_error"'
	[ "$(mock_count)" = 0 ]
}

@test "a request refused by one target and failing upstream at another still gets 502" {
	need_translate
	provider ant anthropic
	combo c ant/c1 mock/status-500
	printf '%s' '{"model":"c","messages":[{"role":"tool","content":"x"}]}' >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_failure 1
	assert_line --index 0 "Status: 502"$'\r'
}
