#!/usr/bin/env bats
# Every program and script of the repository answers --help and -h with a
# usage text on stdout and exit 0, and does nothing else: no key created, no
# server started, no file written. An unknown option is an error on stderr:
# exit 64 for scripts, the programs' usage code 100 (src/exitcodes.h).

load helper

# The executables: every tracked file with the x bit (compiled objects are not
# tracked) and the programs built into NR_BIN. The sanitizer pass checks only
# the programs: the scripts are the same in both passes.
is_elf() {	# (read, not head | od: no process for each of 30 files)
	local magic=
	IFS= read -r -n 4 -d '' magic <"$1" || true
	[ "$magic" = $'\177ELF' ]
}
executables() {
	[ "${NR_VARIANT:-}" = asan ] || git -C "$ROOT" ls-files | while read -r f; do
		[ -x "$ROOT/$f" ] && ! is_elf "$ROOT/$f" && echo "$ROOT/$f"
	done
	for p in rtk-filter nr-translate nr-route nr-serve nr nr-db; do echo "$NR_BIN/$p"; done
}

setup() {
	git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
	sandbox=$BATS_TEST_TMPDIR/sandbox
	mkdir -p "$sandbox/home" "$sandbox/data" "$sandbox/cfg" "$sandbox/tmp" "$sandbox/cwd"
	git -C "$ROOT" ls-files | sort >"$BATS_TEST_TMPDIR/tracked"
	touch "$BATS_TEST_TMPDIR/before"
	sleep 0.01	# a file written after this is -newer than the mark
}

# in_sandbox CMD...: CMD with HOME, the nr dirs, TMPDIR and the cwd in the sandbox
in_sandbox() {
	(cd "$sandbox/cwd" && HOME=$sandbox/home NR_DATA_DIR=$sandbox/data NR_CONFIG_DIR=$sandbox/cfg \
		TMPDIR=$sandbox/tmp exec timeout 30 "$@" </dev/null 3>&-)
}

# nothing written in the sandbox, nor in the repository's own files. It runs
# after each of 80 commands: the common case (nothing new anywhere) costs one
# find; the lists and the comparison with the tracked files only when there
# is something to look at.
assert_no_files() {
	local left new
	shopt -s nullglob dotglob
	left=("$sandbox"/*/*)	# anything inside home, data, cfg, tmp or cwd
	shopt -u nullglob dotglob
	if [ "${#left[@]}" -gt 0 ]; then
		run find "$sandbox" -mindepth 2
		fail "$1 left files behind: $output"
	fi
	# new files only (tracked ones are edited by people), outside what builds and
	# other suites write (build/, bin/, the e2e cache)
	new=$(cd "$ROOT" && find . \( -path ./.git -o -path ./build -o -path ./tests/.cache -o -path ./bin \
		-o -path ./tests/mock \) -prune -o -newer "$BATS_TEST_TMPDIR/before" -type f -print)
	[ -n "$new" ] || return 0
	run sh -c 'cut -c3- | sort | comm -23 - "$1"' sh "$BATS_TEST_TMPDIR/tracked" <<<"$new"
	[ -z "$output" ] || fail "$1 wrote into the repository: $output"
}

@test "the list of executables holds every script and program" {
	run executables
	[ "${NR_VARIANT:-}" != asan ] || skip "the scripts are checked in the std pass"
	for e in bin/nr-start bench/cpu bench/load bench/route bench/rtk bench/serve bench/translate \
		bench/translate-request bench/usage-lock tests/run-suites tests/fuzz/run; do
		assert_line "$ROOT/$e"
	done
	assert_line "$NR_BIN/nr"
}

@test "every executable answers --help and -h on stdout with a usage text, exit 0, and no side effect" {
	n=0
	for e in $(executables); do
		for opt in --help -h; do
			in_sandbox "$e" "$opt" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" ||
				fail "$e $opt exited $?: $(cat "$BATS_TEST_TMPDIR/err")"
			text=
			IFS= read -r -d '' text <"$BATS_TEST_TMPDIR/out" || true	# (no grep: 60 commands)
			[[ ${text,,} == *usage* ]] || fail "$e $opt printed no usage on stdout: $(cat "$BATS_TEST_TMPDIR/out")"
			assert_no_files "$e $opt"
			n=$((n + 1))
		done
	done
	[ "$n" -ge 10 ]
}

@test "every executable refuses an unknown option on stderr, with the usage exit code, and no side effect" {
	for e in $(executables); do
		code=64
		! is_elf "$e" || code=100
		rc=0
		in_sandbox "$e" --no-such-option >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || rc=$?
		[ "$rc" -eq "$code" ] || fail "$e --no-such-option exited $rc, not $code"
		text=
		IFS= read -r -d '' text <"$BATS_TEST_TMPDIR/err" || true
		[[ $text == *no-such-option* ]] || fail "$e said nothing about the option on stderr"
		assert_no_files "$e --no-such-option"
	done
}
