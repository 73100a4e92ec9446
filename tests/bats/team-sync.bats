#!/usr/bin/env bats
# A team's instances sharing one PostgreSQL (src/sync/sync.h): each serves
# from its own SQLite file and `nr db sync` copies the shared state both
# ways. Real PostgreSQL (tests/pg-server), real nr-serve and nr-route, the
# mock upstream on 127.0.0.1.

bats_require_minimum_version 1.5.0
load team-helper

setup_file() { team_setup_file; }
teardown_file() { team_teardown_file; }
setup() {
	team_setup
	provider mz openai "price=10000 10000 10000"
}
teardown() { team_teardown; }

@test "nr db status: one user without a URL, the PostgreSQL's schema and rows with one" {
	run -0 env -u NR_DATABASE_URL nr db status
	assert_output --partial "team: none"
	run -0 nr db migrate
	assert_line "postgresql: schema 2"
	run -0 nr db status
	assert_output --regexp "postgresql: 127\.0\.0\.1:[0-9]+/nr \(schema 2, this nr's 2\)"
	assert_line --regexp '^  usage +0 rows$'
}

@test "an unreachable PostgreSQL is exit 69 with a message that holds no password" {
	std_only "the sync code these run is run under the sanitizers by the tests of keys, cooldowns, load and outage"
	NR_DATABASE_URL=postgresql://nr:s3cret-pw@127.0.0.1:1/nr run -69 nr db status
	assert_output --partial "postgresql:"
	refute_output --partial s3cret-pw
	NR_DATABASE_URL=postgresql://nr:s3cret-pw@127.0.0.1:1/nr run -69 nr db sync --once
	assert_output --partial "postgresql unreachable"
	refute_output --partial s3cret-pw
	run -100 nr db sync --interval 5
	run -100 nr db frobnicate
}

@test "a database_url file that cannot be read is exit 111 from every nr db command that reads it, not 'no team'" {
	std_only "the sync code these run is run under the sanitizers by the tests of keys, cooldowns, load and outage"
	unset NR_DATABASE_URL
	mkdir "$NR_CONFIG_DIR/database_url"
	for cmd in "sync --once" sync attach migrate status; do
		run -111 nr db $cmd
		assert_output --partial "$NR_CONFIG_DIR/database_url"
		refute_output --partial "team: none"
	done
}

@test "the database's URL may come from the config dir's database_url file" {
	std_only "the sync code these run is run under the sanitizers by the tests of keys, cooldowns, load and outage"
	echo "$NR_DATABASE_URL" >"$NR_CONFIG_DIR/database_url"
	url=$NR_DATABASE_URL
	unset NR_DATABASE_URL
	run -0 nr db migrate
	assert_line "postgresql: schema 2"
	[ "$(psql -qAtX "$url" -c 'select max(version) from nr_migrations')" = 2 ]
	# a team's database made by the nr before (schema 1) is brought up to this one's
	psql -qAtX "$url" -c 'alter table usage drop column caveman, drop column output_cost;
		delete from nr_migrations where version = 2'
	run -0 nr db migrate
	assert_line "postgresql: schema 2"
	psql -qAtX "$url" -c 'select caveman, output_cost from usage'
}

@test "instances starting at once apply the schema once" {
	std_only "the sync code these run is run under the sanitizers by the tests of keys, cooldowns, load and outage"
	for i in 1 2 3 4 5 6; do nr db migrate >"$BATS_TEST_TMPDIR/m$i" 2>&1 & done
	for i in 1 2 3 4 5 6; do wait -n || fail "a migrate failed: $(cat "$BATS_TEST_TMPDIR"/m*)"; done
	[ "$(pg 'select count(*) = max(version) from nr_migrations')" = t ]
	[ "$(pg 'select count(*) from nr_meta')" = 1 ]
}

@test "a key added on A works on B; revoked on A, B refuses it" {
	synced A; synced B
	key=$(on A nr key add alice)
	serve_on B
	[ "$(ask_on B "$key" mz/gpt-ok)" = 401 ]
	synced A; synced B
	[ "$(ask_on B "$key" mz/gpt-ok)" = 200 ]
	on A nr key revoke alice
	synced A; synced B
	[ "$(ask_on B "$key" mz/gpt-ok)" = 401 ]
	[ "$(sqlite_of B "select revoked is not null from keys where name = 'alice'")" = 1 ]
}

@test "a key's policy set on A holds on B" {
	synced A; synced B
	key=$(on A nr key add alice)
	on A nr key set alice deny='mz/*'
	synced A; synced B
	serve_on B
	[ "$(ask_on B "$key" mz/gpt-ok)" = 403 ]
}

@test "a cooldown A's failure set is honoured by B, and A's clear ends it on B" {
	# mq: another account (a quota error cools the account)
	sed 's/^keys=MOCK_KEY$/keys=MQ_KEY/' "$NR_CONFIG_DIR/providers/mz" >"$NR_CONFIG_DIR/providers/mq"
	export MQ_KEY=sk-test-key-0002
	combo team mq/gpt-quota mz/gpt-ok
	synced A; synced B
	key=$(on A nr key add alice)
	synced A; synced B
	serve_on A; serve_on B
	[ "$(ask_on A "$key" team)" = 200 ] || fail "A: $(cat "$BATS_TEST_TMPDIR/answer")"
	until_true 5 eval 'test "$(sqlite_of A "select count(*) from cooldowns")" -ge 1' || fail "A set no cooldown"
	synced A; synced B
	[ "$(sqlite_of B 'select scope from cooldowns')" = "$(sqlite_of A 'select scope from cooldowns')" ]
	before=$(mock_count gpt-quota)
	[ "$(ask_on B "$key" team)" = 200 ]
	[ "$(mock_count gpt-quota)" = "$before" ] || fail "B tried the target A found out of quota"
	on A nr cooldown clear mq >/dev/null
	synced A; synced B
	[ "$(sqlite_of B 'select count(*) from cooldowns')" = 0 ]
	[ "$(pg 'select count(*) from cooldowns')" = 0 ]
}

@test "a quota window A finds used up rests the account on B too" {
	std_only "the sync code these run is run under the sanitizers by the tests of keys, cooldowns, load and outage"
	# mo: a subscription whose window the mock reports 100% used
	sed 's/^keys=MOCK_KEY$/keys=MO_KEY/' "$NR_CONFIG_DIR/providers/mz" >"$NR_CONFIG_DIR/providers/mo"
	export MO_KEY=sk-test-key-0009
	combo sub mo/m-window-100 mz/gpt-ok
	synced A; synced B
	key=$(on A nr key add alice)
	synced A; synced B
	serve_on A; serve_on B
	[ "$(ask_on A "$key" sub)" = 200 ]
	[ "$(mock_count m-window-100)" = 1 ]
	until_true 5 eval 'test "$(sqlite_of A "select exhausted from quota_windows where name = \"primary\"")" = 1'
	synced A; synced B
	[ "$(sqlite_of B "select exhausted from quota_windows where name = 'primary'")" = 1 ]
	[ "$(ask_on B "$key" sub)" = 200 ]
	[ "$(mock_count m-window-100)" = 1 ] || fail "B asked the account A found used up"
	[ "$(jq -r .model "$BATS_TEST_TMPDIR/answer")" = gpt-ok ]
}

@test "round-robin goes on across instances: A and B in turn use the accounts in turn" {
	std_only "the sync code these run is run under the sanitizers by the tests of keys, cooldowns, load and outage"
	export MOCK_KEY_2=sk-test-key-0002
	synced A; synced B
	key=$(on A nr key add alice)
	synced A; synced B
	serve_on A; serve_on B
	for x in A B A B; do
		[ "$(ask_on $x "$key" mz/m1)" = 200 ]
		until_true 5 eval 'test "$(sqlite_of $x "select count(*) from rotation")" -ge 1'
		synced $x; synced A; synced B
	done
	# each instance alone would have used key 1 then key 2: 1 1 2 2
	run jq -r .key_tail "$MOCK_LOG"
	assert_output $'0001\n0002\n0001\n0002'
}

@test "usage from two instances under concurrent load adds up exactly, on both and in PostgreSQL" {
	synced A; synced B
	key=$(on A nr key add alice)
	synced A; synced B
	serve_on A; serve_on B
	sync_daemon A; sync_daemon B
	# each instance's share (the sanitizer build's, fewer: the same code at a
	# tenth of the speed)
	n=60
	[ "${NR_VARIANT:-std}" != asan ] || n=15
	for i in $(seq 1 $n); do
		echo "$URL_A"; echo "$URL_B"
	done | xargs -P 8 -I{} curl -sS -o /dev/null --max-time 20 -H "Authorization: Bearer $key" \
		-H 'content-type: application/json' --data-binary "$(body openai mz/gpt-ok)" '{}/v1/chat/completions'
	until_true 30 eval 'test "$(pg "select count(*) from usage")" = $((2 * n))' || fail "postgresql holds $(pg 'select count(*) from usage') rows"
	until_true 30 eval 'test "$(sqlite_of A "select count(*) from usage")" = $((2 * n))' || fail "A holds $(sqlite_of A 'select count(*) from usage')"
	until_true 30 eval 'test "$(sqlite_of B "select count(*) from usage")" = $((2 * n))' || fail "B holds $(sqlite_of B 'select count(*) from usage')"
	[ "$(pg "select count(distinct origin) from usage")" = 2 ]
	# every column travels: caveman mode's and the output's cost too
	sums="select count(caveman), sum(caveman), printf('%.6f', sum(output_cost)) from usage"
	[ "$(sqlite_of A "$sums")" = "$(sqlite_of B "$sums")" ]
	[ "$(sqlite_of A "$sums")" = "$(pg "select count(caveman), sum(caveman), round(sum(output_cost)::numeric, 6) from usage")" ]
	[ "$(sqlite_of A "select count(output_cost) from usage")" = $((2 * n)) ]
	total=$(pg "select round(sum(cost)::numeric, 6) from usage")
	[ "$(sqlite_of A "select printf('%.6f', sum(cost)) from usage")" = "$total" ]
	[ "$(sqlite_of B "select printf('%.6f', sum(cost)) from usage")" = "$total" ]
	# the spend sums (budgets) count the team's spending on both
	day=$(sqlite_of A "select printf('%.6f', cost) from spend where provider = '@alice' and length(period) = 10")
	[ "$day" = "$total" ]
	[ "$(sqlite_of B "select printf('%.6f', cost) from spend where provider = '@alice' and length(period) = 10")" = "$total" ]
}

@test "PostgreSQL stopped mid-run: A goes on serving, its usage waits and goes up when it is back" {
	synced A
	key=$(on A nr key add alice)
	serve_on A
	sync_daemon A
	[ "$(ask_on A "$key" mz/gpt-ok)" = 200 ]
	until_true 30 eval 'test "$(pg "select count(*) from usage")" = 1' || fail "not sent: $(cat "$BATS_TEST_TMPDIR/A.sync")"
	"$ROOT/tests/pg-server" stop "$PG_DIR"
	for i in 1 2 3 4 5; do [ "$(ask_on A "$key" mz/gpt-ok)" = 200 ]; done
	until_true 10 eval 'grep -q "postgresql unreachable" "$BATS_TEST_TMPDIR/A.sync"' || fail "no word of it: $(cat "$BATS_TEST_TMPDIR/A.sync")"
	[ "$(sqlite_of A 'select count(*) from usage')" = 6 ]
	"$ROOT/tests/pg-server" start "$PG_DIR" >/dev/null
	until_true 40 eval 'grep -q "postgresql back" "$BATS_TEST_TMPDIR/A.sync"' || fail "not back: $(cat "$BATS_TEST_TMPDIR/A.sync")"
	until_true 5 eval 'test "$(pg "select count(*) from usage")" = 6' || fail "postgresql holds $(pg 'select count(*) from usage')"
	run -0 on A nr db status
	assert_line "waiting here: 0 usage rows, 0 changes"
}

@test "nr db attach needs no PostgreSQL: what the instance does after it goes up, what was there before stays" {
	std_only "the sync code these run is run under the sanitizers by the tests of keys, cooldowns, load and outage"
	key=$(on A nr key add alice)
	serve_on A
	[ "$(ask_on A "$key" mz/gpt-ok)" = 200 ]
	until_true 5 eval 'test "$(sqlite_of A "select count(*) from usage")" = 1'
	url=$NR_DATABASE_URL
	NR_DATABASE_URL=postgresql://nr:s3cret-pw@127.0.0.1:1/nr run -0 on A nr db attach
	NR_DATABASE_URL=postgresql://nr:s3cret-pw@127.0.0.1:1/nr run -0 on A nr db attach	# again: no change
	[ "$(ask_on A "$key" mz/gpt-ok)" = 200 ]
	on A nr key add bob >/dev/null
	until_true 5 eval 'test "$(sqlite_of A "select count(*) from usage")" = 2'
	NR_DATABASE_URL=$url synced A
	[ "$(pg 'select name from keys')" = bob ]
	[ "$(pg 'select count(*) from usage')" = 1 ]
	[ "$(pg 'select request from usage')" = "$(sqlite_of A 'select request from usage order by id desc limit 1')" ]
	NR_DATABASE_URL= run -100 on A nr db attach
	assert_output --partial "no team to attach to"
}

@test "nr db sync stopped does a last round: what changed since its last one goes up before it ends" {
	on A nr db attach
	on A nr key add alice >/dev/null
	# a round a minute: only the first and the last one on SIGTERM run here
	NR_DATA_DIR=$A nr db sync --interval 60000 2>"$BATS_TEST_TMPDIR/A.sync" 3>&- &
	pid=$!
	until_true 5 eval 'test "$(pg "select name from keys")" = alice'
	on A nr key add bob >/dev/null
	sleep 0.3
	[ "$(pg 'select count(*) from keys')" = 1 ] || fail "bob went up before the stop: the test shows nothing"
	kill -TERM "$pid"
	wait "$pid" || fail "nr db sync exited $? on SIGTERM: $(cat "$BATS_TEST_TMPDIR/A.sync")"
	[ "$(pg 'select name from keys order by name' | paste -sd' ')" = "alice bob" ]
	# PostgreSQL away: no last round (nor a wait for one), exit as asked
	NR_DATA_DIR=$A NR_DATABASE_URL=postgresql://nr@127.0.0.1:1/nr nr db sync --interval 60000 2>/dev/null 3>&- &
	pid=$!
	sleep 0.3
	kill -TERM "$pid"
	until_true 2 eval '! kill -0 "$pid" 2>/dev/null' || fail "nr db sync did not end on SIGTERM while PostgreSQL was away"
}

@test "nr db import moves one user's file to PostgreSQL, once; nr db export brings it back whole" {
	url=$NR_DATABASE_URL
	unset NR_DATABASE_URL
	key=$(on A nr key add alice)
	serve_on A
	for i in 1 2 3; do [ "$(ask_on A "$key" mz/gpt-ok)" = 200 ]; done
	until_true 5 eval 'test "$(sqlite_of A "select count(*) from usage")" = 3'
	NR_DATABASE_URL=$url run -0 nr db import "$A/nr.sqlite"
	assert_output --partial "imported 3 usage rows"
	NR_DATABASE_URL=$url run -0 nr db import "$A/nr.sqlite"
	[ "$(psql -qAtX "$url" -c 'select count(*) from usage')" = 3 ]
	[ "$(psql -qAtX "$url" -c "select hash from keys where name = 'alice'")" = "$(sqlite_of A "select hash from keys where name = 'alice'")" ]
	NR_DATABASE_URL=$url run -0 nr db export "$BATS_TEST_TMPDIR/back.sqlite"
	[ ! -e "$BATS_TEST_TMPDIR/back.sqlite-wal" ] || [ ! -s "$BATS_TEST_TMPDIR/back.sqlite-wal" ]
	q="select request, attempt, ts, model, input_tokens, output_tokens, printf('%.9f', cost) from usage order by request, attempt"
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/back.sqlite" "$q")" = "$(sqlite_of A "$q")" ]
	q="select name, hash, created from keys order by name"
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/back.sqlite" "$q")" = "$(sqlite_of A "$q")" ]
	q="select provider, period, printf('%.9f', cost) from spend order by 1, 2"
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/back.sqlite" "$q")" = "$(sqlite_of A "$q")" ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/back.sqlite" "select count(*) from sqlite_master where name like 'sync%'")" = 0 ]
	# an nr using the exported file answers with the key
	cp "$BATS_TEST_TMPDIR/back.sqlite" "$B/nr.sqlite"
	serve_on B
	[ "$(ask_on B "$key" mz/gpt-ok)" = 200 ]
}

@test "nr db export never overwrites, and copies one user's file consistently; import refuses other files" {
	url=$NR_DATABASE_URL
	unset NR_DATABASE_URL
	on A nr key add alice >/dev/null
	echo keep >"$BATS_TEST_TMPDIR/exists"
	run -1 on A nr db export "$BATS_TEST_TMPDIR/exists"
	[ "$(cat "$BATS_TEST_TMPDIR/exists")" = keep ]
	run -0 on A nr db export "$BATS_TEST_TMPDIR/copy.sqlite"
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/copy.sqlite" 'select name from keys')" = alice ]
	echo 'not a database' >"$BATS_TEST_TMPDIR/junk"
	NR_DATABASE_URL=$url run -1 nr db import "$BATS_TEST_TMPDIR/junk"
	assert_output --partial "not an nr database"
	ls "$BATS_TEST_TMPDIR" | { ! grep -q tmp-; }
}

@test "nr-start in a team runs nr db sync beside nr-serve, and it ends with nr-serve" {
	std_only "the sync code these run is run under the sanitizers by the tests of keys, cooldowns, load and outage"
	: >"$BATS_TEST_TMPDIR/start.err"
	NR_DATA_DIR=$A nr-start 127.0.0.1:0 >"$BATS_TEST_TMPDIR/start.out" 2>"$BATS_TEST_TMPDIR/start.err" 3>&- &
	pid=$!
	SERVE_PIDS+=($pid)
	[ -n "$(listen_port "$BATS_TEST_TMPDIR/start.err")" ] || fail "nr-start: $(cat "$BATS_TEST_TMPDIR/start.err")"
	grep -q "^Team: " "$BATS_TEST_TMPDIR/start.out"
	until_true 10 eval 'test -n "$(sqlite_of A "select 1 from settings where name = \"sync_origin\"")"' ||
		fail "the instance did not join: $(cat "$BATS_TEST_TMPDIR/start.err")"
	sync=$(pgrep -P "$pid" -f 'sync --with-parent')
	[ -n "$sync" ]
	kill "$pid"
	until_true 5 eval '! kill -0 "$sync" 2>/dev/null' || fail "nr db sync outlived nr-serve"
}
