#!/usr/bin/env bats
# A team's deployment (doc/team.md): the set-up of README.md's "Teams" run
# as written, with real parts on loopback only: PostgreSQL (tests/pg-server),
# two nr-serve instances each with its `nr db sync`, haproxy (Debian's) with
# TLS in front, the mock upstream as the provider. The README's first block
# is the operator's settings: the test has its own (free ports, a throwaway
# PostgreSQL, a self-signed certificate). The set-up is made once for the
# file, as an operator makes it once (PostgreSQL's role and database cannot
# be made twice): the tests run in order on it, the one that stops an
# instance last but one.

bats_require_minimum_version 1.5.0
load team-helper

# free_port [TAKEN...]: a loopback port nothing listens on, below the
# ephemeral range and beside tests/pg-server's 20000-29999
free_port() {
	local p
	for _ in {1..50}; do
		p=$((10000 + RANDOM % 10000))
		[[ " $* " != *" $p "* ]] || continue
		[ -n "$(ss -Hltn "sport = :$p")" ] || { echo "$p"; return 0; }
	done
	return 1
}

setup_file() {
	HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)	# (sbin: not in every PATH)
	[ -x "$HAPROXY" ] || skip "no haproxy here (apt-get install haproxy)"
	team_setup_file
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR route_setup 3>&-
	provider mz openai "price=10000 10000 10000"
	# the first user: one key, in the default data dir of a home of its own
	unset NR_DATA_DIR NR_DATABASE_URL
	export HOME=$BATS_FILE_TMPDIR/home
	ALICE=$(nr key add alice) || fail "nr key add alice"

	# the settings (README's first block)
	local pa pb pl pg_port=${PG_URL##*:}
	pg_port=${pg_port%%/*}
	pa=$(free_port) && pb=$(free_port "$pa") && pl=$(free_port "$pa" "$pb") || fail "no free port"
	share=$ROOT/share team=$BATS_FILE_TMPDIR/team db_host=127.0.0.1:$pg_port
	db_password=$(openssl rand -hex 16)
	a=127.0.0.1:$pa b=127.0.0.1:$pb lb=127.0.0.1:$pl pem=$BATS_FILE_TMPDIR/nr.pem
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$BATS_FILE_TMPDIR/key.pem" \
		-out "$BATS_FILE_TMPDIR/ca.pem" 2>/dev/null || fail "openssl made no certificate"
	cat "$BATS_FILE_TMPDIR/ca.pem" "$BATS_FILE_TMPDIR/key.pem" >"$pem"

	# haproxy observed: a global section first, as Debian's haproxy.cfg comes
	# first on a host, with its log on stderr and its servers' states on a
	# socket (short path: a socket's is at most 107 bytes)
	LB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nr-lb.XXXXXX") || fail "mktemp"
	printf '%s\n' global '	log stderr format raw daemon' 'frontend observe' '	mode http' \
		"	bind unix@$LB_DIR/stats.sock" '	timeout client 5s' '	stats enable' '	stats uri /stats' \
		>"$LB_DIR/observe.cfg"
	mkdir "$BATS_FILE_TMPDIR/bin"
	printf '#!/bin/sh\nexec %s -f %s "$@"\n' "$HAPROXY" "$LB_DIR/observe.cfg" >"$BATS_FILE_TMPDIR/bin/haproxy"
	chmod +x "$BATS_FILE_TMPDIR/bin/haproxy"

	# the README's blocks: settings, PostgreSQL's superuser, the rest
	awk '/^<!-- team-setup -->/ { on = 1; next } /^<!-- \/team-setup -->/ { on = 0 }
	     on && /^```sh$/ { n++; f = sprintf("%s/block%d.sh", dir, n); next }
	     on && /^```$/ { f = ""; next }
	     f { print > f }' dir="$BATS_FILE_TMPDIR" "$ROOT/README.md"
	[ -f "$BATS_FILE_TMPDIR/block3.sh" ] && [ ! -e "$BATS_FILE_TMPDIR/block4.sh" ] ||
		fail "README.md's team-setup has not three sh blocks"
	local names
	names=$(grep -oE '(^|[[:space:]])[A-Za-z_]+=' "$BATS_FILE_TMPDIR/block1.sh" | tr -d ' =' | LC_ALL=C sort | tr '\n' ' ')
	[ "$names" = "NR_CONFIG_DIR a b db_host db_password lb pem share team " ] ||
		fail "the README's settings are now: $names (set the same here)"
	# this server's superuser, as psql takes it
	(export PGHOST=127.0.0.1 PGPORT=$pg_port PGUSER=nr PGDATABASE=nr
	 source "$BATS_FILE_TMPDIR/block2.sh") >"$BATS_FILE_TMPDIR/block2.log" 2>&1 ||
		fail "the README's PostgreSQL block failed: $(cat "$BATS_FILE_TMPDIR/block2.log")"
	local rc=0
	PATH=$BATS_FILE_TMPDIR/bin:$PATH source "$BATS_FILE_TMPDIR/block3.sh" >"$BATS_FILE_TMPDIR/team.log" 2>&1 3>&- ||
		rc=$?
	# (for teardown_file, which runs also when this fails)
	TEAM_PIDS=$(jobs -p | tr '\n' ' ')
	export TEAM_PIDS
	[ $rc -eq 0 ] || fail "the README's set-up failed: $(cat "$BATS_FILE_TMPDIR/team.log")"
	# (each job's line names its command as written)
	SERVE_B=$(jobs -l | awk '/team\/b nr-serve/ { print $2 }')
	[ -n "$SERVE_B" ] || fail "no job for instance b's nr-serve: $(jobs -l)"

	CA=$BATS_FILE_TMPDIR/ca.pem
	LB_URL=https://127.0.0.1:$pl
	TEAM_URL=$(cat "$NR_CONFIG_DIR/database_url")
	export ALICE CA HAPROXY LB_URL LB_DIR TEAM_URL SERVE_B team a b
	# ready: both instances have the first user's key, haproxy answers
	until_true 10 lb_ready || fail "not ready: $(cat "$BATS_FILE_TMPDIR/team.log")"
}

lb_ready() {
	[ "$(sqlite3 "$team/a/nr.sqlite" "select count(*) from keys where name = 'alice'" 2>/dev/null)" = 1 ] &&
		[ "$(sqlite3 "$team/b/nr.sqlite" "select count(*) from keys where name = 'alice'" 2>/dev/null)" = 1 ] &&
		[ "$(curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' "$LB_URL/health")" = 200 ]
}

teardown_file() {
	local p
	for p in ${TEAM_PIDS:-}; do kill "$p" 2>/dev/null || true; done
	for p in ${TEAM_PIDS:-}; do wait "$p" 2>/dev/null || true; done
	route_teardown
	team_teardown_file
	[ -z "${LB_DIR:-}" ] || rm -rf "$LB_DIR"
}

# ask_lb KEY MODEL [stream]: a chat request through haproxy over TLS; prints
# the status, the answer in $BATS_TEST_TMPDIR/answer
ask_lb() {
	curl -sS --max-time 20 --cacert "$CA" -H "Authorization: Bearer $1" -H 'content-type: application/json' \
		--data-binary "$(body openai "$2" ${3:-})" -o "$BATS_TEST_TMPDIR/answer" -w '%{http_code}' \
		"$LB_URL/v1/chat/completions"
}

# team_pg SQL: a query's bare result in the team's database, as nr's role
team_pg() {
	psql -qAtX "$TEAM_URL" -c "$1"
}

# served_by X: the usage rows in PostgreSQL that instance X (a or b) wrote
served_by() {
	team_pg "select count(*) from usage where origin = '$(sqlite3 "$team/$1/nr.sqlite" \
		"select value from settings where name = 'sync_origin'")'"
}

# served_is X N: instance X wrote N of PostgreSQL's usage rows
served_is() {
	[ "$(served_by "$1")" = "$2" ]
}

# lb_state SERVER: haproxy's state of server a or b and its last check:
# "UP L7OK 200" when its GET /health answered 200. (haproxy writes a check
# status as "* L7OK" while the next check runs: the last one is what counts.)
lb_state() {
	curl -sS --unix-socket "$LB_DIR/stats.sock" 'http://lb/stats;csv' |
		awk -F, -v s="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			$1 == "nr_instances" && $2 == s { sub(/^\* /, "", $c["check_status"])
				print $c["status"], $c["check_status"], $c["check_code"] }'
}

# is_down SERVER: haproxy's check has marked server a or b down
is_down() {
	[ "$(lb_state "$1" | cut -d' ' -f1)" = DOWN ]
}

# pg_is SQL VALUE: the query gives VALUE in the team's database
pg_is() {
	[ "$(team_pg "$1")" = "$2" ]
}

# file_is X SQL VALUE: the query gives VALUE in instance X's file
file_is() {
	[ "$(sqlite3 "$team/$1/nr.sqlite" "$2")" = "$3" ]
}

# streak KEY STATUS: requests through haproxy with KEY until four answers in
# a row are STATUS (200 or 401), 5 s at most. haproxy takes turns, so the
# second of the four shows both instances have the key's new state: prints
# when it was asked, in ms from $start (else what came, and fails).
streak() {
	local n=0 s t second=0 seen=
	while [ $n -lt 4 ]; do
		t=$((($(usec) - start) / 1000))
		[ $t -lt 5000 ] || { echo "not $2 four times in a row in 5 s:$seen"; return 1; }
		s=$(ask_lb "$1" mz/gpt-ok)
		seen+=" $s@${t}ms"
		case $s in
		"$2") n=$((n + 1)); [ $n -ne 2 ] || second=$t ;;
		200 | 401) n=0 ;;
		*) echo "$s:$seen $(cat "$BATS_TEST_TMPDIR/answer")"; return 1 ;;
		esac
	done
	echo "$second"
}

# usec: the time in microseconds
usec() {
	echo "${EPOCHREALTIME/./}"
}

@test "the README's set-up answers through haproxy over TLS, whose checks of /health pass on both instances" {
	[ "$(ask_lb "$ALICE" mz/gpt-ok)" = 200 ] || fail "$(cat "$BATS_TEST_TMPDIR/answer")"
	answered_by gpt-ok
	# the certificate is the operator's: for localhost, untrusted without it
	run -0 curl -sS --cacert "$CA" --resolve "localhost:${LB_URL##*:}:127.0.0.1" "https://localhost:${LB_URL##*:}/health"
	run -60 curl -sS "$LB_URL/health"
	[ "$(lb_state a)" = "UP L7OK 200" ] || fail "a: $(lb_state a)"
	[ "$(lb_state b)" = "UP L7OK 200" ] || fail "b: $(lb_state b)"
	# the template goes after Debian's own haproxy.cfg as doc/team.md says
	[ ! -f /etc/haproxy/haproxy.cfg ] || run -0 "$HAPROXY" -c -q -f /etc/haproxy/haproxy.cfg -f "$team/haproxy.cfg"
}

@test "haproxy spreads the requests over both instances" {
	# the rows of the requests before this one are all in PostgreSQL first
	until_true 5 pg_is "select count(*) from usage" "$(mock_count)" || fail "earlier rows not in postgresql"
	a0=$(served_by a) b0=$(served_by b)
	for i in {1..6}; do
		[ "$(ask_lb "$ALICE" mz/gpt-ok)" = 200 ] || fail "request $i: $(cat "$BATS_TEST_TMPDIR/answer")"
	done
	until_true 5 pg_is "select count(*) from usage" $((a0 + b0 + 6)) || fail "not all 6 in postgresql"
	[ $(($(served_by a) - a0)) -ge 2 ] || fail "a served $(($(served_by a) - a0)) of 6"
	[ $(($(served_by b) - b0)) -ge 2 ] || fail "b served $(($(served_by b) - b0)) of 6"
}

@test "a key added on one instance is accepted through haproxy on both within 2 s, and revoked as fast" {
	start=$(usec)
	key=$(NR_DATA_DIR=$team/a nr key add bob)
	t=$(streak "$key" 200) || fail "$t"
	[ "$t" -lt 2000 ] || fail "both accepted it after $t ms"
	until_true 5 pg_is "select count(distinct origin) from usage where client_key = 'bob'" 2 ||
		fail "bob's requests did not reach both instances"
	start=$(usec)
	NR_DATA_DIR=$team/b nr key revoke bob
	t=$(streak "$key" 401) || fail "$t"
	[ "$t" -lt 2000 ] || fail "both refused it after $t ms"
}

@test "a stream's first event comes through haproxy at once, before the upstream has finished" {
	# the mock sends the first event, then waits 1.5 s for the rest; over
	# HTTP/2 and HTTP/1.1 to haproxy, both at once
	pids=()
	for proto in http2 http1.1; do
		(
			start=$(usec)
			curl -sSN --max-time 20 --$proto --cacert "$CA" -H "Authorization: Bearer $ALICE" \
				-H 'content-type: application/json' --data-binary "$(body openai mz/gpt-stall-1500 stream)" \
				"$LB_URL/v1/chat/completions" | while IFS= read -r line; do
				if [[ $line == data:* ]]; then echo "$(($(usec) - start)) $line"; fi
			done >"$BATS_TEST_TMPDIR/$proto"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for proto in http2 http1.1; do
		first=$(head -n 1 "$BATS_TEST_TMPDIR/$proto" | cut -d' ' -f1)
		last=$(tail -n 1 "$BATS_TEST_TMPDIR/$proto")
		[ "${last#* }" = "data: [DONE]" ] || fail "$proto: the stream did not end: $(cat "$BATS_TEST_TMPDIR/$proto")"
		[ "${last%% *}" -ge 1500000 ] || fail "$proto: over in ${last%% *} us, before the mock's 1.5 s"
		[ "$first" -lt 1000000 ] || fail "$proto: the first event came after $first us"
	done
}

@test "request bodies pass haproxy whole: the limit is nr-serve's, whose 413 answers a larger one" {
	# nr-serve's limit is 64 MiB (--max-body), haproxy's buffers are 16 KiB
	# (nginx's default limit is 1 MiB): 8 MiB pass
	f=$BATS_TEST_TMPDIR/big.json
	{ printf '{"model":"mz/gpt-ok","messages":[{"role":"user","content":"'
	  head -c $((8 << 20)) /dev/zero | tr '\0' a
	  printf '"}]}'; } >"$f"
	run -0 curl -sS --max-time 60 --cacert "$CA" -H "Authorization: Bearer $ALICE" -H 'content-type: application/json' \
		--data-binary "@$f" -o "$BATS_TEST_TMPDIR/answer" -w '%{http_code}' "$LB_URL/v1/chat/completions"
	[ "$output" = 200 ] || fail "$output: $(head -c 300 "$BATS_TEST_TMPDIR/answer")"
	truncate -s $(((64 << 20) + 1)) "$f"
	run -0 curl -sS --max-time 60 --http1.1 --cacert "$CA" -H "Authorization: Bearer $ALICE" \
		-H 'content-type: application/json' --data-binary "@$f" -w '%{http_code}' "$LB_URL/v1/chat/completions"
	assert_output --partial '"error"'
	assert_output --regexp '413$'
}

@test "a dashboard login through haproxy holds on the page it leads to, whichever instance took it" {
	for i in 1 2 3; do
		head=$(curl -sS --cacert "$CA" -D - -o /dev/null --data-urlencode "key=$ALICE" "$LB_URL/dashboard/login")
		[[ $head =~ nr_session=([0-9a-f]{64}) ]] || fail "no session: $head"
		# at once, as a browser follows the 303
		run -0 curl -sS --cacert "$CA" -b "nr_session=${BASH_REMATCH[1]}" -w '\n%{http_code}' "$LB_URL/dashboard"
		assert_line 200
		refute_output --partial 'log in again'
	done
	# haproxy took turns with the logins
	until_true 5 pg_is "select count(distinct origin) from sessions" 2 || fail "sessions: $(team_pg 'select origin from sessions')"
}

@test "with one instance stopped, haproxy answers every request through the other and its check marks it down" {
	a0=$(served_by a)
	kill "$SERVE_B"
	for i in 1 2 3 4; do
		[ "$(ask_lb "$ALICE" mz/gpt-ok)" = 200 ] || fail "request $i: $(cat "$BATS_TEST_TMPDIR/answer")"
	done
	until_true 5 is_down b || fail "b: $(lb_state b)"
	[ "$(lb_state a)" = "UP L7OK 200" ]
	until_true 5 served_is a $((a0 + 4)) || fail "a served $(($(served_by a) - a0)) of 4"
}

@test "the usage of both instances adds up exactly, in PostgreSQL and in each instance's file" {
	n=$(mock_count)
	until_true 5 pg_is 'select count(*) from usage' "$n" ||
		fail "postgresql holds $(team_pg 'select count(*) from usage') rows, the mock answered $n"
	[ $(($(served_by a) + $(served_by b))) = "$n" ]
	until_true 5 file_is a 'select count(*) from usage' "$n" || fail "a's file"
	until_true 5 file_is b 'select count(*) from usage' "$n" || fail "b's file"
	total=$(team_pg "select round(sum(cost)::numeric, 6) from usage")
	[ "$(sqlite3 "$team/a/nr.sqlite" "select printf('%.6f', sum(cost)) from usage")" = "$total" ]
	[ "$(sqlite3 "$team/b/nr.sqlite" "select printf('%.6f', sum(cost)) from usage")" = "$total" ]
	run -0 env NR_DATA_DIR="$team/b" nr db status
	assert_line "waiting here: 0 usage rows, 0 changes"
	assert_line --regexp "^  usage +$n rows$"
}

@test "a team host's systemd units pass systemd-analyze verify" {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze here"
	d=$BATS_TEST_TMPDIR/units
	mkdir "$d"
	# the programs where this build has them
	for u in nr-team@.service nr-sync@.service; do
		sed "s|/usr/local/bin/|$NR_BIN/|" "$ROOT/share/systemd/$u" >"$d/$u"
	done
	run systemd-analyze verify "$d/nr-team@20131.service" "$d/nr-sync@20131.service"
	[ "$status" -eq 0 ] && [ -z "$output" ] || fail "systemd-analyze verify: $output"
}
