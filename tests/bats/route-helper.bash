# Shared set-up for the route-*.bats suites: a mock upstream per test on
# 127.0.0.1, a scratch config dir with provider files pointing at it, and a
# scratch data dir (so each test has its own SQLite state).
load helper

MOCK=${NR_MOCK:-$ROOT/tests/mock/mock-upstream}

route_setup() {
	export NR_CONFIG_DIR=$BATS_TEST_TMPDIR/cfg NR_DATA_DIR=$BATS_TEST_TMPDIR/data
	export NR_SHARE_DIR=$ROOT/share
	mkdir -p "$NR_CONFIG_DIR/providers" "$NR_CONFIG_DIR/combos"
	export MOCK_LOG=$BATS_TEST_TMPDIR/mock.log MOCK_RAW=$BATS_TEST_TMPDIR/raw
	mkdir -p "$MOCK_RAW"	# the exact bytes of each request and answer (tests/mock/README.md)
	# MOCK_FLAGS: more mock options (--state DIR for the OAuth tests). A test
	# that sets up again must not read the last mock's port before the new
	# mock's redirection truncates the file: emptied here first.
	: >"$BATS_TEST_TMPDIR/port"
	"$MOCK" --listen 127.0.0.1:0 --log "$MOCK_LOG" --raw "$MOCK_RAW" ${MOCK_FLAGS:-} >"$BATS_TEST_TMPDIR/port" &
	MOCK_PID=$!
	port_file MOCK_PORT "$BATS_TEST_TMPDIR/port"
	[ -n "$MOCK_PORT" ] || fail "mock-upstream did not start"
	export MOCK_KEY=sk-test-key-0001
	unset MOCK_KEY_2 MOCK_KEY_3 HTTP_ANTHROPIC_BETA HTTP_ANTHROPIC_VERSION NR_CONNECT_TIMEOUT_MS NR_IDLE_TIMEOUT_MS
	[ "${NR_VARIANT:-}" != team ] || team_join
}

route_teardown() {
	if [ -n "${SERVER_PID:-}" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		# a team's check must come after the usage rows nr-serve's workers
		# write once they have answered
		[ -z "${TEAM_SYNC_PID:-}" ] || wait "$SERVER_PID" 2>/dev/null || true
	fi
	[ -z "${MOCK_PID:-}" ] || { kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; } || true
	[ -z "${TEAM_SYNC_PID:-}" ] || team_check
}

# The team pass (tests/run-suites: NR_VARIANT=team, NR_TEAM_URL a PostgreSQL
# of the run): each test's instance is one of a team, as nr-start makes it,
# with a schema of the suite's in the team's database, attached (the triggers
# on its tables) and `nr db sync` beside it (a round every 200 ms);
# the test runs as written. At its end the sync is stopped, which makes its
# last round, PostgreSQL must hold what the file holds, and its rows go.
# The suite's tests run one after another, so one schema serves them all:
# made by the first, migrated once (a schema and its tables a test cost a
# tenth of a second of PostgreSQL's CPU). A test that sets up twice gets a
# schema of its own the second time.
team_join() {
	TEAM_JOINS=$((TEAM_JOINS + 1))
	local made=$BATS_FILE_TMPDIR/team-schema
	TEAM_SCHEMA=
	[ "$TEAM_JOINS" -gt 1 ] || [ ! -e "$made" ] || read -r TEAM_SCHEMA <"$made" || true
	if [ -z "$TEAM_SCHEMA" ]; then
		TEAM_SCHEMA=t$$_${BATS_TEST_NUMBER}_$TEAM_JOINS
		psql -qX "$NR_TEAM_URL" -c "CREATE SCHEMA $TEAM_SCHEMA" >/dev/null || fail "team: no schema $TEAM_SCHEMA"
		[ "$TEAM_JOINS" -gt 1 ] || echo "$TEAM_SCHEMA" >"$made"
	fi
	export NR_DATABASE_URL="$NR_TEAM_URL?options=-csearch_path%3D$TEAM_SCHEMA"
	nr db attach || fail "team: nr db attach failed"
	# started from a subshell: not one of the test's jobs, which some tests wait for
	TEAM_SYNC_PID=$(nr db sync --interval 200 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/sync.err" 3>&- &
		echo $!)
	# the test starts once the sync has SIGTERM in hand: a quick test's
	# SIGTERM that came while it was still starting killed it, no last round
	local _
	for _ in {1..250}; do team_sync_ready "$TEAM_SYNC_PID" && return 0; sleep 0.02; done
	fail "team: nr db sync did not start: $(cat "$BATS_TEST_TMPDIR/sync.err")"
}

# ready: its SIGTERM handler is in place (nr_sync_run), so a SIGTERM makes
# its last round rather than ending it at once
team_sync_ready() {
	local key mask
	while read -r key mask; do
		[ "$key" != SigCgt: ] || { (( 16#$mask & 0x4000 )) && return 0 || return 1; }
	done 2>/dev/null <"/proc/$1/status"
	return 1
}

# The rows both ends must agree on: each key and whether it is revoked, the
# cooldowns, and each usage row with its status and tokens.
TEAM_SQL="select 'key ' || name || ' ' || (case when revoked is null then 0 else 1 end) from keys order by name;
select 'cooldown ' || scope from cooldowns order by scope;
select 'usage ' || request || ' ' || attempt || ' ' || status || ' ' || coalesce(output_tokens, -1) from usage
 order by request, attempt;"
# Empties the schema for the suite's next test (in the session that read it):
# every table's rows but the schema's version and id, then the tombstones
# the deletes left.
TEAM_EMPTY='DO $$ DECLARE t text; BEGIN
 FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
  AND tablename NOT IN ('"'nr_migrations', 'nr_meta', 'nr_tombstones'"') LOOP
  EXECUTE format('"'DELETE FROM %I'"', t);
 END LOOP;
 DELETE FROM nr_tombstones;
END $$;'


# ended: gone, or a zombie (an orphan: its reaper is not this shell)
team_sync_ended() {
	local stat
	read -r stat <"/proc/$1/stat" 2>/dev/null || return 0
	stat=${stat##*) }
	[ "${stat%% *}" = Z ]
}

team_check() {
	local pid=$TEAM_SYNC_PID here there
	TEAM_SYNC_PID=
	kill "$pid" 2>/dev/null
	for _ in {1..100}; do team_sync_ended "$pid" && break; sleep 0.05; done
	team_sync_ended "$pid" || fail "team: nr db sync did not end on SIGTERM"
	if [ ! -e "$NR_DATA_DIR/nr.sqlite" ]; then	# a test that moved it away
		psql -qX -v ON_ERROR_STOP=1 "$NR_DATABASE_URL" <<<"$TEAM_EMPTY" || fail "team: unable to empty $TEAM_SCHEMA"
		return 0
	fi
	# (stopped, it did a last round)
	here=$(db "$TEAM_SQL") && there=$(psql -qAtX -v ON_ERROR_STOP=1 "$NR_DATABASE_URL" <<<"$TEAM_SQL$TEAM_EMPTY") ||
		fail "team: unable to read the rows"
	[ "$here" = "$there" ] || fail "team: PostgreSQL's rows differ from the file's:
$(diff <(echo "$here") <(echo "$there"))
nr db sync said: $(cat "$BATS_TEST_TMPDIR/sync.err")"
}

# serve_start: an nr key and nr-serve on a free loopback port, after
# route_setup; sets KEY, URL (http://127.0.0.1:PORT) and SERVER_PID. Its
# arguments are environment settings; SERVE_FLAGS, more nr-serve options.
serve_start() {
	if [ -z "${KEY:-}" ]; then
		KEY=$(nr key add tester 2>/dev/null)
		[ -n "$KEY" ] || fail "nr key add printed no key"
	fi
	: >"$BATS_TEST_TMPDIR/serve.err"	# before the loop reads it: the child opens it later
	# 3>&-: bats waits for whatever holds its fd 3 open
	env "$@" nr-serve --listen 127.0.0.1:0 ${SERVE_FLAGS:-} 2>"$BATS_TEST_TMPDIR/serve.err" 3>&- &
	SERVER_PID=$!
	local port
	port=$(listen_port "$BATS_TEST_TMPDIR/serve.err")
	[ -n "$port" ] || fail "nr-serve did not start: $(cat "$BATS_TEST_TMPDIR/serve.err")"
	URL=http://127.0.0.1:$port
	PORT=$port
}

# post PATH BODY [curl args...]: BODY to nr-serve (serve_start) with the key;
# the answer on stdout.
post() {	# post PATH BODY [curl args...]
	local path=$1 data=$2
	shift 2
	curl -sS --max-time 20 -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
		--data-binary "$data" "$@" "$URL$path"
}

# provider NAME FORMAT [LINE...]: a provider file for the mock, in FORMAT.
provider() {
	local name=$1 fmt=$2 base=v1
	shift 2
	[ "$fmt" = gemini ] && base=v1beta
	{
		echo "format=$fmt"
		echo "base_url=http://127.0.0.1:$MOCK_PORT/$base"
		echo "keys=MOCK_KEY"
		[ "$fmt" = anthropic ] && echo "header=anthropic-version: 2023-06-01"
		for l in "$@"; do echo "$l"; done
	} >"$NR_CONFIG_DIR/providers/$name"
}

# combo NAME TARGET...: a plain combo file.
combo() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$NR_CONFIG_DIR/combos/$name"
}

# A request body in FORMAT for MODEL; third argument "stream" asks for SSE.
body() {
	local fmt=$1 model=$2 stream=false
	[ "${3:-}" = stream ] && stream=true
	case $fmt in
	openai) echo "{\"model\":\"$model\",\"stream\":$stream,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" ;;
	anthropic) echo "{\"model\":\"$model\",\"max_tokens\":100,\"stream\":$stream,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" ;;
	responses) echo "{\"model\":\"$model\",\"stream\":$stream,\"input\":\"hi\"}" ;;
	gemini) echo '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}' ;;
	esac
}

# How many requests the mock saw, optionally for one model.
mock_count() {
	[ -f "$MOCK_LOG" ] || { echo 0; return; }
	if [ $# -gt 0 ]; then
		jq -s --arg m "$1" '[.[] | select(.model == $m)] | length' "$MOCK_LOG"
	else
		jq -s length "$MOCK_LOG"
	fi
}

# answered_by MODEL: the answer in $BATS_TEST_TMPDIR/answer came from the
# mock's MODEL.
answered_by() {
	local got
	got=$(jq -r .model "$BATS_TEST_TMPDIR/answer")
	[ "$got" = "$1" ] || fail "answered by '$got', not '$1': $(cat "$BATS_TEST_TMPDIR/answer")"
}

# db SQL: sqlite3 on the instance's file, waiting for a lock as nr does (a
# team's nr db sync writes it between the test's steps)
db() {
	sqlite3 -cmd '.timeout 5000' "$NR_DATA_DIR/nr.sqlite" "$@"
}

# usage_rows N: waits (5 s at most) until the usage table holds N rows: nr-serve
# writes them just after the answer, so a client can see its answer first.
usage_rows() {
	for _ in $(seq 1 50); do
		[ "$(db 'select count(*) from usage' 2>/dev/null)" = "$1" ] && return 0
		sleep 0.1
	done
	fail "usage holds $(db 'select count(*) from usage') rows, not $1"
}

# db_wait QUERY EXPECTED: waits (5 s at most) until QUERY gives EXPECTED, for
# rows written after the answer; the caller asserts (with a useful message).
db_wait() {
	for _ in $(seq 1 50); do
		[ "$(db "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
}

# Skips when nr-translate cannot yet translate across formats (stubs).
need_translate() {
	echo '{"model":"x","messages":[{"role":"user","content":"hi"}]}' |
		nr-translate --request --from openai --to anthropic >/dev/null 2>&1 ||
		skip "cross-format translation not implemented yet"
}
