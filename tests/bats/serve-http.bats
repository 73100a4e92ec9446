#!/usr/bin/env bats
# nr-serve's HTTP front: how it runs (inetd, systemd sockets, --listen), its
# endpoints that need no upstream, and every bad-input limit.

load helper

setup() {
	export NR_DATA_DIR=$BATS_TEST_TMPDIR/data NR_CONFIG_DIR=$BATS_TEST_TMPDIR/config
}

teardown() {
	[ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true
}

# Starts nr-serve --listen on a free loopback port; sets PORT and SERVER_PID.
start_server() {
	# 3>&-: bats waits for whatever holds its fd 3 open; the file exists
	# before the loop reads it (the child opens it later)
	: >"$BATS_TEST_TMPDIR/serve.err"
	nr-serve --listen 127.0.0.1:0 "$@" 2>"$BATS_TEST_TMPDIR/serve.err" 3>&- &
	SERVER_PID=$!
	for _ in $(seq 1 100); do
		PORT=$(sed -n 's/^nr-serve: listening on port \([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/serve.err")
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	fail "nr-serve did not start: $(cat "$BATS_TEST_TMPDIR/serve.err")"
}

# Sends raw bytes to the server and prints the answer (closes after 3 s).
raw() {
	printf "$1" | timeout 5 bash -c "exec 5<>/dev/tcp/127.0.0.1/$PORT; cat >&5; timeout 3 cat <&5"
}

@test "inetd mode answers GET /health on stdin/stdout" {
	run bash -c "printf 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | nr-serve --inetd"
	assert_success
	assert_line --partial 'HTTP/1.1 200 OK'
	assert_output --partial '{"status":"ok"}'
}

@test "inetd mode serves keep-alive requests one after another on one connection" {
	run bash -c "printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n' | nr-serve --inetd"
	assert_success
	[ "$(grep -c 'HTTP/1.1 200 OK' <<<"$output")" -eq 2 ]
}

@test "--listen serves over TCP and HEAD gets headers without a body" {
	start_server
	run curl -sS -i "http://127.0.0.1:$PORT/health"
	assert_output --partial '{"status":"ok"}'
	run curl -sS -I "http://127.0.0.1:$PORT/health"
	assert_output --partial 'Content-Length: 15'
	refute_output --partial '{"status"'
}

@test "Claude Code's connection probe HEAD /api/hello gets 200 without a key, like /health" {
	start_server
	run curl -sS -I -w '%{http_code}' "http://127.0.0.1:$PORT/api/hello"
	assert_output --partial 'Content-Length: 15'
	assert_line 200	# -w's line
	run curl -sS "http://127.0.0.1:$PORT/api/hello"
	assert_output '{"status":"ok"}'
	run curl -sS -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/api/hello"
	assert_output 405
}

@test "--listen keeps a connection alive across requests" {
	start_server
	run curl -sS -v "http://127.0.0.1:$PORT/health" "http://127.0.0.1:$PORT/health"
	assert_output --partial 'Re-using existing connection'
}

@test "an unknown path gets 404 with a JSON error" {
	start_server
	run curl -sS -w '\n%{http_code}' "http://127.0.0.1:$PORT/nope"
	assert_line --index 1 404
	echo "${lines[0]}" | jq -e '.error.message' >/dev/null
}

@test "OPTIONS is answered with the allowed methods" {
	start_server
	run curl -sS -i -X OPTIONS "http://127.0.0.1:$PORT/v1/chat/completions"
	assert_output --partial 'HTTP/1.1 204'
	assert_output --partial 'Allow: GET, HEAD, POST, OPTIONS'
}

@test "GET on a POST endpoint is 405" {
	start_server
	run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/messages"
	assert_output 405
}

@test "a malformed request line gets 400" {
	start_server
	run raw 'NOT A VALID REQUEST LINE AT ALL\r\n\r\n'
	assert_output --partial 'HTTP/1.1 400'
}

@test "a request line over 8 KiB gets 414" {
	start_server
	long=$(head -c 9000 /dev/zero | tr '\0' a)
	run raw "GET /$long HTTP/1.1\r\nHost: x\r\n\r\n"
	assert_output --partial 'HTTP/1.1 414'
}

@test "a request line of exactly the limit is read" {
	start_server
	# 8192 bytes: "GET " + path + " HTTP/1.1"
	path=/$(head -c $((8192 - 4 - 9 - 1)) /dev/zero | tr '\0' a)
	run raw "GET $path HTTP/1.1\r\nHost: x\r\n\r\n"
	assert_output --partial 'HTTP/1.1 404'
}

@test "headers over 64 KiB get 431" {
	start_server
	h=$(head -c 8000 /dev/zero | tr '\0' b)
	req="POST /v1/messages HTTP/1.1\r\nHost: x\r\n"
	for i in $(seq 1 9); do req="${req}X-Pad-$i: $h\r\n"; done
	run raw "$req\r\n"
	assert_output --partial 'HTTP/1.1 431'
}

@test "more than 100 headers get 431" {
	start_server
	req="GET /health HTTP/1.1\r\n"
	for i in $(seq 1 101); do req="${req}X-H$i: v\r\n"; done
	run raw "$req\r\n"
	assert_output --partial 'HTTP/1.1 431'
}

@test "a body over --max-body gets 413 with an error in the client's format" {
	start_server --max-body 100
	run curl -sS -w '\n%{http_code}' -H 'content-type: application/json' \
		--data-binary "$(head -c 200 /dev/zero | tr '\0' x)" "http://127.0.0.1:$PORT/v1/messages"
	assert_line --index 1 413
	echo "${lines[0]}" | jq -e '.type == "error" and .error.type' >/dev/null
}

@test "a body shorter than its Content-Length gets 400 when the client closes" {
	run bash -c "printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"short\":' | nr-serve --inetd"
	assert_output --partial 'HTTP/1.1 400'
	assert_output --partial '"message"'
}

@test "a client that stalls gets 408 after the read timeout" {
	start_server --timeout 1
	run bash -c "exec 5<>/dev/tcp/127.0.0.1/$PORT; printf 'GET /health HTTP/1.1\r\n' >&5; timeout 5 cat <&5"
	assert_output --partial 'HTTP/1.1 408'
}

@test "Content-Length together with chunked encoding is refused" {
	start_server
	run raw 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
	assert_output --partial 'HTTP/1.1 400'
}

@test "HTTP/2 preface or another version gets 505" {
	start_server
	run raw 'GET /health HTTP/2.0\r\n\r\n'
	assert_output --partial 'HTTP/1.1 505'
}

@test "requests without a key get 401 when keys are required" {
	start_server
	run curl -sS -w '\n%{http_code}' -d '{}' "http://127.0.0.1:$PORT/v1/chat/completions"
	assert_line --index 1 401
	echo "${lines[0]}" | jq -e '.error.message | test("API key")' >/dev/null
}

@test "a wrong key gets 401 in the client's format, for every way of sending it" {
	start_server
	run curl -sS -w '\n%{http_code}' -H 'x-api-key: nr-wrong' -d '{}' "http://127.0.0.1:$PORT/v1/messages"
	assert_line --index 1 401
	echo "${lines[0]}" | jq -e '.type == "error" and .error.type == "authentication_error"' >/dev/null
	run curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nr-wrong' -d '{}' "http://127.0.0.1:$PORT/v1/chat/completions"
	assert_output 401
	run curl -sS -o /dev/null -w '%{http_code}' -d '{}' "http://127.0.0.1:$PORT/v1beta/models/m:generateContent?key=nr-wrong"
	assert_output 401
	run curl -sS -o /dev/null -w '%{http_code}' -H 'x-goog-api-key: nr-wrong' -d '{}' "http://127.0.0.1:$PORT/v1beta/models/m:generateContent"
	assert_output 401
}

@test "--no-auth is refused on a non-loopback address" {
	run timeout 5 nr-serve --listen 0.0.0.0:0 --no-auth
	assert_failure 100
	assert_output --partial 'refusing --no-auth'
}

@test "SIGTERM stops the listener cleanly" {
	start_server
	curl -sS "http://127.0.0.1:$PORT/health" >/dev/null
	kill -TERM "$SERVER_PID"
	rc=0
	wait "$SERVER_PID" || rc=$?
	SERVER_PID=
	[ "$rc" -eq 0 ] || fail "nr-serve exited $rc on SIGTERM"
	run curl -sS "http://127.0.0.1:$PORT/health"
	assert_failure
}

@test "the listener keeps serving after its workers crash" {
	start_server
	exec 5<>/dev/tcp/127.0.0.1/$PORT
	printf 'GET /health HTTP/1.1\r\n' >&5	# a worker now waits for the rest
	sleep 0.3
	workers=$(pgrep -P "$SERVER_PID")
	[ -n "$workers" ]
	kill -SEGV $workers	# the busy one and the idle ones
	exec 5<&-
	# (the sanitizer build takes a moment to report and die)
	for _ in $(seq 1 100); do
		alive=
		for w in $workers; do kill -0 "$w" 2>/dev/null && alive=$w; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	[ -z "$alive" ] || fail "worker $alive survived SIGSEGV"
	run curl -sS "http://127.0.0.1:$PORT/health"
	assert_output '{"status":"ok"}'
	# and the crashed child was reaped, not left a zombie
	run bash -c "ps -o stat= --ppid $SERVER_PID | grep -c Z"
	assert_output 0
}

@test "systemd socket activation with Accept=no serves on the passed listener" {
	command -v systemd-socket-activate >/dev/null || skip "needs systemd-socket-activate"
	port=$(( (RANDOM % 20000) + 30000 ))
	systemd-socket-activate -l 127.0.0.1:$port nr-serve --no-auth 2>"$BATS_TEST_TMPDIR/sa.err" 3>&- &
	SERVER_PID=$!
	sleep 0.3
	run curl -sS --retry 5 --retry-connrefused "http://127.0.0.1:$port/health"
	assert_output '{"status":"ok"}'
	run curl -sS "http://127.0.0.1:$port/health"
	assert_output '{"status":"ok"}'
}

@test "systemd socket activation with Accept=yes serves the passed connection" {
	command -v systemd-socket-activate >/dev/null || skip "needs systemd-socket-activate"
	port=$(( (RANDOM % 20000) + 30000 ))
	systemd-socket-activate --accept -l 127.0.0.1:$port nr-serve --no-auth 2>"$BATS_TEST_TMPDIR/sa.err" 3>&- &
	SERVER_PID=$!
	sleep 0.3
	run curl -sS --retry 5 --retry-connrefused "http://127.0.0.1:$port/health"
	assert_output '{"status":"ok"}'
}

@test "LISTEN_FDS meant for another process is ignored" {
	run env LISTEN_PID=1 LISTEN_FDS=1 nr-serve
	assert_failure 100
	assert_output --partial 'no socket'
}

@test "bad flags are usage errors" {
	run nr-serve --max-body nope
	assert_failure 100
	run nr-serve --bogus
	assert_failure 100
}
