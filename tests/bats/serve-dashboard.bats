#!/usr/bin/env bats
# GET /dashboard over plain HTTP (curl): the login that trades an nr key for
# a session cookie, the cookie's flags, logout, the page's figures against the
# database's own sums, and bad input. tests/browser/dashboard.cjs checks the
# same page in a real browser.

load serve-helper

setup() {
	serve_setup
	export NR_SHARE_DIR=$ROOT/share
	make_key
	DB=$NR_DATA_DIR/nr.sqlite
	URL=
}

teardown() {
	serve_teardown
}

# rows N DAYS: N made-up usage rows over the DAYS days before now
rows() {
	sqlite3 "$DB" ".parameter set @n $1" ".parameter set @days $2" ".parameter set @now $(date +%s)" \
		".read $ROOT/tests/fixtures/dashboard/usage-rows.sql"
}

# login KEY: posts the form; the answer's head in $head, the cookie in $cookie
login() {
	head=$(curl -sS -D - -o "$BATS_TEST_TMPDIR/login.html" --data-urlencode "key=$1" "$URL/dashboard/login")
	cookie=$(grep -o 'nr_session=[0-9a-f]*' <<<"$head" || true)
}

page() {
	curl -sS -b "$cookie" "$@" "$URL/dashboard"
}

serve() {
	start_server "$@"
	URL=http://127.0.0.1:$PORT
}

# month_viewed: 3000 rows over 40 days, the default page (30 days by day)
# in page.html, and start, the time of its first day
month_viewed() {
	rows 3000 40
	serve
	login "$KEY"
	page >"$BATS_TEST_TMPDIR/page.html"
	start=$(( $(date +%s) / 86400 * 86400 - 29 * 86400 ))
}

@test "without a session /dashboard is the login form, which posts the key and shows no figure" {
	serve
	run curl -sS -D - "$URL/dashboard"
	assert_line --partial 'HTTP/1.1 200'
	assert_line --partial "Content-Security-Policy: default-src 'none'"
	assert_output --partial '<form method="post" action="/dashboard/login">'
	assert_output --partial 'type="password"'
	refute_output --partial 'id="requests"'
	# a key in the URL is no login: keys never go into URLs
	run curl -sS "$URL/dashboard?key=$KEY"
	assert_output --partial 'action="/dashboard/login"'
	refute_output --partial 'id="requests"'
}

@test "a wrong key is refused with 401 and the form again, and no cookie" {
	serve
	login nr-0123456789abcdef0123456789abcdef0123456789abcdef
	[[ $head == *'HTTP/1.1 401'* ]] || fail "$head"
	[ -z "$cookie" ] || fail "a cookie for a wrong key: $head"
	grep -q 'That is not a live nr key' "$BATS_TEST_TMPDIR/login.html"
	login ''
	[[ $head == *'HTTP/1.1 401'* ]] || fail "$head"
}

@test "the right key gets an HttpOnly, SameSite=Strict session cookie; only the id's hash is stored" {
	serve
	login "$KEY"
	[[ $head == *'HTTP/1.1 303'* && $head == *'Location: /dashboard'* ]] || fail "$head"
	line=$(grep -i '^Set-Cookie:' <<<"$head")
	[[ $line =~ ^Set-Cookie:\ nr_session=[0-9a-f]{64}\;\ Path=/dashboard\;\ Max-Age=43200\;\ HttpOnly\;\ SameSite=Strict ]] ||
		fail "$line"
	id=${cookie#nr_session=}
	[ "$(sqlite3 "$DB" "select count(*) from sessions where id = '$(printf %s "$id" | sha256sum | cut -c1-64)'")" = 1 ]
	[ "$(sqlite3 "$DB" "select count(*) from sessions where id = '$id'")" = 0 ]
	run page
	assert_output --partial 'id="requests"'
	assert_output --partial '<span class="who">tester</span>'
	refute_output --partial "$KEY"
	refute_output --partial "$id"
}

@test "the figures and the charts' marks are the database's own sums" {
	month_viewed
	q() { sqlite3 "$DB" "select $1 from usage where ts >= $start"; }
	grep -q "id=\"requests\" title=\"$(q "sum(outcome <> 'fallback')")\"" "$BATS_TEST_TMPDIR/page.html" || fail "requests"
	# the page adds the rollup's sums, the query the rows: the same dollars
	# in another order, whose sixth decimal may round either way
	cost=$(grep -o 'id="cost" title="[0-9.]*"' "$BATS_TEST_TMPDIR/page.html" | cut -d'"' -f4)
	awk -v a="$cost" -v b="$(q "sum(cost)")" 'BEGIN { d = a - b; exit !(a != "" && d < 1.5e-6 && d > -1.5e-6) }' ||
		fail "cost: the page says '$cost', the rows add up to $(q "sum(cost)")"
	grep -q "id=\"fallbacks\" title=\"$(q "sum(outcome = 'fallback')")\"" "$BATS_TEST_TMPDIR/page.html" || fail "fallbacks"
	grep -q "id=\"rtk-tokens\" title=\"$(q "sum(rtk_saved_tokens)")\"" "$BATS_TEST_TMPDIR/page.html" || fail "rtk"
	# today's requests to anthropic: one bar of the requests chart
	today=$(date -u +%Y-%m-%d)
	n=$(sqlite3 "$DB" "select sum(outcome <> 'fallback') from usage where day = '$today' and provider = 'anthropic'")
	grep -q "<title>$today anthropic: $n requests</title>" "$BATS_TEST_TMPDIR/page.html" || fail "no bar of $n"
	# the last attempts: metadata only
	grep -q '<section id="recent">' "$BATS_TEST_TMPDIR/page.html"
	[ "$(grep -o '<tr><td>20[0-9-]* [0-9:]*</td>' "$BATS_TEST_TMPDIR/page.html" | wc -l)" = 20 ]
	# by model, per hour, a year
	run page -G -d by=model -d range=24h
	assert_output --partial 'anthropic/claude-sonnet-4-5'
	# a year in weeks from Monday: this week's bar counts this week's requests
	monday=$(( ($(date +%s) - 345600) / 604800 * 604800 + 345600 ))
	n=$(sqlite3 "$DB" "select sum(outcome <> 'fallback') from usage where ts >= $monday and provider = 'anthropic'")
	run page -G -d range=365d
	assert_output --partial 'last 53 weeks, per week from Monday'
	assert_output --partial "<title>week of $(date -u -d "@$monday" +%Y-%m-%d) anthropic: $n requests</title>"
}

# near A B: the numbers A and B differ by less than 0.01 (a title's rounding)
near() {
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d < 0.01 && d > -0.01) }' ||
		fail "$1 is not $2"
}

# title ID: the title of the element with that id on page.html
title() {
	grep -o "id=\"$1\" title=\"[^\"]*\"" "$BATS_TEST_TMPDIR/page.html" | cut -d'"' -f4
}

@test "the caveman figure compares the answers with caveman mode on and off, and estimates its saving from them" {
	month_viewed
	# the answers whose row says, with an output count
	q() { sqlite3 "$DB" "select $1 from usage where ts >= $start and outcome = 'ok' and output_tokens is not null and $2"; }
	on=$(q "count(*)" "caveman = 1") off=$(q "count(*)" "caveman = 0")
	[ "$on" -gt 0 ] && [ "$off" -gt 0 ] || fail "the fixture has $on on, $off off"
	[ "$(title caveman-on-answers)" = "$on" ] || fail "on: $(title caveman-on-answers), not $on"
	[ "$(title caveman-off-answers)" = "$off" ] || fail "off: $(title caveman-off-answers), not $off"
	avg_on=$(q "1.0 * sum(output_tokens) / count(*)" "caveman = 1")
	avg_off=$(q "1.0 * sum(output_tokens) / count(*)" "caveman = 0")
	near "$(title caveman-on-avg)" "$avg_on"
	near "$(title caveman-off-avg)" "$avg_off"
	# (avg off - avg on) x answers on, priced at what the caveman answers' output cost a token
	saved=$(sqlite3 "$DB" "select ($avg_off - $avg_on) * $on")
	near "$(title caveman-saved-tokens)" "$saved"
	usd=$(q "printf('%.6f', $saved * sum(output_cost) / sum(output_tokens))" "caveman = 1")
	[ "$(title caveman-saved-usd)" = "$usd" ] || near "$(title caveman-saved-usd)" "$usd"
	grep -q 'an estimate from the comparison' "$BATS_TEST_TMPDIR/page.html" || fail "the page does not say it is an estimate"
	# the bars: each side's average
	grep -q "<title>caveman on: " "$BATS_TEST_TMPDIR/page.html" || fail "no bar"
}

@test "with one side of caveman mode empty the figure says so and estimates nothing" {
	now=$(date +%s)
	serve
	login "$KEY"
	run page
	assert_output --partial '<section id="caveman">'
	assert_output --partial 'No answer in this period says whether caveman mode was on'
	refute_output --partial 'id="caveman-saved-tokens"'
	# answers with it on, five weeks ago: in the year's view they have nothing to compare with
	cave() {
		sqlite3 "$DB" "insert into usage (request, attempt, ts, day, requested, provider, model, position, status,
			outcome, output_tokens, caveman, output_cost) values ('$1', 0, $2, date($2, 'unixepoch'), 'm',
			'openai', 'gpt-5', 0, 200, 'ok', $3, $4, $3 * 1e-5)"
	}
	for i in 1 2 3; do cave "on$i" $((now - 35 * 86400)) 100 1; done
	page -G -d range=365d >"$BATS_TEST_TMPDIR/page.html"
	[ "$(title caveman-on-answers)" = 3 ] && [ "$(title caveman-off-answers)" = 0 ] || fail "$(title caveman-on-answers) on"
	[ "$(title caveman-on-avg)" = 100.00 ] && [ "$(title caveman-off-avg)" = "" ] || fail "avg $(title caveman-off-avg)"
	grep -q 'No answer had caveman mode off in this period to compare with' "$BATS_TEST_TMPDIR/page.html" || fail "not said"
	! grep -q 'id="caveman-saved' "$BATS_TEST_TMPDIR/page.html" || fail "an estimate from one side"
	# answers with it off, today: alone in the 30 days' view, beside the others in the year's
	for i in 1 2; do cave "off$i" "$now" 400 0; done
	page >"$BATS_TEST_TMPDIR/page.html"
	[ "$(title caveman-on-answers)" = 0 ] && [ "$(title caveman-off-answers)" = 2 ] || fail "$(title caveman-off-answers) off"
	grep -q 'No answer had caveman mode on in this period' "$BATS_TEST_TMPDIR/page.html" || fail "not said"
	! grep -q 'id="caveman-saved' "$BATS_TEST_TMPDIR/page.html" || fail "an estimate from one side"
	page -G -d range=365d >"$BATS_TEST_TMPDIR/page.html"
	[ "$(title caveman-saved-tokens)" = 900.00 ] || fail "saved $(title caveman-saved-tokens), not (400 - 100) x 3"
	[ "$(title caveman-saved-usd)" = 0.009000 ] || fail "saved $(title caveman-saved-usd), not 900 tokens at 1e-5"
}

@test "logout needs the page's token, ends the session and clears the cookie" {
	serve
	login "$KEY"
	csrf=$(page | grep -o 'name="csrf" value="[0-9a-f]*"' | cut -d'"' -f4)
	[ ${#csrf} = 32 ] || fail "no token: $csrf"
	run curl -sS -o /dev/null -w '%{http_code}' -b "$cookie" -X POST "$URL/dashboard/logout"
	assert_output 403
	run curl -sS -o /dev/null -w '%{http_code}' -b "$cookie" -d csrf=0123 "$URL/dashboard/logout"
	assert_output 403
	run curl -sS -D - -o /dev/null -b "$cookie" -d "csrf=$csrf" "$URL/dashboard/logout"
	assert_line --partial 'HTTP/1.1 303'
	assert_line --partial 'Set-Cookie: nr_session=; Path=/dashboard; Max-Age=0; HttpOnly; SameSite=Strict'
	run curl -sS -w '\n%{http_code}' -b "$cookie" "$URL/dashboard"
	assert_line --partial 'The session has ended'
	assert_line 401
	[ "$(sqlite3 "$DB" "select count(*) from sessions")" = 0 ]
}

@test "a session ends when it expires, and when its key is revoked" {
	serve
	login "$KEY"
	run page
	assert_output --partial 'id="requests"'
	sqlite3 "$DB" "update sessions set expires = strftime('%s', 'now') - 1"
	run page
	assert_output --partial 'The session has ended'
	login "$KEY"
	nr key revoke tester
	run page
	assert_output --partial 'The session has ended'
	# the expired one went with the next login
	[ "$(sqlite3 "$DB" "select count(*) from sessions")" = 1 ]
}

@test "bad input: a form from another site, a large form, a bad range, an unknown file" {
	serve
	run curl -sS -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' --data-urlencode "key=$KEY" \
		"$URL/dashboard/login"
	assert_output 403
	run curl -sS -w '\n%{http_code}' --data-binary "key=$(head -c 5000 /dev/zero | tr '\0' a)" "$URL/dashboard/login"
	assert_line 413
	# nor a body on a GET, before logging in
	run curl -sS -o /dev/null -w '%{http_code}' -X GET -H 'Content-Length: 50000000' "$URL/dashboard"
	assert_output 413
	login "$KEY"
	run curl -sS -w '\n%{http_code}' -b "$cookie" "$URL/dashboard?range=1y"
	assert_line 'range must be 24h, 7d, 30d or 365d'
	assert_line 400
	run curl -sS -o /dev/null -w '%{http_code}' "$URL/dashboard/nr.sqlite"
	assert_output 404
	run curl -sS -o /dev/null -w '%{http_code} %{content_type}' "$URL/dashboard/dashboard.js"
	assert_output '200 text/javascript; charset=utf-8'
	run curl -sS -o /dev/null -w '%{http_code} %{content_type}' "$URL/dashboard/dashboard.css"
	assert_output '200 text/css; charset=utf-8'
	run curl -sS -o /dev/null -w '%{http_code}' -X DELETE "$URL/dashboard"
	assert_output 405
}

@test "with --no-auth the page is open to local clients, as the API is, and to no other Host" {
	serve --no-auth
	run curl -sS "$URL/dashboard"
	assert_output --partial 'id="requests"'
	refute_output --partial 'action="/dashboard/logout"'
	run curl -sS -o /dev/null -w '%{http_code}' -H 'Host: evil.example' "$URL/dashboard"
	assert_output 403
}

@test "while another process holds the write lock the page is drawn from the sums as they were, and says what waits" {
	rows 5 1
	serve
	login "$KEY"
	run page
	refute_output --partial 'id="behind"'
	rows 3 1
	# sqlite3 holds the lock 3 s; the page's update gives up after its short busy timeout
	{ echo 'BEGIN IMMEDIATE;'; sleep 3; echo 'COMMIT;'; } | sqlite3 "$DB" &
	locker=$!
	sleep 0.5
	run curl -sS -w '\n%{http_code}' -b "$cookie" "$URL/dashboard"
	kill "$locker" 2>/dev/null || true
	assert_line 200
	assert_output --partial '3 rows still to add'
	assert_output --partial "id=\"requests\" title=\"$(sqlite3 "$DB" "select sum(outcome <> 'fallback') from usage where id <= 5")\""
}
