#!/usr/bin/env bats
# The curl examples of README.md (the sh blocks between the curl-examples
# markers), run as written against nr-serve and the mock upstream on 127.0.0.1.

load route-helper

setup() {
	route_setup
	# the README's provider names, pointed at the mock
	provider openai openai
	provider anthropic anthropic
	provider gemini gemini
	serve_start
	awk '/^<!-- curl-examples/ { on = 1; next } /^<!-- \/curl-examples -->/ { on = 0 }
	     on && /^```sh$/ { n++; f = sprintf("%s/ex%02d.sh", dir, n); next }
	     on && /^```$/ { f = ""; next }
	     f { print > f }' dir="$BATS_TEST_TMPDIR" "$ROOT/README.md"
}

teardown() {
	route_teardown
}

@test "every curl example in the README runs as written and gets an answer, not an error" {
	export NR_URL=$URL NR_KEY=$KEY	# in the environment, not on a command line
	n=0
	for ex in "$BATS_TEST_TMPDIR"/ex*.sh; do
		[ -f "$ex" ] || fail "no curl examples found between the README's markers"
		n=$((n + 1))
		run timeout 20 sh -e "$ex"
		[ "$status" -eq 0 ] || fail "$(cat "$ex") exited $status: $output"
		[ -n "$output" ] || fail "$(cat "$ex") printed nothing"
		if echo "$output" | grep -Eq '"error": ?\{|"type": ?"error"'; then fail "$(cat "$ex") answered an error: $output"; fi
	done
	[ "$n" -ge 7 ]
	# each generating example reached the provider it names
	run jq -sc 'map(.format + " " + .model)' "$MOCK_LOG"
	assert_output '["openai gpt-4o-mini","anthropic claude-sonnet-4-5","openai gpt-4o-mini","anthropic claude-sonnet-4-5","gemini gemini-2.5-flash"]'
}
