#!/usr/bin/env bats
# Hardening (issue 11): log lines a client cannot forge, executable combos
# that see no secret and no descriptor of ours and cannot run for ever, base
# URLs printed without their password, provider keys kept out of what an
# upstream echoes back.

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	route_setup
	provider mock openai
}

teardown() {
	route_teardown
}

# A model name that would forge a log line and recolour the terminal.
EVIL='evil\nnr-route: forged line\u001b[31m\\x'

# No byte a terminal or a log reader would act on: controls but \n, DEL, 0x80-0xff
# outside valid UTF-8 sequences is checked by the escaping of \xff below.
no_raw_controls() {
	! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$1"
}

@test "a model name with a newline and an escape is logged by nr-route as one escaped line" {
	printf '{"model":"%s","messages":[]}' "$EVIL" >"$BATS_TEST_TMPDIR/req"
	nr-route --from openai <"$BATS_TEST_TMPDIR/req" >/dev/null 2>"$BATS_TEST_TMPDIR/err" || true
	[ "$(wc -l <"$BATS_TEST_TMPDIR/err")" = 1 ]
	no_raw_controls "$BATS_TEST_TMPDIR/err"
	run ! grep -q '^nr-route: forged' "$BATS_TEST_TMPDIR/err"
	grep -qF "unknown model 'evil\\nnr-route: forged line\\x1b[31m\\\\x'" "$BATS_TEST_TMPDIR/err"
}

@test "a model name with a newline and an escape is logged by nr-serve as one escaped line" {
	serve_start
	printf '{"model":"%s","messages":[]}' "$EVIL" >"$BATS_TEST_TMPDIR/req"
	run curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
		-H 'Content-Type: application/json' --data-binary @"$BATS_TEST_TMPDIR/req" "$URL/v1/chat/completions"
	assert_output 404
	log=$BATS_TEST_TMPDIR/serve.err
	[ "$(grep -c . "$log")" = 2 ]	# "listening on port", then the refusal
	no_raw_controls "$log"
	run ! grep -q '^nr-route: forged' "$log"
	grep -qF 'evil\nnr-route: forged line\x1b[31m' "$log"
}

@test "bytes from a provider file are escaped in errors, invalid UTF-8 included" {
	printf 'format=openai\nbad\033[2Jline\377\n' >"$NR_CONFIG_DIR/providers/odd"
	run --separate-stderr nr provider show odd
	assert_failure
	[[ "$stderr" == *"expected key=value, got 'bad\\x1b[2Jline\\xff'"* ]]
}
