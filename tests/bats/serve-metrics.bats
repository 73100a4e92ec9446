#!/usr/bin/env bats
# GET /metrics: the usage rows' sums, cooldowns and quota windows in
# Prometheus's text format, read by Prometheus's own parser (promtool check
# metrics); a key is required unless --metrics-public and the client is on
# loopback.

load serve-helper

setup() {
	serve_setup
	make_key
	DB=$NR_DATA_DIR/nr.sqlite
	now=$(date +%s)
}

teardown() {
	serve_teardown
}

# row REQUEST ATTEMPT COMBO PROVIDER MODEL STATUS OUTCOME REASON LATENCY_MS IN OUT COST SAVED SAVED_USD
row() {
	printf "('%s', %s, %s, date(%s, 'unixepoch'), 'm', %s, '%s', '%s', %s, %s, '%s', %s, %s, %s, %s, %s, %s, %s)," \
		"$1" "$2" "$now" "$now" "$3" "$4" "$5" "$2" "$6" "$7" "$8" "$9" "${10}" "${11}" "${12}" "${13}" "${14}"
}

# insert ROWS...: the rows (from row) into the usage table
insert() {
	local v
	v=$(printf '%s' "$@")
	sqlite3 "$DB" "insert into usage (request, attempt, ts, day, requested, combo, provider, model, position,
		status, outcome, reason, latency_ms, input_tokens, output_tokens, cost, rtk_saved_tokens,
		rtk_saved_cost) values ${v%,}"
}

metrics() {
	curl -sS -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/metrics"
}

@test "/metrics needs an nr key, as the API does, and answers 200 in the text format with one" {
	start_server
	run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics"
	assert_output 401
	run curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nr-wrong' "http://127.0.0.1:$PORT/metrics"
	assert_output 401
	run curl -sS -D - -o /dev/null -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/metrics"
	assert_line --partial 'HTTP/1.1 200'
	assert_line --partial 'Content-Type: text/plain; version=0.0.4; charset=utf-8'
	run curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/metrics"
	assert_output 405
}

@test "--metrics-public serves /metrics to a loopback client without a key, and is refused on another address" {
	start_server --metrics-public
	run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics"
	assert_output 200
	# the API itself still wants its key
	run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/models"
	assert_output 401
	run curl -sS -o /dev/null -w '%{http_code}' -X GET -H 'Content-Length: 50000000' "http://127.0.0.1:$PORT/metrics"
	assert_output 413
	run nr-serve --listen 0.0.0.0:0 --metrics-public
	assert_failure 100
	assert_output --partial 'refusing --metrics-public on the non-loopback address 0.0.0.0:0'
}

@test "the counters add up the usage rows, and rows written after a scrape are in the next one" {
	insert "$(row r1 0 "'cheap'" mo a 429 fallback "'rate limited'" 120 0 0 0 0 0)" \
		"$(row r1 1 "'cheap'" mz b 200 ok null 800 100 50 0.25 40 0.01)" \
		"$(row r2 0 null mz b 502 error "'upstream 502'" 3000 0 0 0 0 0)"
	start_server
	run metrics
	assert_line 'nr_requests_total{provider="mz",model="b",outcome="ok"} 1'
	assert_line 'nr_requests_total{provider="mz",model="b",outcome="error"} 1'
	assert_line 'nr_upstream_attempts_total{provider="mo",model="a",combo="cheap",outcome="fallback"} 1'
	assert_line 'nr_upstream_attempts_total{provider="mz",model="b",combo="cheap",outcome="ok"} 1'
	assert_line 'nr_upstream_attempts_total{provider="mz",model="b",combo="",outcome="error"} 1'
	assert_line 'nr_upstream_errors_total{provider="mo",class="rate_limit"} 1'
	assert_line 'nr_upstream_errors_total{provider="mz",class="upstream_error"} 1'
	assert_line 'nr_tokens_total{provider="mz",model="b",type="input"} 100'
	assert_line 'nr_tokens_total{provider="mz",model="b",type="output"} 50'
	assert_line 'nr_cost_usd_total{provider="mz",model="b"} 0.25'
	assert_line 'nr_rtk_saved_tokens_total{provider="mz",model="b"} 40'
	assert_line 'nr_rtk_saved_usd_total{provider="mz",model="b"} 0.01'
	assert_line 'nr_upstream_latency_seconds_bucket{provider="mz",le="1"} 1'
	assert_line 'nr_upstream_latency_seconds_bucket{provider="mz",le="2.5"} 1'
	assert_line 'nr_upstream_latency_seconds_bucket{provider="mz",le="5"} 2'
	assert_line 'nr_upstream_latency_seconds_count{provider="mz"} 2'
	assert_line 'nr_upstream_latency_seconds_sum{provider="mz"} 3.8'
	insert "$(row r3 0 null mz b 200 ok null 50 7 3 0.5 0 0)"
	run metrics
	assert_line 'nr_requests_total{provider="mz",model="b",outcome="ok"} 2'
	assert_line 'nr_tokens_total{provider="mz",model="b",type="input"} 107'
	assert_line 'nr_cost_usd_total{provider="mz",model="b"} 0.75'
	assert_line 'nr_upstream_latency_seconds_bucket{provider="mz",le="0.1"} 1'
	# each row counted once: the sums moved past them
	[ "$(sqlite3 "$DB" "select sum(attempts) from usage_rollup where grain = 0")" = 4 ]
	[ "$(sqlite3 "$DB" "select sum(attempts) from usage_rollup where grain = 3600")" = 4 ]
	[ "$(sqlite3 "$DB" "select sum(attempts) from usage_rollup where grain = 86400")" = 4 ]
}

# cave REQUEST PROVIDER OUTCOME OUTPUT_TOKENS CAVEMAN OUTPUT_COST: a row with
# caveman mode's column (null: not told) into the usage table
cave() {
	sqlite3 "$DB" "insert into usage (request, attempt, ts, day, requested, provider, model, position, status,
		outcome, output_tokens, caveman, output_cost)
		values ('$1', 0, $now, date($now, 'unixepoch'), 'm', '$2', 'b', 0, 200, '$3', $4, $5, $6)"
}

@test "answers with caveman mode on and off are counted apart, with their output tokens; rows that do not say are in neither" {
	cave c1 mz ok 100 1 0.001
	cave c2 mz ok 300 0 0.003
	cave c3 mz ok 500 0 0.005
	cave c4 mz ok 900 null 0.009	# from before nr recorded it
	cave c5 mz error 0 1 0	# no answer
	cave c6 mz ok null 1 null	# no output count to compare
	start_server
	run metrics
	assert_line 'nr_caveman_requests_total{provider="mz",model="b",caveman="on"} 1'
	assert_line 'nr_caveman_requests_total{provider="mz",model="b",caveman="off"} 2'
	assert_line 'nr_caveman_output_tokens_total{provider="mz",model="b",caveman="on"} 100'
	assert_line 'nr_caveman_output_tokens_total{provider="mz",model="b",caveman="off"} 800'
	assert_line '# TYPE nr_caveman_requests_total counter'
	# rows written after the scrape, in the next one
	cave c7 mz ok 60 1 0.0006
	run metrics
	assert_line 'nr_caveman_requests_total{provider="mz",model="b",caveman="on"} 2'
	assert_line 'nr_caveman_output_tokens_total{provider="mz",model="b",caveman="on"} 160'
}

@test "a database from before caveman mode was recorded keeps its sums, and its new rows' caveman mode is counted" {
	cave o1 mz ok 100 null null
	start_server
	run metrics
	assert_line 'nr_requests_total{provider="mz",model="b",outcome="ok"} 1'
	kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
	# the schema as migration 12 left it, its sums made by an nr of then
	sqlite3 "$DB" "delete from migrations where version >= 13;
		alter table usage drop column caveman; alter table usage drop column output_cost;
		alter table usage_rollup drop column caveman_on_answers;
		alter table usage_rollup drop column caveman_on_output_tokens;
		alter table usage_rollup drop column caveman_on_output_cost;
		alter table usage_rollup drop column caveman_off_answers;
		alter table usage_rollup drop column caveman_off_output_tokens;
		update usage_rollup set n_ok = n_ok + 10"	# marked: sums made again from the rows would lose it
	nr key list >/dev/null	# any program that opens the database migrates it
	start_server
	cave n1 mz ok 40 1 0.0004
	run metrics
	assert_line 'nr_requests_total{provider="mz",model="b",outcome="ok"} 12'
	assert_line 'nr_caveman_requests_total{provider="mz",model="b",caveman="on"} 1'
	assert_line 'nr_caveman_output_tokens_total{provider="mz",model="b",caveman="on"} 40'
	refute_line --partial 'caveman="off"'
	[ "$(sqlite3 "$DB" 'select max(version) from migrations')" -ge 13 ]
}

@test "cooldowns running and quota windows are gauges per provider and account" {
	sqlite3 "$DB" "insert into cooldowns values ('account mo OPENAI_API_KEY', $now + 600, 'quota'),
		('target mz/b', $now + 60, 'upstream'), ('target mz/c', $now - 60, 'over');
		insert into quota_windows values ('codex', 'me', 'primary', 42.5, 300, $now + 3600, 0, $now)"
	start_server
	run metrics
	assert_line 'nr_cooldowns_active{provider="mo"} 1'
	assert_line 'nr_cooldowns_active{provider="mz"} 1'
	assert_line 'nr_quota_used_ratio{provider="codex",account="me",window="primary"} 0.425'
	assert_line "nr_quota_resets_timestamp_seconds{provider=\"codex\",account=\"me\",window=\"primary\"} $((now + 3600))"
}

@test "promtool check metrics accepts the exposition, label values with quotes and backslashes included" {
	command -v promtool >/dev/null || skip "needs promtool (Debian's prometheus package)"
	insert "$(row r1 0 "'cheap'" mo 'we"ird\name' 429 fallback "'x'" 120 1 1 0.1 1 0.1)" \
		"$(row r2 0 null mz b 200 ok null 800 100 50 0.25 40 0.01)"
	sqlite3 "$DB" "insert into quota_windows values ('codex', 'me', '7d', 10, 10080, $now + 3600, 0, $now)"
	cave c1 mz ok 100 1 0.001
	cave c2 mz ok 300 0 0.003
	start_server
	metrics >"$BATS_TEST_TMPDIR/m.txt"
	grep -q '^nr_caveman_requests_total{.*caveman="on"} 1$' "$BATS_TEST_TMPDIR/m.txt" || fail "no caveman sample"
	grep -qF 'model="we\"ird\\name"' "$BATS_TEST_TMPDIR/m.txt" || fail "$(cat "$BATS_TEST_TMPDIR/m.txt")"
	run promtool check metrics <"$BATS_TEST_TMPDIR/m.txt"
	assert_success
	refute_output
}

@test "sums of other grains (an older nr's) are dropped and made again from the rows" {
	insert "$(row r1 0 null mz b 200 ok null 50 7 3 0.5 0 0)" "$(row r2 0 null mz b 200 ok null 50 7 3 0.5 0 0)"
	start_server
	run metrics
	assert_line 'nr_requests_total{provider="mz",model="b",outcome="ok"} 2'
	# as an nr with other grains left them: its sums wrong, the mark past the rows
	sqlite3 "$DB" "update usage_rollup set n_ok = 40; update settings set value = '3600,0' where name = 'usage_rollup_grains'"
	run metrics
	assert_line 'nr_requests_total{provider="mz",model="b",outcome="ok"} 2'
	[ "$(sqlite3 "$DB" "select count(*) from usage_rollup where grain = 604800")" = 1 ]
}

@test "every metric the sample Grafana dashboard queries is one /metrics serves" {
	start_server
	metrics >"$BATS_TEST_TMPDIR/m.txt"
	names=$(jq -r '.panels[].targets[].expr' "$ROOT/share/grafana/nr-dashboard.json" | grep -o 'nr_[a-z_]*' | sort -u)
	[ -n "$names" ] || fail "no metric in the dashboard"
	for n in $names; do
		grep -q "^# TYPE ${n%_bucket} " "$BATS_TEST_TMPDIR/m.txt" || fail "the dashboard queries $n, which /metrics lacks"
	done
}
