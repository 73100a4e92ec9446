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
	jq -e --argjson now "$now" '.windows | length == 2
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
	jq -e '.windows | map({(.window): .used_percent}) | add == {"5h": 30, "7d": 5}' <<<"$output"
	jq -e '.windows | map(select(.window == "5h"))[0].window_minutes == 300' <<<"$output"
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
	assert_output '{"windows":[],"budgets":[]}'
	run nr quota --frob
	assert_failure 100
}

@test "a provider over its day's budget is skipped until the UTC day turns, and nr quota shows what is left" {
	# the mock's answer costs about $0.000044 at these prices (~20 tokens in, ~12 out)
	provider mz openai "price=1 2" "budget_day=0.00004" "budget_month=10"
	combo sub mz/cheap mo/m
	run ask sub
	assert_output 200
	[ "$(jq -r .model "$BATS_TEST_TMPDIR/answer")" = cheap ]
	db_wait "select count(*) from spend where provider = 'mz'" 2
	run ask sub
	assert_output 200
	[ "$(jq -r .model "$BATS_TEST_TMPDIR/answer")" = m ]	# mz skipped: over budget
	[ "$(mock_count cheap)" = 1 ]
	run nr quota --json
	assert_success
	jq -e '.budgets | length == 2
		and (.[0] | .provider == "mz" and .period == "day" and .budget == 0.00004 and .spent >= 0.00004
			and .left == 0 and .resets_in_s > 0 and .resets_in_s <= 86400)
		and (.[1] | .period == "month" and .budget == 10 and .left > 9.9)' <<<"$output"
	run nr quota
	assert_output --regexp 'mz +budget_day +\$0\.00 of \$0\.00 spent in [0-9-]{10} \(UTC\), OVER: skipped until it turns'
	assert_output --regexp 'mz +budget_month +\$0\.00 of \$10\.00 spent in [0-9]{4}-[0-9]{2} \(UTC\), \$10\.00 left'
	# alone, the provider over budget is a 429 that says when to come back
	run curl -sS --max-time 20 -D "$BATS_TEST_TMPDIR/h" -H "Authorization: Bearer $KEY" \
		--data-binary "$(body openai mz/cheap)" "$URL/v1/chat/completions"
	grep -q '^HTTP/1.1 429' "$BATS_TEST_TMPDIR/h"
	assert_output --partial 'over budget'
	retry=$(sed -n 's/^Retry-After: \([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/h")
	[ "$retry" -gt 0 ] && [ "$retry" -le 86400 ]
	[ "$(mock_count cheap)" = 1 ]
}

@test "a replayed usage row adds nothing to the spend, and a bad budget line is refused" {
	provider mz openai "price=1 2"
	run ask mz/cheap
	assert_output 200
	db_wait "select count(*) from spend where provider = 'mz'" 2
	before=$(db "select cost from spend where provider = 'mz' and length(period) = 10")
	row=$(db "select json_object('request', request, 'attempt', attempt, 'ts', ts, 'provider', provider, 'cost', cost) from usage")
	mkdir -p "$NR_DATA_DIR"
	printf '%s\n' "$row" >"$NR_DATA_DIR/usage.journal"
	run ask mz/cheap	# a flush replays the journal: the row is there already
	assert_output 200
	db_wait "select count(*) from usage" 2
	[ "$(db "select count(*) from usage")" = 2 ]
	after=$(db "select cost from spend where provider = 'mz' and length(period) = 10")
	awk -v a="$before" -v b="$after" 'BEGIN { exit !(b > a && b < 2.5 * a) }' || fail "spend $before -> $after"
	provider mz openai "budget_day=lots"
	run ask mz/cheap
	assert_output 502
	run cat "$BATS_TEST_TMPDIR/answer"
	assert_output --partial "bad value for 'budget_day'"
}
