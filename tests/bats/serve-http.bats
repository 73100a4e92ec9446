#!/usr/bin/env bats
# nr-serve's HTTP front: how it runs (inetd, systemd sockets, --listen), its
# endpoints that need no upstream, and every bad-input limit.

load serve-helper

setup() {
	serve_setup
}

teardown() {
	serve_teardown
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
	run raw "GET $path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"	# (else raw waits 3 s)
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
	make_key
	run bash -c "printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nx-api-key: $KEY\r\nContent-Length: 100\r\n\r\n{\"short\":' | nr-serve --inetd"
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

@test "SIGTERM stops a worker caught between its fork and its own signal handlers" {
	# Such a worker used to get the listener's handler, which set a flag no
	# worker reads: it outlived the server, holding its port. strace holds
	# each process's first close(2), a worker's first act, for 1 s: the
	# signal comes in that window.
	std_only "runs the server under ptrace, where the sanitizers' leak check cannot"
	command -v strace >/dev/null || skip "needs strace"
	: >"$BATS_TEST_TMPDIR/serve.err"
	strace -f -qq -o /dev/null -e trace=close -e inject=close:delay_enter=1000000:when=1 \
		nr-serve --listen 127.0.0.1:0 2>"$BATS_TEST_TMPDIR/serve.err" 3>&- &
	SERVER_PID=$!	# strace's: teardown ends it, and so the server
	PORT=$(listen_port "$BATS_TEST_TMPDIR/serve.err")
	[ -n "$PORT" ] || fail "nr-serve did not start: $(cat "$BATS_TEST_TMPDIR/serve.err")"
	serve=$(pgrep -P "$SERVER_PID") || fail "no nr-serve under strace"
	for _ in {1..100}; do
		workers=$(pgrep -P "$serve") && break
		sleep 0.01
	done
	[ -n "$workers" ] || fail "no worker forked"
	kill -TERM "$serve"
	for _ in {1..100}; do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/health" || break
		sleep 0.05
	done
	! curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/health" ||
		fail "a worker still answers 5 s after SIGTERM: $(pgrep -a -P "$serve")"
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

# socket_activated [--accept]: nr-serve --no-auth under systemd-socket-activate
# on a fixed port, in port and SERVER_PID. The port is below the ephemeral
# range (32768 up) that other tests' sockets take theirs from; another one
# when it turns out to be taken (a clean-clone run drew 33198 for the
# Accept=yes test, which had its own copy of this without either).
socket_activated() {
	command -v systemd-socket-activate >/dev/null || skip "needs systemd-socket-activate"
	for _ in 1 2 3 4 5; do
		port=$(( (RANDOM % 10000) + 21000 ))
		systemd-socket-activate "$@" -l 127.0.0.1:$port nr-serve --no-auth 2>"$BATS_TEST_TMPDIR/sa.err" 3>&- &
		SERVER_PID=$!
		sleep 0.3
		kill -0 "$SERVER_PID" 2>/dev/null && break	# it exits when it cannot bind
	done
}

@test "systemd socket activation with Accept=no serves on the passed listener" {
	socket_activated
	run curl -sS --retry 5 --retry-connrefused "http://127.0.0.1:$port/health"
	assert_output '{"status":"ok"}'
	run curl -sS "http://127.0.0.1:$port/health"
	assert_output '{"status":"ok"}'
}

@test "systemd socket activation with Accept=yes serves the passed connection" {
	socket_activated --accept
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

# inetd REQUEST [FLAG...]: REQUEST (printf format) on nr-serve --inetd's stdin.
inetd() {
	local req=$1
	shift
	printf "$req" | nr-serve --inetd "$@"
}

# A count_tokens request (no upstream) with the key and these extra head lines.
CT_HEAD='POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'

@test "issue 11's chunked repro does not crash: without a key it is refused before its body" {
	run inetd 'POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n'
	assert_success
	assert_output --partial 'HTTP/1.1 400'	# no Host on HTTP/1.1
	run inetd 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n'
	assert_success
	assert_output --partial 'HTTP/1.1 401'
}

@test "chunk data not followed by CRLF gets 400 in the client's format, not a double free" {
	make_key
	run inetd "${CT_HEAD}x-api-key: $KEY\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n"
	assert_success
	assert_output --partial 'HTTP/1.1 400'
	grep -F '{"type":"error"' <<<"$output"
}

@test "a client that hangs up or goes quiet right after a chunk's data is closed cleanly" {
	make_key
	run inetd "${CT_HEAD}x-api-key: $KEY\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}"
	assert_success
	refute_output --partial 'HTTP/1.1 200'
	run bash -c "{ printf '${CT_HEAD}x-api-key: $KEY\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}'; sleep 2; } | nr-serve --inetd --timeout 1"
	assert_success
	assert_output --partial 'HTTP/1.1 408'
}

@test "a well-formed chunked body is read (chunk extensions and trailers too)" {
	make_key
	run inetd "${CT_HEAD}x-api-key: $KEY\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\n{}\r\n0\r\nX-T: 1\r\n\r\n"
	assert_success
	assert_output --partial 'HTTP/1.1 200'
	assert_output --partial '{"input_tokens":0}'
}

@test "framing: Content-Length lines that differ get 400; identical ones are one length" {
	make_key
	run inetd "${CT_HEAD}x-api-key: $KEY\r\nContent-Length: 2\r\nContent-Length: 20\r\n\r\n{}"
	assert_output --partial 'HTTP/1.1 400'
	refute_output --partial 'input_tokens'
	run inetd "${CT_HEAD}x-api-key: $KEY\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"
	assert_output --partial 'HTTP/1.1 200'
	run inetd "${CT_HEAD}x-api-key: $KEY\r\nContent-Length: 2, 2\r\n\r\n{}"
	assert_output --partial 'HTTP/1.1 400'
}

@test "framing: a second Transfer-Encoding line gets 400" {
	make_key
	run inetd "${CT_HEAD}x-api-key: $KEY\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
	assert_output --partial 'HTTP/1.1 400'
	refute_output --partial 'input_tokens'
}

@test "framing: a chunk size with a 0x prefix, a sign or blanks in front gets 400" {
	make_key
	for size in 0x2 +2 ' 2' 2g; do
		run inetd "${CT_HEAD}x-api-key: $KEY\r\nTransfer-Encoding: chunked\r\n\r\n$size\r\n{}\r\n0\r\n\r\n"
		assert_output --partial 'HTTP/1.1 400'
		refute_output --partial 'input_tokens'
	done
}

@test "framing: a NUL or a bare CR in a header line gets 400 (a key cut at the NUL is no key)" {
	make_key
	run inetd "${CT_HEAD}x-api-key: $KEY\0junk\r\nContent-Length: 2\r\n\r\n{}"
	assert_output --partial 'HTTP/1.1 400'
	refute_output --partial 'input_tokens'
	run inetd "${CT_HEAD}Authorization: Bearer $KEY\rjunk\r\nContent-Length: 2\r\n\r\n{}"
	assert_output --partial 'HTTP/1.1 400'
	refute_output --partial 'input_tokens'
	run inetd 'GET /health\0 HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_output --partial 'HTTP/1.1 400'
}

@test "HTTP/1.1 without a Host, or with two, gets 400; HTTP/1.0 needs none" {
	run inetd 'GET /health HTTP/1.1\r\n\r\n'
	assert_output --partial 'HTTP/1.1 400'
	run inetd 'GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
	assert_output --partial 'HTTP/1.1 400'
	run inetd 'GET /health HTTP/1.0\r\n\r\n'
	assert_output --partial 'HTTP/1.1 200'
}

@test "Expect: 100-continue is answered before the body: curl sends 1.5 MiB without waiting" {
	make_key
	start_server
	{ printf '{"messages":[{"role":"user","content":"'; head -c 1572864 /dev/zero | tr '\0' a; printf '"}]}'; } >"$BATS_TEST_TMPDIR/big.json"
	run curl -sS -v -o /dev/null -w 'code=%{http_code} time=%{time_total}\n' -H "x-api-key: $KEY" \
		-H 'content-type: application/json' --data-binary @"$BATS_TEST_TMPDIR/big.json" \
		"http://127.0.0.1:$PORT/v1/messages/count_tokens"
	assert_output --partial '> Expect: 100-continue'
	assert_output --partial '< HTTP/1.1 100 Continue'
	assert_output --partial 'code=200'
	t=$(sed -n 's/^code=200 time=//p' <<<"$output")
	# curl waits 1 s for a 100 that does not come
	[ "$NR_VARIANT" = asan ] || awk -v t="$t" 'BEGIN { exit !(t < 0.9) }' || fail "took $t s"
}

@test "a refused request with Expect: 100-continue gets its final status at once, no 100" {
	start_server
	# no body follows: the answer must not wait for it
	run raw 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n\r\n'
	assert_output --partial 'HTTP/1.1 401'
	refute_output --partial '100 Continue'
	run raw 'POST /nope HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n\r\n'
	assert_output --partial 'HTTP/1.1 404'
	refute_output --partial '100 Continue'
	kill "$SERVER_PID"
	start_server --max-body 100
	make_key
	run raw "POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: $KEY\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n"
	assert_output --partial 'HTTP/1.1 413'
	refute_output --partial '100 Continue'
}

@test "a request refused before its body is answered, not reset, while the client still sends" {
	start_server
	head -c 4194304 /dev/zero >"$BATS_TEST_TMPDIR/body"
	run curl -sS -o /dev/null -w '%{http_code}' -H 'Expect:' -H 'content-type: application/json' \
		--data-binary @"$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$PORT/v1/chat/completions"
	assert_output 401
}

@test "a request refused before its body closes the connection; one without a body keeps it" {
	start_server
	run raw 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}GET /health HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_output --partial 'HTTP/1.1 401'
	assert_output --partial 'Connection: close'
	refute_output --partial 'HTTP/1.1 200'
	run raw 'GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_output --partial 'HTTP/1.1 401'
	assert_output --partial 'HTTP/1.1 200'
}

@test "--no-auth accepts only loopback Host names" {
	start_server --no-auth
	for host in "127.0.0.1:$PORT" localhost "localhost:$PORT" LocalHost app.localhost "[::1]:$PORT" 127.1.2.3; do
		run curl -sS -o /dev/null -w '%{http_code}' -H "Host: $host" "http://127.0.0.1:$PORT/v1/models"
		[ "$output" = 200 ] || fail "Host: $host got $output"
	done
	for host in evil.example "evil.example:$PORT" 127.0.0.1.evil.example localhost.evil.example 10.0.0.1 "[::2]" 128.0.0.1 '127.0.0.1:x' 1270.0.0.1; do
		run curl -sS -w '\n%{http_code}' -H "Host: $host" "http://127.0.0.1:$PORT/v1/models"
		[ "${lines[1]}" = 403 ] || fail "Host: $host got ${lines[1]}"
		echo "${lines[0]}" | jq -e '.error.message' >/dev/null
	done
}

@test "--no-auth refuses a foreign Origin with 403 in the client's format" {
	start_server --no-auth
	run curl -sS -w '\n%{http_code}' -H 'Origin: https://evil.example' -H 'content-type: application/json' \
		-d '{}' "http://127.0.0.1:$PORT/v1/messages/count_tokens"
	assert_line --index 1 403
	echo "${lines[0]}" | jq -e '.type == "error" and .error.type == "permission_error"' >/dev/null
	run curl -sS -o /dev/null -w '%{http_code}' -H 'Origin: null' "http://127.0.0.1:$PORT/v1/models"
	assert_output 403
	run curl -sS -o /dev/null -w '%{http_code}' -H 'Origin: http://localhost:3000' "http://127.0.0.1:$PORT/v1/models"
	assert_output 200
}

@test "--no-auth requires a JSON content type on POST (415), parameters allowed" {
	start_server --no-auth
	u="http://127.0.0.1:$PORT/v1/messages/count_tokens"
	for ct in text/plain application/x-www-form-urlencoded multipart/form-data application/jsonx ''; do
		run curl -sS -w '\n%{http_code}' -H "content-type: $ct" -d '{}' "$u"
		[ "${lines[1]}" = 415 ] || fail "content-type '$ct' got ${lines[1]}"
		echo "${lines[0]}" | jq -e '.type == "error"' >/dev/null
	done
	for ct in application/json 'Application/JSON; charset=utf-8' application/vnd.api+json; do
		run curl -sS -o /dev/null -w '%{http_code}' -H "content-type: $ct" -d '{}' "$u"
		[ "$output" = 200 ] || fail "content-type '$ct' got $output"
	done
}

@test "with a key required, Host, Origin and content type are the key's business" {
	make_key
	start_server
	run curl -sS -o /dev/null -w '%{http_code}' -H "x-api-key: $KEY" -H 'Host: nr.example' \
		-H 'Origin: https://app.example' -d '{}' "http://127.0.0.1:$PORT/v1/messages/count_tokens"
	assert_output 200
}

@test "OPTIONS never answers Access-Control-Allow-Origin: *, nor any CORS grant" {
	start_server --no-auth
	run curl -sS -i -X OPTIONS -H 'Origin: https://evil.example' \
		-H 'Access-Control-Request-Method: POST' "http://127.0.0.1:$PORT/v1/chat/completions"
	assert_output --partial 'HTTP/1.1 204'
	refute_output --partial 'Access-Control-Allow-Origin'
	run curl -sS -i -X OPTIONS -H 'Origin: http://localhost:3000' "http://127.0.0.1:$PORT/v1/chat/completions"
	refute_output --partial 'Access-Control-Allow-Origin'
}
