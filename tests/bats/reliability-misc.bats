#!/usr/bin/env bats
# Hardening (issue 11): log lines a client cannot forge, executable combos
# that see no secret and no descriptor of ours and cannot run for ever, base
# URLs printed without their password, provider keys kept out of what an
# upstream echoes back.

bats_require_minimum_version 1.5.0
load route-helper

setup() {
	route_setup
	provider mock openai
}

teardown() {
	route_teardown
}

# A model name that would forge a log line and recolour the terminal.
EVIL='evil\nnr-route: forged line\u001b[31m\\x'

# No byte a terminal or a log reader would act on: controls but \n, DEL, 0x80-0xff
# outside valid UTF-8 sequences is checked by the escaping of \xff below.
no_raw_controls() {
	! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$1"
}

@test "a model name with a newline and an escape is logged by nr-route as one escaped line" {
	printf '{"model":"%s","messages":[]}' "$EVIL" >"$BATS_TEST_TMPDIR/req"
	nr-route --from openai <"$BATS_TEST_TMPDIR/req" >/dev/null 2>"$BATS_TEST_TMPDIR/err" || true
	[ "$(wc -l <"$BATS_TEST_TMPDIR/err")" = 1 ]
	no_raw_controls "$BATS_TEST_TMPDIR/err"
	run ! grep -q '^nr-route: forged' "$BATS_TEST_TMPDIR/err"
	grep -qF "unknown model 'evil\\nnr-route: forged line\\x1b[31m\\\\x'" "$BATS_TEST_TMPDIR/err"
}

@test "a model name with a newline and an escape is logged by nr-serve as one escaped line" {
	serve_start
	printf '{"model":"%s","messages":[]}' "$EVIL" >"$BATS_TEST_TMPDIR/req"
	run curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
		-H 'Content-Type: application/json' --data-binary @"$BATS_TEST_TMPDIR/req" "$URL/v1/chat/completions"
	assert_output 404
	log=$BATS_TEST_TMPDIR/serve.err
	[ "$(grep -c . "$log")" = 2 ]	# "listening on port", then the refusal
	no_raw_controls "$log"
	run ! grep -q '^nr-route: forged' "$log"
	grep -qF 'evil\nnr-route: forged line\x1b[31m' "$log"
}

@test "bytes from a provider file are escaped in errors, invalid UTF-8 included" {
	printf 'format=openai\nbad\033[2Jline\377\n' >"$NR_CONFIG_DIR/providers/odd"
	run --separate-stderr nr provider show odd
	assert_failure
	[[ "$stderr" == *"expected key=value, got 'bad\\x1b[2Jline\\xff'"* ]]
}

@test "a PROVIDER/MODEL name with CR LF is refused, so it cannot add a response header" {
	printf '{"model":"mock/a\\r\\nX-Evil: 1","messages":[{"role":"user","content":"hi"}]}' >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_failure 65
	refute_line --regexp '^X-Evil'
	[ "$(mock_count)" = 0 ]
	[[ "$stderr" == *"'mock/a\\r\\nX-Evil: 1' has a control character"* ]]
}

# A combo (perl: a shell would add descriptors and variables of its own) that
# records its environment and descriptors, then answers.
spy_combo() {
	cat >"$NR_CONFIG_DIR/combos/spy" <<-'PL'
	#!/usr/bin/perl
	opendir(my $d, "/proc/self/fd") or die "fd: $!";
	my @fds = map { my $t = readlink("/proc/self/fd/$_") // "?"; "$_ $t" } grep { !/^\./ } readdir $d;
	closedir $d;
	my $dir = "$ENV{NR_CONFIG_DIR}/..";
	open(my $o, ">", "$dir/combo.fds") or die "fds: $!";
	print $o "$_\n" for sort { $a <=> $b } grep { !m{ /proc/\d+/fd$} } @fds;
	close $o;
	open($o, ">", "$dir/combo.env") or die "env: $!";
	print $o "$_=$ENV{$_}\n" for sort keys %ENV;
	close $o;
	print "mock/m1\n";
	PL
	chmod +x "$NR_CONFIG_DIR/combos/spy"
}

combo_fds() {
	cat "$BATS_TEST_TMPDIR/combo.fds"
}

@test "an executable combo gets an allowlisted environment, no provider key" {
	spy_combo
	provider guarded openai 'keys=GUARDED_KEY TZ'
	body openai spy >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr env OPENAI_API_KEY=sk-openai-secret GUARDED_KEY=sk-guarded SOME_TOKEN=tok \
		TZ=UTC LANG=C.UTF-8 LC_TIME=C NR_CLIENT_KEY=client \
		nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_success
	env=$BATS_TEST_TMPDIR/combo.env
	run ! grep -q 'sk-' "$env"
	run ! grep -q '^TZ=' "$env"	# named as a key by a provider file: withheld
	grep -qx 'NR_MODEL=spy' "$env"
	grep -qx 'NR_FROM=openai' "$env"
	grep -qx 'LANG=C.UTF-8' "$env"
	grep -qx 'LC_TIME=C' "$env"
	grep -qx "NR_CONFIG_DIR=$NR_CONFIG_DIR" "$env"
	# every name is on the documented list
	run sh -c "cut -d= -f1 '$env' | grep -vxE 'PATH|HOME|USER|LOGNAME|LANG|LC_[A-Z_]+|TZ|TMPDIR|NR_CONFIG_DIR|NR_DATA_DIR|NR_SHARE_DIR|NR_MODEL|NR_FROM'"
	assert_output ''
}

@test "an executable combo gets the config dir nr-route found through XDG_CONFIG_HOME" {
	xdg=$BATS_TEST_TMPDIR/xdg
	mkdir -p "$xdg/nr/combos"
	cp -r "$NR_CONFIG_DIR/providers" "$xdg/nr/"
	NR_CONFIG_DIR=$xdg/nr spy_combo
	body openai spy >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr env -u NR_CONFIG_DIR XDG_CONFIG_HOME="$xdg" nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_success
	grep -qx "NR_CONFIG_DIR=$xdg/nr" "$xdg/combo.env"
	run grep -c XDG "$xdg/combo.env"
	assert_output 0
}

@test "an executable combo run by nr-route sees only descriptors 0, 1 and 2" {
	spy_combo
	body openai spy >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req" 7<"$BATS_TEST_TMPDIR/req"
	assert_success
	run combo_fds
	assert_line --index 0 --regexp '^0 /dev/null$'
	assert_line --index 1 --regexp '^1 pipe:'
	assert_line --index 2 --regexp '^2 '
	[ "${#lines[@]}" = 3 ]
}

@test "an executable combo run by nr-serve sees neither the client's socket nor the database" {
	spy_combo
	serve_start
	body openai spy >"$BATS_TEST_TMPDIR/req"
	run curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
		--data-binary @"$BATS_TEST_TMPDIR/req" "$URL/v1/chat/completions"
	assert_output --partial 'mock-upstream'
	run combo_fds
	refute_output --partial 'socket:'
	refute_output --partial 'nr.sqlite'
	[ "${#lines[@]}" = 3 ]
}

@test "an executable combo that overruns the time limit is killed with its children" {
	cat >"$NR_CONFIG_DIR/combos/slow" <<-'SH'
	#!/bin/sh
	sleep 60 &
	echo $! >"$NR_CONFIG_DIR/../child.pid"
	wait
	SH
	chmod +x "$NR_CONFIG_DIR/combos/slow"
	body openai slow >"$BATS_TEST_TMPDIR/req"
	start=$(date +%s)
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_failure 65
	# 5 s, not the child's 60: the bound leaves room for a loaded machine and ASan
	took=$(( $(date +%s) - start ))
	[ "$took" -ge 4 ] && [ "$took" -le 20 ]
	[[ "$stderr" == *"combo"*"slow: no answer within 5 s"* ]]
	sleep 0.2
	# gone, or a zombie of a pid 1 that does not reap
	run ps -o stat= -p "$(cat "$BATS_TEST_TMPDIR/child.pid")"
	[[ -z "$output" || "$output" == Z* ]]
}

@test "an executable combo's output is bounded" {
	printf '#!/bin/sh\nexec yes mock/m1\n' >"$NR_CONFIG_DIR/combos/chatty"
	chmod +x "$NR_CONFIG_DIR/combos/chatty"
	body openai chatty >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_failure 65
	[[ "$stderr" == *"chatty: more than 65536 bytes"* ]]
}

@test "what an executable combo writes on stderr is logged as one escaped line" {
	printf '#!/bin/sh\nprintf "first\\nnr-route: forged\\033[2J\\n" >&2\necho mock/m1\n' >"$NR_CONFIG_DIR/combos/noisy"
	chmod +x "$NR_CONFIG_DIR/combos/noisy"
	body openai noisy >"$BATS_TEST_TMPDIR/req"
	nr-route --from openai <"$BATS_TEST_TMPDIR/req" >/dev/null 2>"$BATS_TEST_TMPDIR/err"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/err")" = 1 ]
	no_raw_controls "$BATS_TEST_TMPDIR/err"
	grep -qF 'noisy wrote on stderr: first\nnr-route: forged\x1b[2J\n' "$BATS_TEST_TMPDIR/err"
}

@test "nr provider show and list mask the password in a base_url" {
	provider withpass openai
	sed -i 's|^base_url=http://|base_url=http://alice:hunter2@|' "$NR_CONFIG_DIR/providers/withpass"
	run nr provider show withpass
	assert_success
	assert_line "base_url: http://alice:***@127.0.0.1:$MOCK_PORT/v1"
	run nr provider list
	assert_success
	refute_output --partial hunter2
	assert_output --partial "http://alice:***@127.0.0.1:$MOCK_PORT/v1"
}

@test "a base_url with userinfo never shows its password in errors or usage rows" {
	provider withpass openai
	sed -i 's|^base_url=http://127.0.0.1:[0-9]*|base_url=http://alice:hunter2@127.0.0.1:1|' \
		"$NR_CONFIG_DIR/providers/withpass"
	body openai withpass/m1 >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_failure 1
	[[ "$output$stderr" != *hunter2* ]]
	run db "select * from usage"
	assert_output --partial 'withpass'	# the failed attempt is recorded, without the password
	refute_output --partial hunter2
}

# An upstream that answers 403 quoting the key it was sent (some do).
# Its port in ECHO_PORT.
echo_key_upstream() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1, ReuseAddr => 1) or die;
		$| = 1; print $s->sockport, "\n"; close STDOUT;
		my $c = $s->accept or die; my ($len, $key) = (0, "");
		while (my $l = <$c>) {
			$len = $1 if $l =~ /^content-length:\s*(\d+)/i;
			$key = $1 if $l =~ /^authorization:\s*Bearer\s+(\S+)/i;
			last if $l =~ /^\r?\n$/;
		}
		read($c, my $b, $len);
		my $e = "{\"error\":{\"message\":\"key $key may not use this model\",\"type\":\"permission_error\"}}";
		print $c "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ", length($e),
			"\r\nConnection: close\r\n\r\n", $e;
		close $c;' >"$BATS_TEST_TMPDIR/echo.port" 3>&- &
	ECHO_PID=$!
	port_file ECHO_PORT "$BATS_TEST_TMPDIR/echo.port"
	[ -n "$ECHO_PORT" ] || fail "the echoing upstream did not start"
}

@test "an upstream error that quotes the provider key reaches the client without it" {
	echo_key_upstream
	printf 'format=openai\nbase_url=http://127.0.0.1:%s/v1\nkeys=MOCK_KEY\n' "$ECHO_PORT" \
		>"$NR_CONFIG_DIR/providers/echo"
	body openai echo/m1 >"$BATS_TEST_TMPDIR/req"
	run --separate-stderr nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	kill "$ECHO_PID" 2>/dev/null || true
	assert_success
	assert_output --partial 'may not use this model'
	[[ "$output$stderr" != *"$MOCK_KEY"* ]]
}

@test "a provider key with a CR LF is not sent (it would add a header upstream); the error names its variable, not the key" {
	provider second openai
	combo c mock/m second/m
	body openai c >"$BATS_TEST_TMPDIR/req"
	MOCK_KEY=$'sk-test-key-0001\r\nX-Injected: 1' run nr-route --from openai <"$BATS_TEST_TMPDIR/req"
	assert_failure
	[ "$(mock_count)" = 0 ]
	assert_output --partial 'MOCK_KEY'
	assert_output --partial 'control character'
	refute_output --partial 'X-Injected'
	refute_output --partial 'sk-test-key-0001'
}
