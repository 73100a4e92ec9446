#!/usr/bin/env bats
# The pipeline run in-process (the stock stages as builtins) and run as real
# processes (nr-serve --no-builtins: rtk-filter and nr-route exec'd, the
# facts passed in the pipe and the environment) give the same answers: the
# same status, headers and body bytes to the client, the same bytes to the
# upstream, the same usage rows. Two servers, one mock; each request goes to
# one then the other, and the pair is compared with cmp.

load route-helper

setup() {
	export MOCK_FIXED=1	# the mock's ids and times are the same for both
	route_setup
	provider mo openai "models=gpt-mock"
	provider ma anthropic "models=claude-mock"
	provider mr responses
	provider mg gemini
	provider sub anthropic "auth=passthrough"
	sed -i '/^keys=/d' "$NR_CONFIG_DIR/providers/sub"
	start_pair
}

teardown() {
	for p in ${PIDS:-}; do kill "$p" 2>/dev/null || true; done
	route_teardown
}

# start_pair: server A (builtins) and B (--no-builtins), each with its own
# data dir (cooldowns set by one must not steer the other) and key "tester".
start_pair() {
	PIDS=
	for s in A B; do
		local dir=$BATS_TEST_TMPDIR/data$s flags=
		[ $s = B ] && flags=--no-builtins
		mkdir -p "$dir"
		local key
		key=$(NR_DATA_DIR=$dir nr key add tester 2>/dev/null) || fail "nr key add"
		: >"$BATS_TEST_TMPDIR/serve$s.err"
		NR_DATA_DIR=$dir nr-serve --listen 127.0.0.1:0 $flags 2>"$BATS_TEST_TMPDIR/serve$s.err" 3>&- &
		PIDS="$PIDS $!"
		local port
		port=$(listen_port "$BATS_TEST_TMPDIR/serve$s.err")
		[ -n "$port" ] || fail "nr-serve $s did not start: $(cat "$BATS_TEST_TMPDIR/serve$s.err")"
		printf -v "URL_$s" 'http://127.0.0.1:%s' "$port"
		printf -v "KEY_$s" '%s' "$key"
	done
	N=0
}

# The values nr makes per process, masked: ids nr invents when the source
# has none (nr_<time><pid><n>) and the time it stamps on them.
mask() {
	sed -E 's/nr_[0-9a-f]{12,}/nr_ID/g; s/"created(_at)?":[0-9]{10}/"created\1":T/g' "$1"
}

# same PATH BODY [curl args...]: the request to A, then to B (the same bytes,
# but each server's own key); their answers (status line, headers, body) and
# what the mock received for each are compared byte for byte.
same() {
	local path=$1 data=$2
	shift 2
	N=$((N + 1))
	local s
	for s in A B; do
		local url=URL_$s key=KEY_$s
		curl -sS -i --max-time 20 -H "Authorization: Bearer ${!key}" -H 'content-type: application/json' \
			--data-binary "$data" "$@" "${!url}$path" >"$BATS_TEST_TMPDIR/answer$s.$N" ||
			fail "curl to $s failed for $path"
	done
	mask "$BATS_TEST_TMPDIR/answerA.$N" >"$BATS_TEST_TMPDIR/a"
	mask "$BATS_TEST_TMPDIR/answerB.$N" >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b" ||
		fail "the answers to $path differ: $(diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b" | head -20)"
	grep -q '^HTTP/1.1 ' "$BATS_TEST_TMPDIR/answerA.$N" || fail "no answer: $(cat "$BATS_TEST_TMPDIR/answerA.$N")"
}

# upstream_same: every request the mock received came in pairs (A's, then
# B's), the same bytes.
upstream_same() {
	local n
	n=$(find "$MOCK_RAW" -name 'request-*' | wc -l)
	[ "$n" -gt 0 ] && [ $((n % 2)) -eq 0 ] || fail "the mock received $n requests: not pairs"
	for ((i = 1; i <= n; i += 2)); do
		cmp "$MOCK_RAW/request-$i" "$MOCK_RAW/request-$((i + 1))" || fail "upstream request $i differs from $((i + 1))"
	done
}

# usage_same N: both databases hold N usage rows, alike but for the columns
# that are the moment's (id, time, latencies).
usage_same() {
	local s
	for s in A B; do
		for _ in $(seq 50); do
			[ "$(sqlite3 "$BATS_TEST_TMPDIR/data$s/nr.sqlite" 'select count(*) from usage')" = "$1" ] && break
			sleep 0.1
		done
		sqlite3 "$BATS_TEST_TMPDIR/data$s/nr.sqlite" "select client_key, requested, provider, model, status,
			outcome, reason, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost, rtk_saved_bytes, rtk_saved_tokens, rtk_saved_cost,
			caveman, output_cost from usage order by id" >"$BATS_TEST_TMPDIR/usage$s"
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/usageA")" = "$1" ] || fail "A has $(wc -l <"$BATS_TEST_TMPDIR/usageA") usage rows, not $1"
	cmp "$BATS_TEST_TMPDIR/usageA" "$BATS_TEST_TMPDIR/usageB" ||
		fail "usage differs: $(diff "$BATS_TEST_TMPDIR/usageA" "$BATS_TEST_TMPDIR/usageB")"
}

@test "both forms: every client format against every provider format, whole and streamed" {
	std_only "80 processes of the same stage code the other tests run under ASan"
	local n=0
	for model in mo/gpt-mock ma/claude-mock mr/resp-mock mg/gemini-mock; do
		for stream in "" stream; do
			same /v1/chat/completions "$(body openai "$model" $stream)"
			same /v1/messages "$(body anthropic "$model" $stream)" -H 'anthropic-version: 2023-06-01'
			same /v1/responses "$(body responses "$model" $stream)"
			n=$((n + 3))
		done
		same "/v1beta/models/$model:generateContent" "$(body gemini x)"
		same "/v1beta/models/${model/\//%2F}:streamGenerateContent?alt=sse" "$(body gemini x)"
		n=$((n + 2))
	done
	# alike is not enough: two identical errors are alike too
	local failed
	failed=$(grep -L '^HTTP/1.1 200 ' "$BATS_TEST_TMPDIR"/answerA.*) || true
	[ -z "$failed" ] || fail "not answered 200: $(head -c 600 $failed)"
	upstream_same
	usage_same $n
}

@test "both forms: the same numbers as written, the tool results compressed alike, the savings in usage" {
	local log
	log=$(for i in $(seq 1 400); do printf 'INFO worker %d: heartbeat ok\\n' "$((i % 3))"; done)
	local req='{"model":"mo/gpt-mock","temperature":1.0,"seed":12345678901234567890,"messages":[
		{"role":"user","content":"run it"},
		{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"sh","arguments":"{}"}}]},
		{"role":"tool","tool_call_id":"c1","content":"'"$log"'"}]}'
	same /v1/chat/completions "$req"
	same /v1/chat/completions "$req" -H 'x-nr-rtk: off'
	same /v1/chat/completions "$req" -H 'x-nr-caveman: on'
	upstream_same
	usage_same 3
	# the first request was compressed, and both servers recorded it
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/dataB/nr.sqlite" 'select rtk_saved_bytes > 1000 from usage order by id limit 1')" = 1 ] ||
		fail "no savings recorded by the exec'd pipeline"
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/dataB/nr.sqlite" 'select group_concat(caveman) from (select caveman from usage order by id)')" = 0,0,1 ] ||
		fail "caveman mode not recorded by the exec'd pipeline"
	grep -q '"temperature":1.0,"seed":12345678901234567890' "$MOCK_RAW/request-2" || fail "numbers rewritten"
}

@test "both forms: errors in the client's format, whatever stage finds them" {
	same /v1/chat/completions '{"model":"mo/gpt-mock","messages":['	# rtk-filter: invalid JSON
	same /v1/messages '[1,2]' -H 'anthropic-version: 2023-06-01'
	same /v1/chat/completions "$(body openai nobody/none)"	# nr-route: unknown model
	same /v1/messages "$(body anthropic mo/gpt-status-500)" -H 'anthropic-version: 2023-06-01'
	same /v1/responses "$(body responses mr/resp-status-400-exact)"
	same /v1/chat/completions "$(body openai mo/gpt-badjson)"
	same /v1/chat/completions "$(body openai mo/gpt-cut stream)"
	same /v1/chat/completions "$(body openai mo/gpt-mock)" -H 'x-nr-rtk: maybe'
	upstream_same
}

@test "both forms: a client's own credential reaches a pass-through provider, and no further" {
	for s in A B; do
		local url=URL_$s key=KEY_$s
		curl -sS -i --max-time 20 -H "Authorization: Bearer sk-ant-oat01-client-9999" -H "X-NR-Key: ${!key}" \
			-H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' \
			--data-binary "$(body anthropic sub/claude-mock)" "${!url}/v1/messages" >"$BATS_TEST_TMPDIR/pass$s"
	done
	cmp "$BATS_TEST_TMPDIR/passA" "$BATS_TEST_TMPDIR/passB" || fail "$(diff "$BATS_TEST_TMPDIR/passA" "$BATS_TEST_TMPDIR/passB")"
	grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/passA" || fail "$(cat "$BATS_TEST_TMPDIR/passA")"
	[ "$(jq -s '[.[] | .key_tail] | unique' "$MOCK_LOG" | jq -c .)" = '["9999"]' ] || fail "$(cat "$MOCK_LOG")"
	upstream_same
}

@test "both forms: a client cannot pass nr-route a facts block of its own" {
	local req
	req=$(printf 'Nr-Rtk-Saved-Bytes: 999999\n\n%s' "$(body openai mo/gpt-mock)")
	same /v1/chat/completions "$req"
	grep -q '^HTTP/1.1 400' "$BATS_TEST_TMPDIR/answerA.$N" || fail "$(cat "$BATS_TEST_TMPDIR/answerA.$N")"
	# nr-route run alone as a process, which reads a facts block: nr-serve stops it first
	for p in ${PIDS:-}; do kill "$p"; done
	: >"$BATS_TEST_TMPDIR/c.err"
	NR_DATA_DIR=$BATS_TEST_TMPDIR/dataA nr-serve --listen 127.0.0.1:0 --no-builtins --pipeline 'nr-route' 2>"$BATS_TEST_TMPDIR/c.err" 3>&- &
	PIDS=$!
	local port
	port=$(listen_port "$BATS_TEST_TMPDIR/c.err")
	run curl -sS -H "Authorization: Bearer $KEY_A" -H 'content-type: application/json' --data-binary "$req" \
		-w '\n%{http_code}' "http://127.0.0.1:$port/v1/chat/completions"
	assert_line --index 1 400
	[ "$(mock_count)" = 0 ]
}
