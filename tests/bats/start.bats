#!/usr/bin/env bats
# nr-start (what `make run` runs): the first-run banner says which providers
# are ready and how to make the others ready, shows one curl line that works,
# and starts nr-serve, with --caveman passed on.

load route-helper

setup() {
	route_setup
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	# no shipped provider has its key, whatever the machine's environment holds
	for v in $(sed -n 's/^keys=//p' "$ROOT"/share/providers/* | tr ' ,' '\n\n'); do unset "$v"; done
	unset MOCK_KEY NR_API_KEY
	# nr-start runs the nr and nr-serve beside it: those of the build under test
	sbin=$BATS_TEST_TMPDIR/sbin
	mkdir -p "$sbin"
	cp "$ROOT/bin/nr-start" "$sbin/"
	ln -s "$NR_BIN/nr" "$NR_BIN/nr-serve" "$sbin/"
}

teardown() {
	route_teardown
}

# start [ARGS]: nr-start on a free port in the background; sets OUT (its
# stdout), SERVER_PID (nr-serve, which it becomes) and URL
start() {
	OUT=$BATS_TEST_TMPDIR/start.out
	"$sbin/nr-start" "$@" 127.0.0.1:0 >"$OUT" 2>"$BATS_TEST_TMPDIR/start.err" 3>&- &
	SERVER_PID=$!
	local port
	port=$(listen_port "$BATS_TEST_TMPDIR/start.err")
	[ -n "$port" ] || fail "nr-start did not start nr-serve: $(cat "$OUT" "$BATS_TEST_TMPDIR/start.err")"
	URL=http://127.0.0.1:$port
}

# the banner's curl line, run as printed against the real port
run_curl_line() {
	line=$(grep '^  curl ' "$OUT") || fail "no curl line in: $(cat "$OUT")"
	run sh -c "${line//127.0.0.1:0/${URL#http://}}"
}

@test "no provider ready: a clear warning, the variables that would make each ready, the key shown once" {
	start
	run cat "$OUT"
	assert_line --partial 'WARNING: no provider has its key set: every request will fail'
	assert_line --regexp '^  openai +export OPENAI_API_KEY=\.\.\.$'
	assert_line --regexp '^  gemini +export GEMINI_API_KEY=\.\.\. +\(or GOOGLE_API_KEY\)$'
	assert_line --partial 'Need no key (ready when their server runs): ollama'
	assert_line --partial 'Subscriptions, ready once logged in (nr login NAME; nr status shows them): codex copilot'
	refute_output --partial 'Providers ready'
	assert_line '  nr setup claude|codex|opencode|cline|continue --base http://127.0.0.1:0'
	key=$(sed -n 2p "$OUT" | tr -d ' ')
	[[ $key == nr-* ]] || fail "no new key on line 2: $(cat "$OUT")"
	[ "$(grep -c -- "$key" "$OUT")" -eq 1 ]	# the new key, once
	# no curl line that cannot work, only the form of one
	refute_line --regexp '^  curl '
	assert_output --partial 'Once a provider is ready'
	# the key works against the server it started
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/v1/models" -H "Authorization: Bearer $key"
	assert_output 200
}

@test "a ready provider: named, its key's value never printed, and the curl line answers" {
	export MOCK_KEY=sk-test-key-0001
	provider mock openai models=gpt-4o-mini
	echo 'format=bogus' >"$NR_CONFIG_DIR/providers/broken"	# named on stderr, and nr still starts
	start
	grep -q "providers/broken:1: bad value for 'format'" "$BATS_TEST_TMPDIR/start.err"
	run cat "$OUT"
	assert_line 'Providers ready (key set): mock'
	refute_output --partial "$MOCK_KEY"
	# fewer than 3 ready: the variables for the others are listed
	assert_line --regexp '^  anthropic +export ANTHROPIC_API_KEY=\.\.\.$'
	export NR_API_KEY=$(sed -n 2p "$OUT" | tr -d ' ')
	run_curl_line
	assert_success
	echo "$output" | jq -e '.choices[0].message.content | length > 0' >/dev/null || fail "answer: $output"
	[ "$(mock_count gpt-4o-mini)" -eq 1 ]
}

@test "a provider that takes any model: the curl line uses a combo's target on it" {
	export MOCK_KEY=sk-test-key-0001
	provider mock openai
	combo mine ollama/x mock/gpt-4o-mini
	NR_API_KEY=$(nr key add first) start
	run cat "$OUT"
	assert_output --partial 'API keys: first'
	refute_output --partial 'Created the API key'
	assert_line --partial '"model":"mock/gpt-4o-mini"'
	export NR_API_KEY=$(nr key add second)
	run_curl_line
	assert_success
	[ "$(mock_count gpt-4o-mini)" -eq 1 ]
}

@test "--caveman reaches nr-serve: the upstream request carries the terse-answers instruction" {
	export MOCK_KEY=sk-test-key-0001
	provider mock openai models=gpt-4o-mini
	start --caveman
	export NR_API_KEY=$(sed -n 2p "$OUT" | tr -d ' ')
	run_curl_line
	assert_success
	run cat "$MOCK_RAW"/*request*
	assert_output --partial 'Answer tersely'
}

@test "bad command lines: exit 64, nothing created" {
	for args in "--bogus" "127.0.0.1:1 127.0.0.1:2"; do
		run "$sbin/nr-start" $args
		[ "$status" -eq 64 ] || fail "nr-start $args exited $status"
	done
	[ ! -e "$NR_DATA_DIR" ]
}

@test "make run passes ADDR and CAVEMAN to nr-start" {
	run make -n -s -C "$ROOT" run ADDR=127.0.0.1:20129 CAVEMAN=1
	assert_line --partial 'bin/nr-start --caveman 127.0.0.1:20129'
	run make -n -s -C "$ROOT" run
	assert_line --regexp 'bin/nr-start *$'
}
