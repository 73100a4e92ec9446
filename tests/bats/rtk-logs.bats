#!/usr/bin/env bats
# rtk-filter's log, test-runner and build filters: what they keep (errors,
# warnings, failing tests, summaries), what they drop (and count), which
# inputs they are chosen for, and the facts they keep on the shared corpus.

load helper

# Prints the name of the filter --stats reports for stdin.
chosen_filter() {
	rtk-filter --stats 2>&1 >/dev/null | sed -n 's/.*filter=\([^ ]*\).*/\1/p'
}

# ---- dedup-log ----

@test "dedup-log collapses a run of similar lines into the first two and a count" {
	for i in $(seq 1 500); do echo "INFO worker $i handled request /api/$i in ${i} ms"; done >"$BATS_TEST_TMPDIR/log"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line --index 0 'INFO worker 1 handled request /api/1 in 1 ms'
	assert_line --index 1 'INFO worker 2 handled request /api/2 in 2 ms'
	assert_line --index 2 '… 497 similar lines omitted'
	assert_line --index 3 'INFO worker 500 handled request /api/500 in 500 ms'
	[ "${#lines[@]}" -eq 4 ]
}

@test "dedup-log keeps every distinct error and warning among repeated lines" {
	{
		for i in $(seq 1 300); do
			echo "DEBUG step $i done"
			[ $((i % 100)) -eq 0 ] && echo "ERROR: disk quota exceeded on volume $i"
			[ "$i" -eq 150 ] && echo "warning: cache /var/c$i is stale"
		done
		echo "ERROR: disk quota exceeded on volume 100"
		echo "shutting down"
	} >"$BATS_TEST_TMPDIR/log"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line 'ERROR: disk quota exceeded on volume 100'
	assert_line 'ERROR: disk quota exceeded on volume 200'
	assert_line 'ERROR: disk quota exceeded on volume 300'
	assert_line 'warning: cache /var/c150 is stale'
	[ "$(grep -c 'volume 100' <<<"$output")" -eq 1 ]
	assert_output --partial 'similar lines omitted'
}

@test "dedup-log collapses interleaved cycles of line shapes" {
	# (counters and timings vary; a name with digits, pkg12, would be a name)
	for p in $(seq 1 200); do
		echo "fetch chunk $p of 200 from mirror $((p % 3))"
		echo "http fetch GET 200 https://registry.example/chunks/$p ${p}ms (cache miss)"
	done >"$BATS_TEST_TMPDIR/log"
	echo "added 200 packages in 3s" >>"$BATS_TEST_TMPDIR/log"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line '… 396 similar lines omitted'
	assert_line 'added 200 packages in 3s'
	[ "${#lines[@]}" -eq 6 ]
}

@test "dedup-log does not take ordinary words like 'errors' in a line for a problem" {
	for i in $(seq 1 100); do echo "ok $i - should handle errors and warnings in case $i"; done >"$BATS_TEST_TMPDIR/log"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line '… 97 similar lines omitted'
}

@test "dedup-log strips colour escapes and CRLF endings" {
	for i in $(seq 1 50); do printf '\033[32mINFO\033[0m tick %d\r\n' "$i"; done >"$BATS_TEST_TMPDIR/log"
	printf '\033[31merror\033[0m: boom\r\n' >>"$BATS_TEST_TMPDIR/log"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line --index 0 'INFO tick 1'
	assert_line 'error: boom'
	refute_output --partial $'\r'
	refute_output --partial $'\033'
}

@test "dedup-log never collapses lines that differ in a name or a path, only in numbers" {
	# git diff --name-status, git branch, /etc/passwd: records, each a fact
	printf 'M\tsrc/%s.c\n' parser lexer eval compile emit optimize link load >"$BATS_TEST_TMPDIR/in"
	printf '  %s\n' main feature/login fix/parser release/1.2 hotfix/crash docs/readme >>"$BATS_TEST_TMPDIR/in"
	printf '%s:x:%d:%d::/home/%s:/bin/sh\n' root 0 0 root daemon 1 1 daemon bin 2 2 bin sys 3 3 sys >>"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/in"
	assert_output "$(sed 's/[[:blank:]]*$//' "$BATS_TEST_TMPDIR/in")"
}

@test "a location written as 'FILE line N' is kept for each N (shellcheck, bash, Perl)" {
	for n in 17 34 46 54 67 94; do
		printf '\nIn /usr/share/debconf/confmodule.sh line %d:\n\techo $*\n             ^-- SC2086 (info): Double quote to prevent globbing.\n' "$n"
	done >"$BATS_TEST_TMPDIR/in"
	for n in 3 8 12; do printf './build.sh: line %d: foo: command not found\n' "$n"; done >>"$BATS_TEST_TMPDIR/in"
	for n in 5 9; do printf 'Use of uninitialized value $x in concatenation at lib/Foo.pm line %d.\n' "$n"; done >>"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/in"
	for n in 17 34 46 54 67 94; do assert_line "In /usr/share/debconf/confmodule.sh line $n:"; done
	for n in 3 8 12; do assert_line "./build.sh: line $n: foo: command not found"; done
	for n in 5 9; do assert_line "Use of uninitialized value \$x in concatenation at lib/Foo.pm line $n."; done
}

@test "eslint's report keeps every file and its findings, the same finding in another file included" {
	for f in src/app.js src/util/date.js src/util/money.js lib/server.js; do
		printf '\n/work/proj/%s\n' "$f"
		printf '  2:10  error    %s  no-unused-vars\n' "'x' is defined but never used"
		printf '  2:34  warning  Unexpected console statement  no-console\n'
		printf '  2:51  error    Missing semicolon  semi\n'
	done >"$BATS_TEST_TMPDIR/in"
	printf '\n✖ 12 problems (8 errors, 4 warnings)\n' >>"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	for f in src/app.js src/util/date.js src/util/money.js lib/server.js; do
		assert_output --partial "/work/proj/$f
  2:10  error    'x' is defined but never used  no-unused-vars
  2:34  warning  Unexpected console statement  no-console
  2:51  error    Missing semicolon  semi"
	done
}

@test "a JSON document on one line (curl, gh api) is never cut, however long" {
	{ printf '['; for i in $(seq 1 80); do printf '{"id":%d,"name":"user%d","email":"u%d@example.org"},' "$i" "$i" "$i"; done
	  printf '{"id":0}]\n'; } >"$BATS_TEST_TMPDIR/in"
	[ "$(wc -c <"$BATS_TEST_TMPDIR/in")" -gt 4096 ]
	rtk-filter <"$BATS_TEST_TMPDIR/in" | cmp - "$BATS_TEST_TMPDIR/in"
	# a long line of anything else is still cut, and says so
	{ printf 'x%.0s' $(seq 1 6000); echo; } >"$BATS_TEST_TMPDIR/blob"
	run rtk-filter <"$BATS_TEST_TMPDIR/blob"
	assert_output --partial ' … [+'
}

@test "a long line of names (a listing on one line, xargs echo) is never cut; a blob without blanks is" {
	# rtk-filter's own listing read again starts with one, past what detection sees
	{ printf 'linux/'; for i in $(seq 1 500); do printf ' hdr_%d.h' "$i"; done; echo
	  printf ' can/ bcm.h error.h gw.h\n dvb/ audio.h ca.h\n'; } >"$BATS_TEST_TMPDIR/in"
	[ "$(head -n 1 "$BATS_TEST_TMPDIR/in" | wc -c)" -gt 4096 ]
	rtk-filter <"$BATS_TEST_TMPDIR/in" | cmp - "$BATS_TEST_TMPDIR/in"
	# minified code: few blanks between long runs
	{ for i in $(seq 1 60); do printf 'function(a,b){return a.map(function(x){return x*%d+b.reduce(function(s,y){return s+y},0)})}var q%d=' "$i" "$i"; done; echo; } >"$BATS_TEST_TMPDIR/min"
	run rtk-filter <"$BATS_TEST_TMPDIR/min"
	assert_output --partial ' … [+'
}

@test "a list of names whose digits differ (git branch, release tags) keeps every name" {
	{ echo '* main'; for i in $(seq 100 130); do echo "  feature/issue-$i"; done
	  for i in $(seq 1 10); do echo "  remotes/origin/release-2.$i"; done; } >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_line '* main'
	for i in $(seq 100 130); do assert_output --partial "issue-$i"; done
	for i in $(seq 1 10); do assert_output --partial "release-2.$i"; done
	# the same name again is still a repeat
	{ for i in $(seq 1 30); do echo 'Downloading...'; done; echo done; } >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/in"
	assert_output --partial 'omitted'
}

@test "lines whose names differ only in digits keep every name (hosts, crontab); counters still fold" {
	{ echo '127.0.0.1 localhost'; for i in $(seq 1 20); do echo "10.0.0.$i web$i.internal web$i"; done; } >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/in"
	for i in $(seq 1 20); do assert_line "10.0.0.$i web$i.internal web$i"; done
	for i in $(seq 1 20); do echo "$((i * 3)) * * * * /usr/local/bin/job$i.sh"; done >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/in"
	for i in $(seq 1 20); do assert_output --partial "job$i.sh"; done
	# numbers that count or measure are still noise: ping, progress, a path's id
	{ for i in $(seq 1 30); do echo "64 bytes from 127.0.0.1: icmp_seq=$i ttl=64 time=0.0$i ms"; done
	  for i in $(seq 1 30); do echo "GET /api/users/$i 200 ${i}ms"; done; } >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/in"
	[ "${#lines[@]}" -lt 12 ] || fail "counters no longer fold: $output"
}

@test "unrecognised text falls back to dedup-log" {
	run chosen_filter < <(for i in $(seq 1 100); do echo "some text $i"; done)
	assert_output dedup-log
}

# ---- smart-truncate ----

@test "smart-truncate keeps the head, the tail and the problem lines between" {
	{ seq 1 1000; echo "fatal: something broke"; seq 1001 2000; } >"$BATS_TEST_TMPDIR/out"
	run rtk-filter --filter smart-truncate <"$BATS_TEST_TMPDIR/out"
	assert_success
	assert_line --index 0 '1'
	assert_line --index 39 '40'
	assert_line --index 40 '… 960 lines omitted'
	assert_line --index 41 'fatal: something broke'
	assert_line --index 42 '… 960 lines omitted'
	assert_line --index 43 '1961'
	assert_line --index 82 '2000'
	[ "${#lines[@]}" -eq 83 ]
}

# ---- test-runner ----

pytest_output() {
	cat <<'EOF'
============================= test session starts ==============================
platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0
rootdir: /home/dev/proj
collected 120 items

tests/test_a.py ........................................................ [ 46%]
tests/test_b.py .......F................................................ [ 93%]
........                                                                 [100%]

=================================== FAILURES ===================================
______________________________ test_parse_header _______________________________

    def test_parse_header():
        h = parse("X-A: 1")
        assert h.name == "X-A"
>       assert h.value == 2
E       AssertionError: assert 1 == 2
E        +  where 1 = <Header>.value

tests/test_b.py:42: AssertionError
=========================== short test summary info ============================
FAILED tests/test_b.py::test_parse_header - AssertionError: assert 1 == 2
======================== 1 failed, 119 passed in 0.52s =========================
EOF
}

@test "test-runner keeps a pytest failure's name, assertion, location and counts" {
	run rtk-filter --filter test-runner < <(pytest_output)
	assert_success
	assert_line '__ test_parse_header __'
	assert_line '>       assert h.value == 2'
	assert_line 'E       AssertionError: assert 1 == 2'
	assert_line 'tests/test_b.py:42: AssertionError'
	assert_line 'FAILED tests/test_b.py::test_parse_header - AssertionError: assert 1 == 2'
	assert_line '== 1 failed, 119 passed in 0.52s =='
	assert_line 'collected 120 items'
	assert_line '… 3 progress lines omitted'
	refute_output --partial 'h = parse('
	refute_output --partial 'rootdir'
}

@test "test-runner drops pytest -v passing lines with a count and keeps failures" {
	{
		echo 'collecting ... collected 52 items'
		for i in $(seq 1 50); do echo "tests/test_x.py::test_case_$i PASSED                  [ $((i * 2))%]"; done
		echo 'tests/test_x.py::test_skip SKIPPED                    [ 98%]'
		echo 'tests/test_x.py::test_bad FAILED                      [100%]'
		echo '=================== 1 failed, 50 passed, 1 skipped in 0.1s ==================='
	} >"$BATS_TEST_TMPDIR/log"
	run rtk-filter <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line '… 50 passing tests omitted'
	assert_line '… 1 skipped or pending tests omitted'
	assert_line 'tests/test_x.py::test_bad FAILED'
	run chosen_filter <"$BATS_TEST_TMPDIR/log"
	assert_output test-runner
}

mocha_output() {
	printf '\n> app@1.0.0 test\n> mocha --reporter spec\n\n\n'
	for s in $(seq 1 20); do
		printf '  suite %d\n' "$s"
		for t in $(seq 1 10); do printf '    ✔ should do thing %d\n' "$t"; done
	done
	printf '      1) should parse dates\n'
	cat <<'EOF'


  200 passing (2s)
  1 failing

  1) suite 7
       should parse dates:
     AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:

1 !== 2

      at Context.<anonymous> (test/dates.js:12:10)
      at process.processImmediate (node:internal/timers:483:21)
      at Test.run (node_modules/mocha/lib/runnable.js:1:1)
EOF
}

@test "test-runner keeps a mocha failure and drops passing tests and library frames" {
	run rtk-filter < <(mocha_output)
	assert_success
	assert_line '… 200 passing tests omitted'
	assert_line '      1) should parse dates'
	assert_line '  200 passing (2s)'
	assert_line '  1 failing'
	assert_line '       should parse dates:'
	assert_line '     AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:'
	assert_line '      at Context.<anonymous> (test/dates.js:12:10)'
	assert_line '… 2 stack frames omitted'
	refute_output --partial '✔'
	run chosen_filter < <(mocha_output)
	assert_output test-runner
}

@test "test-runner keeps go test failures and drops passing tests" {
	{
		for i in $(seq 1 40); do printf '=== RUN   TestOk%d\n--- PASS: TestOk%d (0.00s)\n' "$i" "$i"; done
		printf '=== RUN   TestSum\n    sum_test.go:14: Sum(2, 2) = 5, want 4\n--- FAIL: TestSum (0.00s)\nFAIL\nFAIL\texample.com/sum\t0.004s\n'
	} >"$BATS_TEST_TMPDIR/log"
	run rtk-filter <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line '    sum_test.go:14: Sum(2, 2) = 5, want 4'
	assert_line '--- FAIL: TestSum (0.00s)'
	assert_line $'FAIL\texample.com/sum\t0.004s'
	assert_line '… 40 passing tests omitted'
	refute_output --partial 'TestOk'
	run chosen_filter <"$BATS_TEST_TMPDIR/log"
	assert_output test-runner
}

@test "test-runner keeps cargo test failures and the result line" {
	{
		printf '\nrunning 31 tests\n'
		for i in $(seq 1 30); do echo "test tests::case_$i ... ok"; done
		printf 'test tests::overflow ... FAILED\n\nfailures:\n\n'
		printf -- "---- tests::overflow stdout ----\nthread 'tests::overflow' panicked at src/lib.rs:9:5:\nattempt to add with overflow\n\n"
		printf 'test result: FAILED. 30 passed; 1 failed; 0 ignored\n'
	} >"$BATS_TEST_TMPDIR/log"
	run rtk-filter <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line 'test tests::overflow ... FAILED'
	assert_line "thread 'tests::overflow' panicked at src/lib.rs:9:5:"
	assert_line 'test result: FAILED. 30 passed; 1 failed; 0 ignored'
	assert_line '… 30 passing tests omitted'
	run chosen_filter <"$BATS_TEST_TMPDIR/log"
	assert_output test-runner
}

@test "test-runner takes python -m unittest -v: passing tests counted, the failure kept with its docstring line" {
	cat >"$BATS_TEST_TMPDIR/in" <<-'EOF'
	test_attrAugmentedAssignment (pyflakes.test.test_other.Test.test_attrAugmentedAssignment)
	Augmented assignment of attributes is supported. ... ok
	test_breakInsideLoop (pyflakes.test.test_other.Test.test_breakInsideLoop) ... FAIL
	test_breakOutsideLoop (pyflakes.test.test_other.Test.test_breakOutsideLoop) ... ok
	test_classRedefinition (pyflakes.test.test_other.Test.test_classRedefinition)
	If a class is defined twice in the same module, a warning is emitted. ... ERROR
	test_continueInFinally (pyflakes.test.test_other.Test.test_continueInFinally) ... skipped 'Python <= 3.8 only'
	test_duplicateArgs (pyflakes.test.test_other.Test.test_duplicateArgs) ... ok

	======================================================================
	FAIL: test_breakInsideLoop (pyflakes.test.test_other.Test.test_breakInsideLoop)
	----------------------------------------------------------------------
	Traceback (most recent call last):
	  File "/src/pyflakes/test/test_other.py", line 524, in test_breakInsideLoop
	    self.assertEqual(1, 2)
	AssertionError: 1 != 2

	----------------------------------------------------------------------
	Ran 6 tests in 0.208s

	FAILED (failures=1, errors=1, skipped=1)
	EOF
	assert_equal "$(chosen_filter <"$BATS_TEST_TMPDIR/in")" test-runner
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_line 'test_breakInsideLoop (pyflakes.test.test_other.Test.test_breakInsideLoop) ... FAIL'
	assert_line 'test_classRedefinition (pyflakes.test.test_other.Test.test_classRedefinition)'
	assert_line 'If a class is defined twice in the same module, a warning is emitted. ... ERROR'
	assert_line '  File "/src/pyflakes/test/test_other.py", line 524, in test_breakInsideLoop'
	assert_line 'AssertionError: 1 != 2'
	assert_line 'FAILED (failures=1, errors=1, skipped=1)'
	refute_output --partial 'test_attrAugmentedAssignment'
	refute_output --partial 'test_duplicateArgs'
	refute_output --partial 'Augmented assignment'
	assert_output --partial '3 passing tests omitted'
}

@test "test-runner takes jest's and vitest's reports: each failing test, its values and place kept, code frames counted" {
	for i in 6 5 4 3 2; do
		printf 'FAIL test/m%d.test.js\n  \xe2\x97\x8f m%d \xe2\x80\xba adds big\n\n' "$i" "$i"
		printf '    expect(received).toBe(expected) // Object.is equality\n\n'
		printf '    Expected: %d000000001\n    Received: 1000000001\n\n' "$i"
		printf '      4 |   test(1);\n    > 5 |   test(%d);\n        |        ^\n      6 | });\n\n' "$i"
		printf '      at Object.toBe (test/m%d.test.js:5:49)\n\n' "$i"
	done >"$BATS_TEST_TMPDIR/jest"
	printf 'PASS test/m1.test.js\n\nTest Suites: 5 failed, 1 passed, 6 total\nTests:       5 failed, 19 passed, 24 total\n' >>"$BATS_TEST_TMPDIR/jest"
	assert_equal "$(chosen_filter <"$BATS_TEST_TMPDIR/jest")" test-runner
	run rtk-filter <"$BATS_TEST_TMPDIR/jest"
	for i in 6 5 4 3 2; do
		assert_line "FAIL test/m$i.test.js"
		assert_line "  ● m$i › adds big"
		assert_line "    Expected: ${i}000000001"
		assert_line "      at Object.toBe (test/m$i.test.js:5:49)"
	done
	assert_line 'Tests:       5 failed, 19 passed, 24 total'
	refute_output --partial '> 5 |'
	refute_output --partial 'PASS test/m1'
	printf '\n RUN  v1.6.1 /src/js\n\n \xe2\x9d\xaf test/cart.test.js  (4 tests | 1 failed) 12ms\n' >"$BATS_TEST_TMPDIR/run"
	printf '   \xe2\x9d\xaf test/cart.test.js > cart > counts a missing cart\n' >>"$BATS_TEST_TMPDIR/run"
	assert_equal "$(chosen_filter <"$BATS_TEST_TMPDIR/run")" test-runner	# vitest, every file failing
	{
		printf ' \xe2\x9c\x93 test/m1.test.js  (4 tests) 5ms\n'
		for i in 2 3 4; do
			printf ' FAIL  test/m%d.test.js > m%d > adds big\nAssertionError: expected 1 to be %d // Object.is equality\n\n' "$i" "$i" "$i"
			printf ' \xe2\x9d\xaf test/m%d.test.js:5:49\n      5|   test(%d);\n       |        ^\n\n' "$i" "$i"
		done
	} >"$BATS_TEST_TMPDIR/vitest"
	run rtk-filter <"$BATS_TEST_TMPDIR/vitest"
	for i in 2 3 4; do
		assert_line " FAIL  test/m$i.test.js > m$i > adds big"
		assert_line " ❯ test/m$i.test.js:5:49"
	done
	refute_output --partial "5|   test("
}

@test "test-runner keeps the test header before a jq-style '***' failure" {
	{
		for i in $(seq 1 60); do echo "Test #$i: '.[$i]' at line number $((i * 4))"; done
		echo "*** Expected 3, but got 2 for test at line number 242: .[0] + 1"
		echo "60 of 61 tests passed (0 malformed, 0 skipped)"
		echo "FAIL tests/jqtest (exit status: 1)"
	} >"$BATS_TEST_TMPDIR/log"
	run rtk-filter <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line --index 0 "Test #60: '.[60]' at line number 240"
	assert_line --index 1 '*** Expected 3, but got 2 for test at line number 242: .[0] + 1'
	assert_line 'FAIL tests/jqtest (exit status: 1)'
	# passing tests are counted for the whole log, at its end
	assert_line --index 4 '… 59 passing tests omitted'
	run chosen_filter <"$BATS_TEST_TMPDIR/log"
	assert_output test-runner
}

# ---- build ----

gcc_output() {
	for i in $(seq 1 30); do
		printf "src/m%d.c: In function 'f%d':\n" "$i" "$i"
		printf "src/m%d.c:%d:7: warning: unused variable 'x' [-Wunused-variable]\n" "$i" "$i"
		printf '   %d |   int x;\n      |       ^\n' "$i"
	done
	printf "src/jv.c: In function 'jv_null':\n"
	printf "src/jv.c:135:10: error: 'JV_NUL' undeclared (first use in this function)\n"
	printf '  135 |   return JV_NUL;\n      |          ^~~~~~\n'
	printf 'make[2]: *** [Makefile:1054: src/jv.lo] Error 1\n'
}

@test "build keeps every distinct compiler diagnostic and drops the source quotes of warnings and errors" {
	run rtk-filter < <(gcc_output)
	assert_success
	for i in $(seq 1 30); do
		assert_line "src/m$i.c:$i:7: warning: unused variable 'x' [-Wunused-variable]"
	done
	refute_output --partial '|   int x;'
	refute_output --partial 'In function'
	assert_line "src/jv.c:135:10: error: 'JV_NUL' undeclared (first use in this function)"
	refute_output --partial 'return JV_NUL;'
	refute_output --partial '^~~~~~'
	assert_line 'make[2]: *** [Makefile:1054: src/jv.lo] Error 1'
	assert_output --partial 'context lines omitted'
	run chosen_filter < <(gcc_output)
	assert_output build
}

@test "build keeps a gcc, clang, tsc or javac diagnostic whole with its location and drops its source quote and carets" {
	# gcc: the quote in a gutter, its fix-its in it too
	cat >"$BATS_TEST_TMPDIR/gcc" <<-'EOF'
	src/parse.c:8:39: error: 'TOK_NUMBR' undeclared (first use in this function); did you mean 'TOK_NUMBER'?
	    8 |                         out[n].kind = TOK_NUMBR;
	      |                                       ^~~~~~~~~
	      |                                       TOK_NUMBER
	src/parse.c:2:1: note: include '<ctype.h>' or provide a declaration of 'isdigit'
	    1 | #include "parse.h"
	  +++ |+#include <ctype.h>
	    2 |
	EOF
	run rtk-filter --filter build <"$BATS_TEST_TMPDIR/gcc"
	assert_success
	assert_output "$(printf '%s\n' \
		"src/parse.c:8:39: error: 'TOK_NUMBR' undeclared (first use in this function); did you mean 'TOK_NUMBER'?" \
		"src/parse.c:2:1: note: include '<ctype.h>' or provide a declaration of 'isdigit'" \
		'… 6 context lines omitted')"
	# clang: the bare source line, the caret line under it, a fix-it under the carets
	cat >"$BATS_TEST_TMPDIR/clang" <<-'EOF'
	src/parse.c:8:18: error: use of undeclared identifier 'TOK_NUMBR'; did you mean 'TOK_NUMBER'?
	                        out[n].kind = TOK_NUMBR;
	                                      ^~~~~~~~~
	                                      TOK_NUMBER
	src/parse.h:4:18: note: 'TOK_NUMBER' declared here
	enum { TOK_WORD, TOK_NUMBER, TOK_END };
	                 ^
	1 error generated.
	EOF
	run rtk-filter --filter build <"$BATS_TEST_TMPDIR/clang"
	assert_success
	assert_output "$(printf '%s\n' \
		"src/parse.c:8:18: error: use of undeclared identifier 'TOK_NUMBR'; did you mean 'TOK_NUMBER'?" \
		"src/parse.h:4:18: note: 'TOK_NUMBER' declared here" \
		'1 error generated.' \
		'… 5 context lines omitted')"
	# tsc --pretty: the numbered source line and the tildes under it, in colour
	printf '\e[96msrc/cart.ts\e[0m:\e[93m4\e[0m:\e[93m7\e[0m - \e[91merror\e[0m\e[90m TS2322: \e[0m%s\n\n%s\n%s\n\n%s\n' \
		"Type 'string' is not assignable to type 'number'." \
		$'\e[7m4\e[0m   let sum: number = "0";' $'\e[7m \e[0m \e[91m      ~~~\e[0m' \
		$'Found 1 error in src/cart.ts\e[90m:4\e[0m' >"$BATS_TEST_TMPDIR/tsc"
	run rtk-filter --filter build <"$BATS_TEST_TMPDIR/tsc"
	assert_success
	assert_output "$(printf '%s\n' \
		"src/cart.ts:4:7 - error TS2322: Type 'string' is not assignable to type 'number'." \
		'Found 1 error in src/cart.ts:4' \
		'… 2 context lines omitted')"
	# javac: the source line and its caret go, the symbol it names stays
	cat >"$BATS_TEST_TMPDIR/javac" <<-'EOF'
	src/Main.java:5: error: cannot find symbol
	        total += shelf1;
	                 ^
	  symbol:   variable shelf1
	  location: class Main
	1 error
	EOF
	run rtk-filter --filter build <"$BATS_TEST_TMPDIR/javac"
	assert_success
	assert_output "$(printf '%s\n' \
		'src/Main.java:5: error: cannot find symbol' \
		'  symbol:   variable shelf1' \
		'  location: class Main' \
		'1 error' \
		'… 2 context lines omitted')"
}

@test "build keeps a linter's findings of every severity: shellcheck's coded notes are findings, not context" {
	cat >"$BATS_TEST_TMPDIR/in" <<-'EOF'
	/usr/bin/gettext.sh:20:11: note: Use $(...) notation instead of legacy backticks `...`. [SC2006]
	/usr/bin/gettext.sh:31:5: warning: echo appears unused. Verify use (or export if used externally). [SC2034]
	/usr/bin/gettext.sh:88:31: warning: Quote this to prevent word splitting. [SC2046]
	/usr/bin/gettext.sh:88:31: note: Use $(...) notation instead of legacy backticks `...`. [SC2006]
	/usr/share/debconf/confmodule.sh:17:35: note: Double quote to prevent globbing and word splitting. [SC2086]
	/usr/share/debconf/confmodule.sh:94:11: error: Double quote array expansions to avoid re-splitting elements. [SC2068]
	/usr/share/debconf/confmodule.sh:95:3: note: Double quote to prevent globbing and word splitting. [SC2086]
	EOF
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_output "$(cat "$BATS_TEST_TMPDIR/in")"
}

@test "build keeps the include chain that led to an error and drops gcc's 'In function' line, which the file shows" {
	cat >"$BATS_TEST_TMPDIR/log" <<-'EOF'
	In file included from src/many.c:1:
	src/parse.h:1: error: unterminated #ifndef
	    1 | #ifndef PARSE_H
	      |
	src/many.c: In function 'total':
	src/many.c:5:16: error: 'count_1' undeclared (first use in this function)
	    5 |         sum += count_1;
	      |                ^~~~~~~
	EOF
	run rtk-filter --filter build <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_output "$(printf '%s\n' \
		'In file included from src/many.c:1:' \
		'src/parse.h:1: error: unterminated #ifndef' \
		"src/many.c:5:16: error: 'count_1' undeclared (first use in this function)" \
		'… 5 context lines omitted')"
}

@test "build prints an include chain only before the error it led to, never before a later one" {
	# the chain before a repeated error, and the one before a note, belong
	# to them: src/b.c's error and src/c.cc's are not in those headers
	cat >"$BATS_TEST_TMPDIR/log" <<-'EOF'
	In file included from src/a.c:1:
	src/parse.h:1: error: unterminated #ifndef
	In file included from src/b.c:2:
	src/parse.h:1: error: unterminated #ifndef
	src/b.c:7:3: error: 'x' undeclared (first use in this function)
	In file included from /usr/include/c++/12/vector:64,
	                 from src/c.cc:1:
	/usr/include/c++/12/bits/stl_vector.h:1276:7: note: candidate: 'void push_back(const value_type&)'
	src/c.cc:10:11: error: no matching function for call to 'A::f()'
	EOF
	run rtk-filter --filter build <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_output "$(printf '%s\n' \
		'In file included from src/a.c:1:' \
		'src/parse.h:1: error: unterminated #ifndef' \
		"src/b.c:7:3: error: 'x' undeclared (first use in this function)" \
		"/usr/include/c++/12/bits/stl_vector.h:1276:7: note: candidate: 'void push_back(const value_type&)'" \
		"src/c.cc:10:11: error: no matching function for call to 'A::f()'" \
		'… 4 context lines omitted')"
}

@test "build drops a note at its error's own place that names nothing and keeps notes that name a place, a name or a number" {
	cat >"$BATS_TEST_TMPDIR/log" <<-'EOF'
	src/parse.c:8:39: error: 'TOK_NUMBR' undeclared (first use in this function)
	src/parse.c:8:39: note: each undeclared identifier is reported only once for each function it appears in
	src/x.c:3:5: error: implicit declaration of function 'isdigit'
	src/x.c:3:5: note: include '<ctype.h>' or provide a declaration of 'isdigit'
	src/y.c:9:1: error: conflicting types for 'f'
	src/y.h:2:6: note: previous declaration was here
	src/z.c:4:2: error: too many arguments
	src/z.c:4:2: note: expected 2 but got 3
	EOF
	run rtk-filter --filter build <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_output "$(sed '2d' "$BATS_TEST_TMPDIR/log"; echo '… 1 context lines omitted')"
}

@test "build keeps lines that only look like a source quote when no located diagnostic comes right before" {
	# before any diagnostic, and after a line in column 0 has ended the
	# error's block ("1 error generated."), an underline, a gutter-like row
	# and a caret are text like any other
	cat >"$BATS_TEST_TMPDIR/log" <<-'EOF'
	Release notes
	~~~~~~~~~~~~~
	    1 | release notes
	src/a.c:3:5: error: expected ';' before '}' token
	    3 |   return n
	      |           ^
	1 error generated.
	Summary
	~~~~~~~
	  ^ see above
	EOF
	for i in 1 2 3 4 5 6; do echo "gcc -Wall -c src/m$i.c -o src/m$i.o"; done >>"$BATS_TEST_TMPDIR/log"
	run rtk-filter --filter build <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_output "$(printf '%s\n' \
		'Release notes' '~~~~~~~~~~~~~' '    1 | release notes' \
		"src/a.c:3:5: error: expected ';' before '}' token" \
		'1 error generated.' 'Summary' '~~~~~~~' '  ^ see above' \
		'… 6 compiler commands omitted' '… 2 context lines omitted')"
}

@test "build prints a diagnostic repeated by macro expansion once" {
	for i in $(seq 1 40); do
		echo "src/b.c:44:32: warning: unused parameter 'jq' [-Wunused-parameter]"
		echo "src/b.h:$i:3: note: in expansion of macro 'BINOP'"
	done >"$BATS_TEST_TMPDIR/log"
	run rtk-filter --filter build <"$BATS_TEST_TMPDIR/log"
	assert_success
	[ "$(grep -c 'unused parameter' <<<"$output")" -eq 1 ]
	assert_line '… 79 context lines omitted'
}

@test "build reduces make V=1 compiler commands to a count" {
	{
		echo "make[1]: Entering directory '/src/p'"
		for i in $(seq 1 25); do echo "gcc -DHAVE_CONFIG_H -I. -Isrc -Wall -g -O2 -c -o src/f$i.o src/f$i.c"; done
		echo "gcc -g -O2 -o prog src/f1.o src/f2.o -lm"
		echo "make[1]: Leaving directory '/src/p'"
	} >"$BATS_TEST_TMPDIR/log"
	run rtk-filter <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line '… 26 compiler commands omitted'
	assert_line '… 2 build step lines omitted'
	refute_output --partial 'gcc '
	run chosen_filter <"$BATS_TEST_TMPDIR/log"
	assert_output build
}

@test "build drops configure checks with a count and keeps the error" {
	{
		for i in $(seq 1 40); do echo "checking for header$i.h... yes"; done
		echo "checking for oniguruma... no"
		echo "configure: error: oniguruma not found, use --with-oniguruma=builtin"
	} >"$BATS_TEST_TMPDIR/log"
	run rtk-filter <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line --index 0 'configure: error: oniguruma not found, use --with-oniguruma=builtin'
	assert_line --index 1 '… 41 configure checks omitted'
	run chosen_filter <"$BATS_TEST_TMPDIR/log"
	assert_output build
}

@test "build counts the lines that accompany what it keeps once, at the end, not at every gap" {
	# gcc's excerpt of each warning and make's command lines between them: a
	# marker at each gap would cost more than the two short lines it stands for
	{
		for i in 1 2 3; do
			echo "gcc -Wall -c src/m$i.c -o src/m$i.o"
			echo "src/m$i.c:$i:5: warning: unused variable 'v$i' [-Wunused-variable]"
			echo "    $i |     int v$i;"
			echo '      |         ^~'
		done
		echo "src/m4.c:9:1: error: expected ';' before '}' token"
		echo "make: *** [Makefile:6: src/m4.o] Error 1"
	} >"$BATS_TEST_TMPDIR/log"
	run rtk-filter <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_output "$(printf '%s\n' \
		"src/m1.c:1:5: warning: unused variable 'v1' [-Wunused-variable]" \
		"src/m2.c:2:5: warning: unused variable 'v2' [-Wunused-variable]" \
		"src/m3.c:3:5: warning: unused variable 'v3' [-Wunused-variable]" \
		"src/m4.c:9:1: error: expected ';' before '}' token" \
		'make: *** [Makefile:6: src/m4.o] Error 1' \
		'… 3 compiler commands omitted' '… 6 context lines omitted')"
}

@test "build keeps npm install warnings and the result and drops the http traffic" {
	{
		echo 'npm warn deprecated inflight@1.0.6: This module is not supported'
		for i in $(seq 1 100); do echo "npm http fetch GET 200 https://registry.npmjs.org/p$i ${i}ms (cache miss)"; done
		echo 'added 100 packages in 4s'
	} >"$BATS_TEST_TMPDIR/log"
	run rtk-filter <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line 'npm warn deprecated inflight@1.0.6: This module is not supported'
	assert_line '… 100 npm log lines omitted'
	assert_line 'added 100 packages in 4s'
	run chosen_filter <"$BATS_TEST_TMPDIR/log"
	assert_output build
}

# ---- the shared corpus ----

# Facts kept, in percent, over every NAME.txt of the categories given.
facts_kept_pct() {
	local total=0 kept=0 f facts hay fact
	for cat in "$@"; do
		for f in "$SHARED/corpus/dev/$cat"/*.txt; do
			if [ -f "${f%.txt}.json" ]; then
				facts=$(jq -r '.facts[]' "${f%.txt}.json")
			elif [ -f "${f%.txt}.needles" ]; then
				facts=$(cat "${f%.txt}.needles")
			else
				continue
			fi
			hay=" $(rtk-filter <"$f" | sed 's/\x1b\[[0-9;?]*[ -\/]*[@-~]//g' | tr -s '[:space:]' ' ') "
			while IFS= read -r fact; do
				[ -n "$fact" ] || continue
				total=$((total + 1))
				if [[ $hay == *"$fact"* ]]; then
					kept=$((kept + 1))
				else
					echo "lost in ${f##*/}: $fact" >&2
				fi
			done < <(printf '%s\n' "$facts" | LC_ALL=C sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//')
		done
	done
	[ "$total" -gt 0 ] || return 1
	echo $((kept * 100 / total))
}

@test "the corpus logs, test logs and build logs keep at least 99% of their facts" {
	std_only "the next test feeds the same files through the sanitizer build; the facts kept cannot differ"
	need_shared corpus/dev/logs
	need_shared corpus/dev/test-log
	need_shared corpus/dev/build-log
	run facts_kept_pct logs test-log build-log
	assert_success
	[ "${lines[-1]}" -ge 99 ] || fail "facts kept: $output"
}

@test "the corpus logs, test logs and build logs shrink to under half" {
	need_shared corpus/dev/logs
	before=0
	after=0
	for f in "$SHARED"/corpus/dev/{logs,test-log,build-log}/*.txt; do
		before=$((before + $(wc -c <"$f")))
		after=$((after + $(rtk-filter <"$f" | wc -c)))
	done
	[ $((after * 2)) -lt "$before" ] || fail "$before bytes became $after"
}

@test "a malformed colour escape is dropped alone: the text after it stays (one ANSI skipper for every filter)" {
	{ for i in $(seq 1 40); do printf 'INFO step %d ok\n' "$i"; done
	  printf 'WARN \033[31\tERROR disk full on /dev/sda1\n'; } >"$BATS_TEST_TMPDIR/log"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_output --partial $'\tERROR disk full on /dev/sda1'
}

@test "test-runner drops the frames of the language's own runtime and keeps the test's" {
	# cargo test with RUST_BACKTRACE=1, go test's panic, node --test's TAP stack
	cat >"$BATS_TEST_TMPDIR/log" <<'LOG'
running 2 tests
test tests::tally_one ... FAILED
test tests::tally_two ... ok

---- tests::tally_one stdout ----
thread 'tests::tally_one' (9726) panicked at src/lib.rs:15:9:
assertion `left == right` failed
  left: 0
 right: 4
stack backtrace:
   0: __rustc::rust_begin_unwind
             at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/panicking.rs:689:5
   1: core::panicking::panic_fmt
             at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/panicking.rs:80:14
   4: tally::tests::tally_one
             at ./src/lib.rs:15:9
   6: core::ops::function::FnOnce::call_once
             at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/ops/function.rs:250:5
   7: <fn() -> core::result::Result<(), alloc::string::String> as core::ops::function::FnOnce<()>>::call_once
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
--- FAIL: TestLast (0.00s)
panic: runtime error: index out of range [2] with length 2 [recovered]
goroutine 8 [running]:
testing.tRunner.func1.2({0x518ae0, 0xc000020180})
	/usr/lib/go-1.19/src/testing/testing.go:1396 +0x24e
panic({0x518ae0, 0xc000020180})
	/usr/lib/go-1.19/src/runtime/panic.go:884 +0x212
example.com/ledger.TestLast(0xc000007ba0?)
	/src/gotest/ledger_test.go:24 +0x1b
created by testing.(*T).Run
	/usr/lib/go-1.19/src/testing/testing.go:1493 +0x35f
not ok 2 - slug collapses spaces
  stack: |-
    TestContext.<anonymous> (/src/node/test/slug.test.js:11:10)
    Test.runInAsyncScope (node:async_hooks:206:9)
    Test.run (node:internal/test_runner/test:796:25)
LOG
	run rtk-filter --filter test-runner <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_line "thread 'tests::tally_one' (9726) panicked at src/lib.rs:15:9:"
	assert_line '   4: tally::tests::tally_one'
	assert_line '             at ./src/lib.rs:15:9'
	assert_line 'example.com/ledger.TestLast(0xc000007ba0?)'
	assert_line '	/src/gotest/ledger_test.go:24 +0x1b'
	assert_line '    TestContext.<anonymous> (/src/node/test/slug.test.js:11:10)'
	refute_output --partial '/rustc/'
	refute_output --partial 'core::'
	refute_output --partial '/usr/lib/go-1.19/'
	refute_output --partial 'testing.tRunner'
	refute_output --partial 'node:'
	# counted where they were: which frames of the trace went
	assert_line --index 8 '… 4 stack frames omitted'
	assert_line --index 11 '… 3 stack frames omitted'
	assert_line --index 16 '… 4 stack frames omitted'
	assert_line --index 19 '… 2 stack frames omitted'
	assert_line --index 23 '… 2 stack frames omitted'
	assert_line --index 24 '… 1 passing tests omitted'
}

@test "build counts cmake's configure status and ninja's steps, and keeps what cmake could not find" {
	cat >"$BATS_TEST_TMPDIR/log" <<'LOG'
-- The C compiler identification is GNU 12.2.0
-- Detecting C compiler ABI info
-- Detecting C compiler ABI info - done
-- Found Python: /usr/bin/python3 (found version "3.11.2") found components: Interpreter
-- Could NOT find ZLIB (missing: ZLIB_LIBRARY ZLIB_INCLUDE_DIR)
-- Configuring done
-- Generating done
-- Build files have been written to: /src/build
ninja: Entering directory `build'
[1/8] Building CXX object googlemock/CMakeFiles/gmock.dir/src/gmock-all.cc.o
[2/8] Building CXX object googletest/CMakeFiles/gtest.dir/src/gtest-all.cc.o
FAILED: googletest/CMakeFiles/gtest.dir/src/gtest-all.cc.o
/src/gtest-filepath.cc:136:49: error: 'kPathSeperator' was not declared in this scope
[3/8] Linking CXX static library lib/libgmock.a
ninja: build stopped: cannot make progress due to previous errors.
LOG
	run rtk-filter <"$BATS_TEST_TMPDIR/log"
	assert_success
	assert_output "$(printf '%s\n' '-- Could NOT find ZLIB (missing: ZLIB_LIBRARY ZLIB_INCLUDE_DIR)' \
		'FAILED: googletest/CMakeFiles/gtest.dir/src/gtest-all.cc.o' \
		"/src/gtest-filepath.cc:136:49: error: 'kPathSeperator' was not declared in this scope" \
		'ninja: build stopped: cannot make progress due to previous errors.' \
		'… 4 build step lines omitted' '… 7 configure checks omitted')"
}
