#!/usr/bin/env bats
# The dashboard in a real browser: Debian's chromium, headless, driven by
# puppeteer-core (tests/browser, installed once by tests/e2e/install into
# tests/.cache/browser). One launch runs every check (tests/browser/dashboard.cjs)
# and leaves a screenshot in build/dashboard.png. Skips without node, npm or a
# chromium that starts.

load serve-helper

setup() {
	std_only "the page's C is checked under the sanitizers by serve-dashboard.bats; a browser launch costs seconds"
	command -v chromium >/dev/null || skip "needs chromium (Debian's package)"
	bin=$("$ROOT/tests/e2e/install" "$ROOT/tests/browser") || {
		[ $? = 2 ] && skip "needs node and npm"
		fail "the install of puppeteer-core failed"
	}
	serve_setup
	export NR_SHARE_DIR=$ROOT/share
	make_key
}

teardown() {
	serve_teardown
}

@test "in chromium: login, a wrong key refused, the cookie's flags, the figures, caveman mode's, no key on the page, live refresh, logout" {
	DB=$NR_DATA_DIR/nr.sqlite
	now=$(date +%s)
	sqlite3 "$DB" ".parameter set @n 3000" ".parameter set @days 40" ".parameter set @now $now" \
		".read $ROOT/tests/fixtures/dashboard/usage-rows.sql"
	# an account cooling down, and a subscription's windows filling up
	sqlite3 "$DB" "insert into cooldowns values ('account openai OPENAI_API_KEY', $now + 754, 'rate limited (429)');
		insert into quota_windows values ('codex', 'me@example.com', 'primary', 63, 300, $now + 7300, 0, $now),
			('codex', 'me@example.com', 'secondary', 91, 10080, $now + 266000, 0, $now)"
	OPENAI_API_KEY=sk-test ANTHROPIC_API_KEY=sk-test DEEPSEEK_API_KEY=sk-test GROQ_API_KEY=sk-test start_server
	start=$((now / 86400 * 86400 - 29 * 86400))
	today=$(date -u -d "@$now" +%Y-%m-%d)
	requests=$(sqlite3 "$DB" "select sum(outcome <> 'fallback') from usage where ts >= $start")
	cost=$(sqlite3 "$DB" "select printf('%.6f', sum(cost)) from usage where ts >= $start")
	bar=$(sqlite3 "$DB" "select sum(outcome <> 'fallback') from usage where day = '$today' and provider = 'anthropic'")
	# caveman mode: the answers whose row says, each side, and the estimate from them
	caveman=$(sqlite3 "$DB" "select json_object('on', sum(caveman = 1), 'off', sum(caveman = 0),
		'saved', (1.0 * sum(iif(caveman = 0, output_tokens, 0)) / sum(caveman = 0)
			- 1.0 * sum(iif(caveman = 1, output_tokens, 0)) / sum(caveman = 1)) * sum(caveman = 1))
		from usage where ts >= $start and outcome = 'ok' and output_tokens is not null")
	mkdir -p "$ROOT/build"
	run env NODE_PATH="${bin%/.bin}" NR_URL="http://127.0.0.1:$PORT" NR_KEY="$KEY" NR_DB="$DB" \
		NR_EXPECT="{\"requests\": $requests, \"cost\": \"$cost\", \"bar\": \"$today anthropic: $bar requests\", \"caveman\": $caveman}" \
		NR_SCREENSHOT="$ROOT/build/dashboard.png" timeout 60 node "$ROOT/tests/browser/dashboard.cjs"
	[ "$status" != 3 ] || skip "chromium cannot start here: $output"
	assert_success
	assert_line 'ok logout ends the session and its cookie'
}
