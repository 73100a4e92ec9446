#!/usr/bin/env bats
# nr-serve's workers keep provider and combo files parsed between requests;
# a file edited, deleted or added is seen by the very next request. Each test
# sends its requests on one kept-alive connection, so one worker serves them.
# A worker watches the conf dirs with inotify and stats nothing while they
# do not change (src/route/confwatch.c): an edit is seen at once, however
# soon it follows the last. Where the watch cannot vouch for a file (a
# symbolic link) the worker stats it at every request, and one changed in
# the last 2 s is then read again each time (an edit in the same clock tick
# keeps its times): that test lets its files age first, so that the worker
# really keeps them and must see the edit by stat.

load route-helper

setup() {
	route_setup
	provider mo openai "models=shared-name"
	touch -d '-1 min' "$NR_CONFIG_DIR/providers/mo"
	serve_start
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
}

teardown() {
	exec 5>&- || true
	route_teardown
}

# age: long enough for every file written so far to be kept by the worker:
# until its times are 2 whole seconds old (RACY_S in src/route/filecheck.c;
# ctime cannot be set back, so the test waits, 1 to 2 s)
age() {
	local newest until
	newest=$(find "$NR_CONFIG_DIR" -type f -printf '%C@\n%T@\n' | sort -n | tail -1)
	until=$((${newest%.*} + 2))
	while [ "${EPOCHREALTIME%.*}" -lt "$until" ]; do sleep 0.05; done
}

# edit FILE SED-SCRIPT: the file rewritten in place (same inode)
edit() {
	sed "$2" "$1" >"$BATS_TEST_TMPDIR/edited"
	cat "$BATS_TEST_TMPDIR/edited" >"$1"
}

# ask MODEL: one request on the kept-alive connection (fd 5); prints the
# status code, then the body. LC_ALL=C: read -N counts bytes.
ask() {
	local body status line len=0
	body=$(body openai "$1")
	printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		"$KEY" "${#body}" "$body" >&5
	IFS=' ' read -r -t 20 _ status _ <&5 || fail "no answer to $1"
	while IFS= read -r -t 20 line <&5 && [ "$line" != $'\r' ]; do
		[[ "${line,,}" == content-length:* ]] && len=${line#*: } && len=${len%$'\r'}
	done
	LC_ALL=C read -r -t 20 -N "$len" body <&5 || true
	printf '%s\n%s\n' "$status" "$body"
}

@test "a provider file edited in place between two requests is read again, at the same size" {
	run ask mo/m1
	assert_line --index 0 200
	edit "$NR_CONFIG_DIR/providers/mo" 's/^keys=MOCK_KEY$/keys=MOCK_KEZ/'
	run ask mo/m1
	assert_line --index 0 502
	assert_output --partial 'no key: set MOCK_KEZ'
	edit "$NR_CONFIG_DIR/providers/mo" 's/^keys=MOCK_KEZ$/keys=MOCK_KEY/'	# within the same second
	run ask mo/m1
	assert_line --index 0 200
}

@test "a provider file replaced by a new file of the same size and time is read again" {
	std_only "the same reload path as the tests kept under the sanitizers"
	run ask mo/m1
	assert_line --index 0 200
	sed 's/^keys=MOCK_KEY$/keys=MOCK_KEZ/' "$NR_CONFIG_DIR/providers/mo" >"$BATS_TEST_TMPDIR/new"
	touch -r "$NR_CONFIG_DIR/providers/mo" "$BATS_TEST_TMPDIR/new"	# its times as the old one's
	mv "$BATS_TEST_TMPDIR/new" "$NR_CONFIG_DIR/providers/mo"
	run ask mo/m1
	assert_line --index 0 502
	assert_output --partial 'no key: set MOCK_KEZ'
}

@test "a provider file deleted between two requests is an unknown model on the next" {
	run ask mo/m1
	assert_line --index 0 200
	rm "$NR_CONFIG_DIR/providers/mo"
	run ask mo/m1
	assert_line --index 0 404
	assert_output --partial "no provider named 'mo'"
}

@test "a provider file added after a request is used by the next" {
	run ask new/m1
	assert_line --index 0 404
	provider new openai
	run ask new/m1
	assert_line --index 0 200
}

@test "a models= list edited between two requests changes who serves a bare model name" {
	std_only "the same reload path as the tests kept under the sanitizers"
	run ask shared-name
	assert_line --index 0 200
	[ "$(mock_count shared-name)" = 1 ]
	provider mo openai "models=other-name"
	run ask shared-name
	assert_line --index 0 404
	run ask other-name
	assert_line --index 0 200
}

@test "a combo file edited, deleted and added again between requests is read each time" {
	combo c mo/first	# "mo/first" and "mo/other" are the same size
	run ask c
	assert_line --index 0 200
	combo c mo/other
	run ask c
	assert_line --index 0 200
	[ "$(mock_count first)" = 1 ]
	[ "$(mock_count other)" = 1 ]
	rm "$NR_CONFIG_DIR/combos/c"
	run ask c
	assert_line --index 0 404
	combo c mo/third
	run ask c
	assert_line --index 0 200
	[ "$(mock_count third)" = 1 ]
}

@test "a combo file made executable between two requests is run from then on" {
	std_only "the same reload path as the tests kept under the sanitizers"
	printf '#!/bin/sh\necho mo/run\n' >"$NR_CONFIG_DIR/combos/c"
	run ask c
	assert_line --index 0 404	# read as text: line 2, "echo", is no target
	assert_output --partial "combo c: line 2: 'echo'"
	chmod +x "$NR_CONFIG_DIR/combos/c"
	run ask c
	assert_line --index 0 200
	[ "$(mock_count run)" = 1 ]
}

@test "an executable combo is run for every request" {
	std_only "the same reload path as the tests kept under the sanitizers"
	cat >"$NR_CONFIG_DIR/combos/c" <<-'SH'
	#!/bin/sh
	# a new target each run: its count of runs so far
	n=$(($(cat "$NR_CONFIG_DIR/runs" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$NR_CONFIG_DIR/runs"
	echo "mo/run-$n"
	SH
	chmod +x "$NR_CONFIG_DIR/combos/c"
	for _ in 1 2 3; do
		run ask c
		assert_line --index 0 200
	done
	[ "$(cat "$NR_CONFIG_DIR/runs")" = 3 ]
	[ "$(mock_count run-3)" = 1 ]
}

# ---- the watch (src/route/confwatch.c) ----

# workers_traced FILE: strace of every system call of each worker of the
# server, into FILE; its pid in TRACER once it has attached to them all
workers_traced() {
	local pids w
	pids=$(pgrep -P "$SERVER_PID") || fail "no workers"
	# shellcheck disable=SC2046
	strace -qq -o "$1" $(printf -- '-p %s ' $pids) 2>/dev/null &
	TRACER=$!
	for w in $pids; do
		for _ in {1..100}; do
			grep -q '^TracerPid:[[:space:]]*[1-9]' "/proc/$w/status" 2>/dev/null && break
			sleep 0.02
		done
	done
}

@test "while nothing changes a worker stats, opens and watches no conf file; after an edit it looks again" {
	std_only "counts system calls of the std build; the reload itself runs under the sanitizers in the other tests"
	command -v strace >/dev/null || skip "needs strace"
	combo c mo/m1
	run ask c	# parsed once
	assert_line --index 0 200
	workers_traced "$BATS_TEST_TMPDIR/quiet"
	for _ in 1 2 3; do
		run ask c
		assert_line --index 0 200
	done
	kill "$TRACER" && wait "$TRACER" || true
	[ -s "$BATS_TEST_TMPDIR/quiet" ] && grep -q '/cfg/' "$BATS_TEST_TMPDIR/quiet" &&
		fail "looked at the conf while nothing changed: $(grep /cfg/ "$BATS_TEST_TMPDIR/quiet")"
	workers_traced "$BATS_TEST_TMPDIR/edited"
	echo '# edited' >>"$NR_CONFIG_DIR/providers/mo"
	run ask c
	assert_line --index 0 200
	kill "$TRACER" && wait "$TRACER" || true
	grep -q 'cfg/providers/mo"' "$BATS_TEST_TMPDIR/edited" || fail "not stat'ed after the edit: $(cat "$BATS_TEST_TMPDIR/edited")"
}

@test "a provider file that is a symbolic link is checked at every request: an edit of its target is seen" {
	mkdir "$NR_CONFIG_DIR/real"	# inside the config dir, so that age() ages it
	cp "$NR_CONFIG_DIR/providers/mo" "$NR_CONFIG_DIR/real/ln"
	ln -s "$NR_CONFIG_DIR/real/ln" "$NR_CONFIG_DIR/providers/ln"
	age
	run ask ln/m1
	assert_line --index 0 200
	run ask ln/m1	# kept now
	assert_line --index 0 200
	edit "$NR_CONFIG_DIR/real/ln" 's/^keys=MOCK_KEY$/keys=MOCK_KEZ/'	# no event in the watched dirs
	run ask ln/m1
	assert_line --index 0 502
	assert_output --partial 'no key: set MOCK_KEZ'
	edit "$NR_CONFIG_DIR/real/ln" 's/^keys=MOCK_KEZ$/keys=MOCK_KEY/'	# within the same second: racy
	run ask ln/m1
	assert_line --index 0 200
}

@test "a combos dir made after the worker started is watched from then on" {
	rm -r "$NR_CONFIG_DIR/combos"
	run ask c
	assert_line --index 0 404
	mkdir "$NR_CONFIG_DIR/combos"
	combo c mo/first
	run ask c
	assert_line --index 0 200
	run ask c
	assert_line --index 0 200
	combo c mo/other
	run ask c
	assert_line --index 0 200
	[ "$(mock_count first)" = 2 ]
	[ "$(mock_count other)" = 1 ]
}

@test "an aliases file edited in place (the same inode) is seen by the next request" {
	printf 'tool-name  mo/first\n' >"$NR_CONFIG_DIR/aliases"
	run ask tool-name
	assert_line --index 0 200
	printf 'tool-name  mo/other\n' >"$NR_CONFIG_DIR/aliases"	# truncated and written: no rename
	run ask tool-name
	assert_line --index 0 200
	[ "$(mock_count first)" = 1 ]
	[ "$(mock_count other)" = 1 ]
}
