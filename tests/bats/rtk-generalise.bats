#!/usr/bin/env bats
# rtk-filter on output unlike its dev corpus: lines that differ in what a model
# acts on (a path, a line, a name, a message) are never collapsed as alike;
# listings are restructured, not cut; any toolchain's errors stay whole. The
# fixtures in tests/fixtures/rtk-generalise are real outputs of gcc, clang,
# go, cargo, tsc, javac, pytest, node --test and python on small projects
# written for them (bench/corpus-projects); NAME.needles are their facts
# (bench/corpus-facts), paths made relative.

load helper

FIX=$ROOT/tests/fixtures/rtk-generalise

# Fails naming every line of $2 (a needles file) that the filtered $1 lacks,
# whitespace runs folded on both sides, as the corpus scorer matches.
keeps_needles() {
	local out lost= n
	out=$(rtk-filter <"$1" | tr -s ' \t' ' ')
	[ -s "$2" ] || fail "$2: no facts"
	while IFS= read -r n; do
		[[ $out == *"$n"* ]] || lost+="$n"$'\n'
	done < <(tr -s ' \t' ' ' <"$2")
	[ -z "$lost" ] || fail "$(basename "$1") lost: $lost"
}

# The filter auto-detection picked for the file $1.
detected() {
	rtk-filter --stats <"$1" 2>&1 >/dev/null | sed -n 's/^rtk-filter: filter=\([^ ]*\) .*/\1/p'
}

# ---- grep ----

@test "grep keeps every near-identical hit: each file, line and name survives" {
	for f in $(seq 1 6); do
		for i in $(seq 1 30); do printf 'include/uapi/dev%d.h:%d:#define DEV%d_REG_%d_MAX 0x%x\n' "$f" "$((i * 3))" "$f" "$i" "$i"; done
	done >"$BATS_TEST_TMPDIR/in"
	for f in $(seq 1 6); do
		printf 'include/uapi/dev%d.h\n' "$f"
		for i in $(seq 1 30); do printf '%d:#define DEV%d_REG_%d_MAX 0x%x\n' "$((i * 3))" "$f" "$i" "$i"; done
	done >"$BATS_TEST_TMPDIR/want"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/want")"
}

@test "a long source line's hit keeps a name past its 160th byte; a minified line is still cut" {
	sig='func (s *Server) HandleAuthenticatedStreamingRequestWithRetries(ctx context.Context, w http.ResponseWriter, r *http.Request, policy RetryPolicy, budget *TokenBudget, onEvent func(Event)) error {'
	[ "${#sig}" -gt 160 ]
	for i in $(seq 1 6); do printf 'server/h%d.go:%d:%s\n' "$i" "$((i * 10))" "$sig"; done >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_output --partial 'onEvent func(Event)) error {'
	for f in $(seq 1 6); do
		printf 'dist/m%d.min.js:1:' "$f"; for i in $(seq 1 20); do printf 'var a%d=function(b){return b*%d};' "$i" "$f"; done; echo
	done >"$BATS_TEST_TMPDIR/min"
	run rtk-filter <"$BATS_TEST_TMPDIR/min"
	assert_output --partial ' … [+'
}

@test "grep writes the same text again in one file once, with all its line numbers" {
	printf '%s\n' 'src/a.c:3:#include <assert.h>' 'src/a.c:9:	assert(x);' 'src/a.c:20:    assert(x);' \
		'src/a.c:31:assert(y);' 'src/b.c:4:	assert(x);' >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter grep <"$BATS_TEST_TMPDIR/in"
	assert_output "src/a.c
3:#include <assert.h>
9,20:assert(x);
31:assert(y);
src/b.c
4:assert(x);"
}

@test "grep output that starts with grep's own messages is still taken for grep" {
	{
		printf 'grep: ./__pycache__/m%d.cpython-311.pyc: binary file matches\n' 1 2 3
		for i in 1 2 3 4; do printf './m%d.py:%d:    raise ValueError("bad %d")\n' "$i" "$((i * 7))" "$i"; done
	} >"$BATS_TEST_TMPDIR/in"
	assert_equal "$(detected "$BATS_TEST_TMPDIR/in")" grep
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	for i in 1 2 3; do assert_line "grep: ./__pycache__/m$i.cpython-311.pyc: binary file matches"; done
	assert_line '21:raise ValueError("bad 3")'
}

@test "rg --heading output is taken for grep and keeps every file" {
	for f in $(seq 1 8); do
		printf './plugin%d.py\n' "$f"
		for i in 1 2 3; do printf '%d:def pytest_hook_%d_%d(config):\n' "$((i * 11))" "$f" "$i"; done
		echo
	done >"$BATS_TEST_TMPDIR/in"
	assert_equal "$(detected "$BATS_TEST_TMPDIR/in")" grep
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	for f in $(seq 1 8); do
		assert_line "./plugin$f.py"
		assert_line --regexp "^33:def pytest_hook_${f}_3\(config\):$"
	done
}

@test "rg --vimgrep hits are grouped per file with their line and column, indentation dropped" {
	{
		for i in 1 2 3 4; do printf 'go/types/api.go:%d:%d:\t\t// TODO(gri) case %d\n' "$((i * 10))" "$((i + 2))" "$i"; done
		printf '%s\n' 'go/types/expr.go:7:1:// TODO: remove' 'go/types/expr.go:9:5:    x := 1 // TODO'
	} >"$BATS_TEST_TMPDIR/in"
	assert_equal "$(detected "$BATS_TEST_TMPDIR/in")" grep
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_output "go/types/api.go
10:3:// TODO(gri) case 1
20:4:// TODO(gri) case 2
30:5:// TODO(gri) case 3
40:6:// TODO(gri) case 4
go/types/expr.go
7:1:// TODO: remove
9:5:x := 1 // TODO"
}

@test "compiler errors with a column are still not taken for vimgrep hits" {
	printf '%s\n' './main.go:16:11: undefined: fmt.Printx' './main.go:17:2: declared and not used: y' \
		'./util.go:3:8: "os" imported and not used' >"$BATS_TEST_TMPDIR/in"
	[ "$(detected "$BATS_TEST_TMPDIR/in")" != grep ]
}

# ---- listings ----

@test "a list's order within a directory is kept (ls -t, git tag --sort, sort -n): it may be its meaning" {
	printf '%s\n' zeta.log alpha.log mid.txt beta.c omega.h gamma.py >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_output 'zeta.log alpha.log mid.txt beta.c omega.h gamma.py'
	# newest first across directories: each directory's names in the order they came
	printf '%s\n' src/zeta.c lib/new.c src/alpha.c lib/old.c src/mid.c >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_output 'lib/ new.c old.c
src/ zeta.c alpha.c mid.c'
}

@test "a bare list of names (ls, ls -1) becomes one line: as many bytes, fewer tokens" {
	printf '%s\n' alpn_test.go cgi client.go client_test.go cookie.go fcgi >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_output 'alpn_test.go cgi client.go client_test.go cookie.go fcgi'
	# the same list inside a request: each newline was two bytes of JSON
	jq -Rs '{messages: [{role: "tool", tool_call_id: "c", content: .}]}' "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/req"
	run sh -c 'rtk-filter --request --format openai <"$1" | jq -r ".messages[0].content"' sh "$BATS_TEST_TMPDIR/req"
	assert_output 'alpn_test.go cgi client.go client_test.go cookie.go fcgi'
}

@test "a name alone on its line is kept as it came" {
	printf 'README.md\n' >"$BATS_TEST_TMPDIR/in"
	rtk-filter <"$BATS_TEST_TMPDIR/in" | cmp - "$BATS_TEST_TMPDIR/in"
}

@test "a long find listing is restructured, not cut: every name once, directories factored" {
	for d in $(seq 1 12); do
		for f in $(seq 1 60); do echo "./vendor/github.com/org/lib$d/internal/file_$f.go"; done
	done >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	refute_output --partial 'omitted'
	for d in $(seq 1 12); do assert_line --regexp "^(\./vendor/github\.com/org/| +)lib$d/internal/( file_[0-9]+\.go){60}$"; done
	[ "${#output}" -lt "$(($(wc -c <"$BATS_TEST_TMPDIR/in") / 3))" ] || fail "prefixes not factored"
}

@test "a long tree listing keeps every file under its directory" {
	{
		echo .
		for d in $(seq 1 10); do
			printf '├── pkg%d\n' "$d"
			for f in $(seq 1 49); do printf '│   ├── mod_%d_%d.py\n' "$d" "$f"; done
			printf '│   └── mod_%d_50.py\n' "$d"
		done
		echo
		echo '10 directories, 500 files'
	} >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	assert_success
	refute_output --partial 'omitted'
	for d in $(seq 1 10); do
		assert_line --regexp "^pkg$d/( mod_${d}_[0-9]+\.py){50}$"
	done
	assert_line '10 directories, 500 files'
}

@test "du -a and wc -l keep every path with its number, the directory said once a run" {
	{
		for f in ppdev personality seg6_genl; do printf '4\t/usr/include/linux/%s.h\n' "$f"; done
		printf '12\t/usr/include/linux/netfilter/xt_set.h\n8\t/usr/include/linux/netfilter/nf_nat.h\n'
		printf '24\t/usr/include/linux/netfilter\n36\t/usr/include/linux\n'
	} >"$BATS_TEST_TMPDIR/du"
	run rtk-filter <"$BATS_TEST_TMPDIR/du"
	assert_output "/usr/include/linux/
 4 ppdev.h
 4 personality.h
 4 seg6_genl.h
 12 netfilter/xt_set.h
 8 netfilter/nf_nat.h
 24 netfilter
/usr/include/
 36 linux"
	# a run of three or more in a deeper directory gets its header
	printf '%s\n' '4	src/a.c' '8	src/net/b.c' '8	src/net/c.c' '12	src/net/d.c' '4	src/e.c' >"$BATS_TEST_TMPDIR/du"
	run rtk-filter --filter counts <"$BATS_TEST_TMPDIR/du"
	assert_output "src/
 4 a.c
src/net/
 8 b.c
 8 c.c
 12 d.c
src/
 4 e.c"
	{
		for i in $(seq 1 30); do printf '%7d /usr/include/linux/mod_%d.h\n' "$((i * 37))" "$i"; done
		printf '%7d total\n' 17205
	} >"$BATS_TEST_TMPDIR/wc"
	run rtk-filter <"$BATS_TEST_TMPDIR/wc"
	for i in $(seq 1 30); do assert_line " $((i * 37)) mod_$i.h"; done
	assert_line '  17205 total'
	printf '%s\n' '4.0K	build.sh' '1.2M	docs' '340K	src' >"$BATS_TEST_TMPDIR/dush"
	rtk-filter <"$BATS_TEST_TMPDIR/dush" | cmp - "$BATS_TEST_TMPDIR/dush"	# nothing to say once
}

@test "a sorted du -a: the directory the entries share said once, each entry's path below it, in order" {
	# du -a /usr/share/perl5 | sort -n | tail: neighbours rarely share a directory
	printf '%s\n' '68	/usr/share/perl5/Font' '72	/usr/share/perl5/LWP/UserAgent.pm' \
		'84	/usr/share/perl5/HTML/TreeBuilder.pm' '88	/usr/share/perl5/IO/Socket/SSL.pod' \
		'92	/usr/share/perl5/Dpkg/Control' '92	/usr/share/perl5/Dpkg/Source/Package' \
		'104	/usr/share/perl5/JSON/backportPP.pm' '116	/usr/share/perl5/IO/Socket/SSL.pm' \
		'1208	/usr/share/perl5' >"$BATS_TEST_TMPDIR/du"
	run rtk-filter <"$BATS_TEST_TMPDIR/du"
	assert_output "/usr/share/perl5/
 68 Font
 72 LWP/UserAgent.pm
 84 HTML/TreeBuilder.pm
 88 IO/Socket/SSL.pod
 92 Dpkg/Control
 92 Dpkg/Source/Package
 104 JSON/backportPP.pm
 116 IO/Socket/SSL.pm
/usr/share/
 1208 perl5"
	# the first entry alone in its directory: the header is what it shares with the next
	printf '%s\n' '72	/usr/share/perl5/LWP/UserAgent.pm' '84	/usr/share/perl5/HTML/TreeBuilder.pm' \
		'88	/usr/share/perl5/IO/Socket/SSL.pod' >"$BATS_TEST_TMPDIR/du"
	run rtk-filter <"$BATS_TEST_TMPDIR/du"
	assert_output "/usr/share/perl5/
 72 LWP/UserAgent.pm
 84 HTML/TreeBuilder.pm
 88 IO/Socket/SSL.pod"
	# nothing shared but the root: each entry whole
	printf '%s\n' '72	/usr/a/x.pm' '84	/srv/b/y.pm' '88	/opt/c/z.pm' >"$BATS_TEST_TMPDIR/du"
	rtk-filter <"$BATS_TEST_TMPDIR/du" | cmp - "$BATS_TEST_TMPDIR/du"
}

# ---- a file's content shown without line numbers (cat, head, sed -n) ----

# file_kept FILE: rtk-filter keeps every line of FILE, as it is but for
# trailing blanks; its detection is $2 (default file).
file_kept() {
	assert_equal "$(detected "$1")" "${2:-file}"
	rtk-filter <"$1" >"$BATS_TEST_TMPDIR/out"
	sed 's/[[:blank:]]*$//' "$1" | cmp - "$BATS_TEST_TMPDIR/out" || fail "$1: lines lost or changed"
}

@test "a C header read with cat keeps every line: look-alike includes are code, not log noise" {
	{
		printf '/* Definitions for the stream layer. */\n#ifndef STREAM_H\n#define STREAM_H 1\n\n'
		for t in fpos_t fpos64_t FILE struct_FILE cookie_io_functions_t; do printf '#include <bits/types/%s.h>\n' "$t"; done
		for i in $(seq 1 12); do printf '#ifdef USE_%d\n# define BUF_%d %d\n# endif\n' "$i" "$i" "$((i * 512))"; done
		printf 'extern int fclose (FILE *__stream);\n#endif /* stream.h */  \n'
	} >"$BATS_TEST_TMPDIR/in.h"
	file_kept "$BATS_TEST_TMPDIR/in.h"
}

@test "a CSV file read with cat keeps its rows, one a line" {
	{ echo 'id,name,city,amount'; for i in $(seq 1 40); do echo "$i,user$((i * 7)),Paris,$i.50"; done; } >"$BATS_TEST_TMPDIR/in.csv"
	file_kept "$BATS_TEST_TMPDIR/in.csv"
}

@test "a JSON file read with cat keeps every entry of its arrays" {
	{
		printf '{\n  "name": "pkg",\n  "workspaces": [\n'
		for w in docs smoke-tests mock-globals mock-registry 'workspaces/*'; do printf '    "%s",\n' "$w"; done
		printf '    "last"\n  ],\n  "dependencies": {\n'
		for d in $(seq 1 20); do printf '    "dep-%d": "^%d.%d.0",\n' "$d" "$d" "$((d % 7))"; done
		printf '    "zlib": "^1.0.0"\n  }\n}\n'
	} >"$BATS_TEST_TMPDIR/in.json"
	file_kept "$BATS_TEST_TMPDIR/in.json"
}

@test "Python and Go sources read with cat keep their repeated statements" {
	{
		printf 'import re\n\n\nclass Decoder:\n    """Decode things.\n\n'
		printf '    Each builder must inherit\n    from ``treebuilders.base.TreeBuilder``. It has 4 required attributes:\n    """\n\n'
		for i in $(seq 1 8); do printf '    def step_%d(self, s):\n        try:\n            return self.parse(s, %d)\n        except ValueError:\n            return None\n\n' "$i" "$i"; done
	} >"$BATS_TEST_TMPDIR/in.py"
	file_kept "$BATS_TEST_TMPDIR/in.py"
	{
		printf 'package hex\n\nimport (\n\t"errors"\n\t"fmt"\n)\n\nconst table = "" +\n'
		for i in $(seq 1 10); do printf '\t"\\xff\\xff\\x%02x\\xff" +\n' "$i"; done
		printf '\t""\n\nfunc f() error {\n\treturn errors.New("x")\n}\n'
	} >"$BATS_TEST_TMPDIR/in.go"
	file_kept "$BATS_TEST_TMPDIR/in.go"
}

@test "a Markdown document read with cat keeps every heading and line, even when it starts with ##" {
	cat >"$BATS_TEST_TMPDIR/in.md" <<-'EOF'
	## kmod - Linux kernel module handling

	Information
	===========

	Mailing list:
		linux-modules@vger.kernel.org (no subscription needed)

	### `zsyscall_${GOOS}_${GOARCH}.go`

	Generated by `mksyscall.go` from `syscall_${GOOS}.go`.

	### `zsysnum_${GOOS}_${GOARCH}.go`

	```console
	$ make
	```

	```console
	$ make check
	```
	EOF
	file_kept "$BATS_TEST_TMPDIR/in.md"
	printf '## main...origin/main [ahead 1]\n M src/a.c\n?? notes.txt\n' >"$BATS_TEST_TMPDIR/sb"
	assert_equal "$(detected "$BATS_TEST_TMPDIR/sb")" git-status
}

@test "this machine's C headers and Python modules read with cat come out whole" {
	# real files of every shape a source tree has (licence blocks, include
	# runs, tables, docstrings), 300 lines each as head or sed -n would show
	local f n=0 lost=
	for f in /usr/include/*.h /usr/lib/python3*/json/*.py /usr/lib/python3*/email/*.py /usr/lib/python3*/http/*.py; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		head -n 300 "$f" >"$BATS_TEST_TMPDIR/in"
		rtk-filter <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
		sed 's/[[:blank:]]*$//' "$BATS_TEST_TMPDIR/in" | cmp -s - "$BATS_TEST_TMPDIR/out" ||
			cmp -s "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out" || lost="$lost $f"
	done
	[ "$n" -ge 50 ] || skip "only $n headers and modules here"
	[ -z "$lost" ] || fail "lines lost or changed in:$lost"
}

@test "a Makefile and an HTML page read with cat come out whole" {
	{
		printf '# examples\nCFLAGS = -g -Wall\n\ncheck: verify1 verify2\n'
		for i in 1 2 3 4; do printf '\t./verify2  sign%d-res.xml     rsapub.pem\n' "$i"; done
		printf '\nclean:\n\trm -f *.o\n'
	} >"$BATS_TEST_TMPDIR/Makefile"
	file_kept "$BATS_TEST_TMPDIR/Makefile"
	{
		printf '<table>\n<tr>\n<th>LTS</th>\n<th>Stable</th>\n</tr>\n<tr>\n<td valign="top">\n'
		for v in 4.9.1 4.9.0 4.8.7 4.8.6 4.8.5; do printf '<a href="#%s">%s</a><br/>\n' "$v" "$v"; done
		printf '</td>\n</tr>\n</table>\n'
	} >"$BATS_TEST_TMPDIR/in.html"
	file_kept "$BATS_TEST_TMPDIR/in.html"
}

@test "a table under its header row (ps, docker ps, kubectl get, lsof) keeps every row: rows differ in the id acted on" {
	{
		printf 'USER         PID %%CPU %%MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n'
		for i in $(seq 1 12); do
			printf 'root     %7d  0.0  0.1  %5d  %4d ?        S    19:4%d   0:00 /usr/local/bin/nr-serve --listen 127.0.0.1:20128\n' \
				$((3000 + i * 7)) $((20000 + i)) $((5000 + i * 3)) $((i % 10))
		done
	} >"$BATS_TEST_TMPDIR/ps"
	file_kept "$BATS_TEST_TMPDIR/ps"
	tail -n +2 "$BATS_TEST_TMPDIR/ps" >"$BATS_TEST_TMPDIR/ps-grep"	# ps aux | grep nr-serve: no header
	file_kept "$BATS_TEST_TMPDIR/ps-grep"
	{
		printf 'CONTAINER ID   IMAGE        COMMAND                  CREATED       STATUS       PORTS                  NAMES\n'
		for i in $(seq 1 12); do
			printf '%012x   nginx:1.25   "/docker-entrypoint.…"   2 hours ago   Up 2 hours   0.0.0.0:%d->80/tcp   web-%d\n' \
				$((0x3f2a1b0c9d00 + i * 4099)) $((8080 + i)) "$i"
		done
	} >"$BATS_TEST_TMPDIR/docker"
	file_kept "$BATS_TEST_TMPDIR/docker"
	{
		printf 'NAME        READY   STATUS             RESTARTS      AGE\n'
		for i in $(seq 0 11); do printf 'worker-%-4d 1/1     Running            %d             3h\n' "$i" "$((i % 3))"; done
	} >"$BATS_TEST_TMPDIR/pods"
	file_kept "$BATS_TEST_TMPDIR/pods"
	{
		printf 'COMMAND     PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n'
		for i in $(seq 1 12); do printf 'python3   %5d root    3u  IPv4 %6d      0t0  TCP 127.0.0.1:%d (LISTEN)\n' $((32050 + i)) $((90210 + i)) $((18800 + i)); done
	} >"$BATS_TEST_TMPDIR/lsof"
	file_kept "$BATS_TEST_TMPDIR/lsof"
}

@test "query results keep every row: psql's and a Markdown table's '|' columns, JSON records without a log's keys" {
	{
		printf ' id | model  | cost  |         ts\n----+--------+-------+---------------------\n'
		for i in $(seq 1 30); do printf ' %2d | gpt-4o | 0.%03d | 2026-12-07 10:%02d:00\n' "$i" "$i" "$((i + 10))"; done
		printf '(30 rows)\n'
	} >"$BATS_TEST_TMPDIR/psql"
	file_kept "$BATS_TEST_TMPDIR/psql"
	{
		printf '| id | model | cost |\n|---|---|---|\n'
		for i in $(seq 1 30); do printf '| %d | gpt-4o | 0.%03d |\n' "$i" "$i"; done
	} >"$BATS_TEST_TMPDIR/md"
	file_kept "$BATS_TEST_TMPDIR/md"
	# jq -c '.[]' data.json, sqlite3 -json: the records asked for
	for i in $(seq 1 30); do printf '{"id": %d, "model": "gpt-4o", "cost": 0.%03d}\n' "$i" "$i"; done >"$BATS_TEST_TMPDIR/jsonl"
	file_kept "$BATS_TEST_TMPDIR/jsonl"
}

@test "a log that repeats itself is still a log, not a file" {
	for i in $(seq 1 40); do printf '2026-12-07 10:%02d:00 INFO worker %d: handled request in %d ms\n' "$i" "$((i % 4))" "$i"; done >"$BATS_TEST_TMPDIR/log"
	assert_equal "$(detected "$BATS_TEST_TMPDIR/log")" dedup-log
	for i in $(seq 1 40); do printf '{"level":"info","ts":%d,"msg":"handled request","ms":%d}\n' "$i" "$i"; done >"$BATS_TEST_TMPDIR/jsonl"
	assert_equal "$(detected "$BATS_TEST_TMPDIR/jsonl")" dedup-log
}

# ---- errors of any toolchain, whole, with their location ----

@test "go build errors past its limit are all kept whole, with 'too many errors'" {
	assert_equal "$(detected "$FIX/go-build.txt")" build
	keeps_needles "$FIX/go-build.txt" "$FIX/go-build.needles"
	run rtk-filter <"$FIX/go-build.txt"
	assert_line './main.go:16:11: too many errors'
}

@test "gcc's and clang's error limits keep every error line and the limit reached" {
	keeps_needles "$FIX/gcc-max-errors.txt" "$FIX/gcc-max-errors.needles"
	keeps_needles "$FIX/clang-limit.txt" "$FIX/clang-limit.needles"
	run rtk-filter <"$FIX/gcc-max-errors.txt"
	assert_output --partial 'compilation terminated due to -fmax-errors=8.'
}

@test "tsc's errors are kept whole in both its plain and its coloured layout" {
	assert_equal "$(detected "$FIX/tsc-pretty.txt")" build
	keeps_needles "$FIX/tsc-pretty.txt" "$FIX/tsc-pretty.needles"
	keeps_needles "$FIX/tsc-plain.txt" "$FIX/tsc-plain.needles"
}

@test "javac's errors keep the symbol each one names, past javac's error limit" {
	keeps_needles "$FIX/javac.txt" "$FIX/javac.needles"
	run rtk-filter <"$FIX/javac.txt"
	for i in 1 2 3 4 5 6; do assert_output --partial "symbol:   variable shelf$i"; done
}

@test "cargo's error[E…] lines keep their --> locations" {
	keeps_needles "$FIX/cargo-build.txt" "$FIX/cargo-build.needles"
}

@test "test runners of other toolchains keep every failure, message and location" {
	for t in pytest-q node-test go-test-v cargo-test python-traceback; do
		keeps_needles "$FIX/$t.txt" "$FIX/$t.needles"
	done
}

@test "a build's errors followed by a test run (make && make test, mvn test) keep the facts of both" {
	for b in javac go-build tsc-plain cargo-build clang-limit; do
		for t in cargo-test pytest-q go-test-v; do
			cat "$FIX/$b.txt" "$FIX/$t.txt" >"$BATS_TEST_TMPDIR/in.txt"
			cat "$FIX/$b.needles" "$FIX/$t.needles" >"$BATS_TEST_TMPDIR/in.needles"
			keeps_needles "$BATS_TEST_TMPDIR/in.txt" "$BATS_TEST_TMPDIR/in.needles" || fail "$b then $t"
		done
	done
}

@test "a list of test ids (pytest --collect-only -q) keeps every id" {
	{ for i in $(seq 1 12); do echo "tests/test_prices.py::test_net_rates[$i-0.$i-$((i * 10)).0]"; done
	  for t in parse_unit parse_qty currency; do echo "tests/test_parse.py::test_$t"; done
	  printf '\n15 tests collected in 0.02s\n'; } >"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	for i in $(seq 1 12); do assert_output --partial "test_net_rates[$i-0.$i-$((i * 10)).0]"; done
	for t in parse_unit parse_qty currency; do assert_output --partial "test_$t"; done
}

@test "pytest -q (no session header) is taken for a test run" {
	assert_equal "$(detected "$FIX/pytest-q.txt")" test-runner
}

@test "log lines that name different source locations are never collapsed as alike" {
	for i in $(seq 1 20); do printf '    handler_test.go:%d: status = 500, want 200 for /api/v%d\n' "$((i * 4))" "$i"; done >"$BATS_TEST_TMPDIR/in"
	for f in test-runner build dedup-log; do
		run rtk-filter --filter "$f" <"$BATS_TEST_TMPDIR/in"
		for i in $(seq 1 20); do assert_output --partial "handler_test.go:$((i * 4)): status = 500, want 200 for /api/v$i"; done
	done
}

@test "error counts and error limits of separate runs are problems, each kept" {
	for i in 1 2 3 4 5; do
		printf 'unit %d: compiled\n' "$i"
		printf 'unit %d: %d errors\n' "$i" "$((i * 3))"
		printf 'pass %d: too many errors\n' "$i"
	done >"$BATS_TEST_TMPDIR/in"
	run rtk-filter --filter dedup-log <"$BATS_TEST_TMPDIR/in"
	for i in 1 2 3 4 5; do
		assert_line "unit $i: $((i * 3)) errors"
		assert_line "pass $i: too many errors"
	done
}
