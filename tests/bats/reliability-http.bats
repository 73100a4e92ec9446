#!/usr/bin/env bats
# nr-serve against hostile and broken clients: slow heads and bodies
# (slowloris), big bodies without a key. Real processes, real sockets on
# 127.0.0.1; every wait is bounded.

load serve-helper

setup() {
	serve_setup
}

teardown() {
	local p
	for p in ${TRICKLE_PIDS:-}; do kill "$p" 2>/dev/null || true; done
	serve_teardown
}

# A kernel figure (VmHWM, VmRSS) of process $1 in KiB.
kib() {
	sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB$/\1/p" "/proc/$1/status"
}

# The slow clients run side by side (their waits would otherwise add up to
# 21 s): two heads trickling a byte a second, a body that stops arriving, and
# one that arrives slowly but steadily; and a normal client meanwhile.
@test "slow clients: a trickling head gets 408 at the head deadline (10 s), a stalled body 408 after the rate window (5 s), a slow steady body is read" {
	std_only "timing only: the same code runs in the std build (the partial reads are the fuzz http target's)"
	# four slow clients on a pool of 8: the pool is not pressed, so only the
	# deadlines end them (a pressed pool ends them sooner: reliability-pool);
	# each arrival is well within the idle --timeout
	make_key
	start_server --max-connections 8 --timeout 30
	TRICKLE_PIDS=
	t0=$EPOCHREALTIME
	for i in 1 2; do	# one byte a second, forever
		timeout 25 bash -c "exec 5<>/dev/tcp/127.0.0.1/$PORT
			(cat <&5 >'$BATS_TEST_TMPDIR/trickle.$i'; echo \$EPOCHREALTIME >'$BATS_TEST_TMPDIR/end.$i') &
			while printf x >&5 2>/dev/null; do sleep 1; done; wait" 2>/dev/null &
		TRICKLE_PIDS="$TRICKLE_PIDS $!"
	done
	# a body that stops after its first byte (a space a second is under the minimum rate)
	timeout 9 bash -c "exec 5<>/dev/tcp/127.0.0.1/$PORT
		printf 'POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\nx-api-key: $KEY\r\nContent-Length: 100000\r\n\r\n{' >&5
		(while printf ' ' >&5 2>/dev/null; do sleep 1; done) &
		timeout 8 cat <&5; echo \$EPOCHREALTIME >'$BATS_TEST_TMPDIR/stalled.end'" >"$BATS_TEST_TMPDIR/stalled" 2>/dev/null &
	stalled=$!
	# 6 KiB in 6 s: 1 KiB a second, above the minimum rate
	timeout 9 bash -c "exec 5<>/dev/tcp/127.0.0.1/$PORT
		printf 'POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\nx-api-key: $KEY\r\nConnection: close\r\nContent-Length: 6002\r\n\r\n{' >&5
		for i in 1 2 3 4 5 6; do head -c 1000 /dev/zero | tr '\0' ' ' >&5; sleep 1; done
		printf '}' >&5
		timeout 3 cat <&5" >"$BATS_TEST_TMPDIR/steady" 2>/dev/null &
	steady=$!
	# meanwhile another client is served at once
	run curl -sS -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health"
	assert_output 200
	wait "$stalled" || true
	wait "$steady" || true
	for p in $TRICKLE_PIDS; do wait "$p" || true; done
	for i in 1 2; do
		grep -q 'HTTP/1.1 408' "$BATS_TEST_TMPDIR/trickle.$i" || fail "trickle $i: $(cat "$BATS_TEST_TMPDIR/trickle.$i" 2>&1)"
		t=$(awk -v a="$t0" -v b="$(cat "$BATS_TEST_TMPDIR/end.$i")" 'BEGIN { print b - a }')
		echo "# trickle $i: 408 after $t s" >&3
		awk -v t="$t" 'BEGIN { exit !(t >= 9.5 && t < 20) }' || fail "trickle $i ended after $t s"
	done
	grep -q 'HTTP/1.1 408' "$BATS_TEST_TMPDIR/stalled" || fail "stalled body: $(cat "$BATS_TEST_TMPDIR/stalled")"
	# the window is 5 s; no sooner, and not at the 30 s idle timeout
	t=$(awk -v a="$t0" -v b="$(cat "$BATS_TEST_TMPDIR/stalled.end")" 'BEGIN { print b - a }')
	awk -v t="$t" 'BEGIN { exit !(t >= 4.5 && t < 8) }' || fail "the stalled body was answered after $t s"
	grep -q 'HTTP/1.1 200' "$BATS_TEST_TMPDIR/steady" || fail "steady body: $(cat "$BATS_TEST_TMPDIR/steady")"
	grep -qF '{"input_tokens":0}' "$BATS_TEST_TMPDIR/steady" || fail "steady body: $(cat "$BATS_TEST_TMPDIR/steady")"
}

@test "an unauthenticated 60 MiB body costs its worker under 1 MiB" {
	start_server --max-connections 1
	curl -sS -o /dev/null "http://127.0.0.1:$PORT/health"	# the worker is up and warm
	worker=$(pgrep -P "$SERVER_PID")
	[ "$(wc -w <<<"$worker")" -eq 1 ] || fail "workers: $worker"
	hwm0=$(kib "$worker" VmHWM)
	rss0=$(kib "$worker" VmRSS)
	# -T streams the file (-d would load it into curl); Expect: none, so the
	# body comes at once, unasked
	head -c 62914560 /dev/zero >"$BATS_TEST_TMPDIR/big"
	run curl -sS -o /dev/null -w '%{http_code}' -m 8 -X POST -H 'Expect:' \
		-H 'content-type: application/json' -T "$BATS_TEST_TMPDIR/big" \
		"http://127.0.0.1:$PORT/v1/chat/completions"
	assert_output 401
	hwm1=$(kib "$worker" VmHWM)
	rss1=$(kib "$worker" VmRSS)
	echo "# worker VmHWM $hwm0 -> $hwm1 KiB, VmRSS $rss0 -> $rss1 KiB" >&3
	[ $((hwm1 - hwm0)) -lt 1024 ] || fail "VmHWM grew from $hwm0 to $hwm1 KiB"
}
