# Shared set-up for the team-*.bats suites: one real PostgreSQL a file
# (tests/pg-server: Debian's postgresql, initdb into a temp dir, loopback
# only; the file is skipped where it cannot start), a database of its own a
# test, and instances A and B: a data dir each (their own nr.sqlite) beside
# one config dir and one mock upstream (route-helper.bash).
load route-helper

team_setup_file() {
	local rc=0
	# outside bats' temp dirs, which the postgres user may not enter
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nr-pg.XXXXXX") || fail "mktemp"
	PG_URL=$("$ROOT/tests/pg-server" start "$PG_DIR" 2>"$BATS_FILE_TMPDIR/pg.err") || rc=$?
	[ $rc -ne 77 ] || skip "no PostgreSQL here: $(cat "$BATS_FILE_TMPDIR/pg.err")"
	[ $rc -eq 0 ] || fail "PostgreSQL did not start: $(cat "$BATS_FILE_TMPDIR/pg.err")"
	export PG_DIR PG_URL
}

team_teardown_file() {
	[ -z "${PG_DIR:-}" ] || { "$ROOT/tests/pg-server" stop "$PG_DIR"; rm -rf "$PG_DIR"; }
}

team_setup() {
	route_setup
	# a schema a test, first in the search path (a database a test took 0.4 s)
	local name=t$BATS_TEST_NUMBER
	psql -q "$PG_URL" -c "CREATE SCHEMA $name" || fail "create schema $name"
	export NR_DATABASE_URL="$PG_URL?options=-csearch_path%3D$name"
	A=$BATS_TEST_TMPDIR/A B=$BATS_TEST_TMPDIR/B
	mkdir -p "$A" "$B"
	SYNC_PIDS=() SERVE_PIDS=()
}

team_teardown() {
	local p
	for p in "${SYNC_PIDS[@]}" "${SERVE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${SYNC_PIDS[@]}" "${SERVE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	route_teardown
}

# on X CMD...: CMD as instance X (A or B: its data dir)
on() {
	local dir=$BATS_TEST_TMPDIR/$1
	shift
	NR_DATA_DIR=$dir "$@"
}

# pg SQL: a query's bare result in this test's database
pg() {
	psql -qAtX "$NR_DATABASE_URL" -c "$1"
}

# sqlite_of X SQL: a query in instance X's file
sqlite_of() {
	sqlite3 "$BATS_TEST_TMPDIR/$1/nr.sqlite" "$2"
}

# synced X: one round of instance X's sync, which must succeed
synced() {
	on "$1" nr db sync --once >/dev/null || fail "nr db sync --once on $1 failed"
}

# sync_daemon X: instance X's `nr db sync` in the background, a round every
# 100 ms; its stderr in $BATS_TEST_TMPDIR/X.sync
sync_daemon() {
	NR_DATA_DIR=$BATS_TEST_TMPDIR/$1 nr db sync --interval 100 2>"$BATS_TEST_TMPDIR/$1.sync" 3>&- &
	SYNC_PIDS+=($!)
}

# serve_on X: instance X's nr-serve on a free port; its URL in URL_X
serve_on() {
	local err=$BATS_TEST_TMPDIR/$1.serve port
	: >"$err"
	NR_DATA_DIR=$BATS_TEST_TMPDIR/$1 nr-serve --listen 127.0.0.1:0 2>"$err" 3>&- &
	SERVE_PIDS+=($!)
	port=$(listen_port "$err")
	[ -n "$port" ] || fail "nr-serve $1 did not start: $(cat "$err")"
	printf -v "URL_$1" '%s' "http://127.0.0.1:$port"
}

# ask_on X KEY MODEL: a chat request to instance X; prints the status
ask_on() {
	local url=URL_$1
	curl -sS --max-time 20 -H "Authorization: Bearer $2" -H 'content-type: application/json' \
		--data-binary "$(body openai "$3")" -o "$BATS_TEST_TMPDIR/answer" -w '%{http_code}' "${!url}/v1/chat/completions"
}

# until_true SECONDS CMD...: CMD until it succeeds, at most SECONDS. Its
# words are expanded once, by the caller: a check that must look again (a
# count, a file) is a function or eval '...' (single-quoted).
until_true() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}
