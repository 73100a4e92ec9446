#!/usr/bin/env bats
# tests/run-suites runs the suites with its own copy of bats (fast_bats: no
# DEBUG trap, the failure's place taken by the ERR trap). A failing test must
# still be reported with its file, line and command, as the installed bats
# reports it: a failure nobody can place costs more than the time saved.

load helper

setup() {
	[ -n "${NR_BATS:-}" ] && [ "$NR_BATS" != bats ] || skip "run by tests/run-suites with its own bats"
	std_only "bats's report: no program of ours runs"
	cd "$BATS_TEST_TMPDIR" || return
	# (each line after a '|': a line of this file that began with @test would
	# be one of its tests)
	sed 's/^|//' >shapes.bats <<'EOF'
|helper() {
|	local x=1
|	[ "$x" = 2 ]
|}
|@test "plain false" {
|	true
|	false
|	true
|}
|@test "last test" {
|	x=1
|	[[ $x == 2 ]]
|}
|@test "in a helper" {
|	true
|	helper
|	true
|}
|@test "cmdsubst" {
|	x=$(exit 4)
|	true
|}
|@test "passes" {
|	if false; then :; fi
|	false || true
|}
EOF
	printf 'setup() {\n\ttrue\n\tfalse\n}\n@test "t" { true; }\n' >setupfail.bats
}

# places BATS: the report's lines that place each failure, in order (a
# bats of its own: none of this one's variables)
places() {
	env -i PATH="$PATH" HOME="$HOME" "$1" --tap shapes.bats setupfail.bats 2>&1 |
		grep -E '^(not )?ok|^# \(|^#  in|^#   `'
}

@test "the suites' bats places a failure where the installed bats does" {
	places bats >installed || true
	places "$NR_BATS" >ours || true
	# the installed bats's lines, as they must read
	grep -qxF '# (in test file shapes.bats, line 7)' installed
	grep -qxF '#   `false'"'"' failed' installed
	diff installed ours || fail "the reports differ (< installed, > ours)"
	grep -qxF '# (from function `helper'"'"' in file shapes.bats, line 3,' ours
	grep -qxF '#  in test file shapes.bats, line 16)' ours
	grep -qxF '#   `x=$(exit 4)'"'"' failed with status 4' ours
	grep -qxF '# (from function `setup'"'"' in test file setupfail.bats, line 3)' ours
	grep -qxF 'ok 5 passes' ours
}
