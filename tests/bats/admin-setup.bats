#!/usr/bin/env bats
# nr setup TOOL: a coding tool's configuration for nr, printed (--print) or
# merged into the tool's own file, with a backup, and never without asking.

bats_require_minimum_version 1.5.0
load helper

setup() {
	export HOME=$BATS_TEST_TMPDIR/home XDG_CONFIG_HOME= CODEX_HOME=
	export NR_CONFIG_DIR=$BATS_TEST_TMPDIR/cfg NR_DATA_DIR=$BATS_TEST_TMPDIR/data NR_SHARE_DIR=$ROOT/share
	unset NR_API_KEY
	mkdir -p "$HOME"
}

python_has() {
	python3 -c "import $1" 2>/dev/null || skip "needs python3 with $1"
}

toml_get() {	# FILE EXPR: a value from a TOML file, parsed by Python's tomllib
	python3 -c 'import sys, tomllib; d = tomllib.load(open(sys.argv[1], "rb")); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"
}

yaml_get() {	# FILE EXPR: a value from a YAML file, parsed by PyYAML
	python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"
}

# the file a --yes write made, and the one backup beside it
backups() {
	find "$(dirname "$1")" -name "$(basename "$1").bak-*" | sort
}

@test "--print: Claude Code's settings are JSON with the base URL, the key, and models nr resolves" {
	NR_API_KEY=nr-test-key-1 run -0 nr setup claude --print --base http://127.0.0.1:20129
	echo "$output" | jq -e . >/dev/null
	[ "$(echo "$output" | jq -r .env.ANTHROPIC_BASE_URL)" = http://127.0.0.1:20129 ]
	[ "$(echo "$output" | jq -r .env.ANTHROPIC_AUTH_TOKEN)" = nr-test-key-1 ]
	for v in ANTHROPIC_MODEL ANTHROPIC_SMALL_FAST_MODEL ANTHROPIC_DEFAULT_HAIKU_MODEL \
		ANTHROPIC_DEFAULT_SONNET_MODEL ANTHROPIC_DEFAULT_OPUS_MODEL; do
		m=$(echo "$output" | jq -r ".env.$v")
		[ -n "$m" ] && [ "$m" != null ] || fail "$v is not set"
		# a combo nr knows, or PROVIDER/MODEL of a shipped provider
		nr combo show "$m" >/dev/null 2>&1 || nr provider show "${m%%/*}" >/dev/null ||
			fail "$v=$m does not resolve through nr"
	done
	[ ! -e "$HOME/.claude" ]	# printed, nothing written
}

@test "--print: Codex's config is TOML with model_provider = nr and the responses wire API" {
	python_has tomllib
	run -0 nr setup codex --print
	echo "$output" >"$BATS_TEST_TMPDIR/c.toml"
	[ "$(toml_get "$BATS_TEST_TMPDIR/c.toml" 'd["model_provider"]')" = nr ]
	[ "$(toml_get "$BATS_TEST_TMPDIR/c.toml" 'd["model_providers"]["nr"]["wire_api"]')" = responses ]
	[ "$(toml_get "$BATS_TEST_TMPDIR/c.toml" 'd["model_providers"]["nr"]["base_url"]')" = http://127.0.0.1:20128/v1 ]
	[ "$(toml_get "$BATS_TEST_TMPDIR/c.toml" 'd["model_providers"]["nr"]["env_key"]')" = NR_API_KEY ]
	m=$(toml_get "$BATS_TEST_TMPDIR/c.toml" 'd["model"]')
	run -0 nr combo show "$m"
	[ ! -e "$HOME/.codex" ]
}

@test "--print: OpenCode's config is JSON with an openai-compatible provider that reads NR_API_KEY" {
	NR_API_KEY=nr-test-key-1 run -0 nr setup opencode --print
	echo "$output" | jq -e '. as $c | .provider.nr.npm == "@ai-sdk/openai-compatible"
		and .provider.nr.options.baseURL == "http://127.0.0.1:20128/v1"
		and .provider.nr.options.apiKey == "{env:NR_API_KEY}"
		and (.model | startswith("nr/")) and ($c.provider.nr.models | has($c.model[3:]))' >/dev/null ||
		fail "unexpected: $output"
	refute_output --partial nr-test-key-1	# the variable is named, the key is not written
}

@test "--print: Continue's config is YAML with an openai model entry at nr's apiBase" {
	python_has yaml
	NR_API_KEY=nr-test-key-2 run -0 nr setup continue --print
	echo "$output" >"$BATS_TEST_TMPDIR/c.yaml"
	[ "$(yaml_get "$BATS_TEST_TMPDIR/c.yaml" 'd["schema"]')" = v1 ]
	[ "$(yaml_get "$BATS_TEST_TMPDIR/c.yaml" 'd["models"][0]["provider"]')" = openai ]
	[ "$(yaml_get "$BATS_TEST_TMPDIR/c.yaml" 'd["models"][0]["apiBase"]')" = http://127.0.0.1:20128/v1 ]
	[ "$(yaml_get "$BATS_TEST_TMPDIR/c.yaml" 'd["models"][0]["apiKey"]')" = nr-test-key-2 ]
}

@test "cline: the settings to paste, with a word that it cannot be written; no key gives a placeholder and a hint" {
	run -0 --separate-stderr nr setup cline
	assert_output --partial 'OpenAI Compatible'
	assert_output --partial 'Base URL:      http://127.0.0.1:20128/v1'
	assert_output --partial 'VS Code'
	assert_output --partial '<your nr key>'
	[[ $stderr == *"nr key add"* ]]
	[ -z "$(find "$HOME" -mindepth 1)" ]
}

@test "writing keeps the user's other settings, makes a backup, and twice gives the same file" {
	mkdir -p "$HOME/.claude"
	echo '{"theme":"dark","env":{"FOO":"1","ANTHROPIC_MODEL":"old"},"permissions":{"allow":["Bash(ls)"]}}' >"$HOME/.claude/settings.json"
	cp "$HOME/.claude/settings.json" "$BATS_TEST_TMPDIR/orig"
	NR_API_KEY=nr-test-key-3 run -0 nr setup claude --yes
	f=$HOME/.claude/settings.json
	jq -e '.theme == "dark" and .env.FOO == "1" and .permissions.allow == ["Bash(ls)"]
		and .env.ANTHROPIC_AUTH_TOKEN == "nr-test-key-3" and .env.ANTHROPIC_MODEL != "old"' "$f" >/dev/null ||
		fail "merged file: $(cat "$f")"
	run backups "$f"
	[ "${#lines[@]}" -eq 1 ] || fail "backups: $output"
	cmp "${lines[0]}" "$BATS_TEST_TMPDIR/orig"
	cp "$f" "$BATS_TEST_TMPDIR/first"
	NR_API_KEY=nr-test-key-3 run -0 nr setup claude --yes
	assert_output --partial 'nothing to do'
	cmp "$f" "$BATS_TEST_TMPDIR/first"
	run backups "$f"
	[ "${#lines[@]}" -eq 1 ]	# nothing replaced, no new backup
}

@test "codex: only nr's own TOML lines change; the rest is kept, and twice gives the same file" {
	python_has tomllib
	mkdir -p "$HOME/.codex"
	f=$HOME/.codex/config.toml
	printf '%s\n' '# mine' 'model = "o3"' 'approval_policy = "on-request"' '' '[model_providers.other]' 'name = "x"' \
		'' '[model_providers.nr]' 'name = "stale"' '[model_providers.nr.http_headers]' 'X = "y"' '' '[tui]' 'notifications = true' >"$f"
	run -0 nr setup codex --yes
	[ "$(toml_get "$f" 'd["model_provider"]')" = nr ]
	[ "$(toml_get "$f" 'd["model"]')" = premium-to-free ]
	[ "$(toml_get "$f" 'd["approval_policy"]')" = on-request ]
	[ "$(toml_get "$f" 'd["model_providers"]["other"]["name"]')" = x ]
	[ "$(toml_get "$f" 'd["model_providers"]["nr"]')" = "{'name': 'nr', 'base_url': 'http://127.0.0.1:20128/v1', 'wire_api': 'responses', 'env_key': 'NR_API_KEY'}" ]
	[ "$(toml_get "$f" 'd["tui"]["notifications"]')" = True ]
	grep -q '^# mine$' "$f"
	cp "$f" "$BATS_TEST_TMPDIR/first"
	run -0 nr setup codex --yes
	cmp "$f" "$BATS_TEST_TMPDIR/first"
	run backups "$f"
	[ "${#lines[@]}" -eq 1 ]
}

@test "opencode and continue: merged into the existing file, the user's entries kept, twice the same" {
	python_has yaml
	mkdir -p "$HOME/.config/opencode" "$HOME/.continue"
	echo '{"theme":"tokyonight","provider":{"mine":{"npm":"x"}}}' >"$HOME/.config/opencode/opencode.json"
	printf '%s\n' 'name: mine' 'version: 1.0.0' 'schema: v1' 'models:' '- name: local' '  provider: ollama' '  model: llama3' 'context:' '  - provider: code' >"$HOME/.continue/config.yaml"
	run -0 nr setup opencode --yes
	NR_API_KEY=nr-test-key-4 run -0 nr setup continue --yes
	jq -e '.theme == "tokyonight" and .provider.mine.npm == "x" and .provider.nr.options.baseURL == "http://127.0.0.1:20128/v1"' \
		"$HOME/.config/opencode/opencode.json" >/dev/null
	y=$HOME/.continue/config.yaml
	[ "$(yaml_get "$y" '[m["name"] for m in d["models"]]')" = "['nr premium-to-free', 'nr cheap', 'local']" ]
	[ "$(yaml_get "$y" 'd["context"]')" = "[{'provider': 'code'}]" ]
	cp "$y" "$BATS_TEST_TMPDIR/first"
	cp "$HOME/.config/opencode/opencode.json" "$BATS_TEST_TMPDIR/first.json"
	NR_API_KEY=nr-test-key-4 run -0 nr setup continue --yes
	run -0 nr setup opencode --yes
	cmp "$y" "$BATS_TEST_TMPDIR/first"
	cmp "$HOME/.config/opencode/opencode.json" "$BATS_TEST_TMPDIR/first.json"
}

@test "a linked file is written where the link points, and the link stays" {
	mkdir -p "$HOME/dotfiles" "$HOME/.claude"
	echo '{"theme":"dark"}' >"$HOME/dotfiles/claude.json"
	ln -s "$HOME/dotfiles/claude.json" "$HOME/.claude/settings.json"
	NR_API_KEY=nr-test-key-7 run -0 nr setup claude --yes
	[ -L "$HOME/.claude/settings.json" ]
	jq -e '.theme == "dark" and .env.ANTHROPIC_AUTH_TOKEN == "nr-test-key-7"' "$HOME/dotfiles/claude.json" >/dev/null
	[ -n "$(backups "$HOME/dotfiles/claude.json")" ]
}

@test "without --yes and with stdin not a terminal: refuses, writes nothing, exits non-zero" {
	mkdir -p "$HOME/.claude"
	echo '{"theme":"dark"}' >"$HOME/.claude/settings.json"
	NR_API_KEY=nr-test-key-5 run --separate-stderr nr setup claude </dev/null
	[ "$status" -ne 0 ]
	[[ $stderr == *"not a terminal"*"--yes"* ]] || fail "stderr: $stderr"
	[[ $stderr != *nr-test-key-5* ]]
	[ "$(cat "$HOME/.claude/settings.json")" = '{"theme":"dark"}' ]
	[ -z "$(backups "$HOME/.claude/settings.json")" ]
	[ "$(ls -A "$HOME/.claude")" = settings.json ]	# no temp file left either
}

@test "on a terminal: shows the change with the key masked and writes only after y" {
	command -v script >/dev/null || skip "needs script(1)"
	mkdir -p "$HOME/.claude"
	echo '{"theme":"dark"}' >"$HOME/.claude/settings.json"
	export NR_API_KEY=nr-test-key-6
	# script(1) gives the command a terminal; it types "n", then "y"
	run sh -c 'echo n | script -qec "nr setup claude" /dev/null'
	[ "$status" -ne 0 ]
	assert_output --partial 'ANTHROPIC_BASE_URL'
	assert_output --partial '<key>'
	refute_output --partial nr-test-key-6
	[ "$(cat "$HOME/.claude/settings.json")" = '{"theme":"dark"}' ]
	run sh -c 'echo y | script -qec "nr setup claude" /dev/null'
	assert_success
	jq -e '.theme == "dark" and .env.ANTHROPIC_AUTH_TOKEN == "nr-test-key-6"' "$HOME/.claude/settings.json" >/dev/null
}

@test "a file that is not valid JSON is left alone, with a clear message" {
	mkdir -p "$HOME/.claude"
	printf '{ // a comment\n}\n' >"$HOME/.claude/settings.json"
	cp "$HOME/.claude/settings.json" "$BATS_TEST_TMPDIR/orig"
	run nr setup claude --yes
	assert_failure
	assert_output --partial 'left alone'
	cmp "$HOME/.claude/settings.json" "$BATS_TEST_TMPDIR/orig"
	[ "$(ls -A "$HOME/.claude")" = settings.json ]
}

@test "bad command lines: exit 64 with a message" {
	for args in "" "vim" "claude codex" "claude --bogus" "claude --key" "claude --base ftp://x"; do
		run nr setup $args
		[ "$status" -eq 64 ] || fail "nr setup $args exited $status"
		assert_output --partial 'usage: nr setup'
	done
	run -0 nr setup --help
	assert_output --partial 'usage: nr setup'
}

@test "the key never comes from the command line (ps shows it to every user)" {
	run nr setup claude --print --key nr-test-key-9
	[ "$status" -eq 64 ]
	assert_output --partial 'NR_API_KEY'
	[ ! -e "$HOME/.claude/settings.json" ]
}
