#!/usr/bin/env bats
# Fuzz smoke (tests/fuzz/README.md): each libFuzzer target replays every input
# under tests/fuzz/regress/TARGET (the crashes fuzzing found) and then fuzzes
# for a few seconds from the hand-written seeds and the fixtures. A crash, a
# leak or undefined behaviour fails the test. Needs `make fuzz-build` (clang);
# `make test` builds the targets. Runs once: tests/run-suites skips it for asan.

load helper

# 1 s a target: the regressions are the check; the fuzzing is a smoke (hours run
# by hand: tests/fuzz/README.md)
SMOKE_SECONDS=${NR_FUZZ_SMOKE_SECONDS:-1}

# smoke TARGET [REGRESS_DIR]: the regression inputs, then SMOKE_SECONDS of fuzzing
smoke() {
	local bin=$ROOT/build/fuzz/bin/fuzz-$1 regress=${2:-$ROOT/tests/fuzz/regress/$1}
	[ -x "$bin" ] || skip "no $bin (make fuzz-build needs clang)"
	NR_SHARED=$BATS_TEST_TMPDIR/none "$ROOT/tests/fuzz/seed" "$1" "$BATS_TEST_TMPDIR/seeds"
	mkdir -p "$BATS_TEST_TMPDIR/corpus"
	run "$bin" -seed=1 -max_total_time="$SMOKE_SECONDS" -timeout=10 -max_len=65536 \
		-artifact_prefix="$BATS_TEST_TMPDIR/" \
		"$BATS_TEST_TMPDIR/corpus" "$BATS_TEST_TMPDIR/seeds" "$regress"
	[ "$status" -eq 0 ] || fail "fuzz-$1 found something: $(grep -E 'ERROR|SUMMARY|runtime error' <<<"$output" | head -5)"
	# every regression input was run (libFuzzer counts the inputs it loads)
	local n
	n=$(find "$regress" -type f ! -name .keep | wc -l)
	[ "$n" -eq 0 ] || grep -q 'INFO: seed corpus: files:' <<<"$output"
}

# replay TARGET FILE: one regression input, alone
replay() {
	local bin=$ROOT/build/fuzz/bin/fuzz-$1
	[ -x "$bin" ] || skip "no $bin (make fuzz-build needs clang)"
	run "$bin" "$ROOT/tests/fuzz/regress/$1/$2"
	[ "$status" -eq 0 ] || fail "fuzz-$1 crashes on $2: $(grep -E 'ERROR|SUMMARY' <<<"$output" | head -3)"
}

@test "fuzz http: the chunked request double free of issue 11 stays fixed" {
	replay http issue11-chunked-double-free
}

@test "fuzz http: regression inputs and a few seconds of fuzzing find nothing" {
	smoke http
}

@test "fuzz translate-request: the gemini functionResponse abort of issue 11 stays fixed" {
	replay translate-request issue11-gemini-functionresponse
}

@test "fuzz translate-request: regression inputs and a few seconds of fuzzing find nothing" {
	smoke translate-request
}

@test "fuzz translate-response: regression inputs and a few seconds of fuzzing find nothing" {
	smoke translate-response
}

@test "fuzz translate-stream: regression inputs and a few seconds of fuzzing find nothing" {
	smoke translate-stream
}

@test "fuzz translate-error: regression inputs and a few seconds of fuzzing find nothing" {
	smoke translate-error
}

@test "fuzz rtk-text: regression inputs and a few seconds of fuzzing find nothing" {
	smoke rtk-text
}

@test "fuzz rtk-request: regression inputs and a few seconds of fuzzing find nothing" {
	smoke rtk-request
}
