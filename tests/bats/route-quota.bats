#!/usr/bin/env bats
# Quota windows: a subscription's 5-hour and weekly limits, read from the
# headers of every answer (Codex x-codex-*, Anthropic
# anthropic-ratelimit-unified-*; the mock's window-N word sends them), kept
# per account, shown by nr quota, and an exhausted window rests its account
# until it resets: no request is spent on it before. Real nr-serve, mock
# upstream on 127.0.0.1, SQLite file.

load route-helper

setup() {
	route_setup
	provider mo openai
	provider ma anthropic
	provider mz openai	# a cheap provider to fall back on
	serve_start
}

teardown() {
	route_teardown
}

ask() {
	post /v1/chat/completions "$(body openai "$1")" -o "$BATS_TEST_TMPDIR/answer" -w '%{http_code}'
}

@test "Codex's windows on an answer are kept per account and shown by nr quota with a countdown" {
	run ask mo/m-window-42
	assert_output 200
	db_wait "select count(*) from quota_windows" 2
	run nr quota --json
	assert_success
	now=$(date +%s)
	jq -e --argjson now "$now" 'length == 2
		and (.[0] | .provider == "mo" and .account == "MOCK_KEY" and .window == "primary"
			and .used_percent == 42 and .window_minutes == 300 and .exhausted == false
			and .resets_in_s > 3500 and .resets_in_s <= 3600 and (.resets_at - $now) > 3500)
		and (.[1] | .window == "secondary" and .used_percent == 5 and .window_minutes == 10080)' <<<"$output"
	run nr quota
	assert_success
	assert_line --regexp '^  mo +MOCK_KEY +primary \(5h\) +42\.0% used, resets .* \(in (59m[0-9]+s|1h00m)\)$'
	assert_line --regexp '^  mo +MOCK_KEY +secondary \(7d\) +5\.0% used, resets .* \(in (2d23h|3d0h)\)$'
	refute_output --partial "$MOCK_KEY"	# the variable's name, never its value
	refute_output --partial 'sk-test'
}

@test "Anthropic's unified windows are read as percents from their fractions" {
	run post /v1/messages "$(body anthropic ma/claude-window-30)" -o /dev/null -w '%{http_code}'
	assert_output 200
	db_wait "select count(*) from quota_windows" 2
	run nr quota --json
	jq -e 'map({(.window): .used_percent}) | add == {"5h": 30, "7d": 5}' <<<"$output"
	jq -e 'map(select(.window == "5h"))[0].window_minutes == 300' <<<"$output"
}

@test "an answer saying a window is used up rests the account until it resets: the next request costs no upstream call" {
	combo sub mo/m-window-100 mz/cheap
	run ask sub
	assert_output 200	# this answer came; the window is now spent
	[ "$(mock_count m-window-100)" = 1 ]
	db_wait "select exhausted from quota_windows where name = 'primary'" 1
	run ask sub
	assert_output 200
	[ "$(mock_count m-window-100)" = 1 ]	# skipped, not asked again
	[ "$(mock_count cheap)" = 1 ]
	run db "select reason from cooldowns where scope = 'account mo MOCK_KEY'"
	assert_output --regexp '^quota window primary exhausted \(100% used\), resets in 3[56][0-9]{2} s$'
	run nr quota
	assert_line --partial 'EXHAUSTED: account resting until then'
	run nr status
	assert_output --partial 'quota window primary exhausted'
}

@test "Codex's 429 usage_limit_reached rests the account until its resets_at, then the combo falls through" {
	combo sub mo/m-status-429-window-100 mz/cheap
	run ask sub
	assert_output 200
	[ "$(jq -r .model "$BATS_TEST_TMPDIR/answer")" = cheap ]
	now=$(date +%s)
	db_wait "select count(*) from cooldowns where scope = 'account mo MOCK_KEY'" 1
	until=$(db "select cast(until as integer) from cooldowns where scope = 'account mo MOCK_KEY'")
	# an hour, from the body's resets_at, not the default quota rest
	[ $((until - now)) -gt 3500 ] && [ $((until - now)) -le 3601 ] || fail "rests $((until - now)) s"
	run db "select outcome || ' ' || reason from usage where model = 'm-status-429-window-100'"
	assert_output --partial 'quota exhausted'
}

@test "nr quota without windows says so, and refuses unknown arguments" {
	run nr quota
	assert_success
	assert_output --partial 'no quota windows seen yet'
	run nr quota --json
	assert_success
	assert_output '[]'
	run nr quota --frob
	assert_failure 100
}
