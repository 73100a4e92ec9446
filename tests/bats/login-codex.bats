#!/usr/bin/env bats
# nr login codex and the renewal of its tokens (SUBSCRIPTIONS.md 3): the
# browser flow (PKCE, answered on a loopback port), the device flow, the
# import of the Codex CLI's auth.json; then nr-route renews an expiring
# token once across concurrent processes, renews after a 401, and marks a
# login the issuer refuses for good. The mock plays auth.openai.com and the
# ChatGPT backend on 127.0.0.1 (tests/mock/README.md, OAuth).

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/state"
	# a renewal takes 300 ms: concurrent processes would all start one, were they not serialised
	export MOCK_REFRESH_DELAY_MS=300
	MOCK_FLAGS="--state $BATS_TEST_TMPDIR/state" route_setup
	# the shipped codex provider, pointed at the mock
	{
		echo "base_url=http://127.0.0.1:$MOCK_PORT/backend-api/codex"
		echo "login_url=http://127.0.0.1:$MOCK_PORT"
	} >"$NR_CONFIG_DIR/providers/codex"
	unset DISPLAY WAYLAND_DISPLAY CODEX_HOME
}

teardown() {
	[ -z "${LOGIN_PID:-}" ] || kill "$LOGIN_PID" 2>/dev/null || true
	route_teardown
}

b64url() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }

# jwt EXP [ACCOUNT]: a token shaped as ChatGPT's (the mock checks exp and the account id)
jwt() {
	b64url '{"alg":"none","typ":"JWT"}'
	printf .
	b64url "{\"exp\":$1,\"jti\":\"$RANDOM$RANDOM\",\"email\":\"dev@example.com\",\"https://api.openai.com/auth\":{\"chatgpt_account_id\":\"${2:-acct-mock-1}\",\"chatgpt_plan_type\":\"plus\"}}"
	printf .
	b64url mock-signature	# the mock takes only the tokens shaped as its own
}

# auth_json ACCESS REFRESH: the Codex CLI's auth.json
auth_json() {
	printf '{"auth_mode":"chatgpt","OPENAI_API_KEY":null,"tokens":{"id_token":"%s","access_token":"%s","refresh_token":"%s","account_id":"acct-mock-1"},"last_refresh":"2026-12-01T00:00:00Z"}\n' \
		"$(jwt $(($(date +%s) + 3600)))" "$1" "$2" >"$BATS_TEST_TMPDIR/auth.json"
}

# ask [MODEL]: one request through the codex provider with nr-route; status in $status
ask() {
	body responses "${1:-codex/gpt-5.4}" >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from responses <"$BATS_TEST_TMPDIR/req"
	answer=$(sed '1,/^\r*$/d' <<<"$output")	# the body, after the CGI head
}

# browser_login: nr login codex in the background (LOGIN_PID), its stderr in
# login.err; url: the address it asks the user to open
browser_login() {
	nr login codex --port 0 --no-browser --timeout 20 2>"$BATS_TEST_TMPDIR/login.err" &
	LOGIN_PID=$!
	for _ in $(seq 100); do
		url=$(grep -o 'http://127.0.0.1:[0-9]*/oauth/authorize?[^ ]*' "$BATS_TEST_TMPDIR/login.err" || true)
		[ -n "$url" ] && break
		sleep 0.05
	done
}

refreshes() { grep -c '"path":"/oauth/token"' "$MOCK_LOG" || true; }

@test "nr login codex --import: the CLI's login is copied and used, with ChatGPT-Account-ID" {
	auth_json "$(jwt $(($(date +%s) + 3600)))" rt-import-1
	run nr login codex --import "$BATS_TEST_TMPDIR/auth.json"
	assert_success
	assert_output --partial "codex account 'dev_example.com' (plan plus)"
	[ "$(db "select login, refresh, headers from accounts where provider = 'codex'")" = "codex|rt-import-1|ChatGPT-Account-ID: acct-mock-1" ]
	ask
	assert_success
	jq -e '.status == "completed"' <<<"$answer"
	# the mock answers 403 unless ChatGPT-Account-ID names the token's account
	jq -se '[.[] | select(.path == "/backend-api/codex/responses")] | length == 1 and .[0].status == 200' "$MOCK_LOG"
	[ "$(refreshes)" = 0 ]
}

@test "nr login codex (browser): the loopback callback gets the code, PKCE verified, account stored" {
	browser_login
	[ -n "$url" ] || fail "no address printed: $(cat "$BATS_TEST_TMPDIR/login.err")"
	# the browser: the issuer redirects to nr's loopback port with the code
	run curl -sS -L --max-time 10 "$url"
	assert_output --partial "Logged in to nr"
	wait "$LOGIN_PID"
	LOGIN_PID=
	grep -q "logged in: codex account 'user_example.com' (plan plus)" "$BATS_TEST_TMPDIR/login.err"
	[ "$(db "select login, headers, expires > strftime('%s','now') from accounts")" = "codex|ChatGPT-Account-ID: acct-mock-1|1" ]
	ask
	assert_success
	# the authorization request carried what Codex's does
	for p in response_type=code client_id=app_EMoamEEZ73f0CkXaXp7hrann code_challenge_method=S256 \
		'scope=openid%20profile%20email%20offline_access' originator=codex_cli_rs; do
		[[ $url == *"$p"* ]] || fail "the address lacks $p"
	done
	# no token in what nr printed
	tok=$(db "select secret from accounts")
	! grep -qF "$tok" "$BATS_TEST_TMPDIR/login.err" || fail "the token was printed"
}

@test "nr login codex (browser): a foreign state is ignored, a refusal ends the login with exit 1" {
	browser_login
	port=$(sed -n 's/.*waiting on 127.0.0.1:\([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/login.err")
	[ -n "$port" ]
	run curl -sS --max-time 5 -w '%{http_code}' "http://127.0.0.1:$port/auth/callback?code=forged&state=not-ours"
	assert_output --partial 400
	kill -0 "$LOGIN_PID"	# still waiting for its own answer
	run curl -sS -L --max-time 10 "$url&mock_error=access_denied"
	st=0
	wait "$LOGIN_PID" || st=$?	# not `run wait`: run's subshell is not its parent
	LOGIN_PID=
	[ "$st" -eq 1 ] || fail "exit $st: $(cat "$BATS_TEST_TMPDIR/login.err")"
	grep -q 'refused: access_denied' "$BATS_TEST_TMPDIR/login.err"
	[ "$(db 'select count(*) from accounts')" = 0 ]
}

@test "nr login codex --device: the code is shown, polled until entered, exchanged" {
	run --separate-stderr nr login codex --device --name work --timeout 30
	assert_success
	[[ $stderr == *"/codex/device and enter the code"* ]]
	[[ $stderr == *"MOCK-1234"* ]]
	[ "$(db "select name, login from accounts")" = "work|codex" ]
	[ "$(grep -c '"path":"/api/accounts/deviceauth/token"' "$MOCK_LOG")" -ge 2 ]
	ask
	assert_success
}

@test "an expiring token is renewed once for eight concurrent processes, and the rotation kept" {
	auth_json "$(jwt $(($(date +%s) + 60)))" rt-start-1	# within the 5 min margin
	nr login codex --import "$BATS_TEST_TMPDIR/auth.json" 2>/dev/null
	old=$(db "select secret from accounts")
	body responses codex/gpt-5.4 >"$BATS_TEST_TMPDIR/req"
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		nr-route --from responses <"$BATS_TEST_TMPDIR/req" \
			>"$BATS_TEST_TMPDIR/out.$i" 2>"$BATS_TEST_TMPDIR/err.$i" &
		pids+=($!)
	done
	for i in 1 2 3 4 5 6 7 8; do
		wait "${pids[$((i - 1))]}" || fail "request $i failed: $(cat "$BATS_TEST_TMPDIR/err.$i")"
	done
	[ "$(refreshes)" = 1 ]	# the mock would refuse a second use of rt-start-1 (refresh_token_reused)
	[ "$(db "select secret != '$old', refresh != 'rt-start-1', relogin is null from accounts")" = "1|1|1" ]
	# and the renewed token goes on working with no renewal
	ask
	assert_success
	[ "$(refreshes)" = 1 ]
}

@test "a 401 before the expiry renews the token once and retries on the same account" {
	auth_json "$(jwt $(($(date +%s) - 10)))" rt-early-1	# already expired, for the mock
	nr login codex --import "$BATS_TEST_TMPDIR/auth.json" 2>/dev/null
	db "update accounts set expires = strftime('%s','now') + 3600"	# but nr believes it fresh
	ask
	assert_success
	jq -e '.status == "completed"' <<<"$answer"
	jq -se '[.[] | select(.path != "/oauth/token") | .status] == [401, 200]' "$MOCK_LOG"
	[ "$(refreshes)" = 1 ]
	[ "$(db "select outcome from usage order by attempt")" = "$(printf 'fallback\nok')" ]
}

@test "a refresh token refused for good marks the login; it is skipped without more calls, and nr status says so" {
	auth_json "$(jwt $(($(date +%s) - 10)))" rt-expired-2
	nr login codex --import "$BATS_TEST_TMPDIR/auth.json" 2>/dev/null
	provider cheap openai
	combo tiers codex/gpt-5.4 cheap/gpt-mock
	ask tiers
	assert_success	# the cheap tier answered
	[[ $stderr == *"refresh_token_expired"* ]]
	[[ $stderr == *"nr login codex --name dev_example.com"* ]]
	[ "$(refreshes)" = 1 ]
	db "select relogin from accounts" | grep -q refresh_token_expired
	ask tiers
	assert_success
	[ "$(refreshes)" = 1 ]	# not asked again
	run nr status
	assert_output --partial "re-login required"
	run nr status --json
	jq -e '.providers[] | select(.name == "codex") | .accounts[0].state == "relogin"' <<<"$output"
	# a new login clears the mark
	auth_json "$(jwt $(($(date +%s) + 3600)))" rt-new-3
	nr login codex --import "$BATS_TEST_TMPDIR/auth.json" 2>/dev/null
	[ "$(db "select count(*) from accounts where relogin is null")" = 1 ]
}

@test "secrets stay out of logs and usage rows; a provider without login= is refused" {
	auth_json "$(jwt $(($(date +%s) + 60)))" rt-secret-4
	nr login codex --import "$BATS_TEST_TMPDIR/auth.json" 2>"$BATS_TEST_TMPDIR/login.err"
	ask
	assert_success
	tok=$(db "select secret from accounts")
	ref=$(db "select refresh from accounts")
	[ "$(refreshes)" = 1 ]	# so the old and the new tokens were both in nr's hands
	for s in "$tok" "$ref" rt-secret-4; do
		! grep -qF -- "$s" "$BATS_TEST_TMPDIR/login.err" || fail "a token in nr login's output"
		! grep -qF -- "$s" <<<"$stderr" || fail "a token in nr-route's stderr"
		! db "select * from usage" | grep -qF -- "$s" || fail "a token in a usage row"
		! nr status --json | grep -qF -- "$s" || fail "a token in nr status"
	done
	run nr login openai
	[ "$status" -eq 100 ]
	assert_output --partial "has no login"
	run nr status
	assert_output --partial "dev_example.com"
}

@test "any client reaches the Codex backend: a stream asked for, store:false, instructions, no sampling knobs; a whole answer collected" {
	auth_json "$(jwt $(($(date +%s) + 3600)))" rt-any-5
	nr login codex --import "$BATS_TEST_TMPDIR/auth.json" 2>/dev/null
	printf '%s' '{"model":"codex/gpt-5.4","temperature":0.7,"max_tokens":99,"user":"u1","messages":[{"role":"user","content":"hi"}]}' \
		>"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_success
	answer=$(sed '1,/^\r*$/d' <<<"$output")
	jq -e '.object == "chat.completion" and (.choices[0].message.content | contains("Hello from mock-upstream"))' <<<"$answer"
	jq -e '.usage.prompt_tokens > 0' <<<"$answer"
	sent=$(cat "$MOCK_RAW/request-1")
	jq -e '.stream == true and .store == false and .instructions == "You are a coding assistant."
		and (has("temperature") or has("max_output_tokens") or has("user") | not) and (.input | type == "array")' <<<"$sent"
	[ "$(jq -r '.[0].headers.accept' <(jq -s . "$MOCK_LOG"))" = text/event-stream ]
	[ "$(db "select outcome, input_tokens > 0 from usage")" = "ok|1" ]
	# a stream cut short is no whole answer: the next target answers instead
	provider cheap openai
	combo tiers codex/gpt-5.4-cut cheap/gpt-mock
	sed -i 's|codex/gpt-5.4|tiers|' "$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_success
	answer=$(sed '1,/^\r*$/d' <<<"$output")
	jq -e '.model == "gpt-mock"' <<<"$answer"
	db "select reason from usage where outcome != 'ok'" | grep -q 'broke off before its first byte'
}

@test "a Responses client's own instructions and values go on as written; its stream streams" {
	auth_json "$(jwt $(($(date +%s) + 3600)))" rt-own-6
	nr login codex --import "$BATS_TEST_TMPDIR/auth.json" 2>/dev/null
	printf '%s' '{"model":"codex/gpt-5.4","instructions":"Mine.","stream":true,"x_nr_probe":1.0,"temperature":1.0,"input":[{"role":"user","content":[{"type":"input_text","text":"hi"}]}]}' \
		>"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from responses <"$BATS_TEST_TMPDIR/req"
	assert_success
	assert_output --partial 'event: response.completed'
	grep -qF '"instructions":"Mine."' "$MOCK_RAW/request-1"
	grep -qF '"x_nr_probe":1.0' "$MOCK_RAW/request-1"	# bytes, not a number re-printed
	grep -qF '"store":false' "$MOCK_RAW/request-1"
	! grep -qF temperature "$MOCK_RAW/request-1" || fail "temperature was sent"
}

@test "subscription, then cheap, then free: an exhausted ChatGPT window rests the login until its reset" {
	auth_json "$(jwt $(($(date +%s) + 3600)))" rt-tier-7
	nr login codex --import "$BATS_TEST_TMPDIR/auth.json" 2>/dev/null
	provider cheap openai
	provider free openai
	# the plan's 5 h window is used up (Codex's 429 usage_limit_reached); cheap fails; free answers
	combo tiers codex/gpt-5.4-window-100-status-429 cheap/gpt-cheap-status-503 free/gpt-free
	ask tiers
	assert_success
	jq -e '.model == "gpt-free"' <<<"$answer"
	[ "$(db "select provider || ':' || outcome from usage order by attempt" | tr '\n' ' ')" = \
		"codex:fallback cheap:fallback free:ok " ]
	run nr quota --json
	jq -e '.windows[] | select(.provider == "codex" and .window == "primary")
		| .account == "dev_example.com" and .used_percent == 100 and .exhausted' <<<"$output"
	# the next request does not ask the plan again before the reset
	before=$(grep -c '/backend-api/codex/responses' "$MOCK_LOG")
	ask tiers
	assert_success
	[ "$(grep -c '/backend-api/codex/responses' "$MOCK_LOG")" = "$before" ]
	run nr status
	assert_output --partial "dev_example.com"
	assert_output --partial "cooling"
}
