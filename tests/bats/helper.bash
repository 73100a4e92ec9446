# Shared set-up for every suite: the binaries under test, assertions, scratch dir.
# bats sources this file again for every test: the libraries' own load.bash
# forks a dirname per file, which cost more CPU than bats itself, so their
# files are sourced here directly, in the order their load.bash gives.
for f in /usr/lib/bats/bats-support/src/{output,error,lang}.bash \
	/usr/lib/bats/bats-assert/src/{assert,refute,assert_equal,assert_not_equal,assert_success}.bash \
	/usr/lib/bats/bats-assert/src/{assert_failure,assert_output,refute_output,assert_line}.bash \
	/usr/lib/bats/bats-assert/src/{refute_line,assert_regex,refute_regex}.bash; do
	source "$f" || return 1
done
unset f

ROOT=${BATS_TEST_DIRNAME%/tests/bats}	# (an absolute path, so no cd and pwd)
NR_BIN=${NR_BIN:-$ROOT/bin}
# The caller's standard directories ahead of its other ones: tests/deps-check
# proves that every program the tests run comes from them (DEB_PKGS), and a
# PATH may put wrappers first, such as pyenv's shims, whose python3 starts
# through a chain of 40 bash scripts (0.6 s of CPU, where Debian's takes
# 30 ms). Only those in PATH: a test that leaves one out means it.
std_path= other_path=
IFS=: read -ra path_dirs <<<"$PATH"
for d in "${path_dirs[@]}"; do
	case $d in
	/usr/local/sbin | /usr/local/bin | /usr/sbin | /usr/bin | /sbin | /bin) std_path+=:$d ;;
	*) other_path+=:$d ;;
	esac
done
PATH=$NR_BIN$std_path$other_path
unset std_path other_path path_dirs d
SHARED=${NR_SHARED:-$ROOT/../shared}
export NR_BIN PATH SHARED

# psql: PostgreSQL's client itself, not Debian's /usr/bin/psql, a perl
# script that finds it (60 ms of CPU a call against 20; the team pass calls
# it twice a test)
for p in /usr/lib/postgresql/*/bin/psql; do [ ! -x "$p" ] || PSQL_BIN=$p; done
unset p
[ -z "${PSQL_BIN:-}" ] || psql() { "$PSQL_BIN" "$@"; }

# Skips the test when ../shared (corpus, streams) is absent, as in a user's clone.
need_shared() {
	[ -d "$SHARED/$1" ] || skip "needs ../shared/$1"
}

# stream_tool: sets TOOL to the checker of real streams (../shared/streams/
# accumulate.mjs) with its SDKs, installed once in tests/.cache
# (tests/npm-store: a link to another checkout's install of the same lock).
stream_tool() {
	need_shared streams
	command -v node >/dev/null && command -v npm >/dev/null || skip "needs node and npm"
	local dir=$ROOT/tests/.cache/streams-tool
	mkdir -p "$ROOT/tests/.cache"
	(
		flock 9
		mkdir -p "$dir" || exit
		# copied when changed, by a rename: another suite's checker may be
		# reading package.json this very moment (a cp truncates it first)
		for f in accumulate.mjs package.json package-lock.json; do
			cmp -s "$SHARED/streams/$f" "$dir/$f" ||
				{ cp "$SHARED/streams/$f" "$dir/$f.new" && mv -f "$dir/$f.new" "$dir/$f"; } || exit
		done
		[ -d "$dir/node_modules/openai" ] && [ -d "$dir/node_modules/@anthropic-ai/sdk" ] ||
			"$ROOT/tests/npm-store" "$dir" >/dev/null 2>&1	# npm ci, or a link to the same install
	) 9>"$ROOT/tests/.cache/streams-tool.lock"
	[ -d "$dir/node_modules/openai" ] || skip "the stream checker's SDKs could not be installed"
	TOOL=$dir/accumulate.mjs
}

# std_only REASON: the test runs in the std pass only, for a REASON why the
# sanitizer build cannot change its outcome (timing of the same code, a check
# another test already feeds the same input through the sanitizer build).
# tests/run-suites counts these apart from real skips.
std_only() {
	[ "${NR_VARIANT:-std}" != asan ] || skip "std only: $1"
}

# listen_port FILE: the port of nr-serve's "listening on port N" line in FILE
# (its stderr), waiting 5 s at most; empty when it did not come. (Read by the
# shell, not a sed each 50 ms: it runs for every test.)
listen_port() {
	local port= line
	for _ in {1..100}; do
		while IFS= read -r line; do	# whole lines only
			[[ $line =~ ^nr-serve:\ listening\ on\ port\ ([0-9]+)$ ]] && { port=${BASH_REMATCH[1]}; break; }
		done <"$1"
		[ -n "$port" ] && break
		sleep 0.05
	done
	echo "$port"
}

# port_file VAR FILE: sets VAR to the port a server (the mock, a test's own
# listener) prints as its first line into FILE, waiting 5 s at most; empty
# when it did not come. The caller empties FILE before it starts the server:
# a redirection truncates in the child, later than the parent's first look.
# (A variable, not $(...): it runs for every test, a subshell costs CPU.)
port_file() {
	local _p=
	for _ in {1..250}; do
		read -r _p <"$2" && [ -n "$_p" ] && break	# a whole line only
		_p=
		sleep 0.02
	done
	printf -v "$1" '%s' "$_p"
}
