# tests/deps-check: every header and program the project needs maps to a
# package in the Makefile's DEB_PKGS (issue 13: libbsd-dev was missing and
# nothing noticed). It reads no binary: runs once, not again under ASan.
load helper

# A copy of the tree's sources, tests and scripts in $T/tree, to break.
copy_tree() {
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/tree/bin" "$T/tree/tests" "$T/tree/bench"
	cp -R "$ROOT/src" "$ROOT/.ci" "$ROOT/Makefile" "$T/tree/"
	# tests/ and bench/ but their .cache (the e2e clients alone are 855 MB:
	# copied, they took most of this suite's time)
	cp -R "$ROOT"/tests/* "$T/tree/tests/"
	cp -R "$ROOT"/bench/* "$T/tree/bench/"
	cp "$ROOT/bin/nr-start" "$T/tree/bin/"
}

@test "deps-check --help says what it maps and how it decides" {
	run "$ROOT/tests/deps-check" --help
	assert_success
	assert_output --partial 'dpkg -S'
	assert_output --partial 'Essential'
	assert_output --partial 'tests/deps-optional'
	run "$ROOT/tests/deps-check" --bogus
	assert_failure 64
	assert_output --partial "unknown argument '--bogus'"
}

@test "every header and program of the tree comes from DEB_PKGS, an Essential package or the optional list" {
	run "$ROOT/tests/deps-check"
	assert_success
	assert_output --regexp '^deps-check: [0-9]+ includes and [0-9]+ program uses: every one from'
}

# On a tree of three files: the checker's price grows with the tree, and the
# whole tree is checked by the test above and broken by the one below.
@test "a package taken out of DEB_PKGS fails, naming what needs it and the package" {
	local pkgs t=$BATS_TEST_TMPDIR/tiny
	pkgs=$(sed -n '/^DEB_PKGS *=/,/[^\\]$/p' "$ROOT/Makefile" | sed 's/^DEB_PKGS *=//; s/\\$//' |
		tr ' ' '\n' | grep -vx -e libc6-dev -e jq -e libsqlite3-dev | tr '\n' ' ')
	[[ " $pkgs " == *" libssl-dev "* && " $pkgs " != *" jq "* ]] || fail "DEB_PKGS not read: $pkgs"
	mkdir -p "$t/src" "$t/tests/bats" "$t/tests/mock" "$t/tests/fuzz" "$t/tests/e2e" "$t/bench" "$t/bin"
	: >"$t/Makefile"
	printf '#include <stdio.h>\n#include <sqlite3.h>\n' >"$t/src/a.c"
	printf '%s\n' '@test "x" {' '	jq -n 1' '}' >"$t/tests/bats/a.bats"
	: >"$t/tests/deps-optional"
	DEB_PKGS=$pkgs run "$ROOT/tests/deps-check" --root "$t"
	assert_failure 1
	assert_output --regexp '\(<stdio\.h>,cc\): /usr/include/stdio\.h is in package libc6-dev, which is not in DEB_PKGS'
	assert_output --regexp '\(<sqlite3\.h>,cc\): /usr/include/sqlite3\.h is in package libsqlite3-dev, which is not in DEB_PKGS'
	assert_output --partial 'tests/bats/a.bats:2 runs jq (/usr/bin/jq), from package jq, which is not in DEB_PKGS'
}

# One run over a broken copy of the tree, for its price (a few CPU seconds).
@test "a new header or program is noticed, and the optional list is kept honest" {
	copy_tree
	# libbsd-dev, the package issue 13 found missing
	echo '#include <bsd/stdlib.h>' >>"$T/tree/tests/mock/main.c"
	n=$(grep -c '' "$T/tree/tests/mock/main.c")
	# (printf: a line starting with @test would become a test of this file)
	printf '%s\n' '@test "x" {' '	run apt-cache policy bats' \
		'	out=$(echo hi | nr-no-such-program-4711 --x)' '	nr-load-4712 -c 1 http://127.0.0.1:1/' '}' \
		>"$T/tree/tests/bats/new.bats"
	echo 'nr-never-run  skip: nothing runs it' >>"$T/tree/tests/deps-optional"
	echo 'nr-load-4712  bench only: a load generator' >>"$T/tree/tests/deps-optional"
	# DEB_PKGS from the copy's Makefile, the one with the list
	run env -u DEB_PKGS "$ROOT/tests/deps-check" --root "$T/tree"
	assert_failure 1
	if dpkg-query -W -f='${Status}' libbsd-dev 2>/dev/null | grep -q 'ok installed'; then
		assert_output --partial "tests/mock/main.c:$n(<bsd/stdlib.h>,cc): /usr/include/bsd/stdlib.h is in package libbsd-dev, which is not in DEB_PKGS"
	else
		assert_output --partial "tests/mock/main.c:$n includes <bsd/stdlib.h>, which cc does not find"
	fi
	assert_output --partial 'tests/bats/new.bats:2 runs apt-cache (/usr/bin/apt-cache), from package apt, which is not in DEB_PKGS'
	assert_output --partial 'tests/bats/new.bats:3 runs nr-no-such-program-4711, which is not installed'
	refute_output --partial ' runs echo'	# a builtin
	assert_output --partial 'tests/bats/new.bats:4 runs nr-load-4712, which tests/deps-optional allows in bench/ only'
	assert_output --partial 'tests/deps-optional lists nr-never-run, which no scanned file runs'
	assert_output --partial 'deps-check: 5 unmet'
}

@test "without the optional node, npm and strace, the suites that use them skip instead of failing" {
	# a PATH of the standard directories' programs but those
	local shadow=$BATS_TEST_TMPDIR/path d
	mkdir "$shadow"
	for d in /bin /usr/bin /usr/local/bin; do
		find "$d" -maxdepth 1 \( -type f -o -type l \) -exec ln -sf -t "$shadow" {} + 2>/dev/null || true
	done
	rm -f "$shadow/node" "$shadow/npm" "$shadow/npx" "$shadow/strace"
	PATH=$NR_BIN:$shadow
	! command -v node && ! command -v npm && ! command -v strace || fail "still on PATH"
	run "$ROOT/tests/e2e/install"
	assert_failure 2
	cd "$ROOT/tests/bats"
	# the first test of each e2e suite (they all start with need_clients),
	# and the tests that run the real-stream checker
	local first f re=
	for f in e2e-*.bats; do
		first=$(sed -n 's/^@test "\(.*\)" {$/\1/p' "$f" | head -n 1 | sed 's/[][\.*^$()+?{}|]/\\&/g')
		re="$re${re:+|}^$first\$"
	done
	run bats --tap -f "$re" e2e-*.bats
	assert_success
	refute_output --partial 'not ok'
	[ "$(grep -c '^ok .* # skip needs node and npm' <<<"$output")" -eq "$(ls e2e-*.bats | wc -l)" ] ||
		fail "not one skip a suite: $output"
	run bats --tap -f 'real-stream checker|recorded real stream|round trips A to B to A|cut pass-through stream' \
		mock-upstream.bats translate-stream.bats
	assert_success
	refute_output --partial 'not ok'
	[ "$(grep -c '^ok ' <<<"$output")" -ge 3 ] || fail "the filter matched too few tests: $output"
	# the dashboard's browser test (its std pass: the asan one skips it anyway)
	NR_VARIANT=std run bats --tap serve-dashboard-browser.bats
	assert_success
	assert_output --partial '# skip needs node and npm'
}
