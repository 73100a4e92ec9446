#!/usr/bin/env bats
# Cross-format routes: the client's format on one side, the provider's on the
# other, through the nr-translate library. Skipped until the translations
# land (need_translate); same-format routes are covered by route-fallback.

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	route_setup
	need_translate
	provider oai openai
	provider ant anthropic
	provider gem gemini auth=x-goog-api-key
	provider rsp responses
}

teardown() {
	route_teardown
}

# The JSON of each SSE data line of the CGI body, one per line.
events() {
	echo "$output" | sed -n 's/^data: //p' | grep -v '^\[DONE\]$'
}

@test "an openai client streams from an anthropic upstream as chat completion chunks" {
	body openai ant/c1 stream >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_success
	[ "$(jq -r .path "$MOCK_LOG")" = /v1/messages ]
	[ "$(jq -r .body.model "$MOCK_LOG")" = c1 ]
	events | jq -e -s 'all(.object == "chat.completion.chunk")'
	[ "$(events | jq -r -j '.choices[0].delta.content // empty')" = "Hello from mock-upstream (anthropic, c1)" ]
	assert_output --partial 'data: [DONE]'
}

@test "an anthropic client gets a whole Messages answer from an openai upstream" {
	body anthropic oai/m1 >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from anthropic <"$BATS_TEST_TMPDIR/req"
	assert_success
	[ "$(jq -r .path "$MOCK_LOG")" = /v1/chat/completions ]
	echo "$output" | tail -n 1 | jq -e '.type == "message" and .content[0].text == "Hello from mock-upstream (openai, m1)"'
}

@test "a gemini client streams from a responses upstream" {
	body gemini x >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from gemini --model rsp/r1 --stream <"$BATS_TEST_TMPDIR/req"
	assert_success
	[ "$(jq -r .path "$MOCK_LOG")" = /v1/responses ]
	[ "$(jq -r .body.stream "$MOCK_LOG")" = true ]
	[ "$(events | jq -r -j '.candidates[0].content.parts[0].text // empty')" = "Hello from mock-upstream (responses, r1)" ]
}

@test "a responses client falls back from a failing gemini target to an anthropic one" {
	combo c gem/status-503 ant/c2
	body responses c stream >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from responses <"$BATS_TEST_TMPDIR/req"
	assert_success
	assert_output --partial 'event: response.completed'
	run db "select provider || ' ' || outcome from usage order by id"
	assert_output $'gem fallback\nant ok'
}

@test "an upstream's 400 reaches an openai client as an openai error" {
	body openai ant/status-400 >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_success
	assert_line --index 0 "Status: 400"$'\r'
	echo "$output" | tail -n 1 | jq -e '.error.type == "invalid_request_error"'
}

@test "usage tokens and cost are recorded for a translated stream" {
	provider ant anthropic 'price=3 15'
	body openai ant/c1 stream >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_success
	run db "select input_tokens > 0 and output_tokens > 0 and cost > 0 from usage"
	assert_output 1
}
