#!/usr/bin/env bats
# nr account: a provider's keys stored in SQLite beside the environment's,
# read by a running nr-serve at its next request. Real nr-serve, real mock
# upstream on 127.0.0.1, real SQLite file.

load route-helper

setup() {
	route_setup
	# a provider whose only key variable is unset: no account until one is added
	provider mo openai
	sed -i 's/^keys=MOCK_KEY$/keys=MO_UNSET_KEY/' "$NR_CONFIG_DIR/providers/mo"
	unset MO_UNSET_KEY
}

teardown() {
	route_teardown
}

ask() {
	post /v1/chat/completions "$(body openai "$1")" -o "$BATS_TEST_TMPDIR/answer" -w '%{http_code}'
}

@test "an account added while nr-serve runs is used by the next request, and its key never shown" {
	serve_start
	run ask mo/m1
	assert_output 502
	run cat "$BATS_TEST_TMPDIR/answer"
	assert_output --partial 'no key: set MO_UNSET_KEY or nr account add mo NAME'

	run bash -c 'printf "sk-stored-secret-7781\n" | nr account add mo work'
	assert_success
	assert_output "nr account: added mo account 'work'"
	run ask mo/m1
	assert_output 200
	[ "$(jq -r .key_tail <"$MOCK_LOG" | tail -1)" = 7781 ]
	db_wait "select account from usage where outcome = 'ok'" work
	[ "$(db "select account from usage where outcome = 'ok'")" = work ]

	run nr account list
	assert_success
	assert_output --regexp '^mo +work +[0-9]{4}-[0-9]{2}-[0-9]{2}T'
	# the key is nowhere but in the table: not in the listing, status, logs or usage rows
	run nr status
	assert_output --partial 'work'
	refute_output --partial 'sk-stored-secret'
	! grep -r 'sk-stored-secret' "$BATS_TEST_TMPDIR/serve.err" "$MOCK_LOG" || fail "found: the check above must find nothing"
	[ -z "$(db "select 1 from usage where request || account || coalesce(reason, '') like '%sk-stored%'")" ]
	[ "$(stat -c %a "$NR_DATA_DIR/nr.sqlite")" = 600 ]
}

@test "an account removed while nr-serve runs is not used from the next request" {
	printf 'sk-stored-0001\n' | nr account add mo work
	serve_start
	run ask mo/m1
	assert_output 200
	run nr account rm mo work
	assert_success
	assert_output "nr account: removed mo account 'work'"
	run ask mo/m1
	assert_output 502
	run nr account rm mo work
	assert_failure 1
	assert_output "nr account: mo has no stored account named 'work'"
}

@test "stored accounts come after the environment's and take over when its key is rejected" {
	export MO_UNSET_KEY=bad-env-key-0001	# the mock answers 401 to a key starting with bad
	printf 'sk-stored-0002\n' | nr account add mo spare
	serve_start
	run ask mo/m1
	assert_output 200
	[ "$(jq -r .key_tail <"$MOCK_LOG" | tr '\n' ' ')" = "0001 0002 " ]
	db_wait "select group_concat(account || ':' || outcome, ' ') from usage" "MO_UNSET_KEY:fallback spare:ok"
	[ "$(db "select group_concat(account || ':' || outcome, ' ') from usage")" = "MO_UNSET_KEY:fallback spare:ok" ]
}

@test "nr account add takes the key from stdin only, one line, and refuses bad input storing nothing" {
	run nr account add mo work sk-on-the-command-line
	assert_failure 100
	assert_output --partial 'usage: nr account add PROVIDER NAME'
	run bash -c ': | nr account add mo work'
	assert_failure 65
	assert_output --partial 'no key on stdin'
	run bash -c 'printf "sk-a\rsk-b\n" | nr account add mo work'
	assert_failure 65
	assert_output --partial 'control character'
	run bash -c 'printf "sk-a\nsk-b\n" | nr account add mo work'
	assert_failure 65
	assert_output --partial 'line break'
	run bash -c 'head -c 70000 /dev/zero | tr "\0" k | nr account add mo work'
	assert_failure 65
	assert_output --partial 'longer than 64 KiB'
	run bash -c 'echo sk-x | nr account add nosuch work'
	assert_failure 100
	assert_output --partial "no provider named 'nosuch'"
	run bash -c 'echo sk-x | nr account add mo "a b"'
	assert_failure 100
	assert_output --partial 'an account name is'
	run nr account list
	assert_success
	assert_output ''
	# a CRLF line end is a line end, and a name is taken once
	run bash -c 'printf "sk-crlf-0003\r\n" | nr account add mo work'
	assert_success
	run bash -c 'echo sk-y | nr account add mo work'
	assert_failure 1
	assert_output --partial "mo has an account named 'work' already"
	[ "$(db "select secret from accounts")" = sk-crlf-0003 ]
}

@test "nr account answers --help and refuses unknown subcommands" {
	run nr account --help
	assert_success
	assert_output --partial 'nr account add PROVIDER NAME'
	run nr account frob
	assert_failure 100
	run nr account
	assert_failure 100
}
