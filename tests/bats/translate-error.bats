#!/usr/bin/env bats
# nr-translate --error STATUS: an upstream error in one format becomes a
# proper error in another, with the status that format uses (PROTOCOLS.md §6).

load helper

# err STATUS FROM TO < body: the body on stdout, "status: N" on stderr
err() {
	nr-translate --error "$1" --from "$2" --to "$3" 2>"$BATS_TEST_TMPDIR/status"
}
status_sent() {
	sed -n 's/^status: //p' "$BATS_TEST_TMPDIR/status"
}

ANTH_OVERLOADED='{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}'
OPENAI_RATE='{"error":{"message":"Rate limit reached. Please try again in 20s.","type":"requests","param":null,"code":"rate_limit_exceeded"}}'
GEMINI_BAD='{"error":{"code":400,"message":"Invalid JSON payload","status":"INVALID_ARGUMENT"}}'

@test "anthropic 529 overloaded becomes 503 for openai and gemini clients" {
	run err 529 anthropic openai <<<"$ANTH_OVERLOADED"
	assert_success
	[ "$(status_sent)" = 503 ]
	[ "$(jq -c '.error | [.message, .type]' <<<"$output")" = '["Overloaded","server_error"]' ]
	run err 529 anthropic gemini <<<"$ANTH_OVERLOADED"
	[ "$(status_sent)" = 503 ]
	[ "$(jq -c '.error' <<<"$output")" = '{"code":503,"message":"Overloaded","status":"UNAVAILABLE"}' ]
}

@test "gemini 503 UNAVAILABLE becomes anthropic 529 overloaded_error" {
	run err 503 gemini anthropic <<<'{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}'
	[ "$(status_sent)" = 529 ]
	[ "$output" = '{"type":"error","error":{"type":"overloaded_error","message":"The model is overloaded."}}' ]
}

@test "a 429 rate limit stays a 429 in every format with its message" {
	run err 429 openai anthropic <<<"$OPENAI_RATE"
	[ "$(status_sent)" = 429 ]
	[ "$(jq -c '.error.type' <<<"$output")" = '"rate_limit_error"' ]
	[[ $(jq -r .error.message <<<"$output") == *"try again in 20s"* ]]
	run err 429 openai gemini <<<"$OPENAI_RATE"
	[ "$(jq -r .error.status <<<"$output")" = RESOURCE_EXHAUSTED ]
	run err 429 gemini responses <<<'[{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}]'
	[ "$(status_sent)" = 429 ]
	[ "$(jq -c '.error | [.message, .code]' <<<"$output")" = '["Quota exceeded","rate_limit_exceeded"]' ]
}

@test "400, 401, 403, 404 and 500 map to each format's own type" {
	for s in 400 401 403 404 500; do
		a=$(err $s gemini anthropic <<<'{"error":{"message":"m"}}' | jq -r .error.type)
		g=$(err $s anthropic gemini <<<'{"type":"error","error":{"type":"x","message":"m"}}' | jq -r .error.status)
		o=$(err $s anthropic openai <<<'{"type":"error","error":{"type":"x","message":"m"}}' | jq -c '[.error.type, .error.code]')
		echo "$s $a $g $o" >>"$BATS_TEST_TMPDIR/got"
	done
	run cat "$BATS_TEST_TMPDIR/got"
	assert_line '400 invalid_request_error INVALID_ARGUMENT ["invalid_request_error",null]'
	assert_line '401 authentication_error UNAUTHENTICATED ["invalid_request_error","invalid_api_key"]'
	assert_line '403 permission_error PERMISSION_DENIED ["permission_error",null]'
	assert_line '404 not_found_error NOT_FOUND ["invalid_request_error","not_found"]'
	assert_line '500 api_error INTERNAL ["server_error",null]'
}

@test "gemini INVALID_ARGUMENT becomes an anthropic invalid_request_error with status 400" {
	run err 400 gemini anthropic <<<"$GEMINI_BAD"
	[ "$(status_sent)" = 400 ]
	[ "$output" = '{"type":"error","error":{"type":"invalid_request_error","message":"Invalid JSON payload"}}' ]
}

@test "an openai error code such as context_length_exceeded survives to responses and is explained to anthropic" {
	body='{"error":{"message":"This model maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}'
	run err 400 openai responses <<<"$body"
	[ "$(jq -r .error.code <<<"$output")" = context_length_exceeded ]
	run err 400 gemini openai <<<'{"error":{"code":400,"message":"too long","status":"INVALID_ARGUMENT"}}'
	[ "$(jq -c .error <<<"$output")" = '{"message":"too long","type":"invalid_request_error","param":null,"code":null}' ]
	run err 400 openai anthropic <<<"$body"
	[ "$(jq -c .error <<<"$output")" = '{"type":"invalid_request_error","message":"This model maximum context length is 128000 tokens."}' ]
}

@test "exhausted credit is a billing error, not a retryable rate limit" {
	run err 429 openai anthropic <<<'{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}'
	[ "$(status_sent)" = 402 ]
	[ "$(jq -r .error.type <<<"$output")" = billing_error ]
}

@test "a precise error name wins over a generic status" {
	run err 500 anthropic openai <<<"$ANTH_OVERLOADED"
	[ "$(status_sent)" = 503 ]
	run err 400 gemini anthropic <<<'{"error":{"code":400,"message":"API key not valid","status":"UNAUTHENTICATED"}}'
	[ "$(status_sent)" = 401 ]
	[ "$(jq -r .error.type <<<"$output")" = authentication_error ]
}

@test "a non-JSON upstream body becomes a well-formed error carrying its text" {
	run err 502 openai anthropic <<<'<html><body>502 Bad Gateway</body></html>'
	assert_success
	[ "$(status_sent)" = 502 ]
	[ "$(jq -r .error.type <<<"$output")" = api_error ]
	[[ $(jq -r .error.message <<<"$output") == *"502 Bad Gateway"* ]]
	run err 504 anthropic gemini </dev/null
	[ "$(jq -c .error <<<"$output")" = '{"code":504,"message":"upstream error (HTTP 504)","status":"DEADLINE_EXCEEDED"}' ]
}

@test "a long text body is cut to a bounded message without splitting UTF-8" {
	head -c 30000 /dev/zero | tr '\0' 'x' | sed 's/x/é/g' >"$BATS_TEST_TMPDIR/long"
	run err 500 gemini openai <"$BATS_TEST_TMPDIR/long"
	assert_success
	n=$(jq -r .error.message <<<"$output" | wc -c)
	[ "$n" -lt 1200 ] || fail "message of $n bytes"
	jq -r .error.message <<<"$output" | iconv -f UTF-8 -t UTF-8 >/dev/null
}

@test "between the same format, or openai and responses, the body is forwarded verbatim" {
	run err 529 anthropic anthropic <<<"$ANTH_OVERLOADED"
	[ "$(status_sent)" = 529 ]
	[ "$(jq -S . <<<"$output")" = "$(jq -S . <<<"$ANTH_OVERLOADED")" ]
	run err 429 openai responses <<<"$OPENAI_RATE"
	[ "$(jq -S . <<<"$output")" = "$(jq -S . <<<"$OPENAI_RATE")" ]
	run err 400 gemini gemini <<<"$GEMINI_BAD"
	[ "$(jq -S . <<<"$output")" = "$(jq -S . <<<"$GEMINI_BAD")" ]
}

@test "error bodies have each format's documented shape" {
	run err 429 openai anthropic <<<"$OPENAI_RATE"
	jq -e '.type == "error" and (.error | keys == ["message","type"])' <<<"$output"
	run err 429 anthropic openai <<<"$ANTH_OVERLOADED"
	jq -e '.error | keys == ["code","message","param","type"]' <<<"$output"
	run err 429 anthropic gemini <<<"$ANTH_OVERLOADED"
	jq -e '.error | keys == ["code","message","status"] and (.code | type) == "number"' <<<"$output"
}
