#!/usr/bin/env bats
# Exactness, in bytes: the same format on both sides is a pass-through of the
# request (but the fields nr must set) and of the answer; streams keep the
# client's bytes; every answer's usage is recorded. Compared with cmp against
# the mock's raw bytes (--raw), never through jq, which would rewrite 1.0 as 1.

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	route_setup
	provider po openai
	provider pa anthropic
	provider pr responses
	provider pg gemini auth=x-goog-api-key
	T=$BATS_TEST_TMPDIR
}

teardown() {
	route_teardown
}

# Literals a JSON round trip rewrites (1.0 → 1, big ints → 1.2345678901234567e+19,
# \u00e9 → é, \/ → /), with odd spacing.
LIT='"temperature":1.0, "top_p" : 1e0,"seed":12345678901234567890,"x_zero":-0,"x_tenth":0.1000000000000000055511151231257827,"x_big":[1E+2,-1.50e-3]'
TXT='caf\u00e9 \/ \ud83d\ude00'

# exact_body FMT MODEL: a request in FMT for MODEL (gemini: none in the body).
exact_body() {
	case $1 in
	openai) printf '{ "model": "%s",%s,\n "messages":[{"role":"user","content":"%s"}]}' "$2" "$LIT" "$TXT" ;;
	anthropic) printf '{"model" :"%s","max_tokens":1.0e3,%s,"messages":[{"role":"user","content":[{"type":"text","text":"%s"}]}]}' "$2" "$LIT" "$TXT" ;;
	responses) printf '{"model":"%s",%s,"input":[{"role":"user","content":"%s"}]}  ' "$2" "$LIT" "$TXT" ;;
	gemini) printf '{"contents":[{"role":"user","parts":[{"text":"%s"}]}],"generationConfig":{"temperature":1.0,"seed":12345678901234567890}}' "$TXT" ;;
	esac
}

# path FMT MODEL: the client's endpoint.
path() {
	case $1 in
	openai) echo /v1/chat/completions ;;
	anthropic) echo /v1/messages ;;
	responses) echo /v1/responses ;;
	gemini) echo "/v1beta/models/$2:generateContent" ;;
	esac
}

prov() {
	case $1 in openai) echo po ;; anthropic) echo pa ;; responses) echo pr ;; gemini) echo pg ;; esac
}

@test "a same-format request reaches the upstream byte for byte, only the model name changed (nr-route, all four formats)" {
	for f in openai anthropic responses gemini; do
		rm -f "$MOCK_RAW"/*
		exact_body "$f" "$(prov "$f")/m-exact" >"$T/req"
		exact_body "$f" m-exact >"$T/want"
		run --separate-stderr nr-route --from "$f" --model "$(prov "$f")/m-exact" <"$T/req"
		assert_success
		cmp "$T/want" "$MOCK_RAW/request-1" || fail "$f: the upstream got other bytes"
	done
}

@test "a same-format request and its whole answer pass through nr-serve byte for byte (all four formats)" {
	serve_start
	for f in openai anthropic responses gemini; do
		rm -f "$MOCK_RAW"/*
		exact_body "$f" "$(prov "$f")/m-exact" >"$T/req"
		exact_body "$f" m-exact >"$T/want"
		curl -sS -o "$T/got" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
			--data-binary @"$T/req" "$URL$(path "$f" "$(prov "$f")/m-exact")"
		cmp "$T/want" "$MOCK_RAW/request-1" || fail "$f: the upstream got other bytes"
		grep -q '"big":12345678901234567890' "$MOCK_RAW/answer-1" || fail "$f: the mock sent no exact member"
		cmp "$MOCK_RAW/answer-1" "$T/got" || fail "$f: the client got another answer than the upstream sent"
	done
}

@test "a combo target's max_tokens is the only other field changed, in place" {
	combo c 'pa/m-exact max_tokens=77'
	exact_body anthropic c >"$T/req"
	exact_body anthropic m-exact | sed 's/"max_tokens":1.0e3/"max_tokens":77/' >"$T/want"
	run --separate-stderr nr-route --from anthropic <"$T/req"
	assert_success
	cmp "$T/want" "$MOCK_RAW/request-1"
}

@test "a compressed tool result is the only change rtk-filter makes on the way through nr-serve" {
	serve_start
	seq 1 3000 | sed 's/^/line of log output /' >"$T/log"
	jq -Rs . <"$T/log" >"$T/logjson"
	printf '{"model":"po/m-exact",%s,"messages":[{"role":"user","content":"%s"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"sh","arguments":"{\\"n\\":1.0}"}}]},{"role":"tool","tool_call_id":"c1","content":%s}]}' \
		"$LIT" "$TXT" "$(cat "$T/logjson")" >"$T/req"
	curl -sS -o "$T/got" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary @"$T/req" "$URL/v1/chat/completions"
	local sent=$MOCK_RAW/request-1
	[ "$(wc -c <"$sent")" -lt "$(wc -c <"$T/req")" ] || fail "the tool result was not compressed"
	# everything before the tool result's text is the client's bytes, the model aside
	local head=${LIT}
	head -c 200 "$sent" | grep -qF "\"model\":\"m-exact\",$head" || fail "the bytes before the tool result changed: $(head -c 300 "$sent")"
}

@test "an openai stream whose client did not ask for usage is the stream the upstream sends without it, byte for byte" {
	export MOCK_FIXED=1
	route_teardown
	route_setup
	provider po openai
	serve_start
	printf '{"model":"po/m1","stream":true,"messages":[{"role":"user","content":"hi"}]}' >"$T/req"
	curl -sS -N -o "$T/got" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary @"$T/req" "$URL/v1/chat/completions"
	printf '{"model":"m1","stream":true,"messages":[{"role":"user","content":"hi"}]}' >"$T/direct"
	curl -sS -N -o "$T/want" -H "Authorization: Bearer $MOCK_KEY" --data-binary @"$T/direct" \
		"http://127.0.0.1:$MOCK_PORT/v1/chat/completions"
	cmp "$T/want" "$T/got"
	usage_rows 1
	run db "select input_tokens > 0 and output_tokens > 0 from usage"
	assert_output 1
}

@test "an openai stream whose client asked for usage keeps the usage chunk" {
	printf '{"model":"po/m1","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}' >"$T/req"
	run --separate-stderr nr-route --from openai <"$T/req"
	assert_success
	assert_output --partial '"choices":[],"usage"'
	cmp <(printf '{"model":"m1","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}') "$MOCK_RAW/request-1"
}

@test "usage rows have tokens for streams in every pair of formats" {
	for from in openai anthropic responses gemini; do
		for to in openai anthropic responses gemini; do
			body "$from" "$(prov "$to")/m1" stream >"$T/req"
			run --separate-stderr nr-route --from "$from" --model "$(prov "$to")/m1" --stream <"$T/req"
			assert_success
		done
	done
	run db "select count(*), sum(input_tokens > 0 and output_tokens > 0) from usage where status = 200"
	assert_output '16|16'
}

# The definitions of the README's "Usage": input = input tokens neither read
# from nor written to the cache, cache_read, cache_write apart, output with reasoning.
@test "usage means the same in every format: input without cache reads and writes, whole and streamed" {
	for f in openai anthropic responses gemini; do
		for s in "" stream; do
			body "$f" "$(prov "$f")/m-cached" $s >"$T/req"
			run --separate-stderr nr-route --from "$f" --model "$(prov "$f")/m-cached" ${s:+--stream} <"$T/req"
			assert_success
		done
	done
	run db "select provider, input_tokens, cache_read_tokens, coalesce(cache_write_tokens, '-'), output_tokens from usage order by provider, id"
	assert_output "pa|50|30|20|7
pa|50|30|20|7
pg|70|30|-|7
pg|70|30|-|7
po|70|30|-|7
po|70|30|-|7
pr|70|30|-|7
pr|70|30|-|7"
}

# A same-format stream: nr tracks its events (usage, a well-formed end) but
# writes the upstream's SSE bytes, compared with the mock's --raw copy.
@test "a same-format stream (text, then a tool call) is the upstream's SSE byte for byte, in all four formats" {
	serve_start
	local schema='{"type":"object","properties":{"n":{"type":"string"}},"required":["n"]}'
	for f in openai anthropic responses gemini; do
		for model in m-long-5 m-tool; do
			rm -f "$MOCK_RAW"/*
			case $f in
			openai) printf '{"model":"po/%s","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":%s}}]}' "$model" "$schema" ;;
			anthropic) printf '{"model":"pa/%s","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":%s}]}' "$model" "$schema" ;;
			responses) printf '{"model":"pr/%s","stream":true,"input":"hi","tools":[{"type":"function","name":"f","parameters":%s}]}' "$model" "$schema" ;;
			gemini) printf '{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":%s}]}]}' "$schema" ;;
			esac >"$T/req"
			local at
			at=$(path "$f" "$(prov "$f")/$model")
			curl -sS -N -o "$T/got" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
				--data-binary @"$T/req" "$URL${at/:generateContent/:streamGenerateContent?alt=sse}"
			grep -q 'data:' "$MOCK_RAW/answer-1" || fail "$f $model: the mock's answer is no stream"
			cmp "$MOCK_RAW/answer-1" "$T/got" || fail "$f $model: the client got other bytes than the upstream sent"
		done
	done
	usage_rows 8
	run db "select count(*) from usage where input_tokens > 0 and output_tokens > 0"
	assert_output 8
}
