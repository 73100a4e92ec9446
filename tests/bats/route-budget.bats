#!/usr/bin/env bats
# Budgets of combo targets: `PROVIDER/MODEL budget_day=USD budget_month=USD`
# on a combo line limits the cost recorded for that provider+model in the
# UTC day or month (kept in the spend table keyed "PROVIDER/MODEL", beside
# the provider's rows); a target over budget is skipped like a cooling one.
# Real nr-serve and nr-route, mock upstream on 127.0.0.1, SQLite file. The
# mock's `cached` answers have a fixed usage (100 tokens in, 7 out): at
# $10,000 a million tokens each answer costs $1.07.

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	route_setup
	provider mz openai "price=10000 10000 10000"
	provider mo openai
	serve_start
}

teardown() {
	route_teardown
}

# ask MODEL: a chat request through nr-serve; prints the status, keeps the
# answer in $BATS_TEST_TMPDIR/answer and the headers in .../headers.
ask() {
	post /v1/chat/completions "$(body openai "$1")" -o "$BATS_TEST_TMPDIR/answer" \
		-D "$BATS_TEST_TMPDIR/headers" -w '%{http_code}'
}

# spent KEY PERIOD: the spend row of KEY (a provider or PROVIDER/MODEL) in
# PERIOD, "day" or "month" (this UTC one); empty when none.
spent() {
	local period
	period=$(date -u +%Y-%m-%d)
	[ "$2" = month ] && period=$(date -u +%Y-%m)
	db "select round(cost, 6) from spend where provider = '$1' and period = '$period'"
}

# retry_after: the Retry-After of the last answer, checked to be a 429's.
retry_after() {
	grep -q '^HTTP/1.1 429' "$BATS_TEST_TMPDIR/headers" || fail "not a 429: $(cat "$BATS_TEST_TMPDIR/headers")"
	sed -n 's/^Retry-After: \([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/headers"
}

# within N LOW HIGH: LOW <= N <= HIGH, or the test fails saying so.
within() {
	[ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ] || fail "$1 is not within $2..$3"
}

@test "a target under its day's budget answers; past it the combo goes on to its next target without an upstream call" {
	combo c "mz/a-cached budget_day=1.5" mo/m
	run ask c
	assert_output 200
	answered_by a-cached
	db_wait "select count(*) from spend where provider = 'mz/a-cached'" 2
	[ "$(spent mz/a-cached day)" = 1.07 ] || fail "day's spend: $(spent mz/a-cached day)"
	[ "$(spent mz/a-cached month)" = 1.07 ] || fail "month's spend: $(spent mz/a-cached month)"
	[ "$(spent mz day)" = 1.07 ] || fail "the provider's own spend: $(spent mz day)"
	run ask c	# $1.07 of $1.50: still under
	assert_output 200
	answered_by a-cached
	db_wait "select round(cost, 6) from spend where provider = 'mz/a-cached' and length(period) = 10" 2.14
	[ "$(wc -l <"$MOCK_LOG")" -eq 2 ] || fail "the mock saw $(wc -l <"$MOCK_LOG") requests, not 2"
	run ask c	# $2.14 of $1.50: over, skipped
	assert_output 200
	answered_by m
	# nr quota lists the target's budget beside the providers', with what it spent
	run nr quota --json
	jq -e '.budgets[] | select(.target == "mz/a-cached" and .period == "day")
		| .combo == "c" and .budget == 1.5 and .spent > 2.13 and .left == 0' <<<"$output"
	run nr quota
	assert_output --regexp 'mz/a-cached +budget_day +\$2\.14 of \$1\.50 spent in [0-9-]+ \(UTC\), combo c, OVER'
	run nr combo show c
	assert_output --partial 'mz/a-cached budget_day=1.5 -> mo/m'

	[ "$(wc -l <"$MOCK_LOG")" -eq 3 ] || fail "the mock saw $(wc -l <"$MOCK_LOG") requests, not 3"
	[ "$(mock_count a-cached)" = 2 ]
	# the skipped target made no usage row: no call was made
	usage_rows 3
	run db "select model, position, outcome from usage order by id"
	assert_output $'a-cached|0|ok\na-cached|0|ok\nm|1|ok'
	# the provider's other models are not affected, in a combo with a budget of their own or not
	combo d "mz/b-cached budget_day=1.5" mo/m
	run ask d
	assert_output 200
	answered_by b-cached
	run ask mz/a-cached	# asked for by name, it has no budget
	assert_output 200
	answered_by a-cached
	[ "$(mock_count a-cached)" = 3 ]
}

@test "alone, a target over its day's budget is a 429 with Retry-After up to the UTC day's end, naming target, limit and spend" {
	combo c "mz/a-cached budget_day=1"
	combo other "mz/a-cached"
	run ask other	# the spend is the target's, whichever combo asked for it
	assert_output 200
	db_wait "select count(*) from spend where provider = 'mz/a-cached'" 2
	run ask c
	assert_output 429
	now=$(date -u +%s)
	end=$(( 86400 - now % 86400 ))
	within "$(retry_after)" $((end - 30)) $((end + 1))
	run jq -r .error.message "$BATS_TEST_TMPDIR/answer"
	assert_output --regexp "mz/a-cached: target mz/a-cached over budget: \\\$1\\.07 of its budget_day=1\\.00 spent on $(date -u +%Y-%m-%d) \\(UTC\\)"
	[ "$(mock_count a-cached)" = 1 ]
	# nr-route too, from the command line: exit 1 and the reason on stderr
	body openai c >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_failure 1
	assert_line --index 0 "Status: 429"$'\r'
	[[ "$stderr" == *"target mz/a-cached over budget: \$1.07 of its budget_day=1.00"* ]] || fail "stderr: $stderr"
	[ "$(mock_count a-cached)" = 1 ]
	# a budget of 0 is never met: the target is never asked
	combo zero "mz/z-cached budget_day=0" mo/m
	run ask zero
	assert_output 200
	answered_by m
	[ "$(mock_count z-cached)" = 0 ]
}

@test "budget_month likewise: over it the target is skipped, and alone it waits at most a day's Retry-After" {
	combo c "mz/a-cached budget_day=100 budget_month=2" mo/m
	combo solo "mz/a-cached budget_month=2"
	run ask c
	assert_output 200
	answered_by a-cached
	db_wait "select count(*) from spend where provider = 'mz/a-cached'" 2
	run ask c
	assert_output 200
	answered_by a-cached
	db_wait "select round(cost, 6) from spend where provider = 'mz/a-cached' and length(period) = 7" 2.14
	run ask c	# the day's $100 is far, the month's $2 spent
	assert_output 200
	answered_by m
	[ "$(mock_count a-cached)" = 2 ]
	run ask solo
	assert_output 429
	run jq -r .error.message "$BATS_TEST_TMPDIR/answer"
	assert_output --partial "target mz/a-cached over budget: \$2.14 of its budget_month=2.00 spent in $(date -u +%Y-%m) (UTC)"
	# the month's end, or the longest Retry-After nr says (a day)
	now=$(date -u +%s)
	month_end=$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%s)
	left=$(( month_end - now ))
	[ "$left" -gt 86400 ] && left=86400
	within "$(retry_after)" $((left - 30)) $((left + 1))
	[ "$(mock_count a-cached)" = 2 ]
	# the provider's other models are not affected
	combo other "mz/b-cached budget_month=2"
	run ask other
	assert_output 200
	answered_by b-cached
}

@test "a tiny spend and budget are said to their first figures, not as \$0.00" {
	provider mz openai "price=1 2"
	combo c "mz/a-cached budget_day=0.00001"
	run ask c
	assert_output 200
	db_wait "select count(*) from spend where provider = 'mz/a-cached'" 2
	run ask c
	assert_output 429
	run jq -r .error.message "$BATS_TEST_TMPDIR/answer"
	assert_output --partial "over budget: \$0.00011 of its budget_day=0.000010 spent on"
}

@test "a bad budget on a combo line is refused, naming the combo and its line" {
	route_c() {
		printf '# budgets\n\n%s\nmo/m\n' "$1" >"$NR_CONFIG_DIR/combos/c"
		body openai c >"$BATS_TEST_TMPDIR/req"
		run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	}
	for bad in budget_day=-1 budget_day=lots budget_month= budget_day=nan budget_month=inf \
		budget_day=1e12 budget_day=2x; do
		route_c "mz/a-cached max_tokens=50 $bad"
		assert_failure 65
		[[ "$stderr" == *"combo c: line 3: bad value in '$bad' (USD, a number from 0)"* ]] ||
			fail "$bad: $stderr"
	done
	route_c "mz/a-cached budget_week=1"
	assert_failure 65
	[[ "$stderr" == *"combo c: line 3: unknown option 'budget_week=1' (max_tokens=N, budget_day=USD, budget_month=USD)"* ]] ||
		fail "$stderr"
	route_c "mz/a-cached max_tokens=0"
	assert_failure 65
	[[ "$stderr" == *"combo c: line 3: bad value in 'max_tokens=0'"* ]] || fail "$stderr"
	# through nr-serve the same error, in the answer
	printf 'mo/m\nmz/a-cached budget_day=-1\n' >"$NR_CONFIG_DIR/combos/c"
	run ask c
	assert_output 404
	run jq -r .error.message "$BATS_TEST_TMPDIR/answer"
	assert_output --partial "combo c: line 2: bad value in 'budget_day=-1'"
	[ "$(mock_count)" = 0 ]
	# good values, any number of them, in any order
	route_c "mz/a-cached budget_month=30 max_tokens=50 budget_day=2.5"
	assert_success
	[ "$(jq -s -c 'map([.model, .body.max_tokens])' "$MOCK_LOG")" = '[["a-cached",50]]' ]
}

@test "a usage row replayed from the journal adds nothing to its target's spend" {
	run ask mz/a-cached
	assert_output 200
	db_wait "select count(*) from spend where provider = 'mz/a-cached'" 2
	row=$(db "select json_object('request', request, 'attempt', attempt, 'ts', ts, 'requested', requested,
		'provider', provider, 'model', model, 'position', position, 'status', status, 'outcome', outcome,
		'cost', cost) from usage")
	printf '%s\n' "$row" >"$NR_DATA_DIR/usage.journal"
	run ask mz/a-cached	# a flush replays the journal: the row is there already
	assert_output 200
	usage_rows 2
	db_wait "select round(cost, 6) from spend where provider = 'mz/a-cached' and length(period) = 10" 2.14
	[ "$(spent mz/a-cached day)" = 2.14 ] || fail "day's spend: $(spent mz/a-cached day)"
	[ "$(spent mz/a-cached month)" = 2.14 ] || fail "month's spend: $(spent mz/a-cached month)"
	[ "$(spent mz day)" = 2.14 ] || fail "the provider's: $(spent mz day)"
}

@test "the migration keeps the spend rows there were and adds each target's from the usage rows" {
	kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
	# the database as migration 8 left it: no spend rows per target yet;
	# the provider rows are made up, to show they are kept as they were
	# (and what 12 and 13 added to the schema taken away, to be added again)
	db "delete from migrations where version >= 9;
	    alter table usage drop column caveman; alter table usage drop column output_cost;
	    alter table keys drop column allow; alter table keys drop column deny;
	    alter table keys drop column budget_day; alter table keys drop column budget_month;
	    alter table keys drop column rate; drop table key_rate;
	    insert into usage (request, attempt, ts, day, requested, provider, model, position, status, outcome, cost) values
	      ('r1', 0, 0, '2026-01-01', 'c', 'mz', 'a', 0, 200, 'ok', 1.25),
	      ('r2', 0, 0, '2026-01-01', 'c', 'mz', 'a', 0, 200, 'ok', 0.5),
	      ('r3', 0, 0, '2026-01-02', 'c', 'mz', 'a', 0, 200, 'ok', 2),
	      ('r4', 0, 0, '2026-02-03', 'c', 'mz', 'b/c', 0, 200, 'ok', 4),
	      ('r5', 0, 0, '2026-01-01', 'c', 'mo', 'a', 0, 200, 'ok', 0),
	      ('r6', 0, 0, '2026-01-01', 'c', 'mo', 'a', 1, 502, 'fallback', null);
	    insert into spend values ('mz', '2026-01-01', 9.5), ('mz', '2026-01', 10), ('gone', '2025-12', 7);"
	[ "$(db 'select max(version) from migrations')" = 8 ]
	run nr key list	# any program that opens the database migrates it
	assert_success
	[ "$(db 'select max(version) from migrations')" -ge 9 ]
	run db "select provider, period, cost from spend order by provider, period"
	assert_output "gone|2025-12|7.0
mz|2026-01|10.0
mz|2026-01-01|9.5
mz/a|2026-01|3.75
mz/a|2026-01-01|1.75
mz/a|2026-01-02|2.0
mz/b/c|2026-02|4.0
mz/b/c|2026-02-03|4.0"
	# and from there each new row adds to its target's rows as to its provider's
	serve_start
	run ask mz/a-cached
	assert_output 200
	db_wait "select count(*) from spend where provider = 'mz/a-cached'" 2
	[ "$(spent mz/a-cached day)" = 1.07 ] || fail "$(spent mz/a-cached day)"
}
