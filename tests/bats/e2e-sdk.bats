#!/usr/bin/env bats
# The official OpenAI and Anthropic Node SDKs (pinned in tests/e2e/package.json)
# against nr-serve and the mock upstream on 127.0.0.1: every API, streaming
# and not, tool loops across formats, model lists and typed errors.

load e2e-helper

# One node process runs the scenarios of all this file's tests
# (tests/e2e/sdk-runner.cjs), so the SDKs load once a file, not once a test.
# Without node and npm there is none, and each test skips in e2e_setup.
setup_file() {
	clients_file || return 0
	export SDK_SOCK=$BATS_FILE_TMPDIR/sdk.sock SDK_LOG=$BATS_FILE_TMPDIR/sdk-runner.log
	# 3>&-: bats waits for whatever holds its fd 3 open
	node "$ROOT/tests/e2e/sdk-runner.cjs" "$SDK_SOCK" >"$BATS_FILE_TMPDIR/sdk-runner.ready" 2>"$SDK_LOG" 3>&- &
	export SDK_PID=$!
	for _ in $(seq 200); do
		[ -s "$BATS_FILE_TMPDIR/sdk-runner.ready" ] && return 0
		kill -0 "$SDK_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "tests/e2e/sdk-runner.cjs did not start: $(cat "$SDK_LOG")" >&2
	return 1
}

teardown_file() {
	[ -z "${SDK_PID:-}" ] || kill "$SDK_PID" 2>/dev/null || true
}

setup() {
	e2e_setup
	provider mo openai "models=gpt-mock tool"
	provider ma anthropic "models=claude-mock tool"
	provider mr responses "models=gpt-mock"
	provider mg gemini "models=gemini-mock"
}

teardown() { e2e_teardown; }

# sdk SCRIPT ARGS...: what `node tests/e2e/SCRIPT.cjs ARGS...` would print, and
# its exit status, from the file's runner, in this test's environment (the
# runner takes what the scripts and SDKs read of it); with a time limit, so a
# hang fails the test with a clear message instead of stalling the suite.
sdk() {
	local out=$BATS_TEST_TMPDIR/sdk.out code rc=0
	: >"$out"	# curl leaves it as it was when no answer comes
	code=$(jq -n '{argv: $ARGS.positional, env: env}' --args "$@" |
		curl -sS --max-time 30 --noproxy '*' --unix-socket "$SDK_SOCK" -o "$out" -w '%{http_code}' \
			--data-binary @- http://sdk-runner/) || rc=$?
	cat "$out" 2>/dev/null
	case $rc:$code in
	0:200) return 0 ;;
	0:422) return 1 ;;
	28:*) echo "$*: timed out after 30 s" >&2; return 124 ;;
	esac
	echo "$*: no answer from tests/e2e/sdk-runner.cjs (curl $rc, HTTP $code); its log: $(cat "${SDK_LOG:-/dev/null}")" >&2
	return 1
}

# answers API MODEL FORMAT [stream]: the SDK's API got the mock's text answer,
# as a provider in FORMAT wrote it.
answers() {
	run sdk sdk-text "$1" "$2" ${4:-}
	assert_success
	assert_output --partial "Hello from mock-upstream ($3, "
}

# tool_loop API MODEL [stream]: a tool call, then the tool's result sent back,
# then the final text quoting it.
tool_loop() {
	run sdk sdk-tools "$@"
	assert_success
	assert_output 'Tool said: 18C and sunny'
}

# raises API MODEL CLASS STATUS [badkey|invalid] [stream]: the SDK threw its
# own error class CLASS for HTTP STATUS.
raises() {
	run sdk sdk-error "$1" "$2" "$3" "${@:5}"
	assert_success
	assert_output --partial "$3 $4: "
}

@test "OpenAI SDK: a chat completion from an OpenAI provider" {
	answers chat mo/gpt-mock openai
}

@test "OpenAI SDK: a streamed chat completion from an Anthropic provider" {
	answers chat ma/claude-mock anthropic stream
}

@test "OpenAI SDK: a chat completion from an Anthropic provider" {
	answers chat ma/claude-mock anthropic
}

@test "OpenAI SDK: a streamed chat completion from an OpenAI provider" {
	answers chat mo/gpt-mock openai stream
}

@test "Anthropic SDK: a message from an Anthropic provider" {
	answers messages ma/claude-mock anthropic
}

@test "Anthropic SDK: a streamed message from an Anthropic provider" {
	answers messages ma/claude-mock anthropic stream
}

@test "Anthropic SDK: a message from an OpenAI provider" {
	answers messages mo/gpt-mock openai
}

@test "Anthropic SDK: a streamed message from an OpenAI provider" {
	answers messages mo/gpt-mock openai stream
}

@test "OpenAI SDK: a response from a Responses provider" {
	answers responses mr/gpt-mock responses
}

@test "OpenAI SDK: a streamed response from a Responses provider" {
	answers responses mr/gpt-mock responses stream
}

@test "OpenAI SDK: a response from an Anthropic provider" {
	answers responses ma/claude-mock anthropic
}

@test "OpenAI SDK: a streamed response from an Anthropic provider" {
	answers responses ma/claude-mock anthropic stream
}

@test "OpenAI SDK: a streamed response from an OpenAI provider" {
	answers responses mo/gpt-mock openai stream
}

@test "Anthropic SDK: a tool call and its result, through an OpenAI provider" {
	tool_loop messages mo/tool
}

@test "Anthropic SDK: a streamed tool call and its result, through an OpenAI provider" {
	tool_loop messages mo/tool stream
}

@test "Anthropic SDK: a streamed tool call and its result, through an Anthropic provider" {
	tool_loop messages ma/tool stream
}

@test "OpenAI SDK: a chat tool call and its result, through an Anthropic provider" {
	tool_loop chat ma/tool
}

@test "OpenAI SDK: a streamed chat tool call and its result, through an Anthropic provider" {
	tool_loop chat ma/tool stream
}

@test "OpenAI SDK: a streamed chat tool call and its result, through an OpenAI provider" {
	tool_loop chat mo/tool stream
}

@test "OpenAI SDK: a Responses tool call and its result, through an Anthropic provider" {
	tool_loop responses ma/tool
}

@test "OpenAI SDK: a streamed Responses tool call and its result, through an Anthropic provider" {
	tool_loop responses ma/tool stream
}

@test "OpenAI SDK: a streamed Responses tool call and its result, through an OpenAI provider" {
	tool_loop responses mo/tool stream
}

@test "OpenAI SDK: a Responses tool call and its result, through an OpenAI provider" {
	tool_loop responses mo/tool
}

@test "OpenAI SDK: models.list() names provider models and combos" {
	combo mycombo mo/gpt-mock
	run sdk sdk-models openai
	assert_success
	assert_line mo/gpt-mock
	assert_line ma/claude-mock
	assert_line mycombo
}

@test "Anthropic SDK: models.list() names provider models and combos" {
	combo mycombo mo/gpt-mock
	run sdk sdk-models anthropic
	assert_success
	assert_line mo/gpt-mock
	assert_line ma/claude-mock
	assert_line mycombo
}

@test "Anthropic SDK: a streamed tool call and its result, through a Gemini provider" {
	tool_loop messages mg/gemini-tool stream
}

@test "OpenAI SDK: a streamed chat tool call and its result, through a Responses provider" {
	tool_loop chat mr/tool stream
}

@test "OpenAI SDK: a streamed response from a Gemini provider" {
	answers responses mg/gemini-mock gemini stream
}

@test "OpenAI SDK: a wrong key raises AuthenticationError" {
	raises chat mo/gpt-mock AuthenticationError 401 badkey
	raises responses mo/gpt-mock AuthenticationError 401 badkey stream
}

@test "Anthropic SDK: a wrong key raises AuthenticationError" {
	raises messages ma/claude-mock AuthenticationError 401 badkey
	raises messages ma/claude-mock AuthenticationError 401 badkey stream
}

@test "OpenAI SDK: every target rate-limited raises RateLimitError" {
	provider mo2 openai "models=gpt-status-429"
	combo busy mo/gpt-status-429 mo2/gpt-status-429
	raises chat busy RateLimitError 429
	[ "$(mock_count gpt-status-429)" -eq 2 ]
	raises responses busy RateLimitError 429 stream
}

@test "Anthropic SDK: every target rate-limited raises RateLimitError" {
	provider ma2 anthropic "models=claude-status-429"
	combo busy ma/claude-status-429 ma2/claude-status-429 mo/gpt-status-429
	raises messages busy RateLimitError 429
	[ "$(mock_count claude-status-429)" -eq 2 ]
	raises messages busy RateLimitError 429 stream
}

@test "OpenAI SDK: an invalid request raises BadRequestError" {
	raises chat ma/claude-mock BadRequestError 400 invalid
	raises responses ma/claude-mock BadRequestError 400 invalid stream
}

@test "Anthropic SDK: an invalid request raises BadRequestError" {
	raises messages mo/gpt-mock BadRequestError 400 invalid
	raises messages mo/gpt-mock BadRequestError 400 invalid stream
}

@test "OpenAI SDK: models.retrieve() finds a provider model, and raises NotFoundError for an unknown one" {
	run sdk sdk-model openai mo/gpt-mock
	assert_success
	assert_output mo/gpt-mock
	run sdk sdk-model openai mo/nothing
	assert_output NotFoundError
}

@test "Anthropic SDK: models.retrieve() finds a provider model, and raises NotFoundError for an unknown one" {
	run sdk sdk-model anthropic ma/claude-mock
	assert_success
	assert_output ma/claude-mock
	run sdk sdk-model anthropic nothing
	assert_output NotFoundError
}

@test "both SDKs raise NotFoundError for a model whose provider does not exist" {
	raises chat nosuch/gpt-mock NotFoundError 404
	raises messages nosuch/claude-mock NotFoundError 404 stream
}

@test "an upstream cut mid-stream ends every SDK's stream helper with an APIError, not a hang" {
	raises messages mo/cut APIError - stream
	raises chat ma/cut APIError - stream
	raises responses ma/cut APIError - stream
}

@test "both SDKs work configured only by the README's environment variables" {
	export OPENAI_BASE_URL=$URL/v1 OPENAI_API_KEY=$KEY ANTHROPIC_BASE_URL=$URL ANTHROPIC_API_KEY=$KEY
	run sdk sdk-env
	assert_success
	assert_line 'Hello from mock-upstream (openai, gpt-mock)'
	assert_line 'Hello from mock-upstream (anthropic, claude-mock)'
}
