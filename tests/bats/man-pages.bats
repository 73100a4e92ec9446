#!/usr/bin/env bats
# The man pages (doc/man/*.1, mdoc): one for every program, each renders
# without a warning, each documents every option its program's --help names,
# and make install puts them where man finds them.

bats_require_minimum_version 1.5.0
load helper

MAN_DIR=$ROOT/doc/man

# Options a page documents ahead of the branch that adds them to --help:
# PROGRAM:--OPTION ..., exempt only from the check that every documented
# option exists. Empty: every documented option exists.
PENDING_OPTIONS=""

setup() {
	# the same text everywhere: UTF-8, 80 columns, no pager
	export LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat
	unset MAN_KEEP_FORMATTING MANPATH
}

# The programs make builds (PROGRAMS in the Makefile) and the scripts in bin/.
programs() {
	sed -n 's/^PROGRAMS *= *//p' "$ROOT/Makefile" | tr ' ' '\n' | grep .
	local f
	for f in "$ROOT"/bin/*; do
		if [ -f "$f" ] && [ -x "$f" ] && [ "$(head -c 2 "$f")" = '#!' ]; then
			basename "$f"
		fi
	done
}

# render PAGE: doc/man/PAGE.1 as man shows it, plain text.
render() {
	man -l "$MAN_DIR/$1.1"
}

# section_of TITLE < rendered page: the lines of one section (up to the next
# heading at the left margin).
section_of() {
	awk -v t="$1" '/^[^ ]/ { on = ($0 == t); next } on'
}

# subsection_of TITLE < rendered section: the lines of one subsection (mdoc's
# .Ss headings are indented three spaces).
subsection_of() {
	awk -v t="   $1" '/^   [^ ]/ { on = ($0 == t); next } on'
}

# The long options a help text gives as its own: those in its usage lines
# (the "usage:" line and the indented lines that go on from it) and those that
# start a line of its option list; not those its prose mentions ("runs
# nr-serve --listen ...").
options_in() {
	awk '/^usage:/ { u = 1; print; next } u && /^[[:space:]]+[^[:space:]]/ { print; next }
	     { u = 0 } /^[[:space:]]*(-[[:alnum:]], )?--[a-z]/' |
		grep -o -e '--[a-z][a-z0-9-]*' | sort -u
}

# tagged OPT < text: OPT is the tag of a list item (the line starts with it).
tagged() {
	grep -Eq -e "^ {1,8}$1([ ,]|\$)"
}

# check_options PROGRAM: every option PROGRAM --help names is an item of
# OPTIONS in its page, and every item there an option --help names. Prints
# one line per difference, naming the option and the page; fails if any.
check_options() {
	local p=$1 help opts o bad=0
	help=$("$p" --help) || { echo "  '$p --help' fails"; return 1; }
	help=$(options_in <<<"$help")
	opts=$(render "$p" | section_of OPTIONS)
	[ -n "$opts" ] || { echo "  doc/man/$p.1 has no OPTIONS section"; return 1; }
	for o in $help; do
		tagged "$o" <<<"$opts" && continue
		echo "  $o: named by '$p --help', not an item of OPTIONS in doc/man/$p.1"
		bad=1
	done
	# and the page documents no option the program has lost (every one has --help)
	for o in $(grep -Eo '^ {1,8}--[a-z][a-z0-9-]*' <<<"$opts" | tr -d ' '); do
		[[ $o == --help || $'\n'$help$'\n' == *$'\n'$o$'\n'* ]] && continue
		[[ " $PENDING_OPTIONS " == *" $p:$o "* ]] && continue
		echo "  $o: an item of OPTIONS in doc/man/$p.1, unknown to '$p --help'"
		bad=1
	done
	return $bad
}

@test "every program and bin/ script has a man page, and every page a program" {
	local p f missing= all cmds
	all=$(programs)
	[ -n "$all" ] || fail "no programs found in the Makefile and bin/"
	# bin/nr-CMD that nr runs as `nr CMD` is documented in nr(1)'s '.Ss nr CMD'
	cmds=$(nr --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p')
	for p in $all; do
		[ -f "$MAN_DIR/$p.1" ] && continue
		if [[ $p == nr-* ]] && grep -qx -e "${p#nr-}" <<<"$cmds" &&
			grep -qx -e ".Ss nr ${p#nr-}" "$MAN_DIR/nr.1"; then
			continue
		fi
		missing="$missing $p"
	done
	[ -z "$missing" ] || fail "no man page in doc/man for:$missing"
	for f in "$MAN_DIR"/*.1; do
		p=$(basename "$f" .1)
		grep -qx -e "$p" <<<"$all" || fail "doc/man/$p.1 documents no program"
	done
}

@test "every page renders with man -l (groff, every warning on) and mandoc -Tlint without a warning" {
	local f p
	for f in "$MAN_DIR"/*.1; do
		p=$(basename "$f" .1)
		# man-db runs groff; --warnings=w asks it for every warning
		run --separate-stderr man --warnings=w -l "$f"
		[ "$status" -eq 0 ] || fail "man -l doc/man/$p.1 exits $status: $stderr"
		[ -z "$stderr" ] || fail "man -l doc/man/$p.1 warns: $stderr"
		grep -q "^     $p — " <<<"$output" || fail "doc/man/$p.1 renders no NAME line for $p"
		for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" "SEE ALSO"; do
			grep -qx -e "$s" <<<"$output" || fail "doc/man/$p.1 has no $s section"
		done
		run mandoc -Tlint -Wwarning "$f"
		[ "$status" -eq 0 ] && [ -z "$output" ] || fail "mandoc -Tlint doc/man/$p.1: $output"
	done
}

@test "the render checks catch a broken page" {
	# an unknown macro and an unclosed list: both checkers must complain
	printf '%s\n' '.Dd December 6, 2026' '.Dt BAD 1' .Os '.Sh NAME' '.Nm bad' '.Nd broken' \
		'.Sh DESCRIPTION' '.Xx foo' '.Bl -tag -width Ds' '.It Fl a' text >"$BATS_TEST_TMPDIR/bad.1"
	run --separate-stderr man --warnings=w -l "$BATS_TEST_TMPDIR/bad.1"
	assert_output --partial DESCRIPTION
	[ -n "$stderr" ] || fail "man -l did not warn about a broken page"
	run mandoc -Tlint -Wwarning "$BATS_TEST_TMPDIR/bad.1"
	assert_failure
	assert_output --partial 'unknown macro'
}

@test "every option a program's --help names is an item of OPTIONS in its man page, and no other" {
	local out= p
	for p in rtk-filter nr-translate nr-route nr-serve; do
		out=$out$(check_options "$p") || true
	done
	[ -z "$out" ] || fail "man pages out of step with --help:
$out"
}

@test "the option check names the option and the page: nr-serve.1 without --listen, with --frobnicate" {
	# under OPTIONS: the --listen item dropped, the --timeout one renamed
	awk '/^\.Sh / { opts = ($0 == ".Sh OPTIONS") }
	     opts && /^\.It / { skip = ($0 ~ /^\.It Fl -listen /) }
	     opts && /^\.It Fl -timeout / { $0 = ".It Fl -frobnicate" }
	     !skip' "$MAN_DIR/nr-serve.1" >"$BATS_TEST_TMPDIR/nr-serve.1"
	grep -q '^\.It Fl -listen ' "$BATS_TEST_TMPDIR/nr-serve.1"	# still in DESCRIPTION
	MAN_DIR=$BATS_TEST_TMPDIR
	run check_options nr-serve
	assert_failure
	assert_line "  --listen: named by 'nr-serve --help', not an item of OPTIONS in doc/man/nr-serve.1"
	assert_line "  --timeout: named by 'nr-serve --help', not an item of OPTIONS in doc/man/nr-serve.1"
	assert_line "  --frobnicate: an item of OPTIONS in doc/man/nr-serve.1, unknown to 'nr-serve --help'"
	refute_output --partial max-connections
	MAN_DIR=$ROOT/doc/man

	run check_options nr-serve
	assert_success
	assert_output ''
}

@test "every nr command nr --help lists has its subsection in nr(1), naming each option of its --help" {
	run nr --help
	assert_success
	local top=$output cmds c o missing=
	cmds=$(sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' <<<"$top")
	[ -n "$cmds" ] || fail "no commands found in nr --help"
	render nr >"$BATS_TEST_TMPDIR/nr.txt"
	section_of COMMANDS <"$BATS_TEST_TMPDIR/nr.txt" >"$BATS_TEST_TMPDIR/commands"
	for c in $cmds; do
		subsection_of "nr $c" <"$BATS_TEST_TMPDIR/commands" >"$BATS_TEST_TMPDIR/cmd"
		if ! [ -s "$BATS_TEST_TMPDIR/cmd" ]; then
			missing="$missing
  nr $c: listed by 'nr --help', no '.Ss nr $c' under COMMANDS in doc/man/nr.1"
			continue
		fi
		run nr "$c" --help
		[ "$status" -eq 0 ] || fail "'nr $c --help' exits $status"
		for o in $(options_in <<<"$output" | grep -vx -e --help); do
			tagged "$o" <"$BATS_TEST_TMPDIR/cmd" && continue
			missing="$missing
  nr $c $o: named by 'nr $c --help', not an item of '.Ss nr $c' in doc/man/nr.1"
		done
	done
	# what nr --help names itself is an item somewhere in the page
	for o in $(options_in <<<"$top"); do
		tagged "$o" <"$BATS_TEST_TMPDIR/nr.txt" && continue
		missing="$missing
  $o: named by 'nr --help', not an item in doc/man/nr.1"
	done
	[ -z "$missing" ] || fail "nr(1) out of step with nr --help:$missing"
}

@test "nr-start(1) names every option nr-start --help names" {
	# until nr-start answers --help (issue 13) it would start a server instead
	grep -q -e '--help' "$ROOT/bin/nr-start" || skip "bin/nr-start does not answer --help yet"
	HOME=$BATS_TEST_TMPDIR NR_DATA_DIR=$BATS_TEST_TMPDIR/data run timeout 10 nr-start --help
	assert_success
	assert_output --partial usage
	[ ! -e "$BATS_TEST_TMPDIR/data" ] || fail "nr-start --help created $BATS_TEST_TMPDIR/data"
	run check_options nr-start
	assert_success
}

@test "make install DESTDIR=DIR puts every page, gzipped, where man -M finds it; make uninstall removes them" {
	local dest=$BATS_TEST_TMPDIR/dest mandir f p
	run env -u PREFIX -u MANDIR make -s -C "$ROOT" install DESTDIR="$dest"
	assert_success
	mandir=$dest/usr/local/share/man
	for f in "$MAN_DIR"/*.1; do
		p=$(basename "$f" .1)
		[ -f "$mandir/man1/$p.1.gz" ] || fail "$p.1.gz not installed in $mandir/man1"
		gzip -dc "$mandir/man1/$p.1.gz" | cmp - "$f"
		# man finds it by name
		run man -M "$mandir" -w "$p"
		assert_output "$mandir/man1/$p.1.gz"
	done
	# and shows what man -l shows of the source
	man -M "$mandir" nr >"$BATS_TEST_TMPDIR/installed.txt"
	render nr | cmp - "$BATS_TEST_TMPDIR/installed.txt"
	run env -u PREFIX -u MANDIR make -s -C "$ROOT" uninstall DESTDIR="$dest"
	assert_success
	run find "$dest" -type f
	assert_output ''
}
