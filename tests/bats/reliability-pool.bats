#!/usr/bin/env bats
# nr-serve's worker pool under hostile and heavy load (issue 11): slow clients
# at the pool size, a saturated pool, a worker killed mid-stream, a burst of
# 256 connections. Real processes: nr-serve --listen and the mock upstream on
# 127.0.0.1.

load route-helper

setup() {
	route_setup
	provider mo openai "models=gpt-mock"
}

teardown() {
	local p
	for p in ${SLOW_PIDS:-}; do kill "$p" 2>/dev/null || true; done
	route_teardown
}

# pool_start N: nr-serve with --max-connections N (serve_start passes only
# environment, so a wrapper earlier in PATH adds the flag; exec keeps the pid)
pool_start() {
	mkdir -p "$BATS_TEST_TMPDIR/wrap"
	printf '#!/bin/sh\nexec "%s/nr-serve" --max-connections %s "$@"\n' "$NR_BIN" "$1" \
		>"$BATS_TEST_TMPDIR/wrap/nr-serve"
	chmod +x "$BATS_TEST_TMPDIR/wrap/nr-serve"
	serve_start PATH="$BATS_TEST_TMPDIR/wrap:$PATH"
}

post() {	# post MODEL [curl args...]: the status code
	local model=$1
	shift
	curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
		-H 'content-type: application/json' --data-binary "$(body openai "$model")" "$@" \
		"$URL/v1/chat/completions"
}

workers() {	# how many workers the server has
	pgrep -c -P "$SERVER_PID" || true
}

@test "slowloris at the pool size: a legitimate client still gets its answer within 2 s" {
	std_only "timing only: the same pool code runs in the std build"
	pool_start 8
	SLOW_PIDS=
	for _ in $(seq 9); do
		# one byte a second of a request head that never ends, for at most 10 s
		bash -c "exec 5<>/dev/tcp/127.0.0.1/$PORT || exit
			for c in P O S T ' ' / v 1 / c h a t; do printf %s \"\$c\" >&5 || exit; sleep 1; done" \
			2>/dev/null 3>&- &
		SLOW_PIDS="$SLOW_PIDS $!"
	done
	for _ in $(seq 50); do [ "$(workers)" -ge 8 ] && break; sleep 0.05; done
	sleep 0.5	# every worker holds a slow head now
	run post mo/gpt-mock --max-time 2
	assert_output 200
}

@test "a saturated pool answers a further client 503 with Retry-After, then serves again" {
	std_only "timing only: the same pool code runs in the std build"
	pool_start 2
	local i long=()
	for i in 1 2; do
		post mo/gpt-mock-slow-6000 --max-time 15 >"$BATS_TEST_TMPDIR/long.$i" 3>&- &
		long+=($!)
	done
	for _ in $(seq 50); do [ "$(mock_count)" -ge 2 ] && break; sleep 0.05; done
	[ "$(mock_count)" -ge 2 ] || fail "the long requests did not reach the mock"
	local t0=$EPOCHREALTIME
	run curl -sS -i --max-time 5 -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		-H 'anthropic-version: 2023-06-01' --data-binary "$(body anthropic mo/gpt-mock)" "$URL/v1/messages"
	local t1=$EPOCHREALTIME
	assert_success
	assert_line --regexp '^HTTP/1.1 503 '
	assert_line --regexp '^Retry-After: [0-9]+'
	assert_line --regexp '^Connection: close'
	# the client's format (Anthropic's error shape), from its request line
	echo "${lines[-1]}" | jq -e '.type == "error" and .error.type == "overloaded_error"' >/dev/null
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 3) }' || fail "the 503 took $(echo "$t1 - $t0" | bc) s"
	wait "${long[@]}"
	[ "$(cat "$BATS_TEST_TMPDIR/long.1") $(cat "$BATS_TEST_TMPDIR/long.2")" = "200 200" ]
	run post mo/gpt-mock --max-time 5
	assert_output 200
}

@test "a worker killed mid-stream: the client sees a cut stream, the pool replaces it" {
	serve_start
	curl -sS -N --max-time 10 -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary "$(body openai mo/gpt-mock-stall-5000 stream)" "$URL/v1/chat/completions" \
		>"$BATS_TEST_TMPDIR/stream" 2>"$BATS_TEST_TMPDIR/stream.err" 3>&- &
	local client=$!
	for _ in $(seq 100); do grep -q '^data: ' "$BATS_TEST_TMPDIR/stream" && break; sleep 0.05; done
	grep -q '^data: ' "$BATS_TEST_TMPDIR/stream" || fail "the stream did not start"
	# the worker holding the client's connection
	local pid
	pid=$(ss -tnpH state established "( sport = :$PORT )" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
	[ -n "$pid" ] && [ "$pid" != "$SERVER_PID" ] || fail "no worker holds the stream"
	kill -KILL "$pid"
	local rc=0
	wait "$client" || rc=$?
	[ "$rc" -eq 18 ] || fail "curl exit $rc, not 18 (transfer closed with outstanding data)"
	run grep -c 'data: \[DONE\]' "$BATS_TEST_TMPDIR/stream"
	assert_output 0
	for _ in $(seq 40); do [ "$(workers)" -ge 2 ] && break; sleep 0.05; done
	[ "$(workers)" -ge 2 ] || fail "the pool was not refilled: $(workers) workers"
	for _ in 1 2 3; do
		run post mo/gpt-mock --max-time 5
		assert_output 200
	done
}

@test "a burst of 256 connections: no failure, and one usage row per request" {
	# 256 sanitizer processes on two cores take longer than the test may
	std_only "256 workers of the ASan build are too slow for the time bound"
	serve_start
	local args=() i
	for ((i = 0; i < 256; i++)); do args+=(-o /dev/null "$URL/v1/chat/completions"); done
	curl -sS --parallel --parallel-immediate --parallel-max 256 --max-time 30 \
		-H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary "$(body openai mo/gpt-mock-slow-500)" -w '%{http_code}\n' "${args[@]}" \
		>"$BATS_TEST_TMPDIR/codes" 2>"$BATS_TEST_TMPDIR/curl.err" || true
	[ "$(grep -c '^200$' "$BATS_TEST_TMPDIR/codes")" -eq 256 ] ||
		fail "not 256 answers 200: $(sort "$BATS_TEST_TMPDIR/codes" | uniq -c) $(head -3 "$BATS_TEST_TMPDIR/curl.err")"
	local rows=
	for _ in $(seq 50); do	# a row is written after its answer
		rows=$(db 'select count(*) from usage')
		[ "$rows" -eq 256 ] && break
		sleep 0.1
	done
	[ "$rows" -eq 256 ] || fail "$rows usage rows for 256 requests"
}
