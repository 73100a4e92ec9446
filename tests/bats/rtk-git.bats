#!/usr/bin/env bats
# rtk-filter's git filters: git-diff (diffs, --stat), git-log (medium, -p,
# --oneline), git-status (long, short): what each keeps, what it drops and
# counts, auto-detection, and facts kept on the real corpus.

load helper

# A repository with one commit, then staged changes of every kind git diffs.
make_repo() {
	repo=$BATS_TEST_TMPDIR/repo
	mkdir "$repo" && cd "$repo" || return 1
	git init -q .
	seq 1 60 | sed 's/^/line /' >a.txt
	printf 'x\ny\nz' >nonl.txt
	echo gone >old.txt
	git add . && git -c user.name=T -c user.email=t@example.org commit -qm init
	seq 1 60 | sed 's/^/line /' | sed -e '5s/.*/changed five/' -e '10a\
inserted one\
inserted two' -e '20,21d' -e '30s/.*/thirty/' -e '32s/.*/thirty-two/' >a.txt
	echo 'line 61' >>a.txt
	printf 'x\ny\nZ' >nonl.txt
	rm old.txt
	echo new >new.txt
	git add -A
}

# Facts kept of the corpus files of category $1 (NAME.needles), as one line
# "kept total bytes_in bytes_out": needles and output compared with
# whitespace runs folded, as the scorer does.
score_category() {
	local kept=0 total=0 in=0 out=0 f k t
	for f in "$SHARED/corpus/dev/$1"/*.txt; do
		rtk-filter <"$f" >"$BATS_TEST_TMPDIR/out" || return 1
		in=$((in + $(wc -c <"$f")))
		out=$((out + $(wc -c <"$BATS_TEST_TMPDIR/out")))
		[ -f "${f%.txt}.needles" ] || continue
		read -r k t < <(awk '
			function fold(s) { gsub(/\033\[[0-9;?]*[ -\/]*[@-~]/, "", s); gsub(/[ \t\r\n\f\v]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
			NR == FNR { hay = hay " " $0; next }
			FNR == 1 { hay = fold(hay) }
			{ n = fold($0); if (n == "") next; t++; if (index(hay, n)) k++ }
			END { print k + 0, t + 0 }' "$BATS_TEST_TMPDIR/out" "${f%.txt}.needles")
		kept=$((kept + k))
		total=$((total + t))
	done
	echo "$kept $total $in $out"
}

# --- git-diff ---------------------------------------------------------------

@test "git-diff keeps file headers and changed lines and drops index, ---/+++ and context lines, counted" {
	cat >"$BATS_TEST_TMPDIR/d" <<'EOF'
diff --git a/src/app.c b/src/app.c
index 1111111..2222222 100644
--- a/src/app.c
+++ b/src/app.c
@@ -10,7 +10,7 @@ int main(void)
 	int a = 1;
 	int b = 2;
 	int c = 3;
-	return a + b;
+	return a + b + c;
 	/* end */
 	/* really */
 	/* the end */
EOF
	run rtk-filter --filter git-diff <"$BATS_TEST_TMPDIR/d"
	assert_success
	assert_line 'diff --git a/src/app.c b/src/app.c'
	assert_line '@@ -13 +13 @@ int main(void)'
	assert_line '-	return a + b;'
	assert_line '+	return a + b + c;'
	assert_line '… 6 unchanged context lines omitted'
	assert_line '… 3 index/---/+++ header lines omitted'
	refute_line --partial 'index 1111111'
	refute_line --partial 'int b = 2'
}

@test "git-diff prints each run of changes with the hunk header git diff -U0 would print" {
	make_repo
	git diff --cached | rtk-filter --filter git-diff | grep -v '^…' |
		sed 's/^\(@@ [^@]*@@\).*/\1/' >"$BATS_TEST_TMPDIR/ours"
	git diff --cached -U0 | grep -v '^index \|^--- \|^+++ ' |
		sed 's/^\(@@ [^@]*@@\).*/\1/' >"$BATS_TEST_TMPDIR/git"
	run diff "$BATS_TEST_TMPDIR/git" "$BATS_TEST_TMPDIR/ours"
	assert_success
	# the repository covers insertions, deletions, two runs in one hunk,
	# new and deleted files and a missing final newline
	run cat "$BATS_TEST_TMPDIR/ours"
	assert_line '@@ -10,0 +11,2 @@'
	assert_line '@@ -20,2 +21,0 @@'
	assert_line '@@ -32 +32 @@'
	assert_line 'new file mode 100644'
	assert_line 'deleted file mode 100644'
	assert_line '\ No newline at end of file'
}

@test "git-diff keeps the first and last lines of a long added block and counts the rest" {
	{
		echo 'diff --git a/big.txt b/big.txt'
		echo 'new file mode 100644'
		echo 'index 0000000..3333333'
		echo '--- /dev/null'
		echo '+++ b/big.txt'
		echo '@@ -0,0 +1,500 @@'
		seq 1 500 | sed 's/^/+row /'
	} >"$BATS_TEST_TMPDIR/d"
	run rtk-filter --filter git-diff <"$BATS_TEST_TMPDIR/d"
	assert_success
	assert_line '@@ -0,0 +1,500 @@'
	assert_line '+row 1'
	assert_line '+row 3'
	assert_line '… 496 added lines omitted'
	assert_line '+row 500'
	refute_line '+row 4'
	refute_line '+row 499'
}

@test "git-diff keeps every line of a run of up to twelve changes" {
	{
		echo 'diff --git a/m.txt b/m.txt'
		echo '@@ -1,6 +1,6 @@'
		seq 1 6 | sed 's/^/-old /'
		seq 1 6 | sed 's/^/+new /'
	} >"$BATS_TEST_TMPDIR/d"
	run rtk-filter --filter git-diff <"$BATS_TEST_TMPDIR/d"
	assert_success
	for i in 1 2 3 4 5 6; do
		assert_line "-old $i"
		assert_line "+new $i"
	done
	refute_output --partial 'omitted'
}

@test "git-diff prints a change repeated verbatim in another file once and then names where it was" {
	for f in ci.yml lint.yml; do
		printf 'diff --git a/.github/%s b/.github/%s\nindex 1..2 100644\n--- a/.github/%s\n+++ b/.github/%s\n' "$f" "$f" "$f" "$f"
		printf '@@ -10,3 +10,3 @@ jobs:\n     steps:\n-      - uses: actions/checkout@v6 # pinned to the old release\n+      - uses: actions/checkout@v7 # pinned to the new release\n       with:\n'
	done >"$BATS_TEST_TMPDIR/d"
	run rtk-filter --filter git-diff <"$BATS_TEST_TMPDIR/d"
	assert_success
	assert_line 'diff --git a/.github/lint.yml b/.github/lint.yml'
	assert_line '… 2 lines identical to .github/ci.yml:11 omitted'
	run grep -c 'actions/checkout@v7' <<<"$output"
	assert_output 1
}

@test "git-diff cuts a very long changed line on a character boundary and says how much went" {
	long=$(printf 'é%.0s' $(seq 1 2000))
	printf 'diff --git a/u b/u\n@@ -1 +1 @@\n-short\n+%s\n' "$long" >"$BATS_TEST_TMPDIR/d"
	run rtk-filter --filter git-diff <"$BATS_TEST_TMPDIR/d"
	assert_success
	assert_line --regexp '^\+é+ … \[\+2978 bytes\]$'
	iconv -f UTF-8 -t UTF-8 <<<"$output" >/dev/null
}

@test "git-diff keeps binary notes and counts binary patch data" {
	cat >"$BATS_TEST_TMPDIR/d" <<'EOF'
diff --git a/logo.png b/logo.png
index 4444444..5555555 100644
GIT binary patch
literal 1234
zcmV-c1F6w4P)<h;3K|Lk000e1NJLTq001BW001Bf1^@s6#jy8+00004XF*Lt006O%
zcmV-c1F6w4P)<h;3K|Lk000e1NJLTq001BW001Bf1^@s6#jy8+00004XF*Lt006O%

literal 0
HcmV?d00001

diff --git a/pic.jpg b/pic.jpg
index 6666666..7777777 100644
Binary files a/pic.jpg and b/pic.jpg differ
EOF
	run rtk-filter --filter git-diff <"$BATS_TEST_TMPDIR/d"
	assert_success
	assert_line 'diff --git a/logo.png b/logo.png'
	assert_line 'Binary files a/pic.jpg and b/pic.jpg differ'
	assert_line '… 7 binary patch lines omitted'
	refute_output --partial 'zcmV'
}

@test "git-diff removes colour codes and CRLF line ends" {
	{
		printf '\033[1mdiff --git a/w.txt b/w.txt\033[m\r\n\033[1mindex 1..2 100644\033[m\r\n'
		printf '\033[36m@@ -1,9 +1,9 @@\033[m\r\n one\r\n\033[31m-two\033[m\r\n\033[32m+TWO\033[m\r\n'
		printf ' unchanged line %d\r\n' 3 4 5 6 7 8 9
	} >"$BATS_TEST_TMPDIR/d"
	run rtk-filter --filter git-diff <"$BATS_TEST_TMPDIR/d"
	assert_success
	assert_line 'diff --git a/w.txt b/w.txt'
	assert_line '@@ -2 +2 @@'
	assert_line '-two'
	assert_line '+TWO'
	refute_output --partial $'\033'
	refute_output --partial $'\r'
}

@test "git-diff shortens --stat lines to path and count and keeps the summary" {
	cat >"$BATS_TEST_TMPDIR/d" <<'EOF'
 src/a.c                    | 16 ++++++++++++----
 docs/long/path/to/file.md  |  3 +--
 img/logo.png               | Bin 0 -> 1234 bytes
 3 files changed, 14 insertions(+), 6 deletions(-)
EOF
	run rtk-filter --stats <"$BATS_TEST_TMPDIR/d"
	assert_success
	assert_line 'src/a.c | 16'
	assert_line 'docs/long/path/to/file.md | 3'
	assert_line 'img/logo.png | Bin 0 -> 1234 bytes'
	assert_line '3 files changed, 14 insertions(+), 6 deletions(-)'
	assert_line --partial 'filter=git-diff'
}

@test "git-diff handles a plain diff -u and keeps its file names" {
	cat >"$BATS_TEST_TMPDIR/d" <<'EOF'
--- old/conf.ini	2024-01-01 10:00:00
+++ new/conf.ini	2024-01-02 10:00:00
@@ -1,4 +1,4 @@
 [main]
-port = 80
+port = 8080
 host = localhost
 debug = no
EOF
	run rtk-filter --stats <"$BATS_TEST_TMPDIR/d"
	assert_success
	assert_line --partial 'filter=git-diff'
	assert_line --partial '--- old/conf.ini'
	assert_line --partial '+++ new/conf.ini'
	assert_line '@@ -2 +2 @@'
	assert_line '+port = 8080'
}

@test "git-diff shrinks a diff of 200000 added lines to a few lines" {
	{
		echo 'diff --git a/huge b/huge'
		echo '@@ -0,0 +1,200000 @@'
		seq 1 200000 | sed 's/^/+data line /'
	} >"$BATS_TEST_TMPDIR/d"
	rtk-filter --filter git-diff <"$BATS_TEST_TMPDIR/d" >"$BATS_TEST_TMPDIR/o"
	run wc -l <"$BATS_TEST_TMPDIR/o"
	assert_output 7
	run grep -c '… 199996 added lines omitted' "$BATS_TEST_TMPDIR/o"
	assert_output 1
}

# --- git-log ----------------------------------------------------------------

@test "git-log keeps hash, date, author and subject of each commit and counts bodies, trailers and emails" {
	cat >"$BATS_TEST_TMPDIR/l" <<'EOF'
commit 0123456789abcdef0123456789abcdef01234567 (HEAD -> main, origin/main)
Author: Ada Lovelace <ada@example.org>
Date:   Thu Jul 2 07:45:10 2026 +0200

    Fix the engine's carry

    The carry was lost on overflow.

    Signed-off-by: Ada Lovelace <ada@example.org>

commit fedcba9876543210fedcba9876543210fedcba98
Merge: 1111111 2222222
Author: Charles Babbage <cb@example.org>
Date:   Mon Jun 22 19:31:20 2026 +0900

    Merge branch 'difference'

    Brings the difference engine in.
    Second line of the body.
    Co-authored-by: Someone Else <se@example.org>
EOF
	run rtk-filter --stats <"$BATS_TEST_TMPDIR/l"
	assert_success
	assert_line --partial 'filter=git-log'
	# the day and author head the commits they made; the hash is cut to 12
	# digits (unique in any repository git can still abbreviate to 7)
	assert_line '2026-07-02 Ada Lovelace:'
	assert_line '0123456789ab (HEAD -> main, origin/main) Fix the engine'"'"'s carry'
	refute_output --partial '0123456789abc'
	# the first commit is the one `git show` asks for: its body stays
	assert_line '    The carry was lost on overflow.'
	assert_line '2026-06-22 Charles Babbage:'
	assert_line "fedcba987654 merge 1111111 2222222: Merge branch 'difference'"
	refute_line --partial 'Brings the difference'
	assert_line '… 2 more message lines omitted'
	assert_line '… 2 trailer lines (Signed-off-by, Co-authored-by, ...) omitted'
	assert_line '… 2 author emails omitted'
	refute_output --partial '@example.org'
	refute_line ''
}

@test "git-log names a day and an author once for the commits they share, in git's order" {
	for i in 4 3 2 1; do
		d='Fri Jan 2 03:04:05 2026 +0000' a='Ann <ann@example.org>'
		[ "$i" = 2 ] && a='Bob <bob@example.org>'
		[ "$i" = 1 ] && d='Thu Jan 1 09:00:00 2026 +0000'
		printf 'commit %d%039d\nAuthor: %s\nDate:   %s\n\n    change %s\n\n' "$i" 0 "$a" "$d" "$i"
	done >"$BATS_TEST_TMPDIR/l"
	# a commit with no message, last
	printf 'commit %d%039d\nAuthor: Ann <ann@example.org>\nDate:   Thu Jan 1 08:00:00 2026 +0000\n' 9 0 \
		>>"$BATS_TEST_TMPDIR/l"
	run rtk-filter <"$BATS_TEST_TMPDIR/l"
	assert_success
	assert_output "$(printf '%s\n' '2026-01-02 Ann:' '400000000000 change 4' '300000000000 change 3' \
		'2026-01-02 Bob:' '200000000000 change 2' '2026-01-01 Ann:' '100000000000 change 1' \
		'900000000000' '… 5 author emails omitted')"
}

@test "git-log applies the diff rules to each commit's patch" {
	make_repo
	git -c user.name=T -c user.email=t@example.org commit -qm 'second commit'
	git log -p >"$BATS_TEST_TMPDIR/l"
	run rtk-filter --stats <"$BATS_TEST_TMPDIR/l"
	assert_success
	assert_line --partial 'filter=git-log'
	assert_line --regexp '^[0-9a-f]{12} second commit$'
	assert_line --regexp '^[0-9a-f]{12} init$'
	assert_line 'diff --git a/a.txt b/a.txt'
	assert_line --partial '@@ -20,2 +21,0 @@'
	assert_line '+thirty-two'
	assert_line --partial 'unchanged context lines omitted'
	refute_line --partial 'index '
}

@test "git-log leaves --oneline output as it is" {
	printf '0123456 Fix the carry\n89abcde Add the engine\nfedcba9 (tag: v1.0) Initial import\n' >"$BATS_TEST_TMPDIR/l"
	rtk-filter --stats <"$BATS_TEST_TMPDIR/l" >"$BATS_TEST_TMPDIR/o" 2>"$BATS_TEST_TMPDIR/e"
	cmp "$BATS_TEST_TMPDIR/l" "$BATS_TEST_TMPDIR/o"
	run cat "$BATS_TEST_TMPDIR/e"
	assert_output --partial 'filter=git-log'
}

# --- git-status -------------------------------------------------------------

@test "git-status turns the long format into short-format codes, one line a code, keeping every path" {
	printf '%s\n' 'On branch main' "Your branch is ahead of 'origin/main' by 1 commit." \
		'  (use "git push" to publish your local commits)' '' \
		'Changes to be committed:' '  (use "git restore --staged <file>..." to unstage)' \
		'	new file:   src/new.c' '	new file:   src/new.h' '	renamed:    a.txt -> b.txt' '' \
		'Unmerged paths:' '  (use "git add <file>..." to mark resolution)' \
		'	both modified:   conflict.c' '' \
		'Changes not staged for commit:' '  (use "git add <file>..." to update what will be committed)' \
		'	modified:   README.md' '	modified:   doc/a b.md' '	modified:   src/x.c' \
		'	deleted:    old.c' '' \
		'Untracked files:' '  (use "git add <file>..." to include in what will be committed)' \
		'	notes.txt' '	build/' '' \
		'no changes added to commit (use "git add" and/or "git commit -a")' >"$BATS_TEST_TMPDIR/s"
	run rtk-filter --stats <"$BATS_TEST_TMPDIR/s"
	assert_success
	assert_line --partial 'filter=git-status'
	# the branch line of `git status -sb`
	assert_line '## main...origin/main [ahead 1]'
	assert_line 'A  src/new.c src/new.h'
	# a rename keeps a line of its own: its arrow is no list
	assert_line 'R  a.txt -> b.txt'
	assert_line 'UU conflict.c'
	# a path with a space is quoted, as the short format does
	assert_line ' M README.md "doc/a b.md" src/x.c'
	assert_line ' D old.c'
	assert_line '?? notes.txt build/'
	# git's fixed advice and the section titles say nothing the codes do not
	refute_output --partial '(use'
	refute_output --partial 'hint'
	refute_output --partial 'Changes to be committed'
}

@test "git-status keeps branch lines it cannot restate as they are" {
	printf '%s\n' 'On branch main' "Your branch and 'origin/main' have diverged," \
		'and have 1 and 2 different commits each, respectively.' '' \
		'Changes not staged for commit:' '	modified:   a.c' >"$BATS_TEST_TMPDIR/s"
	run rtk-filter <"$BATS_TEST_TMPDIR/s"
	assert_success
	assert_line 'On branch main'
	assert_line "Your branch and 'origin/main' have diverged,"
	assert_line ' M a.c'
	printf '%s\n' 'On branch topic' '' 'Untracked files:' '	t.txt' >"$BATS_TEST_TMPDIR/s"
	run rtk-filter <"$BATS_TEST_TMPDIR/s"
	assert_line --index 0 '## topic'
	assert_line --index 1 '?? t.txt'
	printf '%s\n' 'On branch main' "Your branch is up to date with 'origin/main'." '' \
		'nothing to commit, working tree clean' >"$BATS_TEST_TMPDIR/s"
	run rtk-filter <"$BATS_TEST_TMPDIR/s"
	assert_output "$(printf '%s\n' '## main...origin/main' 'nothing to commit, working tree clean')"
}

# Short-format lines again from the filter's output: one "XY path" line for
# each path of a "XY path path ..." line (paths without spaces).
unlist() {
	awk '/^## |^On branch / { next }
	{ xy = substr($0, 1, 2); n = split(substr($0, 4), p, " ")
	  if (n == 3 && p[2] == "->") { print; next }
	  for (i = 1; i <= n; i++) print xy " " p[i] }'
}

@test "git-status of a real repository names every path git status --short names" {
	make_repo
	echo scratch >untracked.txt
	echo more >>new.txt
	git status >"$BATS_TEST_TMPDIR/long"
	git status --short | sort >"$BATS_TEST_TMPDIR/short"
	rtk-filter <"$BATS_TEST_TMPDIR/long" | unlist | sort >"$BATS_TEST_TMPDIR/ours"
	# short merges a path staged and changed again ("AM"); the long form lists it twice
	run diff <(sed 's/^AM new.txt$/A  new.txt/' "$BATS_TEST_TMPDIR/short") \
		<(grep -v '^ M new.txt$' "$BATS_TEST_TMPDIR/ours")
	assert_success
	run grep -c '^ M new.txt$' "$BATS_TEST_TMPDIR/ours"
	assert_output 1
}

@test "git-status lists the short format's paths one line a code, and detects it" {
	printf '%s\n' ' M src/a.c' ' M src/b.c' 'A  src/c.c' ' M src/d.c' 'R  e.c -> f.c' \
		'?? "g h.txt"' '?? notes.txt' >"$BATS_TEST_TMPDIR/s"
	rtk-filter --stats <"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/o" 2>"$BATS_TEST_TMPDIR/e"
	run cat "$BATS_TEST_TMPDIR/e"
	assert_output --partial 'filter=git-status'
	# runs of one code join; the order of the paths stays git's
	run cat "$BATS_TEST_TMPDIR/o"
	assert_output "$(printf '%s\n' ' M src/a.c src/b.c' 'A  src/c.c' ' M src/d.c' 'R  e.c -> f.c' \
		'?? "g h.txt" notes.txt')"
	printf '## main...origin/main [ahead 1]\n M src/a.c\n' | rtk-filter --stats 2>&1 >/dev/null |
		grep -q 'filter=git-status'
}

@test "git diff --name-status keeps every path with its letter, renames as old -> new" {
	printf 'M\tsrc/%s.c\n' parser lexer eval emit optimize >"$BATS_TEST_TMPDIR/in"
	printf '%s\n' $'A\tdocs/new.md' $'R087\tsrc/old name.c\tsrc/new.c' $'D\tchapter1.md' $'D\tmy notes.md' >>"$BATS_TEST_TMPDIR/in"
	run rtk-filter <"$BATS_TEST_TMPDIR/in"
	# git writes a name with a blank as it is there: quoted once it shares a line
	assert_output "$(printf '%s\n' 'M  src/parser.c src/lexer.c src/eval.c src/emit.c src/optimize.c' 'A  docs/new.md' \
		'R  src/old name.c -> src/new.c' 'D  chapter1.md "my notes.md"')"
}

# --- auto-detection and the real corpus --------------------------------------

@test "auto-detection picks git-diff for diffs and git-log for output starting with a commit" {
	make_repo
	git diff --cached | rtk-filter --stats 2>&1 >/dev/null | grep -q 'filter=git-diff'
	git -c user.name=T -c user.email=t@example.org commit -qm two
	git show | rtk-filter --stats 2>&1 >/dev/null | grep -q 'filter=git-log'
	git show --stat | rtk-filter --stats 2>&1 >/dev/null | grep -q 'filter=git-log'
	git log | rtk-filter --stats 2>&1 >/dev/null | grep -q 'filter=git-log'
	git diff HEAD~1 --stat | rtk-filter --stats 2>&1 >/dev/null | grep -q 'filter=git-diff'
	git status | rtk-filter --stats 2>&1 >/dev/null | grep -q 'filter=git-status'
}

@test "the corpus git categories are each detected as their own filter" {
	need_shared corpus/dev/git-diff
	for f in "$SHARED"/corpus/dev/git-diff/*.txt "$SHARED"/corpus/dev/git-log/*.txt \
		"$SHARED"/corpus/dev/git-status/*.txt; do
		cat="${f%/*}"
		cat="${cat##*/}"
		want=$cat
		# `git show` starts with its commit, which git-log owns
		head -c 7 "$f" | grep -q '^commit ' && want=git-log
		got=$(rtk-filter --stats <"$f" 2>&1 >/dev/null | sed 's/.*filter=\([^ ]*\).*/\1/')
		[ "$got" = "$want" ] || fail "$f: detected $got, expected $want"
	done
}

@test "the corpus git categories keep at least 99% of their facts while shrinking" {
	std_only "the test before feeds the same files through the sanitizer build; facts and sizes cannot differ"
	need_shared corpus/dev/git-diff
	for cat in git-diff git-log git-status; do
		read -r kept total in out < <(score_category "$cat")
		[ "$total" -gt 0 ] || fail "$cat: no facts found"
		[ $((kept * 100)) -ge $((total * 99)) ] || fail "$cat: kept $kept of $total facts"
		# at least a fifth smaller: a floor well under today's figures
		[ $((out * 10)) -le $((in * 8)) ] || fail "$cat only shrank $in bytes to $out"
	done
}
