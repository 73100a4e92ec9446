#!/usr/bin/env bats
# `nr login` accounts in a team (src/sync/logins.c): a rotating refresh token
# used twice logs the user out, so the instances renew one at a time, under
# PostgreSQL's advisory lock, in `nr db sync`; a request leaves a due token
# to it while the token has a minute left. Real PostgreSQL, the mock playing
# auth.openai.com and the ChatGPT backend on 127.0.0.1.

bats_require_minimum_version 1.5.0
load team-helper

setup_file() { team_setup_file; }
teardown_file() { team_teardown_file; }

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/state"
	export MOCK_REFRESH_DELAY_MS=300	# a renewal's time, for the two syncs to meet in
	MOCK_FLAGS="--state $BATS_TEST_TMPDIR/state" team_setup
	{
		echo "base_url=http://127.0.0.1:$MOCK_PORT/backend-api/codex"
		echo "login_url=http://127.0.0.1:$MOCK_PORT"
	} >"$NR_CONFIG_DIR/providers/codex"
}
teardown() { team_teardown; }

b64url() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }

# jwt EXP: a token shaped as ChatGPT's (the mock checks exp and the account id)
jwt() {
	b64url '{"alg":"none","typ":"JWT"}'
	printf .
	b64url "{\"exp\":$1,\"jti\":\"$RANDOM$RANDOM\",\"email\":\"dev@example.com\",\"https://api.openai.com/auth\":{\"chatgpt_account_id\":\"acct-mock-1\",\"chatgpt_plan_type\":\"plus\"}}"
	printf .
	b64url mock-signature
}

# login_on X SECONDS [REFRESH]: instance X imports a Codex CLI login whose
# token has SECONDS left (refresh token REFRESH, default rt-team-1)
login_on() {
	printf '{"auth_mode":"chatgpt","tokens":{"id_token":"%s","access_token":"%s","refresh_token":"%s","account_id":"acct-mock-1"},"last_refresh":"2026-12-01T00:00:00Z"}\n' \
		"$(jwt $(($(date +%s) + 3600)))" "$(jwt $(($(date +%s) + $2)))" "${3:-rt-team-1}" >"$BATS_TEST_TMPDIR/auth.json"
	on "$1" nr login codex --import "$BATS_TEST_TMPDIR/auth.json" 2>/dev/null || fail "import on $1"
}

refreshes() { grep -c '"path":"/oauth/token"' "$MOCK_LOG" || true; }

# ask_route X: one request with nr-route as instance X; its status in $status
ask_route() {
	body responses codex/gpt-5.4 >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr on "$1" nr-route --from responses <"$BATS_TEST_TMPDIR/req"
}

@test "a due login held by two instances is renewed once, by one sync, and both use the new tokens" {
	login_on A 120; login_on B 120	# within the 5 min margin: due
	# (each import has a token of its own: B's differs from A's before any sync)
	old_a=$(sqlite_of A "select secret from accounts") old_b=$(sqlite_of B "select secret from accounts")
	sync_daemon A; sync_daemon B
	# renewed: one new token, the same on both, in use (no relogin asked)
	renewed() {
		local a
		a=$(sqlite_of A "select secret, refresh from accounts where relogin is null")
		[ -n "$a" ] && [ "${a%%|*}" != "$old_a" ] && [ "${a%%|*}" != "$old_b" ] &&
			[ "$a" = "$(sqlite_of B "select secret, refresh from accounts where relogin is null")" ]
	}
	until_true 30 renewed || fail "not renewed on both: $(cat "$BATS_TEST_TMPDIR"/?.sync)"
	[ "$(refreshes)" = 1 ]	# the mock refuses a second use of rt-team-1 (refresh_token_reused)
	ask_route B
	assert_success
	[ "$(refreshes)" = 1 ]
}

@test "a request leaves a due token to the team's sync while it has a minute left, and renews one that has not" {
	login_on B 120
	synced B	# B joins the team: its sync renews the token (due)
	[ "$(refreshes)" = 1 ]
	login_on B 120 rt-team-2	# due again (a new login, same account)
	ask_route B
	assert_success
	[ "$(refreshes)" = 1 ]	# left to the sync
	login_on B 30 rt-team-3
	ask_route B
	assert_success
	[ "$(refreshes)" = 2 ]	# too close to wait for it
}
