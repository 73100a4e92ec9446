#!/usr/bin/env bats
# A key's policy: `nr key set NAME allow=… deny=… budget_day=… budget_month=…
# rate=…` (src/route/key_policy.h), enforced by nr-route for the requests
# made with the key: a 403 or a 429 (with Retry-After) in the client's
# format, naming the rule. Real nr-serve and nr-route, the mock upstream on
# 127.0.0.1, a SQLite file. The mock's `cached` answers cost $1.07 at mz's
# price (100 tokens in, 7 out, $10,000 a million).

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	route_setup
	provider mz openai "price=10000 10000 10000"
	provider mo openai
	serve_start	# KEY, the key named "tester"
}

teardown() {
	route_teardown
}

# ask MODEL [KEY]: a chat request through nr-serve; prints the status, keeps
# the answer in $BATS_TEST_TMPDIR/answer and the headers in .../headers.
ask() {
	curl -sS --max-time 20 -H "Authorization: Bearer ${2:-$KEY}" -H 'content-type: application/json' \
		--data-binary "$(body openai "$1")" -o "$BATS_TEST_TMPDIR/answer" -D "$BATS_TEST_TMPDIR/headers" \
		-w '%{http_code}' "$URL/v1/chat/completions"
}

# says TEXT: the last answer's error message holds TEXT
says() {
	local m
	m=$(jq -r .error.message "$BATS_TEST_TMPDIR/answer")
	[[ $m == *"$1"* ]] || fail "the message does not say '$1': $m"
}

# retry_after LOW HIGH: the last answer is a 429 whose Retry-After is in LOW..HIGH
retry_after() {
	local s
	grep -q '^HTTP/1.1 429' "$BATS_TEST_TMPDIR/headers" || fail "not a 429: $(cat "$BATS_TEST_TMPDIR/headers")"
	s=$(sed -n 's/^Retry-After: \([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/headers")
	[ -n "$s" ] && [ "$s" -ge "$1" ] && [ "$s" -le "$2" ] || fail "Retry-After '$s' is not within $1..$2"
}

@test "deny= refuses a requested name with a 403 in the client's format naming the rule, and nothing goes upstream" {
	run nr key set tester deny=mo/secret-*,c-internal
	assert_success
	run ask mo/secret-model
	assert_output 403
	says "key tester may not use 'mo/secret-model': deny=mo/secret-*"
	[ "$(jq -r .error.type "$BATS_TEST_TMPDIR/answer")" = permission_error ]
	run post /v1/messages "$(body anthropic mo/secret-x)" -w '\n%{http_code}'
	assert_line --index 1 403
	jq -e '.type == "error" and .error.type == "permission_error"' <<<"${lines[0]}"
	[ "$(mock_count)" = 0 ]
	run ask mo/public
	assert_output 200
}

@test "allow= keeps the targets of a combo it matches and skips the others; a name it allows opens all its targets" {
	combo c mz/first mo/second
	nr key set tester allow=mo/*
	run ask c
	assert_output 200
	answered_by second
	[ "$(mock_count first)" = 0 ]
	nr key set tester allow=c
	run ask c
	assert_output 200
	answered_by first
	nr key set tester allow=mz/other,mo/other
	run ask c
	assert_output 403
	says "allow=mz/other,mo/other admits none of its 2 targets"
	nr key set tester allow=	# cleared: no limit
	run ask c
	assert_output 200
	answered_by first
}

@test "a target deny= names is skipped even when allow= admits the requested name" {
	combo c mz/first mo/second
	nr key set tester allow=c deny=mz/*
	run ask c
	assert_output 200
	answered_by second
	nr key set tester deny=mz/*,mo/*
	run ask c
	assert_output 403
	says "deny="
}

@test "budget_day: at the key's budget its requests get a 429 with Retry-After until the UTC day ends; another key goes on" {
	nr key set tester budget_day=1.5
	run ask mz/a-cached
	assert_output 200
	day=$(date -u +%Y-%m-%d)
	db_wait "select round(cost, 6) from spend where provider = '@tester' and period = '$day'" 1.07
	run ask mz/a-cached	# $1.07 of $1.50: still under
	assert_output 200
	db_wait "select round(cost, 6) from spend where provider = '@tester' and period = '$day'" 2.14
	run ask mo/free	# $2.14 of $1.50: over, whatever the model
	assert_output 429
	says "key tester over budget: \$2.14 of its budget_day=1.50 spent on"
	retry_after 1 86400
	[ "$(mock_count)" = 2 ]
	other=$(nr key add other 2>/dev/null)
	run ask mo/free "$other"
	assert_output 200
	nr key set tester budget_day=none budget_month=2
	run ask mo/free
	assert_output 429
	says "of its budget_month=2.00 spent in"
}

@test "rate=N: the request past N in a calendar minute gets a 429 with Retry-After until the minute ends" {
	# not across a minute's turn: start early in one
	while [ "$(date -u +%S)" -gt 50 ]; do sleep 0.5; done
	nr key set tester rate=2
	for _ in 1 2; do
		run ask mo/m	# each on a connection of its own: any worker
		assert_output 200
	done
	run ask mo/m
	assert_output 429
	says "key tester over its rate: rate=2 requests a minute"
	retry_after 1 60
	[ "$(mock_count)" = 2 ]
	[ "$(db "select n from key_rate where name = 'tester'")" = 3 ]
}

@test "nr key set changes nothing when one value is bad; nr key list shows the policy" {
	nr key set tester rtk=off allow=mo/*
	run nr key set tester deny=x budget_day=lots
	assert_failure 100
	assert_output --partial 'budget_day=lots: a budget is US dollars'
	run nr key set tester 'allow=a b'
	assert_failure 100
	run nr key set tester rate=0
	assert_failure 100
	run nr key set tester ceiling=3
	assert_failure 100
	run nr key set nobody rate=3
	assert_failure 1
	run nr key list
	assert_output --regexp '^tester +[0-9TZ:-]+  rtk=off +caveman=default  allow=mo/\*$'
	nr key set tester deny=mz/* budget_day=0.25 budget_month=10 rate=60
	run nr key list
	assert_output --partial 'allow=mo/*  deny=mz/*  budget_day=0.25  budget_month=10  rate=60'
}

@test "nr-route applies the policy of the key it is told of (--client-key), exit 77" {
	nr key set tester deny=mo/*
	body openai mo/m >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai --client-key tester <"$BATS_TEST_TMPDIR/req"
	assert_failure 77
	assert_line --index 0 --regexp '^Status: 403'
	NR_CLIENT_KEY=tester run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_failure 77
	run --separate-stderr nr-route --from openai --client-key someone-else <"$BATS_TEST_TMPDIR/req"
	assert_success
	[ "$(mock_count)" = 1 ]
}
