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
	serve_start
	export URL KEY
}

e2e_teardown() {
	route_teardown
}
