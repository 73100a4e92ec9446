# Shared set-up for the suites that talk raw HTTP to nr-serve (serve-http,
# reliability-http): a scratch config and data dir, a listener on a free
# loopback port, raw requests over /dev/tcp.
load helper

serve_setup() {
	export NR_DATA_DIR=$BATS_TEST_TMPDIR/data NR_CONFIG_DIR=$BATS_TEST_TMPDIR/config
}

serve_teardown() {
	[ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true
}

# Starts nr-serve --listen on a free loopback port; sets PORT and SERVER_PID.
start_server() {
	# 3>&-: bats waits for whatever holds its fd 3 open; the file exists
	# before the loop reads it (the child opens it later)
	: >"$BATS_TEST_TMPDIR/serve.err"
	nr-serve --listen 127.0.0.1:0 "$@" 2>"$BATS_TEST_TMPDIR/serve.err" 3>&- &
	SERVER_PID=$!
	PORT=$(listen_port "$BATS_TEST_TMPDIR/serve.err")
	[ -z "$PORT" ] || return 0
	fail "nr-serve did not start: $(cat "$BATS_TEST_TMPDIR/serve.err")"
}

# Sends raw bytes to the server and prints the answer (closes after 3 s).
raw() {
	printf "$1" | timeout 5 bash -c "exec 5<>/dev/tcp/127.0.0.1/$PORT; cat >&5; timeout 3 cat <&5"
}

# An nr key in KEY (the data dir of the test).
make_key() {
	KEY=$(nr key add tester 2>/dev/null)
	[ -n "$KEY" ] || fail "nr key add printed no key"
}
