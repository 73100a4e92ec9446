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

@test "a head trickling a byte a second gets 408 at the head deadline (10 s), not at the idle timeout" {
	std_only "timing only: the same code runs in the std build"
	# two slow clients on a pool of 8: the pool is not pressed, so only the
	# head deadline ends them (a pressed pool ends them sooner: reliability-pool)
	start_server --max-connections 8 --timeout 30
	TRICKLE_PIDS=
	t0=$EPOCHREALTIME
	for i in 1 2; do
		# one byte a second, forever; each arrival is well within --timeout
		timeout 25 bash -c "exec 5<>/dev/tcp/127.0.0.1/$PORT
			(cat <&5 >'$BATS_TEST_TMPDIR/trickle.$i'; echo \$EPOCHREALTIME >'$BATS_TEST_TMPDIR/end.$i') &
			while printf x >&5 2>/dev/null; do sleep 1; done; wait" 2>/dev/null &
		TRICKLE_PIDS="$TRICKLE_PIDS $!"
	done
	# meanwhile another client is served at once
	run curl -sS -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health"
	assert_output 200
	for p in $TRICKLE_PIDS; do wait "$p" || true; done
	for i in 1 2; do
		grep -q 'HTTP/1.1 408' "$BATS_TEST_TMPDIR/trickle.$i" || fail "trickle $i: $(cat "$BATS_TEST_TMPDIR/trickle.$i" 2>&1)"
		t=$(awk -v a="$t0" -v b="$(cat "$BATS_TEST_TMPDIR/end.$i")" 'BEGIN { print b - a }')
		echo "# trickle $i: 408 after $t s" >&3
		awk -v t="$t" 'BEGIN { exit !(t >= 9.5 && t < 20) }' || fail "trickle $i ended after $t s"
	done
}

@test "a body that stops arriving gets 408 after the minimum-rate window" {
	std_only "timing only: the same code runs in the std build"
	make_key
	start_server
	t0=$EPOCHREALTIME
	run timeout 9 bash -c "exec 5<>/dev/tcp/127.0.0.1/$PORT
		printf 'POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\nx-api-key: $KEY\r\nContent-Length: 100000\r\n\r\n{' >&5
		(while printf ' ' >&5 2>/dev/null; do sleep 1; done) &
		timeout 8 cat <&5"
	t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
	assert_output --partial 'HTTP/1.1 408'
	# the window is 5 s; no sooner, and not at the 30 s idle timeout
	awk -v t="$t" 'BEGIN { exit !(t >= 4.5 && t < 8) }' || fail "answered after $t s"
}

@test "a body that arrives slowly but steadily is read" {
	std_only "6 s of waiting for timing only: the partial reads are the fuzz http target's, under the sanitizers"
	make_key
	start_server
	run timeout 9 bash -c "exec 5<>/dev/tcp/127.0.0.1/$PORT
		printf 'POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\nx-api-key: $KEY\r\nConnection: close\r\nContent-Length: 6002\r\n\r\n{' >&5
		# 6 KiB in 6 s: 1 KiB a second, above the minimum rate
		for i in 1 2 3 4 5 6; do head -c 1000 /dev/zero | tr '\0' ' ' >&5; sleep 1; done
		printf '}' >&5
		timeout 3 cat <&5"
	assert_output --partial 'HTTP/1.1 200'
	assert_output --partial '{"input_tokens":0}'
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
