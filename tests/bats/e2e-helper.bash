# Shared set-up for the e2e-*.bats suites: the real clients (pinned npm
# packages, tests/e2e/install), a mock upstream, and nr-serve in front of it,
# all on 127.0.0.1.
load route-helper

# need_clients: puts the clients' bin dir on PATH as CLIENT_BIN; skips without
# node/npm, fails when the install fails.
need_clients() {
	local rc=0
	CLIENT_BIN=$("$ROOT/tests/e2e/install") || rc=$?
	[ "$rc" -ne 2 ] || skip "needs node and npm"
	[ "$rc" -eq 0 ] || fail "tests/e2e/install failed"
	export CLIENT_BIN
	export NODE_PATH=$CLIENT_BIN/../../node_modules
}

# e2e_setup: mock + nr-serve with a key; sets URL (http://127.0.0.1:PORT) and KEY.
e2e_setup() {
	need_clients
	route_setup
	KEY=$(nr key add e2e 2>/dev/null)
	[ -n "$KEY" ] || fail "nr key add printed no key"
	# the file exists before the loop reads it (the child opens it later)
	: >"$BATS_TEST_TMPDIR/serve.err"
	nr-serve --listen 127.0.0.1:0 2>"$BATS_TEST_TMPDIR/serve.err" 3>&- &
	SERVER_PID=$!
	for _ in $(seq 1 100); do
		PORT=$(sed -n 's/^nr-serve: listening on port \([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/serve.err")
		[ -n "$PORT" ] && break
		sleep 0.05
	done
	[ -n "$PORT" ] || fail "nr-serve did not start"
	URL=http://127.0.0.1:$PORT
	export URL KEY
}

e2e_teardown() {
	[ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true
	route_teardown
}
