# Shared set-up for every suite: the binaries under test, assertions, scratch dir.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
NR_BIN=${NR_BIN:-$ROOT/bin}
PATH=$NR_BIN:$PATH
SHARED=${NR_SHARED:-$ROOT/../shared}
export NR_BIN PATH SHARED

# Skips the test when ../shared (corpus, streams) is absent, as in a user's clone.
need_shared() {
	[ -d "$SHARED/$1" ] || skip "needs ../shared/$1"
}

# std_only REASON: the test runs in the std pass only, for a REASON why the
# sanitizer build cannot change its outcome (timing of the same code, a check
# another test already feeds the same input through the sanitizer build).
# tests/run-suites counts these apart from real skips.
std_only() {
	[ "${NR_VARIANT:-std}" != asan ] || skip "std only: $1"
}
