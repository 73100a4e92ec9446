#!/usr/bin/env bats
# The real coding agents (pinned in tests/e2e/package.json) through nr-serve to
# the mock upstream on 127.0.0.1, each in its own loop: Claude Code (`claude -p`)
# against an OpenAI-format provider, Codex CLI (`codex exec`) against an
# Anthropic-format provider. Each must call a tool, get its result back and
# print a final answer holding a token that only the tool could have seen.
# The clients' settings are the README's "## Clients" subsections, as written.

load e2e-helper

# seconds a client may take before the test fails as hung (it takes ~3 s)
CLIENT_LIMIT=${NR_E2E_CLIENT_LIMIT:-90}

setup() {
	WORK=$BATS_TEST_TMPDIR/work
	mkdir -p "$WORK" "$BATS_TEST_TMPDIR/home"
	# a token no prompt contains: only a tool that read the file can report it
	TOKEN=nr-e2e-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$TOKEN" >"$WORK/secret.txt"
	# the mock's tool arguments (tests/mock/README.md): Read's path, the shell's command
	export MOCK_TOOL_PATH=$WORK/secret.txt MOCK_TOOL_COMMAND='cat secret.txt'
	e2e_setup
	provider mo openai "models=gpt-tool-read gpt-mock"
	provider ma anthropic "models=claude-tool-exec claude-mock"
}

teardown() {
	# a failed test shows what the upstream saw and what the client said
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		[ ! -f "${MOCK_LOG:-}" ] || { echo "# the mock saw:"; jq -c '{path, model, stream, status}' "$MOCK_LOG"; }
		for f in claude codex; do
			[ ! -f "$BATS_TEST_TMPDIR/$f.err" ] || { echo "# $f's stderr ends with:"; tail -c 1500 "$BATS_TEST_TMPDIR/$f.err"; }
		done
	fi
	e2e_teardown
}

# readme_block SECTION LANG: the first ```LANG block after the heading "### SECTION"
readme_block() {
	awk -v h="### $1" -v f="\`\`\`$2" '
		$0 == h { s = 1; next }
		s == 1 && /^#/ { exit }
		s == 1 && $0 == f { s = 2; next }
		s == 2 && /^```/ { exit }
		s == 2 { print }' "$ROOT/README.md"
}

# clean_env: no client settings or proxies from the caller's environment; HOME
# and the XDG dirs in the test's scratch dir
clean_env() {
	local v
	for v in $(compgen -e); do
		case $v in
		ANTHROPIC_* | CLAUDE_* | OPENAI_* | CODEX_* | [Hh][Tt][Tt][Pp]_[Pp][Rr][Oo][Xx][Yy] | \
			[Hh][Tt][Tt][Pp][Ss]_[Pp][Rr][Oo][Xx][Yy] | [Aa][Ll][Ll]_[Pp][Rr][Oo][Xx][Yy]) unset "$v" ;;
		esac
	done
	export HOME=$BATS_TEST_TMPDIR/home
	export XDG_CONFIG_HOME=$HOME/.config XDG_CACHE_HOME=$HOME/.cache \
		XDG_DATA_HOME=$HOME/.local/share XDG_STATE_HOME=$HOME/.local/state
}

# run_client NAME SETUP CMD...: runs CMD in $WORK, in a clean environment set
# up by function SETUP, with a time limit; stdout in NAME.out (and $output),
# stderr in NAME.err, exit status in $status. A hang fails the test with what
# the client printed, instead of stalling the suite. Where strace works, every
# connect() of the client and its children is traced, and one to anything but
# loopback (a DNS server included) fails the test.
run_client() {
	local name=$1 setup=$2 trace=() outside
	shift 2
	if strace -f --seccomp-bpf -o /dev/null true 2>/dev/null; then	# stops on connect() only
		trace=(strace -f --seccomp-bpf -qq -e trace=connect -o "$BATS_TEST_TMPDIR/$name.connects")
	elif strace -f -o /dev/null true 2>/dev/null; then
		trace=(strace -f -qq -e trace=connect -o "$BATS_TEST_TMPDIR/$name.connects")
	fi
	status=0
	(cd "$WORK" && clean_env && "$setup" && exec "${trace[@]}" timeout -k 5 "$CLIENT_LIMIT" "$@") \
		>"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" </dev/null || status=$?
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		fail "$name hung: no answer within $CLIENT_LIMIT s. Its stderr ends with:
$(tail -c 3000 "$BATS_TEST_TMPDIR/$name.err")
The mock saw $(mock_count) requests."
	fi
	if [ ${#trace[@]} -gt 0 ]; then
		outside=$(grep -E 'sa_family=AF_INET6?,' "$BATS_TEST_TMPDIR/$name.connects" |
			grep -vE '"(127\.[0-9.]+|::1|::ffff:127\.[0-9.]+)"' || true)
		[ -z "$outside" ] || fail "$name tried to reach beyond 127.0.0.1:
$outside"
	fi
	output=$(cat "$BATS_TEST_TMPDIR/$name.out")
}

# claude_env: the README's Claude Code settings (the test's server in the
# URL) and the switches of a scripted run; then CLAUDE_PREP, a function the
# test may define to change them.
claude_env() {
	local settings
	settings=$(readme_block "Claude Code" sh | grep '^export ' |
		sed "s|http://127.0.0.1:20128|$URL|")
	[ -n "$settings" ] || { echo "README.md has no Claude Code settings" >&2; return 1; }
	eval "$settings"
	# every model Claude Code might pick for side tasks is a plain text one
	export ANTHROPIC_DEFAULT_HAIKU_MODEL=mo/gpt-mock ANTHROPIC_SMALL_FAST_MODEL=mo/gpt-mock \
		ANTHROPIC_DEFAULT_SONNET_MODEL=mo/gpt-mock ANTHROPIC_DEFAULT_OPUS_MODEL=mo/gpt-mock
	export CLAUDE_CONFIG_DIR=$HOME/.claude DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 \
		DISABLE_ERROR_REPORTING=1 DISABLE_NON_ESSENTIAL_MODEL_CALLS=1 \
		CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
	${CLAUDE_PREP:-:}
}

# claude_reads_token [ARGS...]: Claude Code, headless, asked about a file it
# must Read, prints the token the file holds.
claude_reads_token() {
	run_client claude claude_env "$CLIENT_BIN/claude" -p \
		"What does the file secret.txt in this directory say? Read it." \
		--allowedTools Read --strict-mcp-config --output-format text "$@"
	[ "$status" -eq 0 ] || fail "claude exited $status: $(tail -c 3000 "$BATS_TEST_TMPDIR/claude.err")"
	assert_output --partial "$TOKEN"
}

# The two requests of a Read loop, as the OpenAI-format upstream saw them.
assert_openai_read_loop() {
	local model=$1
	[ "$(mock_count "$model")" -eq 2 ] || fail "the mock saw $(mock_count "$model") requests for $model"
	local first second
	first=$(jq -c --arg m "$model" 'select(.model == $m)' "$MOCK_LOG" | head -1)
	second=$(jq -c --arg m "$model" 'select(.model == $m)' "$MOCK_LOG" | tail -1)
	# Anthropic Messages in, Chat Completions out, streamed, Read among the tools
	jq -e '.path == "/v1/chat/completions" and .format == "openai" and .stream == true' <<<"$first" >/dev/null
	jq -e '.headers["anthropic-beta"] == null and .headers["anthropic-version"] == null' <<<"$first" >/dev/null ||
		fail "Anthropic headers reached the OpenAI upstream"
	jq -e '[.body.tools[].function.name] | index("Read")' <<<"$first" >/dev/null
	jq -e '.body.messages[0].role == "system"' <<<"$first" >/dev/null
	# the follow-up: the assistant's Read call, then its result as a tool message
	jq -e '.body.messages[-2].tool_calls[0].function.name == "Read"' <<<"$second" >/dev/null
	jq -e --arg id "$(jq -r '.body.messages[-2].tool_calls[0].id' <<<"$second")" \
		'.body.messages[-1] | .role == "tool" and .tool_call_id == $id' <<<"$second" >/dev/null
	jq -e --arg t "$TOKEN" '.body.messages[-1].content | tostring | contains($t)' <<<"$second" >/dev/null ||
		fail "the tool result the upstream saw does not hold the file's token"
}

@test "Claude Code reads a file through nr from an OpenAI-format provider and prints what it holds" {
	export NR_KEY=$KEY
	claude_reads_token --model mo/gpt-tool-read
	assert_openai_read_loop gpt-tool-read
	# one usage row per upstream attempt, under the key and the model asked for
	local want="tester|mo/gpt-tool-read|mo|200|1|1
tester|mo/gpt-tool-read|mo|200|1|1"
	db_wait "select client_key, requested, provider, status, input_tokens > 0, output_tokens > 0 from usage" "$want"
	run db "select client_key, requested, provider, status, input_tokens > 0, output_tokens > 0 from usage"
	assert_output "$want"
}

@test "Claude Code with an x-api-key and a combo as ANTHROPIC_MODEL falls back to the OpenAI provider" {
	combo coder ma/claude-status-529 mo/gpt-tool-read
	provider ma anthropic "models=claude-status-529"
	export NR_KEY=$KEY
	with_api_key() {
		export ANTHROPIC_API_KEY=$ANTHROPIC_AUTH_TOKEN ANTHROPIC_MODEL=coder
		unset ANTHROPIC_AUTH_TOKEN
	}
	CLAUDE_PREP=with_api_key
	claude_reads_token
	assert_openai_read_loop gpt-tool-read
	db_wait "select count(*) from usage where combo = 'coder' and provider = 'mo' and status = 200" 2
	run db "select count(*) from usage where combo = 'coder' and provider = 'mo' and status = 200"
	assert_output 2
	run db "select count(*) > 0 from usage where combo = 'coder' and provider = 'ma' and status = 529"
	assert_output 1
}

@test "Claude Code with its own credential and nr's key in ANTHROPIC_CUSTOM_HEADERS: the credential passes through" {
	# auth=passthrough sends the client's Authorization on; here the token that
	# a claude.ai login would send is given as ANTHROPIC_AUTH_TOKEN (the same
	# header: Authorization: Bearer), nr's key as the README says
	provider sub anthropic "auth=passthrough" "models=claude-tool-read"
	sed -i '/^keys=/d' "$NR_CONFIG_DIR/providers/sub"
	export NR_KEY=$KEY
	own_token() {
		export ANTHROPIC_AUTH_TOKEN=sk-ant-oat01-e2e-token-7777 ANTHROPIC_CUSTOM_HEADERS="X-NR-Key: $NR_KEY"
	}
	CLAUDE_PREP=own_token
	claude_reads_token --model sub/claude-tool-read
	[ "$(mock_count claude-tool-read)" -eq 2 ] || fail "the mock saw $(mock_count claude-tool-read) requests"
	[ "$(jq -r 'select(.model == "claude-tool-read") | .key_tail' "$MOCK_LOG" | sort -u)" = 7777 ]
	[ "$(jq -s '[.[].header_names[] | select(. == "x-nr-key")] | length' "$MOCK_LOG")" -eq 0 ]
	db_wait "select count(*) from usage where provider = 'sub' and account like 'client-%' and status = 200" 2
	run db "select count(*) from usage where provider = 'sub' and account like 'client-%' and status = 200"
	assert_output 2
}

@test "Claude Code with no model setting at all: its own model names reach the provider through aliases" {
	printf '%s\n' 'claude-*haiku*  mo/gpt-mock' 'claude-*  mo/gpt-tool-read' >"$NR_CONFIG_DIR/aliases"
	export NR_KEY=$KEY
	own_names() {
		unset ANTHROPIC_MODEL ANTHROPIC_DEFAULT_HAIKU_MODEL ANTHROPIC_SMALL_FAST_MODEL \
			ANTHROPIC_DEFAULT_SONNET_MODEL ANTHROPIC_DEFAULT_OPUS_MODEL
	}
	CLAUDE_PREP=own_names
	claude_reads_token
	assert_openai_read_loop gpt-tool-read
	# the rows keep the name Claude Code sent beside the target that answered
	db_wait "select count(*) from usage where requested like 'claude-%' and model = 'gpt-tool-read'" 2
	run db "select count(*) from usage where requested like 'claude-%' and model = 'gpt-tool-read'"
	assert_output 2
}

@test "Claude Code through nr to an Anthropic-format provider: its betas arrive with its request" {
	provider ma anthropic "models=claude-tool-read"
	export NR_KEY=$KEY
	claude_reads_token --model ma/claude-tool-read
	[ "$(mock_count claude-tool-read)" -eq 2 ] || fail "the mock saw $(mock_count claude-tool-read) requests"
	# same format: the request passes through, with the client's anthropic-beta list
	run jq -r 'select(.model == "claude-tool-read") | .headers["anthropic-beta"]' "$MOCK_LOG"
	[ "${#lines[@]}" -eq 2 ] && [[ ${lines[0]} == *claude-code-* ]] && [ "${lines[0]}" = "${lines[1]}" ] ||
		fail "the upstream got anthropic-beta: $output"
	jq -e --arg t "$TOKEN" 'select(.model == "claude-tool-read") | .body.messages[-1].content[] |
		select(.type == "tool_result") | .content | tostring | contains($t)' "$MOCK_LOG" >/dev/null
}

@test "Claude Code prints the provider's error and exits 1 when every target fails" {
	provider mo openai "models=gpt-status-400"
	export NR_KEY=$KEY
	run_client claude claude_env "$CLIENT_BIN/claude" -p "hi" --model mo/gpt-status-400
	[ "$status" -eq 1 ] || fail "claude exited $status: $output"
	assert_output --partial "API Error: 400 Invalid request."
	# it retries 400s with fewer betas; each attempt is recorded
	db_wait "select distinct requested || ' ' || status from usage" "mo/gpt-status-400 400"
	run db "select distinct requested || ' ' || status from usage"
	assert_output "mo/gpt-status-400 400"
}

@test "a stream cut mid-answer makes Claude Code ask again without streaming, and it answers" {
	provider mo openai "models=gpt-cut"
	export NR_KEY=$KEY
	run_client claude claude_env "$CLIENT_BIN/claude" -p "hi" --model mo/gpt-cut
	[ "$status" -eq 0 ] || fail "claude exited $status: $(tail -c 3000 "$BATS_TEST_TMPDIR/claude.err")"
	assert_output "Hello from mock-upstream (openai, gpt-cut)"
	run jq -s -c 'map(.stream)' "$MOCK_LOG"
	assert_output '[true,false]'
}

# codex_env: CODEX_HOME holding the README's Codex config (the test's server
# in the URL)
codex_env() {
	export CODEX_HOME=$BATS_TEST_TMPDIR/codex
	mkdir -p "$CODEX_HOME" || return 1
	readme_block "Codex CLI" toml | sed "s|http://127.0.0.1:20128|$URL|" >"$CODEX_HOME/config.toml"
	grep -q '^\[model_providers.nr\]' "$CODEX_HOME/config.toml" || {
		echo "README.md has no Codex config" >&2
		return 1
	}
}

@test "Codex runs a shell command through nr from an Anthropic-format provider and prints its output" {
	export NR_KEY=$KEY
	# no update check, analytics or plugin sync (github.com): 127.0.0.1 only;
	# the command runs in Codex's read-only sandbox
	run_client codex codex_env "$CLIENT_BIN/codex" exec --skip-git-repo-check --strict-config --color never \
		-c check_for_update_on_startup=false -c analytics.enabled=false --disable plugins \
		-c approval_policy='"never"' --sandbox read-only -m ma/claude-tool-exec \
		-o "$BATS_TEST_TMPDIR/last-message" "Show me what secret.txt holds."
	[ "$status" -eq 0 ] || fail "codex exited $status: $(tail -c 3000 "$BATS_TEST_TMPDIR/codex.err")"
	run cat "$BATS_TEST_TMPDIR/last-message"
	assert_output --partial "Tool said: "
	assert_output --partial "$TOKEN"

	[ "$(mock_count claude-tool-exec)" -eq 2 ] || fail "the mock saw $(mock_count claude-tool-exec) requests"
	local first second
	first=$(head -1 "$MOCK_LOG")
	second=$(tail -1 "$MOCK_LOG")
	# Responses in, Anthropic Messages out, streamed, with the provider's headers
	jq -e '.path == "/v1/messages" and .format == "anthropic" and .stream == true' <<<"$first" >/dev/null
	jq -e '.headers["anthropic-version"] == "2023-06-01" and (.body.max_tokens | type) == "number"' <<<"$first" >/dev/null
	jq -e '(.body.system | length) > 0 and ([.body.tools[].name] | index("exec_command"))' <<<"$first" >/dev/null
	# the follow-up: the tool_use, then a user turn with its tool_result
	jq -e '.body.messages[-2].content[-1] | .type == "tool_use" and .name == "exec_command" and .input.cmd == "cat secret.txt"' \
		<<<"$second" >/dev/null
	jq -e --arg t "$TOKEN" '.body.messages[-1] | .role == "user" and
		(.content[] | select(.type == "tool_result") | .content | tostring | contains($t))' <<<"$second" >/dev/null ||
		fail "the upstream saw no tool_result holding the command's output"

	local want="tester|ma/claude-tool-exec|ma|200
tester|ma/claude-tool-exec|ma|200"
	db_wait "select client_key, requested, provider, status from usage" "$want"
	run db "select client_key, requested, provider, status from usage"
	assert_output "$want"
}

@test "Codex reports a provider's error as its own and exits 1" {
	provider ma anthropic "models=claude-status-400"
	export NR_KEY=$KEY
	run_client codex codex_env "$CLIENT_BIN/codex" exec --skip-git-repo-check --color never \
		-c check_for_update_on_startup=false -c analytics.enabled=false --disable plugins \
		-m ma/claude-status-400 "hi"
	[ "$status" -eq 1 ] || fail "codex exited $status"
	run grep -c '^ERROR: .*"message":"Invalid request."' "$BATS_TEST_TMPDIR/codex.err"
	[ "$output" -ge 1 ] || fail "codex printed: $(tail -c 2000 "$BATS_TEST_TMPDIR/codex.err")"
	[ "$(mock_count claude-status-400)" -eq 1 ]
}

@test "a stream cut mid-answer reaches Codex as a failed response, retried, then reported" {
	provider ma anthropic "models=claude-cut"
	export NR_KEY=$KEY
	# one retry proves it retries, without Codex's back-off over five (~6 s)
	run_client codex codex_env "$CLIENT_BIN/codex" exec --skip-git-repo-check --color never \
		-c check_for_update_on_startup=false -c analytics.enabled=false --disable plugins \
		-c model_providers.nr.stream_max_retries=1 -m ma/claude-cut "hi"
	[ "$status" -eq 1 ] || fail "codex exited $status"
	# nr's response.failed names the cause; without it Codex only sees an EOF
	grep -q 'the upstream stopped mid-stream' "$BATS_TEST_TMPDIR/codex.err" ||
		fail "codex printed: $(tail -c 2000 "$BATS_TEST_TMPDIR/codex.err")"
	[ "$(mock_count claude-cut)" -ge 2 ] || fail "codex did not retry"
}
