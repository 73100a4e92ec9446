#!/usr/bin/env bats
# A same-format stream reaches the client as the bytes the upstream sent
# (cmp against the mock's --raw copy of its SSE), in all four formats: nr
# tracks the events for usage and for a well-formed end, but writes none.

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	export MOCK_FIXED=1
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

# sse FMT PROVIDER: the client's path and body for a streamed request to PROVIDER/m-tool.
sse_path() {
	case $1 in
	openai) echo /v1/chat/completions ;;
	anthropic) echo /v1/messages ;;
	responses) echo /v1/responses ;;
	gemini) echo "/v1beta/models/$2%2Fm-tool:streamGenerateContent?alt=sse" ;;
	esac
}

@test "a same-format stream (text and a tool call) is the upstream's SSE byte for byte, in all four formats" {
	serve_start
	local tools='"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"n":{"type":"string"}},"required":["n"]}}}]'
	for f in openai anthropic responses gemini; do
		local p=po
		case $f in anthropic) p=pa ;; responses) p=pr ;; gemini) p=pg ;; esac
		for model in m-long-5 m-tool; do
			rm -f "$MOCK_RAW"/*
			case $f in
			openai) printf '{"model":"%s/%s","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}],%s}' "$p" "$model" "$tools" ;;
			anthropic) printf '{"model":"%s/%s","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object","properties":{"n":{"type":"string"}},"required":["n"]}}]}' "$p" "$model" ;;
			responses) printf '{"model":"%s/%s","stream":true,"input":"hi","tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{"n":{"type":"string"}},"required":["n"]}}]}' "$p" "$model" ;;
			gemini) printf '{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"object","properties":{"n":{"type":"string"}},"required":["n"]}}]}]}' ;;
			esac >"$T/req"
			local path
			path=$(sse_path "$f" "$p")
			[ "$f" != gemini ] || path=${path/m-tool/$model}
			curl -sS -N -o "$T/got" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
				--data-binary @"$T/req" "$URL$path"
			[ -s "$MOCK_RAW/answer-1" ] || fail "$f $model: the mock recorded no answer"
			grep -q 'data:' "$MOCK_RAW/answer-1" || fail "$f $model: the mock's answer is no stream"
			cmp "$MOCK_RAW/answer-1" "$T/got" || fail "$f $model: the client got other bytes than the upstream sent"
		done
	done
	usage_rows 8
	run db "select count(*) from usage where input_tokens > 0 and output_tokens > 0"
	assert_output 8
}
