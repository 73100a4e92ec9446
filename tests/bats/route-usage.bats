#!/usr/bin/env bats
# `nr usage`: the report over the usage rows nr-route writes.

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	route_setup
	provider mock openai 'price=1000 2000'
	provider mock2 openai
	combo c mock/status-500 mock2/m2
	body openai c >"$BATS_TEST_TMPDIR/c"
	body openai mock/m1 >"$BATS_TEST_TMPDIR/direct"
	nr-route --from openai --client-key laptop <"$BATS_TEST_TMPDIR/c" >/dev/null
	nr-route --from openai --client-key laptop <"$BATS_TEST_TMPDIR/c" >/dev/null
	nr-route --from openai --client-key ci <"$BATS_TEST_TMPDIR/direct" >/dev/null
}

teardown() {
	route_teardown
}

@test "the json report totals requests, attempts, tokens and cost" {
	run nr usage --json
	assert_success
	echo "$output" | jq -e '.total.requests == 3 and .total.attempts == 5 and .total.failed_attempts == 2'
	tokens=$(db "select sum(input_tokens) * 1000.0 / 1e6 + sum(output_tokens) * 2000.0 / 1e6 from usage where provider = 'mock'")
	echo "$output" | jq -e --argjson t "$tokens" '(.total.cost - $t) | fabs < 1e-9'
	echo "$output" | jq -e '.total.input_tokens > 0 and .total.output_tokens > 0'
}

@test "the report groups by provider, key and model" {
	run nr usage --json --by provider
	assert_success
	echo "$output" | jq -e '[.rows[] | {(.group): .attempts}] | add == {"mock": 3, "mock2": 2}'
	run nr usage --json --by key
	echo "$output" | jq -e '[.rows[] | {(.group): .requests}] | add == {"ci": 1, "laptop": 2}'
	run nr usage --json --by model
	echo "$output" | jq -e '[.rows[].group] == ["mock/m1", "mock/status-500", "mock2/m2"]'
}

@test "the report counts how often each combo fell back" {
	run nr usage --json
	echo "$output" | jq -e '.combos == [{"combo": "c", "requests": 2, "fell_back": 2, "answered": 2}]'
	run nr usage
	assert_success
	assert_line --regexp '^c +2 +2 +2$'
	assert_line --regexp '^total +3 +5 +2 '
}

@test "--since leaves out earlier days" {
	run nr usage --json --since 2999-01-01
	assert_success
	echo "$output" | jq -e '.total.requests == 0 and .rows == [] and .since == "2999-01-01"'
	today=$(date -u +%F)
	run nr usage --json --since "$today"
	echo "$output" | jq -e '.total.requests == 3'
}

@test "bad report options exit 100 with a message" {
	run nr usage --by colour
	assert_failure 100
	run nr usage --since yesterday
	assert_failure 100
	assert_output --partial 'YYYY-MM-DD'
	run nr frobnicate
	assert_failure 100
	run nr --help
	assert_success
	assert_output --partial 'usage'
}

@test "tokens and cost saved by rtk-filter on a request through nr-serve show in the report" {
	serve_start
	for i in $(seq 1 400); do echo "2026-01-01 12:00:00 INFO worker-3 handled request id=$i in 5ms status=200"; done >"$BATS_TEST_TMPDIR/log"
	jq -n --rawfile t "$BATS_TEST_TMPDIR/log" '{model: "mock/m1", messages: [
		{role: "user", content: "run it"},
		{role: "assistant", content: null, tool_calls: [{id: "c1", type: "function", function: {name: "sh", arguments: "{}"}}]},
		{role: "tool", tool_call_id: "c1", content: $t}]}' >"$BATS_TEST_TMPDIR/big"
	curl -sSf --max-time 20 -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary @"$BATS_TEST_TMPDIR/big" "$URL/v1/chat/completions" >/dev/null
	usage_rows 6	# written just after the answer
	saved=$(db "select rtk_saved_tokens from usage where rtk_saved_tokens > 0")
	[ "$saved" -gt 5000 ]
	run nr usage --json
	assert_success
	# priced at the input price of the model that served it: mock's 1000 USD per million
	echo "$output" | jq -e --argjson s "$saved" '.total.rtk_saved_tokens == $s and (.total.rtk_saved_cost - $s * 1000 / 1e6 | fabs) < 1e-9'
	run nr usage --json --by provider
	echo "$output" | jq -e '[.rows[] | {(.group): (.rtk_saved_cost > 0)}] | add == {"mock": true, "mock2": false}'
	run nr usage
	assert_line --regexp '^day +requests .* saved_tokens +saved_usd$'
	assert_line --regexp "^total +4 +6 +2 .* $saved +[0-9]+\.[0-9]{4}$"
}

@test "the report compares the answers with caveman mode on and off, and estimates its saving from them" {
	# the setup's rows do not say: on neither side, and nothing to estimate
	run nr usage --json
	assert_success
	echo "$output" | jq -e '.caveman == {"on": {"answers": 0, "output_tokens": 0, "output_cost": 0},
		"off": {"answers": 0, "output_tokens": 0}, "saved_tokens_estimate": null, "saved_usd_estimate": null}'
	run nr usage
	refute_line --partial 'caveman'
	# two long answers with it off, a short one with it on
	body openai mock/long-40 >"$BATS_TEST_TMPDIR/long"
	body openai mock/long-4 >"$BATS_TEST_TMPDIR/short"
	nr-route --from openai --rtk-caveman 0 <"$BATS_TEST_TMPDIR/long" >/dev/null
	nr-route --from openai --rtk-caveman 1 <"$BATS_TEST_TMPDIR/short" >/dev/null
	run nr usage
	assert_line --regexp '^on +1 +[0-9]+\.[0-9]$'
	assert_line --regexp '^off +1 +[0-9]+\.[0-9]$'
	nr-route --from openai --rtk-caveman 0 <"$BATS_TEST_TMPDIR/long" >/dev/null
	on=$(db "select output_tokens from usage where caveman = 1")
	saved=$(db "select avg(output_tokens) - $on from usage where caveman = 0")
	run nr usage --json
	# (average off - average on) x answers on, at mock's output price: 2000 USD per million
	echo "$output" | jq -e --argjson on "$on" --argjson s "$saved" '.caveman.on.answers == 1 and .caveman.off.answers == 2
		and .caveman.on.output_tokens == $on and (.caveman.saved_tokens_estimate - $s | fabs) < 1e-9
		and (.caveman.saved_usd_estimate - $s * 2000 / 1e6 | fabs) < 1e-9 and $s > 20'
	run nr usage
	assert_line --regexp "^caveman +answers +output_avg\$"
	assert_line --regexp "^saved \(estimate\): [0-9]+ output tokens, \\\$[0-9.]+: \(average off - average on\) x answers on\$"
	# a period without answers: no estimate
	run nr usage --json --since 2999-01-01
	echo "$output" | jq -e '.caveman.saved_tokens_estimate == null'
}

@test "the report says no rows wait in the journal when none do" {
	run nr usage --json
	assert_success
	echo "$output" | jq -e '.pending == {"rows": 0, "since": null}'
	run nr usage
	refute_line --partial 'pending'
}

@test "a token count no integer holds (1e+300) is recorded as unknown, not cast (undefined behaviour; asan build)" {
	provider manth anthropic
	provider mgem gemini
	for p in mock manth mgem; do
		fmt=$(sed -n 's/^format=//p' "$NR_CONFIG_DIR/providers/$p")
		body "$fmt" $p/hugeusage >"$BATS_TEST_TMPDIR/huge"
		run nr-route --from "$fmt" --model $p/hugeusage <"$BATS_TEST_TMPDIR/huge"
		assert_success
	done
	[ "$(db "select count(*) from usage where model = 'hugeusage' and outcome = 'ok' and input_tokens is null and output_tokens is null")" = 3 ]
}
