#!/usr/bin/env bats
# Issue 14's "done": one combo of the three tiers, each reached its own way —
# ChatGPT through nr's own login (codex), Claude Pro/Max through Claude Code's
# own token (pass-through), an API key last — falls through as each plan's
# window runs out, asks no exhausted plan again before its reset, and nr quota
# counts each window down. Real nr-serve, the mock as every vendor, SQLite.

bats_require_minimum_version 1.5.0
load route-helper

OAT=sk-ant-oat01-tiers-token-7777

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/state"
	MOCK_FLAGS="--state $BATS_TEST_TMPDIR/state" route_setup
	{
		echo "base_url=http://127.0.0.1:$MOCK_PORT/backend-api/codex"
		echo "login_url=http://127.0.0.1:$MOCK_PORT"
	} >"$NR_CONFIG_DIR/providers/codex"
	provider claude anthropic "auth=passthrough"	# Claude Code's own subscription token
	sed -i '/^keys=/d' "$NR_CONFIG_DIR/providers/claude"
	provider deepseek openai			# the API key, MOCK_KEY
	serve_start
	# a ChatGPT login, as the mock's issuer hands it out (the device flow)
	nr login codex --device --name plus --timeout 30 2>"$BATS_TEST_TMPDIR/login.err" ||
		fail "login: $(cat "$BATS_TEST_TMPDIR/login.err")"
}

teardown() {
	route_teardown
}

# claude_code COMBO: a Messages request as Claude Code logged in to Claude
# sends it, nr's key in X-NR-Key; the answer's model on stdout
claude_code() {
	curl -sS --max-time 30 -H "Authorization: Bearer $OAT" -H "X-NR-Key: $KEY" \
		-H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' \
		--data-binary "$(body anthropic "$1")" "$URL/v1/messages" | jq -r .model
}

upstream_calls() { grep -c "\"model\":\"$1\"" "$MOCK_LOG" || true; }

@test "three tiers: each plan's window empties in turn, the key answers last, nr quota counts down" {
	# 1. the ChatGPT plan answers (its 5 h window at 40%)
	combo t1 codex/gpt-5.4-window-40 claude/claude-window-30 deepseek/deepseek-mock
	model=$(claude_code t1)
	[ "$model" = gpt-5.4-window-40 ] || fail "answered by '$model'"
	[ "$(upstream_calls gpt-5.4-window-40)" = 1 ]
	[ "$(upstream_calls claude-window-30)" = 0 ]
	# 2. the ChatGPT window runs out: the Claude plan (pass-through) answers
	combo t2 codex/gpt-5.4-window-100-status-429 claude/claude-window-30 deepseek/deepseek-mock
	[ "$(claude_code t2)" = claude-window-30 ]
	# 3. the Claude window runs out too: the API key answers, and the ChatGPT plan is not asked again
	combo t3 codex/gpt-5.4-window-100-status-429 claude/claude-window-100-status-429 deepseek/deepseek-mock
	[ "$(claude_code t3)" = deepseek-mock ]
	[ "$(upstream_calls gpt-5.4-window-100-status-429)" = 1 ]
	[ "$(upstream_calls claude-window-100-status-429)" = 1 ]
	# 4. both plans rest until their resets: the key answers with no call to either
	[ "$(claude_code t3)" = deepseek-mock ]
	[ "$(upstream_calls gpt-5.4-window-100-status-429)" = 1 ]
	[ "$(upstream_calls claude-window-100-status-429)" = 1 ]
	[ "$(upstream_calls deepseek-mock)" = 2 ]
	# each window with its countdown; the plans' accounts are the login and the client's token's hash
	run nr quota --json
	jq -e '[.windows[] | select(.exhausted)] | map(.provider) | sort == ["claude", "codex"]' <<<"$output"
	jq -e '.windows[] | select(.provider == "codex" and .window == "primary") | .account == "plus" and .resets_in_s > 3500' <<<"$output"
	jq -e '.windows[] | select(.provider == "claude" and .window == "5h") | (.account | test("^client-[0-9a-f]{8}$"))' <<<"$output"
	run nr quota
	assert_output --regexp 'codex +plus +primary.*100'
	assert_output --regexp 'in (1h00m|59m[0-9]*s?)\)  EXHAUSTED'
	# nr usage shows the same windows after the totals
	run nr usage --json
	jq -e '[.quota.windows[] | select(.exhausted)] | length == 2' <<<"$output"
	run nr usage
	assert_output --partial 'quota windows and budgets (nr quota)'
	assert_line --regexp '^  codex +plus +primary \(5h\) +100\.0% used'

	# which tier answered each request, as the usage rows say
	db_wait "select count(*) from usage where outcome = 'ok'" 4
	[ "$(db "select provider from usage where outcome = 'ok' order by ts" | tr '\n' ' ')" = "codex claude deepseek deepseek " ]
}
