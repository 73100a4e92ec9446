#!/usr/bin/env bats
# nr status and nr cooldown clear, against state made by real requests: the
# mock upstream's 429s and 503s through nr-serve put providers in cooldown.

load route-helper

setup() {
	route_setup
	provider mo openai
	provider mb openai
	provider nokey openai "keys=NOKEY_VAR"
	unset NOKEY_VAR
	combo c mo/gpt-status-429-retry-300 mb/gpt-mock
}

teardown() {
	route_teardown
}

post() {	# post MODEL: an openai request; prints the status
	curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
		--data-binary "$(body openai "$1")" "$URL/v1/chat/completions"
}

# rate_limit_mo: a combo request whose first target answers 429 (Retry-After 300).
rate_limit_mo() {
	[ "$(post c)" = 200 ]
	[ "$(mock_count gpt-status-429-retry-300)" -ge 1 ]
	db_wait "select count(*) from cooldowns where scope like 'rate mo %'" "$1"
}

@test "a provider a real 429 put in cooldown shows as cooling with a countdown; the combo's next target skips it" {
	serve_start
	rate_limit_mo 1
	run nr status
	assert_success
	assert_line --regexp '^  mo +cooling down until [0-9]{2}:[0-9]{2}:[0-9]{2} \(in (4m[0-9]+s|5m0s)\)$'
	assert_line --regexp '^ +MOCK_KEY \(next\) +gpt-status-429-retry-300: cooling down until .* \(in (4m[0-9]+s|5m0s)\): HTTP 429 rate limited'
	assert_line --regexp '^  mb +ready$'
	assert_line --regexp '^  nokey +no key: set NOKEY_VAR$'
	assert_line --regexp '^  c +mo/gpt-status-429-retry-300 -> mb/gpt-mock$'
	assert_line --regexp '^ +next: mb/gpt-mock \(MOCK_KEY\)$'
	assert_line --regexp '^  [0-9:]{8} \([0-9]+s ago\)  c -> mo/gpt-status-429-retry-300 \(MOCK_KEY\)  429 rate_limit$'
}

@test "nr cooldown clear PROVIDER ends its cooldown and the next request goes there" {
	serve_start
	rate_limit_mo 1
	run nr cooldown clear mo
	assert_success
	assert_output 'cleared rate mo MOCK_KEY gpt-status-429-retry-300'
	run nr status
	assert_line --regexp '^  mo +ready$'
	assert_line --regexp '^ +next: mo/gpt-status-429-retry-300 \(MOCK_KEY\)$'
	[ "$(post c)" = 200 ]
	[ "$(mock_count gpt-status-429-retry-300)" -eq 2 ]
}

@test "nr status --json parses and says the same, times as Unix seconds" {
	serve_start
	rate_limit_mo 1
	run nr status --json
	assert_success
	echo "$output" | jq -e '
		(.now | type == "number") and
		(.providers[] | select(.name == "mo") | .state == "cooling" and .until > .now and
			(.accounts[0] | .name == "MOCK_KEY" and .next and
				(.cooldowns[0] | .model == "gpt-status-429-retry-300" and .in_s > 290 and .in_s <= 300))) and
		(.providers[] | select(.name == "mb") | .state == "ready") and
		(.providers[] | select(.name == "nokey") | .state == "no_key" and .key_vars == ["NOKEY_VAR"]) and
		(.combos[] | select(.name == "c") | .next == {"target": "mb/gpt-mock", "account": "MOCK_KEY"}) and
		(.failures | length == 1) and
		(.failures[0] | .status == 429 and .class == "rate_limit" and .requested == "c" and .combo == "c" and
			.target == "mo/gpt-status-429-retry-300" and .account == "MOCK_KEY")'
}

@test "nr status prints no key, no request and no answer: names only" {
	export MOCK_KEY_2=sk-second-key-0002
	serve_start MOCK_KEY_2=$MOCK_KEY_2
	rate_limit_mo 2	# both accounts tried
	for args in "" --json; do
		run nr status $args
		assert_success
		assert_output --partial MOCK_KEY_2
		refute_output --partial "$MOCK_KEY"
		refute_output --partial "$MOCK_KEY_2"
		refute_output --partial "$KEY"
		refute_output --partial 'try again'	# the mock's error message
		refute_output --partial 'Hello from mock-upstream'
	done
}

@test "accounts: each key of a provider, the next in rotation, and one cleared by its variable's name" {
	export MOCK_KEY_2=sk-second-key-0002
	serve_start MOCK_KEY_2=$MOCK_KEY_2
	run nr status
	assert_line --regexp '^ +MOCK_KEY \(next\) +ready$'
	assert_line --regexp '^ +MOCK_KEY_2 +ready$'
	[ "$(post mb/gpt-mock)" = 200 ]	# round robin: the next request starts at the second key
	run nr status --json
	echo "$output" | jq -e '.providers[] | select(.name == "mb") | [.accounts[] | {name, next}] ==
		[{"name": "MOCK_KEY", "next": false}, {"name": "MOCK_KEY_2", "next": true}]'
	rate_limit_mo 2
	run nr cooldown clear MOCK_KEY_2
	assert_output 'cleared rate mo MOCK_KEY_2 gpt-status-429-retry-300'
	run nr status
	assert_line --regexp '^ +MOCK_KEY +gpt-status-429-retry-300: cooling down'
	assert_line --regexp '^ +MOCK_KEY_2 \(next\) +ready$'
	assert_line --regexp '^ +next: mo/gpt-status-429-retry-300 \(MOCK_KEY_2\)$'
}

@test "a target cooldown (503 with Retry-After) is shown, and PROVIDER/MODEL clears only it" {
	serve_start
	rate_limit_mo 1
	[ "$(post mo/gpt-status-503-retry-120)" = 502 ]
	db_wait "select count(*) from cooldowns where scope = 'target mo/gpt-status-503-retry-120'" 1
	run nr status
	assert_line --regexp '^ +target gpt-status-503-retry-120: cooling down until .* \(in (1m[0-9]+s|2m0s)\): HTTP 503'
	run nr cooldown clear mo/gpt-status-503-retry-120
	assert_success
	assert_output 'cleared target mo/gpt-status-503-retry-120'
	[ "$(db 'select scope from cooldowns')" = 'rate mo MOCK_KEY gpt-status-429-retry-300' ]
	run nr cooldown clear mo/gpt-mock	# a known provider with nothing cooling: fine
	assert_success
	assert_output --partial 'nothing was cooling down for mo/gpt-mock'
}

@test "nr cooldown clear without a target ends them all; an unknown target is 1, bad usage 100" {
	serve_start
	rate_limit_mo 1
	[ "$(post mo/gpt-status-503-retry-120)" = 502 ]
	db_wait "select count(*) from cooldowns" 2
	run nr cooldown clear nosuch
	assert_failure 1
	assert_output --partial "no provider or account named 'nosuch'"
	run nr cooldown clear nosuch/model
	assert_failure 1
	[ "$(db 'select count(*) from cooldowns')" = 2 ]
	run nr cooldown clear
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[ "$(db 'select count(*) from cooldowns')" = 0 ]
	run nr status --json
	echo "$output" | jq -e '[.providers[] | select(.state == "cooling")] == []'
	for args in "" "flush" "clear a b" "clear ''"; do
		eval "run nr cooldown $args"
		assert_failure 100
	done
}

@test "times are the user's local time" {
	serve_start
	rate_limit_mo 1
	until=$(nr status --json | jq '.providers[] | select(.name == "mo") | .until | floor')
	for tz in UTC XYZ-5:30 ABC+7; do
		# the clock alone on today's date, else with the date (past local midnight)
		want=$(TZ=$tz date -d "@$until" +%H:%M:%S)
		[ "$(TZ=$tz date -d "@$until" +%F)" = "$(TZ=$tz date +%F)" ] || want="$(TZ=$tz date -d "@$until" +%F) $want"
		run env TZ=$tz nr status
		assert_line --regexp "^  mo +cooling down until $want "
		assert_line --regexp "^nr status at $(TZ=$tz date +%Y-%m-%d) [0-9:]{8} "
	done
}

@test "--failures N shows the last N failed attempts, newest first; bad values are refused" {
	serve_start
	rate_limit_mo 1
	[ "$(post mo/gpt-status-503)" = 502 ]
	db_wait "select count(*) from usage where outcome != 'ok'" 2
	run nr status --failures 1
	assert_line --regexp 'mo/gpt-status-503 -> mo/gpt-status-503 \(MOCK_KEY\)  503 upstream_error$'
	refute_output --partial '429 rate_limit'
	run nr status --json --failures 0
	echo "$output" | jq -e '.failures == []'
	for bad in -1 1001 x ''; do
		run nr status --failures "$bad"
		assert_failure 100
	done
	run nr status extra
	assert_failure 100
}
