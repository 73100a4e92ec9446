#!/usr/bin/env bats
# rtk-filter's promises whatever the filter: never larger, failure → input,
# binary and empty pass through, UTF-8 kept whole, bounded memory, usage errors.

load helper

@test "empty input gives empty output and exit 0" {
	run rtk-filter </dev/null
	assert_success
	assert_output ""
}

@test "binary input passes through byte for byte" {
	head -c 5000 /dev/urandom >"$BATS_TEST_TMPDIR/bin"
	printf '\0' >>"$BATS_TEST_TMPDIR/bin"
	rtk-filter <"$BATS_TEST_TMPDIR/bin" >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/out"
}

@test "binary input from a pipe passes through byte for byte" {
	{ printf 'PNG\0'; head -c 300000 /dev/urandom; } >"$BATS_TEST_TMPDIR/bin"
	cat "$BATS_TEST_TMPDIR/bin" | rtk-filter >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/out"
}

@test "output is never larger than the input, for every filter" {
	printf 'a\n' >"$BATS_TEST_TMPDIR/tiny"
	for f in $(rtk-filter --list | cut -d' ' -f1); do
		run rtk-filter --filter "$f" <"$BATS_TEST_TMPDIR/tiny"
		assert_success
		[ "${#output}" -le 2 ] || fail "$f grew 'a' to '$output'"
	done
}

@test "input that would only grow is printed unchanged" {
	# one short line per file: any header or marker a filter adds would make it larger
	printf 'x:1:y\n' | rtk-filter --filter grep >"$BATS_TEST_TMPDIR/out"
	printf 'x:1:y\n' | cmp - "$BATS_TEST_TMPDIR/out"
}

@test "a line longer than the line limit makes the input pass through unchanged" {
	{ echo 'diff --git a/x b/x'; head -c 1500000 /dev/zero | tr '\0' 'a'; echo; } >"$BATS_TEST_TMPDIR/long"
	rtk-filter <"$BATS_TEST_TMPDIR/long" | cmp - "$BATS_TEST_TMPDIR/long"
}

@test "the output is deterministic" {
	seq 1 20000 | sed 's/^/INFO request served id=/' >"$BATS_TEST_TMPDIR/log"
	a=$(rtk-filter <"$BATS_TEST_TMPDIR/log" | md5sum)
	b=$(rtk-filter <"$BATS_TEST_TMPDIR/log" | md5sum)
	[ "$a" = "$b" ]
}

@test "every filter keeps UTF-8 whole on long lines" {
	# 3-byte characters on long lines: any cut must fall between characters
	line=$(printf 'é€%.0s' $(seq 1 3000))
	for i in $(seq 1 200); do printf 'src/f%d.c:%d:%s\n' "$i" "$i" "$line"; done >"$BATS_TEST_TMPDIR/u"
	for f in $(rtk-filter --list | cut -d' ' -f1); do
		rtk-filter --filter "$f" <"$BATS_TEST_TMPDIR/u" >"$BATS_TEST_TMPDIR/o"
		iconv -f UTF-8 -t UTF-8 "$BATS_TEST_TMPDIR/o" >/dev/null || fail "$f cut a UTF-8 sequence"
	done
}

@test "--stats reports the filter, bytes and tokens on stderr only" {
	seq 1 5000 | sed 's/^/same line again /' >"$BATS_TEST_TMPDIR/in"
	rtk-filter --stats <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --regexp '^rtk-filter: filter=[a-z-]+ bytes=[0-9]+->[0-9]+ tokens~[0-9]+->[0-9]+ saved=[0-9.]+%$'
	run grep -c 'rtk-filter:' "$BATS_TEST_TMPDIR/out"
	assert_output 0
}

@test "--list names every filter with what it keeps" {
	run rtk-filter --list
	assert_success
	for f in git-diff git-status git-log grep find ls tree dedup-log smart-truncate \
		read-numbered search-list test-runner build file counts; do
		assert_line --regexp "^$f +[^ ].+"
	done
}

@test "an unknown filter is a usage error" {
	run rtk-filter --filter nope </dev/null
	assert_failure 100
	assert_output --partial "unknown filter 'nope'"
}

@test "an unknown option is a usage error with the usage text" {
	run rtk-filter --bogus </dev/null
	assert_failure 100
	assert_output --partial 'usage:'
}

@test "--request without --format is a usage error" {
	run rtk-filter --request </dev/null
	assert_failure 100
}

@test "--help lists the options and the exit codes" {
	run rtk-filter --help
	assert_success
	assert_output --partial '--filter NAME'
	assert_output --partial 'exit:'
}

@test "a 1 GiB input streams through in bounded memory" {
	[ -x /usr/bin/time ] || skip "needs /usr/bin/time"
	std_only "RSS is not meaningful under ASan"
	yes 'INFO 2026-11-25 worker 7 handled request in 12 ms' | head -c 1073741824 |
		/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" rtk-filter >"$BATS_TEST_TMPDIR/out"
	rss=$(cat "$BATS_TEST_TMPDIR/rss")
	[ "$rss" -lt 65536 ] || fail "peak RSS ${rss} KiB"
	[ "$(wc -c <"$BATS_TEST_TMPDIR/out")" -lt 1073741824 ]
}

# twice FILE...: each file's filtered output, filtered again, is what it was:
# rtk-filter's own output is text it must know (a tool's output piped through
# rtk-filter in a shell, then filtered again in a request). Fails naming each
# file that changed, with the filters of both passes.
twice() {
	local f changed=
	for f in "$@"; do
		rtk-filter <"$f" >"$BATS_TEST_TMPDIR/once"
		rtk-filter --stats <"$BATS_TEST_TMPDIR/once" >"$BATS_TEST_TMPDIR/twice" 2>"$BATS_TEST_TMPDIR/stats"
		cmp -s "$BATS_TEST_TMPDIR/once" "$BATS_TEST_TMPDIR/twice" ||
			changed+="$f ($(rtk-filter --stats <"$f" 2>&1 >/dev/null | cut -d' ' -f2) then $(cut -d' ' -f2 "$BATS_TEST_TMPDIR/stats"))"$'\n'
	done
	[ -z "$changed" ] || fail "changed by a second pass: $changed"
}

@test "filtering rtk-filter's output again changes nothing: listings, git log, test runs, build logs" {
	d=$BATS_TEST_TMPDIR/in
	mkdir "$d"
	(cd "$ROOT" && find src tests -type f | LC_ALL=C sort) >"$d/find"
	(cd "$ROOT" && ls -la src/rtk) >"$d/ls"
	(cd "$ROOT" && grep -rn 'return -1;' src | LC_ALL=C sort -t: -k1,1 -s) >"$d/grep"
	if git -C "$ROOT" rev-parse -q --verify HEAD~5 >/dev/null 2>&1; then	# (a tarball, a shallow clone: not)
		git -C "$ROOT" log -n 40 --stat >"$d/git-log"
		git -C "$ROOT" log -n 40 >"$d/git-log-plain"
		git -C "$ROOT" show --stat --format=fuller HEAD >"$d/git-show"
		git -C "$ROOT" diff HEAD~5 HEAD -- src >"$d/git-diff"
		git -C "$ROOT" diff --stat HEAD~5 HEAD >"$d/git-diff-stat"
	fi
	# past the listing budget: directories whose names are counted, not shown
	for m in $(seq 1 40); do for f in $(seq 1 80); do echo "lib/mod$m/part$f.c"; done; done >"$d/find-big"
	# lines cut with their "… [+N bytes]": grep hits, a log's and a diff's long lines
	for f in $(seq 1 6); do
		printf 'dist/m%d.min.js:1:' "$f"; for i in $(seq 1 20); do printf 'var a%d=function(b){return b*%d};' "$i" "$f"; done; echo
	done >"$d/grep-long"
	for f in $(seq 1 6); do printf 'x%.0s' $(seq 1 5000); echo " $f"; done >"$d/log-long"
	{ printf 'diff --git a/m.js b/m.js\n--- a/m.js\n+++ b/m.js\n@@ -1 +1 @@\n-'; printf 'y%.0s' $(seq 1 2000); printf '\n+'
	  printf 'z%.0s' $(seq 1 2000); echo; } >"$d/diff-long"
	twice "$d"/* "$ROOT"/tests/fixtures/rtk-generalise/*.txt
}

@test "filtering rtk-filter's output again changes nothing: the dev corpus" {
	need_shared corpus/dev
	twice "$SHARED"/corpus/dev/*/*.txt
}
