# Shared set-up for the e2e-*.bats suites: the real clients (pinned npm
# packages, tests/e2e/install), a mock upstream, and nr-serve in front of it,
# all on 127.0.0.1.
load route-helper

# clients_file: what need_clients does, once for a whole file, in setup_file
# (where bats 1.8 cannot skip); each test's need_clients then skips or fails.
clients_file() {
	CLIENT_BIN=$("$ROOT/tests/e2e/install" 2>/dev/null) || { unset CLIENT_BIN; return 1; }
	export CLIENT_BIN NODE_PATH=$CLIENT_BIN/../../node_modules
}

# need_clients: the clients' bin dir as CLIENT_BIN (and their packages on
# NODE_PATH), unless clients_file found it already; skips without node/npm,
# fails when the install fails.
need_clients() {
	local rc=0
	[ -n "${CLIENT_BIN:-}" ] && return 0
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
