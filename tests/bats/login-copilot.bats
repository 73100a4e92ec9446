#!/usr/bin/env bats
# nr login copilot: GitHub's device flow, the exchange of the GitHub token
# for a Copilot token (renewed before it ends, never the GitHub token's
# refresh), the account's own API address, and a GitHub token revoked. The
# mock plays github.com, api.github.com and the Copilot API on 127.0.0.1.

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/state"
	MOCK_FLAGS="--state $BATS_TEST_TMPDIR/state" route_setup
	# the shipped copilot provider, its logins pointed at the mock; its
	# base_url stays GitHub's: the token exchange's endpoints.api replaces it
	{
		echo "login_url=http://127.0.0.1:$MOCK_PORT"
		echo "exchange_url=http://127.0.0.1:$MOCK_PORT"
	} >"$NR_CONFIG_DIR/providers/copilot"
}

teardown() {
	route_teardown
}

ask() {
	body openai "${1:-copilot/gpt-5}" >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	answer=$(sed '1,/^\r*$/d' <<<"$output")
}

exchanges() { grep -c '"path":"/copilot_internal/v2/token"' "$MOCK_LOG" || true; }

@test "nr login copilot: device code shown, polled, exchanged; requests use the account's API address" {
	run --separate-stderr nr login copilot --name gh --timeout 30
	assert_success
	[[ $stderr == *"open https://github.com/login/device and enter the code"* ]]
	[[ $stderr == *GHUB-1234* ]]
	[[ $stderr == *"copilot account 'gh'"* ]]
	[ "$(db "select login, base_url, refresh like 'ghu_%', secret like 'tid=%' from accounts")" = \
		"copilot|http://127.0.0.1:$MOCK_PORT|1|1" ]
	[ "$(grep -c '"path":"/login/oauth/access_token"' "$MOCK_LOG")" -ge 2 ]	# one pending poll first
	ask
	assert_success
	jq -e '.choices[0].message.content | contains("Hello from mock-upstream")' <<<"$answer"
	# the mock refuses a request without copilot-integration-id or with an expired token
	jq -se '[.[] | select(.path == "/chat/completions")] | length == 1 and .[0].status == 200' "$MOCK_LOG"
	[ "$(exchanges)" = 1 ]
	# the plan's month, from its quota snapshot: shown, not resting the account
	run nr quota --json
	next_month=$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%s)
	jq -e --argjson r "$next_month" '.windows[] | select(.provider == "copilot" and .window == "premium")
		| .account == "gh" and .used_percent == 55 and .resets_at == $r and (.exhausted | not)' <<<"$output"
}

@test "a Copilot token near its end is exchanged again; the GitHub token stays" {
	nr login copilot --timeout 30 2>/dev/null
	gh=$(db "select refresh from accounts")
	old=$(db "select secret from accounts")
	db "update accounts set expires = strftime('%s','now') + 10"
	ask
	assert_success
	[ "$(exchanges)" = 2 ]
	[ "$(db "select refresh = '$gh', secret != '$old', expires > strftime('%s','now') + 600 from accounts")" = "1|1|1" ]
}

@test "a revoked GitHub token marks the login for a new one, and the combo goes on" {
	nr login copilot --name gh --timeout 30 2>/dev/null
	db "update accounts set refresh = 'revoked-token', expires = 1"
	provider cheap openai
	combo tiers copilot/gpt-5 cheap/gpt-mock
	ask tiers
	assert_success
	[[ $stderr == *"nr login copilot --name gh"* ]]
	db "select relogin from accounts" | grep -q 'HTTP 401'
	run nr status
	assert_output --partial "re-login required"
}

@test "nr login copilot --import reads the editor plugins' apps.json" {
	mkdir -p "$BATS_TEST_TMPDIR/xdg/github-copilot"
	echo '{"github.com:Iv1.b507a08c87ecfe98":{"user":"dev","oauth_token":"gho_imported0001","githubAppId":"Iv1.b507a08c87ecfe98"}}' \
		>"$BATS_TEST_TMPDIR/xdg/github-copilot/apps.json"
	XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg run --separate-stderr nr login copilot --import --name plugin
	assert_success
	[ "$(db "select name, refresh from accounts")" = "plugin|gho_imported0001" ]
	ask
	assert_success
	run nr login copilot --import "$BATS_TEST_TMPDIR/nothing.json"
	[ "$status" -eq 1 ]
	assert_output --partial "unable to read"
}
