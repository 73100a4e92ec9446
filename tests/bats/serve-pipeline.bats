#!/usr/bin/env bats
# nr-serve --pipeline: a user's own stages between (or instead of) the stock
# ones, run as child processes under the stage contract of doc/pipeline.md.

load route-helper

setup() {
	route_setup
	provider mo openai "models=gpt-mock"
	provider ma anthropic "models=claude-mock"
	STAGES=$BATS_TEST_TMPDIR/stages
	mkdir -p "$STAGES"
}

teardown() {
	route_teardown
}

# stage NAME BODY: an executable script $STAGES/NAME (bash, BODY after set -e).
stage() {
	printf '#!/bin/bash\n%s\n' "$2" >"$STAGES/$1"
	chmod +x "$STAGES/$1"
}

# pipeline 'CMD | ...' [nr-serve flags...]: the server with this pipeline.
pipeline() {
	local p=$1
	shift
	SERVE_FLAGS="$* --pipeline" serve_start_p "$p"
}

# serve_start with a last argument that has blanks (the pipeline).
serve_start_p() {
	[ -n "${KEY:-}" ] || KEY=$(nr key add tester 2>/dev/null) || fail "nr key add"
	: >"$BATS_TEST_TMPDIR/serve.err"
	nr-serve --listen 127.0.0.1:0 $SERVE_FLAGS "$1" 2>"$BATS_TEST_TMPDIR/serve.err" 3>&- &
	SERVER_PID=$!
	PORT=$(listen_port "$BATS_TEST_TMPDIR/serve.err")
	[ -n "$PORT" ] || fail "nr-serve did not start: $(cat "$BATS_TEST_TMPDIR/serve.err")"
	URL=http://127.0.0.1:$PORT
}

# status_of PATH BODY [curl args]: "STATUS BODY" of the answer.
status_of() {
	local path=$1 data=$2
	shift 2
	curl -sS --max-time 20 -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary "$data" -w '\n%{http_code}' "$@" "$URL$path"
}

@test "a tee stage sees the request after rtk-filter, bare (the facts go on in the environment)" {
	pipeline "rtk-filter --request --facts | tee $BATS_TEST_TMPDIR/seen | nr-route"
	local log req
	log=$(for i in $(seq 1 300); do printf 'INFO worker %d: heartbeat ok\\n' "$((i % 3))"; done)
	req='{"model":"mo/gpt-mock","temperature":1.0,"messages":[{"role":"user","content":"go"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"sh","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"'"$log"'"}]}'
	run post /v1/chat/completions "$req"
	assert_success
	jq -e '.choices[0].message.content' <<<"$output" >/dev/null
	# tee saw what rtk-filter makes of the request, bare: no facts block
	printf %s "$req" | rtk-filter --request --format openai >"$BATS_TEST_TMPDIR/filtered"
	cmp "$BATS_TEST_TMPDIR/seen" "$BATS_TEST_TMPDIR/filtered"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/seen")" -lt "${#req}" ] || fail "not compressed"
	# and nr-route, after tee, still recorded what rtk-filter saved
	local saved
	saved=$(printf %s "$req" | rtk-filter --request --format openai --facts | sed -n 's/^Nr-Rtk-Saved-Bytes: //p')
	[ "$saved" -gt 1000 ] || fail "rtk-filter saved $saved"
	usage_rows 1
	[ "$(db 'select rtk_saved_bytes from usage')" = "$saved" ] || fail "usage: $(db 'select rtk_saved_bytes from usage'), not $saved"
}

@test "a jq stage rewrites the request on its way (a redaction)" {
	pipeline "jq -c '.messages[0].content |= gsub(\"sk-[A-Za-z0-9]+\"; \"[key]\")' | nr-route"
	run post /v1/chat/completions '{"model":"mo/gpt-mock","messages":[{"role":"user","content":"my key is sk-abc123, keep it"}]}'
	assert_success
	grep -q '"my key is \[key\], keep it"' "$MOCK_RAW/request-1" || fail "$(cat "$MOCK_RAW/request-1")"
	grep -q 'sk-abc123' "$MOCK_RAW/request-1" && fail "the key reached the upstream"
	true
}

@test "a stage sees the request's CGI-style environment, and never a credential" {
	stage envdump "env | sort > $BATS_TEST_TMPDIR/env; exec cat"
	pipeline "$STAGES/envdump | nr-route"
	MOCK_SECRET_IN_ENV=1 run post /v1/messages "$(body anthropic ma/claude-mock)" -H 'anthropic-version: 2023-06-01' \
		-H 'anthropic-beta: tools-2024-04-04'
	assert_success
	local env=$BATS_TEST_TMPDIR/env
	grep -qx 'NR_FORMAT=anthropic' "$env" || fail "$(cat "$env")"
	grep -qx 'NR_CLIENT_KEY=tester' "$env"
	grep -qx 'NR_RTK=on' "$env"
	grep -qx 'NR_CAVEMAN=off' "$env"
	grep -qx 'REQUEST_METHOD=POST' "$env"
	grep -qx 'PATH_INFO=/v1/messages' "$env"
	grep -qx "CONTENT_LENGTH=$(body anthropic ma/claude-mock | head -c -1 | wc -c)" "$env" || grep CONTENT_LENGTH "$env"
	grep -qx 'HTTP_ANTHROPIC_VERSION=2023-06-01' "$env"
	grep -qx 'HTTP_ANTHROPIC_BETA=tools-2024-04-04' "$env"
	grep -q "$KEY" "$env" && fail "the client's nr key is in a stage's environment"
	grep -q '^HTTP_AUTHORIZATION=\|^HTTP_X_API_KEY=' "$env" && fail "a credential is in a user stage's environment"
	grep -q '^NR_RTK_SAVED' "$env" && fail "facts before any stage told them"
	true
}

@test "a policy stage refuses with exit 77: a 403 in the client's format, naming its reason; nothing goes upstream" {
	stage policy 'body=$(cat); if grep -q internal <<<"$body"; then echo "policy: internal code may not leave the building" >&2; exit 77; fi; printf %s "$body"'
	pipeline "rtk-filter --request --facts | $STAGES/policy | nr-route"
	run status_of /v1/messages '{"model":"ma/claude-mock","max_tokens":9,"messages":[{"role":"user","content":"internal stuff"}]}' \
		-H 'anthropic-version: 2023-06-01'
	assert_line --index 1 403
	jq -e '.type == "error" and .error.type == "permission_error" and
		.error.message == "internal code may not leave the building"' <<<"${lines[0]}"
	[ "$(mock_count)" = 0 ]
	# an allowed request passes
	run status_of /v1/messages "$(body anthropic ma/claude-mock)" -H 'anthropic-version: 2023-06-01'
	assert_line --index 1 200
}

@test "a stage that refuses with exit 65 is a 400; one that fails otherwise a 502, its stderr in nr-serve's log" {
	stage picky 'cat >/dev/null; echo "picky: the request has no system prompt" >&2; exit 65'
	stage broken 'cat >/dev/null; echo "broken: segfault in my parser" >&2; exit 3'
	pipeline "$STAGES/picky | nr-route"
	run status_of /v1/chat/completions "$(body openai mo/gpt-mock)"
	assert_line --index 1 400
	jq -e '.error.type == "invalid_request_error" and .error.message == "the request has no system prompt"' <<<"${lines[0]}"
	kill "$SERVER_PID"
	pipeline "$STAGES/broken | nr-route"
	run status_of /v1/chat/completions "$(body openai mo/gpt-mock)"
	assert_line --index 1 502
	jq -e '.error.message == "the pipeline stage '"'broken'"' failed (exit 3)"' <<<"${lines[0]}"
	[[ ${lines[0]} != *segfault* ]] || fail "the stage's stderr reached the client"
	grep -q "stage 'broken' said: broken: segfault in my parser" "$BATS_TEST_TMPDIR/serve.err" || fail "$(cat "$BATS_TEST_TMPDIR/serve.err")"
	[ "$(mock_count)" = 0 ]
}

@test "a stage that writes garbage, or a half request, is a 502: never passed on" {
	stage garbage 'cat >/dev/null; echo "this is not json"'
	stage half 'head -c 20'
	pipeline "$STAGES/garbage | nr-route"
	run status_of /v1/chat/completions "$(body openai mo/gpt-mock)"
	assert_line --index 1 502
	jq -e '.error.message | startswith("the pipeline stage '"'garbage'"' wrote no JSON request")' <<<"${lines[0]}"
	kill "$SERVER_PID"
	pipeline "$STAGES/half | nr-route"
	run status_of /v1/chat/completions "$(body openai mo/gpt-mock)"
	assert_line --index 1 502
	[ "$(mock_count)" = 0 ]
}

@test "a stage that hangs is stopped at --stage-timeout with its children: a 504" {
	stage hang "sleep 300 & echo \$! > $BATS_TEST_TMPDIR/child; cat; sleep 300"
	pipeline "$STAGES/hang | nr-route" --stage-timeout 1
	local t0=$SECONDS
	run status_of /v1/messages "$(body anthropic ma/claude-mock)" -H 'anthropic-version: 2023-06-01'
	assert_line --index 1 504
	jq -e '.error.type == "timeout_error" and (.error.message | contains("did not finish within 1 s"))' <<<"${lines[0]}"
	[ $((SECONDS - t0)) -le 5 ] || fail "took $((SECONDS - t0)) s"
	# its whole process group is gone, the sleep it started too
	local child
	child=$(cat "$BATS_TEST_TMPDIR/child")
	for _ in $(seq 50); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$child" 2>/dev/null && fail "the stage's child $child still runs"
	[ "$(mock_count)" = 0 ]
}

@test "a client that hangs up stops a slow stage; the next request is served" {
	stage slow "echo \$\$ > $BATS_TEST_TMPDIR/pid; body=\$(cat); [ -e $BATS_TEST_TMPDIR/slow ] && sleep 300; printf %s \"\$body\""
	touch "$BATS_TEST_TMPDIR/slow"
	pipeline "$STAGES/slow | nr-route" --stage-timeout 600
	curl -sS --max-time 1 -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary "$(body openai mo/gpt-mock)" "$URL/v1/chat/completions" && fail "it answered"
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && fail "the stage $pid still runs after its client left"
	rm "$BATS_TEST_TMPDIR/slow"
	run status_of /v1/chat/completions "$(body openai mo/gpt-mock)"
	assert_line --index 1 200
}

@test "a user's last stage answers instead of nr-route, as CGI" {
	stage canned 'cat >/dev/null; printf "Status: 201\r\nContent-Type: application/json\r\nX-Canned: yes\r\nContent-Length: 999\r\n\r\n{\"canned\":true}"'
	pipeline "rtk-filter --request | $STAGES/canned"
	run curl -sS -i --max-time 5 -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary "$(body openai mo/gpt-mock)" "$URL/v1/chat/completions"
	assert_line --index 0 --regexp '^HTTP/1.1 201'
	assert_line --partial 'X-Canned: yes'
	assert_line --partial 'Content-Length: 15'	# its own length is nr-serve's to say
	assert_line '{"canned":true}'
}

@test "a last stage that writes no CGI answer, or dies in the middle of one, is a 502: never half an answer" {
	stage nocgi 'cat >/dev/null; echo "{\"no\":\"head\"}"'
	stage dies 'cat >/dev/null; printf "Status: 200\nContent-Type: application/json\n\n{\"choices\":[" ; kill -9 $$'
	pipeline "$STAGES/nocgi"
	run status_of /v1/chat/completions "$(body openai mo/gpt-mock)"
	assert_line --index 1 502
	jq -e '.error.message | contains("wrote no CGI answer")' <<<"${lines[0]}"
	kill "$SERVER_PID"
	pipeline "$STAGES/dies"
	run status_of /v1/chat/completions "$(body openai mo/gpt-mock)"
	assert_line --index 1 502
	jq -e '.error.message == "the pipeline stage '"'dies'"' died while answering"' <<<"${lines[0]}"
}

@test "a bad --pipeline is refused at start, saying why" {
	for p in "nr-route | rtk-filter --request" "rtk-filter --request" "no-such-program-xyz | nr-route" \
		"rtk-filter --request > /tmp/x | nr-route" "rtk-filter --request | | nr-route" "nr-route |" "" \
		"jq '.a | nr-route"; do
		run nr-serve --listen 127.0.0.1:0 --pipeline "$p"
		[ "$status" = 100 ] || fail "'$p' gave $status: $output"
		[[ $output == "nr-serve: the pipeline '$p': "* ]] || fail "$output"
	done
	run nr-serve --listen 127.0.0.1:0 --pipeline "no-such-program-xyz | nr-route"
	assert_output --partial "'no-such-program-xyz' is not an executable program in PATH"
	run nr-serve --listen 127.0.0.1:0 --pipeline "cat > x | nr-route"
	assert_output --partial "'>' is shell syntax"
}

@test "the pipeline can come from \$NR_CONFIG_DIR/pipeline; --pipeline beats it" {
	stage mark "cat; touch $BATS_TEST_TMPDIR/marked"
	printf '# my pipeline\n\n  %s  \n' "$STAGES/mark | nr-route" >"$NR_CONFIG_DIR/pipeline"
	serve_start
	run post /v1/chat/completions "$(body openai mo/gpt-mock)"
	assert_success
	[ -e "$BATS_TEST_TMPDIR/marked" ] || fail "the configured stage did not run"
	kill "$SERVER_PID"
	rm "$BATS_TEST_TMPDIR/marked"
	pipeline "rtk-filter --request --facts | nr-route"
	run post /v1/chat/completions "$(body openai mo/gpt-mock)"
	assert_success
	[ -e "$BATS_TEST_TMPDIR/marked" ] && fail "the file's pipeline ran despite --pipeline"
	true
}

@test "the README's compose-by-hand pipeline runs as written and records the server's usage row" {
	provider anthropic anthropic
	awk '/^<!-- compose-by-hand -->/ { on = 1; next } /^<!-- \/compose-by-hand -->/ { on = 0 }
	     on && !/^```/' "$ROOT/README.md" >"$BATS_TEST_TMPDIR/by-hand.sh"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/by-hand.sh")" -ge 2 ] || fail "no commands between the README's markers"
	local log
	log=$(for i in $(seq 1 300); do printf 'ERROR disk %d: write failed, retrying\\n' "$((i % 2))"; done)
	cd "$BATS_TEST_TMPDIR"
	printf '%s' '{"model":"anthropic/claude-sonnet-4-5","max_tokens":64,"messages":[
		{"role":"user","content":"check the disk"},
		{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"sh","input":{}}]},
		{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"'"$log"'"}]}]}' >request.json
	# each line of the README, as written
	local n=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		n=$((n + 1))
		run sh -c "$line"
		assert_success
		assert_line --index 0 --regexp '^Status: 200.$'
		assert_output --partial '"type":"message"'
	done <"$BATS_TEST_TMPDIR/by-hand.sh"
	# the server, with the same request
	serve_start
	run post /v1/messages "$(cat request.json)" -H 'anthropic-version: 2023-06-01'
	assert_success
	usage_rows $((n + 1))
	run db 'select distinct client_key is null, rtk_saved_bytes, rtk_saved_tokens, input_tokens from usage order by id'
	# the same savings and tokens on every row, by hand and served (only the key name differs)
	[ "$(db 'select count(distinct rtk_saved_bytes || "/" || rtk_saved_tokens || "/" || input_tokens) from usage')" = 1 ] ||
		fail "rows differ: $output"
	[ "$(db 'select min(rtk_saved_bytes) > 1000 from usage')" = 1 ] || fail "no savings recorded: $output"
}
