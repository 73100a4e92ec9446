#!/usr/bin/env bats
# auth=passthrough: a client that brings its own credential (Claude Code
# logged in with a Claude subscription sends its OAuth token as
# Authorization: Bearer, and nr's key in X-NR-Key from
# ANTHROPIC_CUSTOM_HEADERS) has it sent on unchanged, with its anthropic-beta
# list; only its quota running out moves the combo on (SUBSCRIPTIONS.md 8.2).
# Real nr-serve, mock upstream on 127.0.0.1, SQLite file.

bats_require_minimum_version 1.5.0
load route-helper

OAT=sk-ant-oat01-test-token-9999

setup() {
	route_setup
	provider sub anthropic "auth=passthrough"
	sed -i '/^keys=/d' "$NR_CONFIG_DIR/providers/sub"
	provider mz openai	# the cheap tier
	serve_start
}

teardown() {
	route_teardown
}

# claude_like MODEL [HEADER...]: a Messages request as Claude Code sends it
# with a subscription login, nr's key in X-NR-Key; status, then the body.
claude_like() {
	local model=$1
	shift
	curl -sS --max-time 20 -H "Authorization: Bearer $OAT" -H "X-NR-Key: $KEY" \
		-H 'anthropic-version: 2023-06-01' -H 'anthropic-beta: oauth-2025-04-20,claude-code-20250219' \
		-H 'content-type: application/json' "$@" --data-binary "$(body anthropic "$model")" \
		-w '\n%{http_code}' "$URL/v1/messages"
}

@test "the client's own token and beta list reach the upstream unchanged; nr's key and X-NR-Key do not" {
	run claude_like sub/claude-mock
	assert_line --index 1 200
	line=$(tail -1 "$MOCK_LOG")
	jq -e '.key_tail == "9999" and .headers["anthropic-beta"] == "oauth-2025-04-20,claude-code-20250219"
		and (.header_names | index("x-nr-key") == null)' <<<"$line"
	# the account is the token's own, named by a hash: the token is nowhere
	db_wait "select count(*) from usage" 1
	run db "select account from usage"
	assert_output --regexp '^client-[0-9a-f]{8}$'
	! grep -rq 'sk-ant-oat01' "$BATS_TEST_TMPDIR/serve.err" "$MOCK_LOG" || fail "found: the check above must find nothing"
	[ -z "$(db "select 1 from usage where account || coalesce(reason, '') like '%oat01%'")" ]
}

@test "without a credential of its own, a pass-through provider is skipped for the next target" {
	combo tiers sub/claude-mock mz/cheap
	# nr's key in Authorization: the client brought nothing else
	run post /v1/messages "$(body anthropic tiers)" -H 'anthropic-version: 2023-06-01'
	assert_success
	[ "$(jq -r .model <<<"$output")" = cheap ]
	[ "$(mock_count claude-mock)" = 0 ]
	run post /v1/messages "$(body anthropic sub/claude-mock)" -H 'anthropic-version: 2023-06-01'
	assert_output --partial "auth=passthrough needs the client's own credential"
}

@test "the subscription's window used up: the combo falls through, and the next request skips it until the reset" {
	combo tiers sub/claude-status-429-window-100 mz/cheap
	run claude_like tiers
	assert_line --index 1 200
	[ "$(jq -r .model <<<"${lines[0]}")" = cheap ]
	[ "$(mock_count claude-status-429-window-100)" = 1 ]
	run claude_like tiers
	assert_line --index 1 200
	[ "$(mock_count claude-status-429-window-100)" = 1 ]	# not asked again
	[ "$(mock_count cheap)" = 2 ]
	run nr quota --json
	jq -e '.windows | map(select(.window == "5h"))[0] | .exhausted and (.account | test("^client-"))' <<<"$output"
}

@test "any other upstream error on a client's own credential is the client's, unmodified: no fallback" {
	combo tiers sub/claude-mock mz/cheap
	OAT=bad-expired-token-0001	# the mock answers 401 to a key starting with bad
	run claude_like tiers
	assert_line --index 1 401
	jq -e '.type == "error" and .error.type == "authentication_error"' <<<"${lines[0]}"
	[ "$(mock_count cheap)" = 0 ]
}

@test "nr account refuses a pass-through provider, and nr status says what it takes" {
	run bash -c 'echo sk-x | nr account add sub work'
	assert_failure 100
	assert_output --partial "takes each client's own credential"
	run nr status
	assert_line --regexp "^  sub +pass-through: each client's own credential \(nr's key in X-NR-Key\)$"
	run nr status --json
	jq -e '.providers[] | select(.name == "sub") | .state == "passthrough"' <<<"$output"
}

@test "Codex logged in with ChatGPT: its token and ChatGPT-Account-ID pass through to a responses provider" {
	provider cx responses "auth=passthrough"
	sed -i '/^keys=/d' "$NR_CONFIG_DIR/providers/cx"
	run curl -sS --max-time 20 -H 'Authorization: Bearer eyJhbGciOi.chatgpt-jwt.5555' -H 'ChatGPT-Account-ID: acct-1234' \
		-H "X-NR-Key: $KEY" -H 'content-type: application/json' --data-binary "$(body responses cx/gpt-codex)" \
		-w '\n%{http_code}' "$URL/v1/responses"
	assert_line --index 1 200
	jq -e '.key_tail == "5555" and (.header_names | index("chatgpt-account-id") != null)
		and (.header_names | index("x-nr-key") == null)' <<<"$(tail -1 "$MOCK_LOG")"
	# a provider with keys of its own gets no client header
	run post /v1/responses "$(body responses mz/plain)" -H 'ChatGPT-Account-ID: acct-1234'
	assert_success
	jq -e '.header_names | index("chatgpt-account-id") == null' <<<"$(tail -1 "$MOCK_LOG")"
}

@test "in pass-through the subscription's rate-limit headers come back with the answer, streamed or not; from others they do not" {
	run claude_like sub/claude-window-42 -D "$BATS_TEST_TMPDIR/h1"
	assert_line --index 1 200
	grep -qi '^anthropic-ratelimit-unified-5h-utilization: 0.42' "$BATS_TEST_TMPDIR/h1"
	grep -qi '^anthropic-ratelimit-unified-status: allowed' "$BATS_TEST_TMPDIR/h1"
	curl -sS --max-time 20 -N -D "$BATS_TEST_TMPDIR/h2" -o "$BATS_TEST_TMPDIR/s2" -H "Authorization: Bearer $OAT" \
		-H "X-NR-Key: $KEY" -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' \
		--data-binary "$(body anthropic sub/claude-window-42 stream)" "$URL/v1/messages"
	grep -q 'message_stop' "$BATS_TEST_TMPDIR/s2"
	grep -qi '^anthropic-ratelimit-unified-5h-utilization: 0.42' "$BATS_TEST_TMPDIR/h2"
	# a provider with keys of its own: its limits are nr's business, not the client's
	provider ma anthropic
	run post /v1/messages "$(body anthropic ma/claude-window-42)" -H 'anthropic-version: 2023-06-01' -D "$BATS_TEST_TMPDIR/h3"
	assert_success
	! grep -qi '^anthropic-ratelimit' "$BATS_TEST_TMPDIR/h3" || fail "found: the check above must find nothing"
}

@test "nr-route by hand takes the client's credential from HTTP_AUTHORIZATION, as CGI passes it" {
	body anthropic sub/claude-mock >"$BATS_TEST_TMPDIR/req"
	HTTP_AUTHORIZATION="Bearer $OAT" run --separate-stderr nr-route --from anthropic <"$BATS_TEST_TMPDIR/req"
	assert_success
	[ "$(jq -r .key_tail "$MOCK_LOG")" = 9999 ]
	db "select account from usage" | grep -Eqx 'client-[0-9a-f]{8}' || fail "the usage row's account: $(db "select account from usage")"
	# without one, the provider is skipped with the reason
	run --separate-stderr nr-route --from anthropic <"$BATS_TEST_TMPDIR/req"
	[ "$status" -ne 0 ]
	[[ $stderr == *"auth=passthrough needs the client's own credential"* ]]
}
