#!/usr/bin/env bats
# rtk compression and caveman mode per request (x-nr-rtk, x-nr-caveman) and per
# key (nr key add --no-rtk --caveman, nr key set), end to end through nr-serve
# to the mock upstream: header > key > server flag, and no x-nr-* header
# ever reaches an upstream.

load route-helper

setup() {
	route_setup
	provider mo openai "models=gpt-mock"
	provider ma anthropic "models=claude-mock"
	# a tool result rtk-filter shrinks a lot (similar log lines)
	LOG=$(for i in $(seq 1 300); do echo "INFO worker $i handled request in $((i % 7)) ms"; done)
	jq -n --arg log "$LOG" '{model: "mo/gpt-mock", messages: [
		{role: "system", content: "You help."}, {role: "user", content: "run it"},
		{role: "assistant", content: null, tool_calls: [{id: "c1", type: "function",
			function: {name: "sh", arguments: "{}"}}]},
		{role: "tool", tool_call_id: "c1", content: $log}]}' >"$BATS_TEST_TMPDIR/req.json"
	jq -j '.messages[3].content' "$BATS_TEST_TMPDIR/req.json" >"$BATS_TEST_TMPDIR/sent-result"
}

teardown() {
	route_teardown
}

# chat [curl args...]: posts req.json with $KEY; prints the body and the status.
chat() {
	curl -sS --max-time 20 -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary @"$BATS_TEST_TMPDIR/req.json" -w '\n%{http_code}' "$@" "$URL/v1/chat/completions"
}

# The tool result's text as the mock received request N (its raw bytes, decoded).
received_result() {
	jq -j '.messages[3].content' "$MOCK_RAW/request-$1"
}

# rtk_was on|off N: whether request N's tool result reached the mock compressed.
rtk_was() {
	received_result "$2" >"$BATS_TEST_TMPDIR/got-$2"
	if [ "$1" = off ]; then
		cmp "$BATS_TEST_TMPDIR/sent-result" "$BATS_TEST_TMPDIR/got-$2" ||
			fail "request $2: the tool result was changed"
	else
		[ "$(wc -c <"$BATS_TEST_TMPDIR/got-$2")" -lt "$(($(wc -c <"$BATS_TEST_TMPDIR/sent-result") / 2))" ] ||
			fail "request $2: the tool result was not compressed"
	fi
}

# caveman_was on|off N: whether request N's system prompt got the instruction.
caveman_was() {
	local n
	n=$(jq -r '.messages[0].content' "$MOCK_RAW/request-$2" | grep -c 'Answer tersely' || true)
	[ "$n" -eq "$([ "$1" = on ] && echo 1 || echo 0)" ] || fail "request $2: caveman instruction $n times, wanted $1"
}

@test "by default tool results are compressed and no caveman instruction is added" {
	serve_start
	run chat
	assert_line --index 1 200
	rtk_was on 1
	caveman_was off 1
}

@test "x-nr-rtk: off leaves the tool result byte-identical to what the client sent, and records no saving" {
	serve_start
	run chat -H 'x-nr-rtk: off'
	assert_line --index 1 200
	rtk_was off 1
	usage_rows 1
	[ "$(db 'select rtk_saved_bytes, rtk_saved_tokens from usage')" = "0|0" ]
}

@test "x-nr-rtk accepts on/off, true/false and 1/0 in any case" {
	serve_start
	n=0
	for v in off false 0 OFF False; do
		run chat -H "x-nr-rtk: $v"
		assert_line --index 1 200
		rtk_was off $((n += 1))
	done
	for v in on true 1 ON True; do
		run chat -H "x-nr-rtk: $v"
		assert_line --index 1 200
		rtk_was on $((n += 1))
	done
}

@test "x-nr-caveman: on adds the caveman instruction; the savings recorded are the tool results' alone" {
	serve_start
	run chat
	run chat -H 'x-nr-caveman: on'
	assert_line --index 1 200
	caveman_was off 1
	caveman_was on 2
	rtk_was on 2
	usage_rows 2
	# the instruction adds bytes; they are not counted against rtk's saving
	saved=$(( $(wc -c <"$BATS_TEST_TMPDIR/sent-result") - $(wc -c <"$BATS_TEST_TMPDIR/got-2") ))
	[ "$(db 'select rtk_saved_bytes from usage order by id' | sort -u)" = "$saved" ]
}

@test "a key made with --no-rtk --caveman gets both without any header" {
	KEY=$(nr key add knobs --no-rtk --caveman)
	serve_start
	run chat
	assert_line --index 1 200
	rtk_was off 1
	caveman_was on 1
	usage_rows 1
	[ "$(db 'select client_key, rtk_saved_bytes from usage')" = "knobs|0" ]
}

@test "nr key set changes a key's settings for its next request, and nr key list shows them" {
	serve_start
	run nr key list
	assert_output --regexp '^tester .* rtk=default +caveman=default'
	nr key set tester rtk=off caveman=on
	run nr key list
	assert_output --regexp '^tester .* rtk=off +caveman=on'
	run chat
	rtk_was off 1
	caveman_was on 1
	nr key set tester caveman=default	# one setting; the other stays
	run nr key list
	assert_output --regexp '^tester .* rtk=off +caveman=default'
	run chat
	rtk_was off 2
	caveman_was off 2
}

@test "the request header beats the key's setting, which beats the server's flag" {
	KEY=$(nr key add plain)
	SERVE_FLAGS='--no-rtk --caveman' serve_start
	run chat				# the server's flags
	rtk_was off 1
	caveman_was on 1
	nr key set plain rtk=on caveman=off	# the key's settings beat them
	run chat
	rtk_was on 2
	caveman_was off 2
	run chat -H 'x-nr-rtk: off' -H 'x-nr-caveman: on'	# the headers beat the key's
	rtk_was off 3
	caveman_was on 3
	nr key set plain rtk=default caveman=default	# back to the server's flags
	run chat -H 'x-nr-rtk: on'
	rtk_was on 4
	caveman_was on 4
	# each usage row says which it was, for the dashboard's comparison
	usage_rows 4
	[ "$(db 'select group_concat(caveman) from (select caveman from usage order by id)')" = 1,0,1,1 ]
}

@test "a pipeline that tells nr-route nothing of caveman mode (no rtk-filter --facts) leaves the usage row's caveman NULL" {
	SERVE_FLAGS='--caveman --pipeline nr-route' serve_start
	run chat -H 'x-nr-caveman: on'
	assert_line --index 1 200
	caveman_was off 1	# no rtk-filter: no instruction, whatever the knob says
	usage_rows 1
	[ "$(db "select coalesce(caveman, 'NULL') from usage")" = NULL ]
}

@test "a bad x-nr-rtk or x-nr-caveman value is a 400 in the client's format naming the header" {
	serve_start
	# 'x-nr-rtk;' is curl's way to send the header empty
	for h in 'x-nr-rtk: maybe' 'x-nr-rtk;' 'x-nr-rtk: on, off' 'x-nr-rtk: yes'; do
		run chat -H "$h"
		assert_line --index 1 400
		echo "${lines[0]}" | jq -e '.error.type == "invalid_request_error" and (.error.message | test("x-nr-rtk"))'
	done
	run chat -H 'x-nr-rtk: on' -H 'x-nr-rtk: off'	# two lines may disagree
	assert_line --index 1 400
	run curl -sS --max-time 20 -H "x-api-key: $KEY" -H 'anthropic-version: 2023-06-01' \
		-H 'x-nr-caveman: sometimes' --data-binary "$(body anthropic ma/claude-mock)" -w '\n%{http_code}' "$URL/v1/messages"
	assert_line --index 1 400
	echo "${lines[0]}" | jq -e '.type == "error" and .error.type == "invalid_request_error" and (.error.message | test("x-nr-caveman"))'
	run curl -sS --max-time 20 -H "Authorization: Bearer $KEY" -H 'x-nr-rtk: 2' \
		--data-binary "$(body responses mo/gpt-mock)" -w '\n%{http_code}' "$URL/v1/responses"
	assert_line --index 1 400
	echo "${lines[0]}" | jq -e '.error.type == "invalid_request_error" and (.error.message | test("x-nr-rtk"))'
	run curl -sS --max-time 20 -H "x-goog-api-key: $KEY" -H 'x-nr-caveman: -' \
		--data-binary "$(body gemini x)" -w '\n%{http_code}' "$URL/v1beta/models/mo/gpt-mock:generateContent"
	assert_line --index 1 400
	echo "${lines[0]}" | jq -e '.error.status == "INVALID_ARGUMENT" and (.error.message | test("x-nr-caveman"))'
	[ "$(mock_count)" -eq 0 ]
}

@test "no x-nr-* header reaches an upstream, whatever its format, streamed or not" {
	serve_start
	run chat -H 'x-nr-rtk: off' -H 'x-nr-caveman: on' -H 'X-Nr-Other: 1'
	assert_line --index 1 200
	run curl -sS --max-time 20 -H "x-api-key: $KEY" -H 'anthropic-version: 2023-06-01' -H 'anthropic-beta: b1' \
		-H 'x-nr-rtk: on' -H 'x-nr-caveman: off' --data-binary "$(body anthropic ma/claude-mock stream)" "$URL/v1/messages"
	assert_output --partial 'message_stop'
	run curl -sS --max-time 20 -H "Authorization: Bearer $KEY" -H 'x-nr-caveman: 1' \
		--data-binary "$(body openai ma/claude-mock)" "$URL/v1/chat/completions"
	[ "$(mock_count)" -eq 3 ]
	# the mock logs the name of every header it received
	[ "$(jq -s '[.[].header_names | length > 3] | all' "$MOCK_LOG")" = true ]
	[ "$(jq -s '[.[].header_names[] | select(startswith("x-nr"))] | length' "$MOCK_LOG")" -eq 0 ]
	[ "$(jq -s '[.[].header_names | index("anthropic-beta")] | map(. != null)' -c "$MOCK_LOG")" = '[false,true,false]' ]
}

@test "a database made before key settings existed keeps its keys working, all on the server's defaults" {
	serve_start
	kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
	# the schema as version 3 left it
	db 'alter table usage drop column caveman; alter table usage drop column output_cost;
	    alter table keys drop column rtk; alter table keys drop column caveman;
	    alter table keys drop column allow; alter table keys drop column deny;
	    alter table keys drop column budget_day; alter table keys drop column budget_month;
	    alter table keys drop column rate; drop table key_rate;
	    drop table accounts; drop table quota_windows; drop table spend; delete from migrations where version >= 4'
	SERVE_FLAGS=--caveman serve_start
	run chat
	assert_line --index 1 200
	rtk_was on 1
	caveman_was on 1
	run nr key list
	assert_output --regexp '^tester .* rtk=default +caveman=default'
	[ "$(db 'select max(version) from migrations')" -ge 4 ]
}

@test "nr key set refuses what is not a setting, and a key that does not exist" {
	nr key add someone >/dev/null
	for bad in rtk=maybe caveman rtk= cave=on 'rtk=on extra'; do
		run nr key set someone $bad
		assert_failure 100
		assert_output --partial 'not a setting'
	done
	run nr key set someone
	assert_failure 100
	run nr key add other --bogus
	assert_failure 100
	run nr key set nobody rtk=off
	assert_failure 1
	assert_output --partial "no live key named 'nobody'"
	nr key revoke someone
	run nr key set someone rtk=off
	assert_failure 1
}
