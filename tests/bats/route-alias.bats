#!/usr/bin/env bats
# Model aliases: the names tools send on their own (claude-haiku-4-5-20251001,
# gpt-5-codex) reach a target nr routes, through the user's aliases file and
# the shipped share/aliases; `nr alias add|list|rm` edits the user's file.
# Real nr-serve and nr-route, the mock upstream on 127.0.0.1.

load route-helper

setup() {
	route_setup
	# no real provider key may reach a shipped target from here
	for v in $(sed -n 's/^keys=//p' "$ROOT"/share/providers/* | tr ' ' '\n' | sort -u); do
		unset "$v" "${v}_2" "${v}_3"
	done
	provider mo openai "models=gpt-listed"
	provider ma anthropic
}

teardown() {
	route_teardown
}

aliases() {	# the user's aliases file, one argument a line
	printf '%s\n' "$@" >"$NR_CONFIG_DIR/aliases"
}

# A share dir of the test's own: its aliases file is the arguments.
own_share() {
	export NR_SHARE_DIR=$BATS_TEST_TMPDIR/share
	mkdir -p "$NR_SHARE_DIR/providers" "$NR_SHARE_DIR/combos"
	printf '%s\n' "$@" >"$NR_SHARE_DIR/aliases"
}

# Every shipped provider pointed at the mock (the user's file replaces base_url only).
shipped_providers_at_mock() {
	for f in "$ROOT"/share/providers/*; do
		local base=v1
		grep -q '^format=gemini' "$f" && base=v1beta
		echo "base_url=http://127.0.0.1:$MOCK_PORT/$base" >"$NR_CONFIG_DIR/providers/${f##*/}"
	done
}

@test "a dated Claude id reaches the upstream as the alias target's model, and the usage row says both" {
	aliases 'claude-sonnet-*  mo/gpt-mock'
	serve_start
	run post /v1/messages "$(body anthropic claude-sonnet-4-5-20250929)" -H 'anthropic-version: 2023-06-01'
	assert_success
	echo "$output" | jq -e '.content[0].text | test("Hello from mock-upstream")' >/dev/null
	[ "$(mock_count gpt-mock)" = 1 ]
	[ "$(mock_count)" = 1 ]
	usage_rows 1
	[ "$(db "select requested || ' ' || provider || '/' || model || ' ' || status from usage")" = \
		"claude-sonnet-4-5-20250929 mo/gpt-mock 200" ]
}

@test "an exact name beats every glob in its file, and among globs the first match wins" {
	aliases 'claude-*        ma/claude-first-glob' \
		'claude-haiku-*  ma/claude-second-glob' \
		'claude-haiku-4-5-20251001 mo/gpt-exact   # exact, though written last'
	run nr-route --from openai --model claude-haiku-4-5-20251001 < <(body openai x)
	assert_success
	[ "$(mock_count gpt-exact)" = 1 ]
	run nr-route --from openai --model claude-haiku-4-5 < <(body openai x)
	assert_success
	[ "$(mock_count claude-first-glob)" = 1 ]
	[ "$(mock_count claude-second-glob)" = 0 ]
}

@test "the user's aliases come before the shipped ones" {
	own_share 'claude-*  ma/claude-shipped' 'gemini-*  ma/claude-shipped'
	aliases 'claude-*  mo/gpt-user'
	run nr-route --from openai --model claude-opus-4-1-20250805 < <(body openai x)
	assert_success
	run nr-route --from openai --model gemini-2.5-pro < <(body openai x)
	assert_success
	[ "$(mock_count gpt-user)" = 1 ]
	[ "$(mock_count claude-shipped)" = 1 ]	# the second: no user alias for it
}

@test "PROVIDER/MODEL and combos are never aliased; the user's alias beats models=, a shipped one follows it" {
	aliases '*  ma/claude-catchall'
	combo c mo/gpt-from-combo
	run nr-route --from openai --model mo/gpt-direct < <(body openai x)
	assert_success
	run nr-route --from openai --model c < <(body openai x)
	assert_success
	[ "$(mock_count gpt-direct)" = 1 ]
	[ "$(mock_count gpt-from-combo)" = 1 ]
	[ "$(mock_count claude-catchall)" = 0 ]
	# a name mo lists in models=: the user's alias was written for it, and wins
	run nr-route --from openai --model gpt-listed < <(body openai x)
	[ "$(mock_count claude-catchall)" = 1 ]
	[ "$(mock_count gpt-listed)" = 0 ]
	# a shipped alias does not: models= first, the alias's targets as its fallbacks
	rm "$NR_CONFIG_DIR/aliases"
	own_share 'gpt-*  mo/gpt-fallback'
	provider mo openai "models=gpt-status-500"
	run nr-route --from openai --model gpt-status-500 < <(body openai x)
	assert_success
	[ "$(jq -r .model "$MOCK_LOG" | tail -n 2 | tr '\n' ' ')" = "gpt-status-500 gpt-fallback " ]
}

@test "nr alias add, list and rm round-trip, keeping the file's other lines and comments" {
	own_share '# shipped' 'claude-*  ma/claude-shipped'
	aliases '# mine, keep me' 'old  mo/gpt-old'
	run nr alias add 'claude-*' mo/gpt-mine
	assert_success
	run nr alias add claude-haiku-4-5-20251001 ma/claude-exact
	assert_success
	run nr alias add old mo/gpt-new	# replaced where it stands
	assert_success
	run cat "$NR_CONFIG_DIR/aliases"
	assert_line --index 0 '# mine, keep me'
	assert_line --index 1 --regexp '^old +mo/gpt-new$'
	assert_line --index 2 --regexp '^claude-\* +mo/gpt-mine$'
	assert_line --index 3 --regexp '^claude-haiku-4-5-20251001 +ma/claude-exact$'
	[ "${#lines[@]}" = 4 ]
	run nr alias list
	assert_success
	assert_line --regexp '^claude-haiku-4-5-20251001 +ma/claude-exact +user line 4$'
	assert_line --regexp '^claude-\* +mo/gpt-mine +user line 3$'
	assert_line --regexp '^claude-\* +ma/claude-shipped +shipped line 2, overridden by user line 3$'
	# exact names are listed before globs: the order of the lookup
	[ "$(echo "$output" | grep -n 'ma/claude-exact' | cut -d: -f1)" -lt "$(echo "$output" | grep -n 'mo/gpt-mine' | cut -d: -f1)" ]
	run nr-route --from openai --model claude-opus-4-5 < <(body openai x)
	[ "$(mock_count gpt-mine)" = 1 ]
	run nr alias rm 'claude-*'
	assert_success
	run nr alias rm 'claude-*'
	[ "$status" -eq 65 ]
	assert_output --partial "no alias 'claude-*'"
	run nr-route --from openai --model claude-opus-4-5 < <(body openai x)
	[ "$(mock_count claude-shipped)" = 1 ]
	run cat "$NR_CONFIG_DIR/aliases"
	refute_output --partial 'claude-*'
	assert_output --partial '# mine, keep me'
}

@test "nr alias edits the file atomically: a new file renamed over the old, its mode kept, no temp file left" {
	aliases 'a  mo/gpt-a'
	chmod 600 "$NR_CONFIG_DIR/aliases"
	exec 7<"$NR_CONFIG_DIR/aliases"	# a reader that opened it before the edit
	local before
	before=$(stat -c %i "$NR_CONFIG_DIR/aliases")
	run nr alias add b mo/gpt-b
	assert_success
	[ "$(stat -c %i "$NR_CONFIG_DIR/aliases")" != "$before" ]
	[ "$(stat -c %a "$NR_CONFIG_DIR/aliases")" = 600 ]
	[ "$(cat <&7)" = 'a  mo/gpt-a' ]	# the old file, whole
	exec 7<&-
	[ "$(ls "$NR_CONFIG_DIR" | grep -c aliases)" = 1 ]
	# a symlinked file (dotfiles) is edited where it points, the link kept
	mv "$NR_CONFIG_DIR/aliases" "$BATS_TEST_TMPDIR/dotfile"
	ln -s "$BATS_TEST_TMPDIR/dotfile" "$NR_CONFIG_DIR/aliases"
	run nr alias add c mo/gpt-c
	assert_success
	[ -L "$NR_CONFIG_DIR/aliases" ]
	assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/dotfile")" "c                   mo/gpt-c"
	# and into a config dir that does not exist yet, nor its parent
	export NR_CONFIG_DIR=$BATS_TEST_TMPDIR/fresh/nr
	run nr alias add c openai/gpt-5	# a shipped provider: this config dir has none
	assert_success
	[ "$(cat "$NR_CONFIG_DIR/aliases")" = "c                   openai/gpt-5" ]
}

@test "nr alias refuses bad patterns and targets, and leaves the file as it was" {
	combo c mo/gpt-c
	aliases 'keep  mo/gpt-keep'
	cp "$NR_CONFIG_DIR/aliases" "$BATS_TEST_TMPDIR/before"
	local bad
	for bad in 'mo/gpt-x' 'x[ab' 'x]' '' 'has space' "$(printf 'a\tb')" 'é' \
		"$(printf 'x%.0s' $(seq 129))"; do
		run nr alias add "$bad" mo/gpt-x
		[ "$status" -eq 65 ] || fail "pattern '$bad' gave $status"
		assert_output --partial 'bad pattern'
	done
	run nr alias add x nosuch/model
	[ "$status" -eq 65 ]
	assert_output --partial "no provider named 'nosuch'"
	run nr alias add x not-a-combo
	[ "$status" -eq 65 ]
	assert_output --partial 'no combo of that name'
	run nr alias add x 'mo/'
	[ "$status" -eq 65 ]
	run nr alias add c mo/gpt-x	# a combo's name: the combo would always win
	[ "$status" -eq 65 ]
	assert_output --partial 'never be used'
	run nr alias add onlyone
	[ "$status" -eq 100 ]
	assert_output --partial 'usage: nr alias'
	cmp "$NR_CONFIG_DIR/aliases" "$BATS_TEST_TMPDIR/before"
	# a file with a bad line is not edited but named, with its line
	aliases 'fine  mo/gpt-fine' 'broken'
	run nr alias add x mo/gpt-x
	[ "$status" -eq 65 ]
	assert_output --partial "aliases: line 2: want PATTERN TARGET"
}

@test "an alias never names another alias: nr alias refuses it, and a loop written by hand is a clear 404" {
	aliases 'b  mo/gpt-b'
	run nr alias add a b
	[ "$status" -eq 65 ]
	assert_output --partial 'it is itself an alias'
	aliases 'a  b' 'b  a'
	run timeout 10 nr-route --from openai --model a < <(body openai x)
	[ "$status" -eq 65 ]
	assert_line --index 1 "Status: 404"$'\r'
	assert_output --partial "alias a ($NR_CONFIG_DIR/aliases line 1) names 'b', which is neither PROVIDER/MODEL nor a combo (an alias never names another alias)"
	[ "$(mock_count)" = 0 ]
}

@test "a bad line in an aliases file is an error naming the file and line, for the names that reach it" {
	aliases 'ok  mo/gpt-ok' 'x[  mo/gpt-x'
	run nr-route --from openai --model claude-anything < <(body openai x)
	[ "$status" -eq 65 ]
	assert_output --partial "$NR_CONFIG_DIR/aliases: line 2: a '[' without its ']'"
	run nr-route --from openai --model mo/gpt-direct < <(body openai x)	# never reaches the aliases
	assert_success
}

@test "GET /v1/models lists the aliases, and /v1/models/ID answers for a name an alias takes" {
	aliases 'claude-*haiku*  mo/gpt-mine' 'my-model  ma/claude-x'
	serve_start
	run curl -sS -H "Authorization: Bearer $KEY" "$URL/v1/models"
	assert_success
	[ "$(echo "$output" | jq -r '.data[] | select(.id == "my-model") | .owned_by')" = nr-alias ]
	# the user's alias of a shipped pattern is listed once, with the user's target
	[ "$(echo "$output" | jq '[.data[] | select(.id == "claude-*haiku*")] | length')" = 1 ]
	echo "$output" | jq -e '.data[] | select(.id == "claude-*haiku*") | .display_name | test("alias of mo/gpt-mine")' >/dev/null
	# and the shipped ones the user did not override
	echo "$output" | jq -e '.data[] | select(.id == "gpt-5*") | .owned_by == "nr-alias"' >/dev/null
	run curl -sS -H "Authorization: Bearer $KEY" "$URL/v1/models/claude-haiku-4-5-20251001"
	assert_success
	[ "$(echo "$output" | jq -r .id)" = claude-haiku-4-5-20251001 ]
	run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$URL/v1/models/no-such-thing"
	[ "$output" = 404 ]
}

@test "a Claude Code-shaped request for claude-haiku-4-5-20251001 with only one provider key set gets a 200" {
	shipped_providers_at_mock
	export OPENAI_API_KEY=$MOCK_KEY	# the only key: haiku-class's anthropic and openrouter are skipped
	serve_start
	run post '/v1/messages?beta=true' "$(body anthropic claude-haiku-4-5-20251001 stream)" \
		-H 'anthropic-version: 2023-06-01' -H 'anthropic-beta: claude-code-20250219' \
		-w '\n%{http_code}'
	assert_success
	assert_line --index -1 200
	assert_output --partial 'event: message_stop'
	[ "$(mock_count)" = 1 ]	# no attempt on a provider without a key
	[ "$(mock_count gpt-5-mini)" = 1 ]
	usage_rows 1
	[ "$(db "select requested || ' ' || combo || ' ' || provider || '/' || model || ' ' || position from usage")" = \
		"claude-haiku-4-5-20251001 haiku-class openai/gpt-5-mini 2" ]
	# Codex's names with only an Anthropic key: gpt-5 is openai's in models=, the alias follows
	unset OPENAI_API_KEY
	export ANTHROPIC_API_KEY=$MOCK_KEY
	run nr-route --from responses --model gpt-5-codex < <(body responses x)
	assert_success
	run nr-route --from responses --model gpt-5 < <(body responses x)
	assert_success
	[ "$(mock_count claude-sonnet-4-5)" = 2 ]
}

@test "targets whose provider has no key are skipped and leave the status to the others: a 429 stays a 429" {
	provider nokey openai
	sed -i 's/^keys=.*/keys=NO_SUCH_KEY_VAR/' "$NR_CONFIG_DIR/providers/nokey"
	combo c nokey/gpt-a mo/gpt-status-429-retry-5 nokey/gpt-b
	run nr-route --from openai --model c < <(body openai x)
	[ "$status" -eq 1 ]
	assert_line --index 1 "Status: 429"$'\r'
	assert_line "Retry-After: 5"$'\r'
	assert_output --partial 'nokey/gpt-a: no key: set NO_SUCH_KEY_VAR'
	[ "$(mock_count)" = 1 ]
	# every target without a key: said as such
	combo d nokey/gpt-a nokey/gpt-b
	run nr-route --from openai --model d < <(body openai x)
	[ "$status" -eq 1 ]
	assert_line --index 1 "Status: 502"$'\r'
	assert_output --partial "no target's provider has a key set"
}

@test "an edited aliases file takes effect at nr-serve's next request" {
	aliases 'tool-name  mo/gpt-first'
	serve_start
	run post /v1/chat/completions "$(body openai tool-name)"
	assert_success
	run nr alias add tool-name mo/gpt-second
	assert_success
	run post /v1/chat/completions "$(body openai tool-name)"
	assert_success
	[ "$(mock_count gpt-first)" = 1 ]
	[ "$(mock_count gpt-second)" = 1 ]
}
