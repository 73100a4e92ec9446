#!/usr/bin/env bats
# make install puts the programs and share/ where PREFIX says, and they work from there.

load helper

@test "make install PREFIX=DIR installs every program and share/, which the programs find" {
	prefix=$BATS_TEST_TMPDIR/prefix
	run make -s -C "$ROOT" install PREFIX="$prefix"
	assert_success
	for p in rtk-filter nr-translate nr-route nr-serve nr nr-db nr-start nr-setup; do
		[ -x "$prefix/bin/$p" ] || fail "$p not installed"
	done
	[ -f "$prefix/share/nr/providers/openai" ]
	[ -f "$prefix/share/nr/systemd/nr-serve.socket" ]
	# a team host's, where doc/team.md takes them from
	[ -f "$prefix/share/nr/systemd/nr-team@.service" ] && [ -f "$prefix/share/nr/systemd/nr-sync@.service" ]
	[ -f "$prefix/share/nr/haproxy/nr.cfg" ]
	# the installed nr-route reads the installed provider files
	run env -u NR_SHARE_DIR NR_CONFIG_DIR=$BATS_TEST_TMPDIR/cfg NR_DATA_DIR=$BATS_TEST_TMPDIR/data \
		OPENAI_API_KEY= "$prefix/bin/nr-route" --from openai --model openai/gpt-x \
		<<<'{"model":"openai/gpt-x","messages":[{"role":"user","content":"hi"}]}'
	# it found providers/openai (else: "no provider named 'openai'") and wants its key
	assert_output --partial 'no key: set OPENAI_API_KEY'
	run "$prefix/bin/rtk-filter" --list
	assert_line --regexp '^git-diff '
	# the installed nr runs the nr-setup installed beside it
	HOME=$BATS_TEST_TMPDIR/home run "$prefix/bin/nr" setup codex --print
	assert_line 'model_provider = "nr"'
}
