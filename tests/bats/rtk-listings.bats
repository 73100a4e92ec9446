#!/usr/bin/env bats
# rtk-filter's search and listing filters: grep, find, search-list, ls, tree,
# read-numbered. What the model needs survives, the rest is counted.

load helper

# The filter auto-detection picked for the file $1.
detected() {
	rtk-filter --stats <"$1" 2>&1 >/dev/null | sed -n 's/^rtk-filter: filter=\([^ ]*\) .*/\1/p'
}

# ---- grep ----

@test "grep hits are grouped per file: the path once, then line:text" {
	{
		for i in $(seq 1 12); do printf './src/parse.c:%d:    assert(p->pos < %d);\n' "$((i * 10))" "$i"; done
		printf './lib/util.c:7:\tassert(x);\n./lib/util.c:9:assert(y);   \n'
	} >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(grep -c '^\./src/parse\.c$' <<<"$output")" 1
	for i in $(seq 1 12); do assert_line "$((i * 10)):assert(p->pos < $i);"; done
	refute_output --partial 'omitted'
	assert_line './lib/util.c'
	assert_line '7:assert(x);'
	assert_line '9:assert(y);'
}

@test "grep keeps every matching file once the overall budget of 400 lines is spent, with its count" {
	for f in $(seq 1 100); do
		for l in 1 2 3 4 5; do printf 'pkg/mod%d/file%d.py:%d:return value_%d\n' "$f" "$f" "$l" "$l"; done
	done >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter grep <"$BATS_TEST_TMPDIR/in"
	assert_success
	# every file, in order (one diff: 100 assert_line calls over 500 lines took 12 s)
	{ for f in $(seq 1 80); do echo "pkg/mod$f/file$f.py"; done
	  for f in $(seq 81 100); do echo "pkg/mod$f/file$f.py … 5 matches omitted"; done; } >"$BATS_TEST_TMPDIR/want"
	grep '^pkg/' <<<"$output" | diff "$BATS_TEST_TMPDIR/want" - || fail "the files differ (want, got) above"
	[ "$(grep -c '^[0-9]*:return' <<<"$output")" -eq 400 ] || fail "not 400 hits shown"
}

@test "grep cuts a very long hit on a UTF-8 boundary and says how much was cut" {
	long=$(printf 'é€%.0s' $(seq 1 200))
	{ printf 'a/x.txt:1:%s\n' "$long"; printf 'a/x.txt:2:short\n'; printf 'b/y.txt:3:short\n'; } >"$BATS_TEST_TMPDIR/in"
	rtk-filter --filter grep <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	iconv -f UTF-8 -t UTF-8 "$BATS_TEST_TMPDIR/out" >/dev/null || fail "a UTF-8 sequence was cut"
	run grep -c ' … \[+[0-9]* bytes\]$' "$BATS_TEST_TMPDIR/out"
	assert_output 1
}

@test "grep context lines stay with their file and -- separators go" {
	printf '%s\n' 'lib/a.js-9-before' 'lib/a.js:10:match here' 'lib/a.js-11-after' '--' \
		'lib/b-2.js-4-ctx' 'lib/b-2.js:5:other match' 'lib/b-2.js:6:another one' >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter grep <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "lib/a.js
9-before
10:match here
11-after
lib/b-2.js
4-ctx
5:other match
6:another one"
}

@test "grep understands rg's heading layout and hits without line numbers" {
	printf '%s\n' 'src/main.rs' '12:    let x = 1;' '40:    let y = 2;' '' 'src/lib.rs' '3:let z = 3;' >"$BATS_TEST_TMPDIR/rg"
	run rtk-filter --filter grep <"$BATS_TEST_TMPDIR/rg"
	assert_output "src/main.rs
12:let x = 1;
40:let y = 2;
src/lib.rs
3:let z = 3;"
	printf '%s\n' 'docs/a.md:some text' 'docs/a.md:more text' 'docs/b.md:last text' >"$BATS_TEST_TMPDIR/plain"
	run rtk-filter --filter grep <"$BATS_TEST_TMPDIR/plain"
	assert_output "docs/a.md
  some text
  more text
docs/b.md
  last text"
}

@test "grep passes messages through whole" {
	printf '%s\n' 'src/a.c:1:int a;' 'src/a.c:2:int b;' 'Binary file build/a.o matches' 'grep: nope: No such file or directory' >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter grep <"$BATS_TEST_TMPDIR/in"
	assert_line 'Binary file build/a.o matches'
	assert_line 'grep: nope: No such file or directory'
}

@test "compiler diagnostics are not taken for grep hits" {
	printf '%s\n' 'src/jv.c:134:37: error: expected expression' 'src/jv.c:135:10: error: undeclared' \
		'src/jv.c:136:1: warning: control reaches end' 'src/jv.c:140:1: note: here' >"$BATS_TEST_TMPDIR/in"
	[ "$(detected "$BATS_TEST_TMPDIR/in")" != grep ]
}

# ---- find and search-list ----

@test "find lists every directory once, nested, with its files on its line in the order they came" {
	printf '%s\n' . ./README.md ./src/main.c ./src/util/str.c ./Makefile ./src/io.c ./src/util/buf.c ./docs/a.md >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter find <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "./ README.md Makefile
 docs/ a.md
 src/ main.c io.c
  util/ str.c buf.c"
}

@test "a find list past 2000 names shows the first 2000 and counts the rest in each directory" {
	{
		for i in $(seq 1 1990); do echo "./node_modules/pkg$i"; done
		for i in $(seq 1 15); do echo "./src/f$i.c"; done
		for i in $(seq 1 5); do echo "./test/t$i.c"; done
	} >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_line --regexp '^\./node_modules/( pkg[0-9]+){1990}$'
	assert_line --regexp '^ src/( f[0-9]+\.c){10} … 5 files omitted$'
	assert_line ' test/ … 5 files omitted'
}

@test "a short list of paths such as grep -l keeps every name" {
	for i in $(seq 1 60); do echo "lib/part$((i % 3))/file_$i.js"; done >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	for i in $(seq 1 60); do assert_output --partial " file_$i.js"; done
	refute_output --partial omitted
}

@test "search-list keeps its header and every path, quoted ones as git wrote them" {
	{
		echo "Result of search in '/home/dev/proj' (total 5 files):"
		printf -- '- %s\n' README.md src/a.py src/b.py '"docs/caf\303\251 notes.md"' tests/test_a.py
	} >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "Result of search in '/home/dev/proj' (total 5 files):
README.md
docs/ \"caf\\303\\251 notes.md\"
src/ a.py b.py
tests/ test_a.py"
}

# ---- ls ----

@test "ls -la keeps names and kinds, and drops modes, owners, dates, . and .." {
	cat >"$BATS_TEST_TMPDIR/in" <<-'EOF'
	total 340
	drwxr-xr-x 14 root root   4096 Nov 24 20:01 .
	drwx------  3 root root   4096 Nov 24 20:01 ..
	-rw-r--r--  1 root root    361 Nov 24 20:01 .gitattributes
	drwxr-xr-x  4 root root   4096 Nov 24 20:01 .github
	-rwxr-xr-x  1 root root   3230 Nov 24 20:01 build.sh
	-rw-r--r--  1 root root 124254 Jan  3  2023 manual.txt
	lrwxrwxrwx  1 root root     15 Nov 24 20:01 latest -> v1.8/manual.yml
	-rw-r--r--  1 dev  dev    2434 Nov 24 20:01 my notes.md
	EOF
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '.gitattributes .github/ build.sh* manual.txt(121K) latest->v1.8/manual.yml "my notes.md"'
}

@test "ls -lh: the total goes as with -l, and big files keep their size" {
	cat >"$BATS_TEST_TMPDIR/in" <<-'EOF'
	total 1.6M
	-rw-r--r-- 1 root root 3.6K Mar  6  2023 alpn_test.go
	drwxr-xr-x 2 root root 4.0K Dec  7 17:07 cgi
	-rw-r--r-- 1 root root 340K Mar  6  2023 h2_bundle.go
	-rw-r--r-- 1 root root 1.2M Mar  6  2023 big.bin
	EOF
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output 'alpn_test.go cgi/ h2_bundle.go(340K) big.bin(1.2M)'
}

@test "ls -laR nests each directory under its parent" {
	cat >"$BATS_TEST_TMPDIR/in" <<-'EOF'
	.:
	total 8
	drwxr-xr-x 3 root root 4096 Nov 24 20:01 .
	drwxr-xr-x 3 root root 4096 Nov 24 20:01 ..
	drwxr-xr-x 3 root root 4096 Nov 24 20:01 src
	-rw-r--r-- 1 root root   12 Nov 24 20:01 README

	./src:
	total 8
	drwxr-xr-x 3 root root 4096 Nov 24 20:01 .
	drwxr-xr-x 3 root root 4096 Nov 24 20:01 ..
	-rw-r--r-- 1 root root   99 Nov 24 20:01 main.c
	drwxr-xr-x 2 root root 4096 Nov 24 20:01 util

	./src/util:
	total 4
	drwxr-xr-x 2 root root 4096 Nov 24 20:01 .
	drwxr-xr-x 3 root root 4096 Nov 24 20:01 ..
	-rw-r--r-- 1 root root   50 Nov 24 20:01 str.c
	EOF
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "./ src/ README
 src/ main.c util/
  util/ str.c"
}

@test "ls shows every entry of a big directory, and counts those past 2000" {
	{
		echo 'total 1000'
		for i in $(seq 1 100); do printf -- '-rw-r--r-- 1 u g 10 Nov 24 20:01 f%03d\n' "$i"; done
	} >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_output --regexp '^f001( f[0-9]{3}){99}$'
	{
		echo 'total 1000'
		for i in $(seq 1 2100); do printf -- '-rw-r--r-- 1 u g 10 Nov 24 20:01 f%04d\n' "$i"; done
	} >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_output --regexp '^f0001( f[0-9]{4}){1999} … 100 entries omitted$'
}

# ---- tree ----

@test "tree's drawing becomes one-space indents and its totals line stays" {
	cat >"$BATS_TEST_TMPDIR/in" <<-'EOF'
	.
	├── README.md
	├── src
	│   ├── main.c
	│   └── util
	│       └── str.c
	└── tests
	    └── run.sh

	3 directories, 4 files
	EOF
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output ".
README.md
src/ main.c
 util/ str.c
tests/ run.sh
3 directories, 4 files"
}

@test "tree -f: each path is written as a name on its directory's line" {
	cat >"$BATS_TEST_TMPDIR/in" <<-'EOF'
	encoding
	├── encoding/ascii85
	│   ├── encoding/ascii85/ascii85.go
	│   └── encoding/ascii85/ascii85_test.go
	├── encoding/encoding.go
	└── encoding/latest -> ../v2/encoding.go

	1 directory, 4 files
	EOF
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output 'encoding
ascii85/ ascii85.go ascii85_test.go
encoding.go "latest -> ../v2/encoding.go"
1 directory, 4 files'
}

@test "tree -h, -s, -p, -u: the bracket goes, a big file keeps its size" {
	cat >"$BATS_TEST_TMPDIR/in" <<-'EOF'
	[4.0K]  encoding/json
	|-- [ 35K]  decode.go
	|-- [118K]  code.json.gz
	`-- [4.0K]  testdata
	    `-- [-rw-r--r-- root     1258291]  big.bin

	1 directory, 3 files
	EOF
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output 'encoding/json
decode.go code.json.gz(118K)
testdata/ big.bin(1.2M)
1 directory, 3 files'
}

@test "npm ls --all: its two-column drawing nests every package, deduped ones included" {
	cat >"$BATS_TEST_TMPDIR/in" <<-'EOF'
	shop@1.0.0 /work/shop
	├─┬ eslint@8.57.1
	│ ├─┬ @eslint-community/eslint-utils@4.10.1
	│ │ └── eslint-visitor-keys@3.4.3 deduped
	│ └── ajv@6.12.6
	├── left-pad@1.3.0
	└─┬ jest@29.7.0
	  └─┬ @jest/core@29.7.0
	    └── chalk@4.1.2
	EOF
	assert_equal "$(detected "$BATS_TEST_TMPDIR/in")" tree
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_output 'shop@1.0.0 /work/shop
eslint@8.57.1/
 @eslint-community/eslint-utils@4.10.1/ "eslint-visitor-keys@3.4.3 deduped"
 ajv@6.12.6
left-pad@1.3.0
jest@29.7.0/
 @jest/core@29.7.0/ chalk@4.1.2'
}

@test "tree keeps a name that starts with a bracket whole" {
	printf '%s\n' . '├── [draft] notes.md' '├── [2024] report.txt' '└── plain.txt' '' '0 directories, 3 files' >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_output '.
"[draft] notes.md" "[2024] report.txt" plain.txt
0 directories, 3 files'
}

@test "tree with ASCII drawing keeps every file of a big directory, and counts those past 2000" {
	{
		echo .
		echo '`-- big'
		for i in $(seq 1 40); do echo "    |-- f$i"; done
		echo '    `-- last'
	} >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_line --regexp '^big/( f[0-9]+){40} last$'
	{
		echo .
		echo '`-- big'
		for i in $(seq 1 2010); do echo "    |-- f$i"; done
		echo '    `-- last'
	} >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_line --regexp '^big/( f[0-9]+){2000} … 11 files omitted$'
}

# ---- read-numbered ----

@test "read-numbered keeps every line, number and indentation in each gutter style" {
	printf '     1\tdef f(x):\n     2\t    return x   \n     3\t\n     4\t        # deep\n' >"$BATS_TEST_TMPDIR/cat"
	printf '     1|def f(x):\n     2|    return x   \n     3|\n     4|        # deep\n' >"$BATS_TEST_TMPDIR/cursor"
	printf '     1→def f(x):\r\n     2→    return x   \r\n     3→\r\n     4→        # deep\r\n' >"$BATS_TEST_TMPDIR/claude"
	want=$(printf '1\tdef f(x):\n2\t    return x\n3\t\n4\t        # deep')
	for style in cat cursor claude; do
		run rtk-filter --filter read-numbered <"$BATS_TEST_TMPDIR/$style"
		assert_success
		assert_output "$want"
	done
}

@test "read-numbered passes lines that are not numbered through unchanged" {
	printf '     1\tx = 1\n     2\ty = 2\n<note>  file truncated  </note>\n' >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter read-numbered <"$BATS_TEST_TMPDIR/in"
	assert_line '<note>  file truncated  </note>'
	assert_line "$(printf '2\ty = 2')"
}

# ---- auto-detection ----

@test "auto-detection picks each listing filter for its kind of output" {
	d=$BATS_TEST_TMPDIR
	printf '%s\n' './src/a.c:1:int a' './src/a.c:5:int b' './src/b.c:2:int c' >"$d/grep"
	printf '%s\n' ./src/a.c ./src/b.c ./docs/x.md ./Makefile >"$d/find"
	printf '%s\n' "Result of search in '/p' (total 2 files):" '- a/b.c' '- a/c.c' >"$d/search-list"
	printf '%s\n' 'total 8' '-rw-r--r-- 1 u g 1 Nov 24 20:01 a' 'drwxr-xr-x 2 u g 4096 Nov 24 20:01 b' >"$d/ls"
	printf '%s\n' . '├── a' '└── b' '    └── c' '' '1 directory, 2 files' >"$d/tree"
	printf '     %d\tline %d\n' 1 1 2 2 3 3 4 4 >"$d/read-numbered"
	for kind in grep find search-list ls tree read-numbered; do
		assert_equal "$(detected "$d/$kind")" "$kind"
	done
}

# ---- the real corpus ----

# Prints "kept total" for the facts of every sample of category $1: each fact,
# whitespace folded, must be a substring of the folded output without ANSI escapes.
corpus_facts() {
	local dir=$SHARED/corpus/dev/$1 kept=0 total=0 f base out fact
	for f in "$dir"/*.txt; do
		base=${f%.txt}
		if [ -f "$base.json" ]; then
			jq -r '.facts[]' "$base.json" >"$BATS_TEST_TMPDIR/facts"
		elif [ -f "$base.needles" ]; then
			cat "$base.needles" >"$BATS_TEST_TMPDIR/facts"
		else
			continue
		fi
		out=$(rtk-filter <"$f" | sed 's/\x1b\[[0-9;?]*[ -\/]*[@-~]//g' | tr -s '[:space:]' ' ')
		while IFS= read -r fact; do
			[ -n "$fact" ] || continue
			total=$((total + 1))
			case $out in *"$fact"*) kept=$((kept + 1)) ;; esac
		done < <(sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//' "$BATS_TEST_TMPDIR/facts")
	done
	echo "$kept $total"
}

@test "on the corpus samples the listing filters keep at least 99% of the facts" {
	std_only "the next test feeds the same files through the sanitizer build; the facts kept cannot differ"
	need_shared corpus/dev/grep
	for cat in grep find ls tree search-list read-numbered; do
		read -r kept total < <(corpus_facts "$cat")
		[ "$total" -gt 0 ] || fail "$cat: no facts found"
		[ $((kept * 100)) -ge $((total * 99)) ] || fail "$cat: kept $kept of $total facts"
	done
}

@test "on the corpus samples auto-detection picks the category's filter" {
	need_shared corpus/dev/grep
	for cat in grep find ls tree search-list read-numbered; do
		for f in "$SHARED/corpus/dev/$cat"/*.txt; do
			assert_equal "$cat $(detected "$f")" "$cat $cat"
		done
	done
}
