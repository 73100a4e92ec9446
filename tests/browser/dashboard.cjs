// tests/browser/dashboard.cjs: the dashboard in a real browser, Debian's
// chromium run headless by puppeteer-core (no browser download), all checks
// in one launch (a launch costs seconds): the login form; a wrong key refused;
// the right key's session cookie and its flags (HttpOnly: the page's script
// cannot read it); the figures and the charts' marks against the database's
// sums, with JavaScript and without, caveman mode's comparison among them; no key anywhere in the page or its URL;
// no console error; the live refresh; logout. Writes a screenshot of the page.
//
// Usage: node tests/browser/dashboard.cjs   with, in the environment,
//   NR_URL (http://127.0.0.1:PORT), NR_KEY (a live nr key), NR_DB (nr.sqlite),
//   NR_EXPECT (JSON: {"requests": N, "cost": "0.123456", "bar": "TITLE",
//   "caveman": {"on": N, "off": N, "saved": TOKENS}}),
//   NR_SCREENSHOT (a PNG to write), CHROMIUM (default /usr/bin/chromium).
// Prints "ok CHECK" lines; exit 0 all passed, 1 a check failed (said on
// stderr), 3 the browser cannot start here (the caller skips).
'use strict';
const { execFileSync } = require('node:child_process');
const puppeteer = require('puppeteer-core');

const url = process.env.NR_URL, key = process.env.NR_KEY, db = process.env.NR_DB;
const expect = JSON.parse(process.env.NR_EXPECT || '{}');

function check(cond, what, detail) {
	if (!cond) throw new Error(`${what}${detail === undefined ? '' : ': ' + detail}`);
	console.log(`ok ${what}`);
}

async function submitLogin(page, k) {
	await page.goto(`${url}/dashboard`);
	await page.type('#key', k);
	const [res] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
	return res;
}

async function sessionCookie(page) {
	const cookies = await page.browserContext().cookies();
	return cookies.find((c) => c.name === 'nr_session');
}

async function main() {
	let browser;
	try {
		browser = await puppeteer.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			headless: true,
			// root in a container has no user namespace for the sandbox
			args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
		});
	} catch (e) {
		console.error(`cannot start chromium: ${e.message.split('\n')[0]}`);
		process.exit(3);
	}
	const problems = [];
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: 1280, height: 900 });
		page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()} (${page.url()})`); });
		page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
		page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
		page.on('response', (r) => {	// every subresource loads (the refused login is a document)
			if (r.request().resourceType() !== 'document' && r.status() >= 400)
				problems.push(`${r.status()} for ${r.url()}`);
		});

		let res = await page.goto(`${url}/dashboard`);
		check(res.status() === 200 && (await page.$('form[action="/dashboard/login"] #key')) !== null,
			'the login form is shown without a session');

		res = await submitLogin(page, 'nr-000000000000000000000000000000000000000000000000');
		const refused = await page.$eval('.error', (e) => e.textContent).catch(() => '');
		check(res.status() === 401 && /not a live nr key/.test(refused), 'a wrong key is refused', res.status());
		check(!(await sessionCookie(page)), 'a wrong key gets no cookie');
		problems.length = 0;	// the refused login's own 401 is no problem of the page

		res = await submitLogin(page, key);
		check(res.status() === 200 && page.url() === `${url}/dashboard`, 'the right key opens the dashboard', page.url());
		const c = await sessionCookie(page);
		check(c && c.httpOnly && c.sameSite === 'Strict' && c.path === '/dashboard' && /^[0-9a-f]{64}$/.test(c.value),
			'the session cookie is HttpOnly, SameSite=Strict, Path=/dashboard', JSON.stringify(c));
		check(c.expires > Date.now() / 1000 + 11 * 3600 && c.expires < Date.now() / 1000 + 13 * 3600,
			'the session cookie expires in 12 hours', c.expires);
		check((await page.evaluate(() => document.cookie)) === '', "the page's script cannot read the cookie");

		const title = (sel) => page.$eval(sel, (e) => e.getAttribute('title'));
		check((await title('#requests')) === String(expect.requests), 'the requests figure is the database\'s',
			`${await title('#requests')} != ${expect.requests}`);
		check((await title('#cost')) === expect.cost, 'the cost figure is the database\'s', await title('#cost'));
		const bars = await page.$$eval('#chart-requests svg rect title', (ts) => ts.map((t) => t.textContent));
		check(bars.includes(expect.bar), 'the requests chart has the bar of the database\'s count', expect.bar);
		check((await page.$$('#chart-cost svg rect')).length > 0 && (await page.$$('#chart-tokens svg rect')).length > 0,
			'the tokens and cost charts are drawn');
		const cave = expect.caveman;
		check((await title('#caveman-on-answers')) === String(cave.on) && (await title('#caveman-off-answers')) === String(cave.off),
			'the caveman figure counts the database\'s answers with it on and off',
			`${await title('#caveman-on-answers')}/${await title('#caveman-off-answers')} != ${cave.on}/${cave.off}`);
		const saved = Number(await title('#caveman-saved-tokens'));
		check(Math.abs(saved - cave.saved) < 0.01 && (await page.$$('#caveman svg rect')).length === 2 &&
			/an estimate from the comparison/.test(await page.$eval('#caveman', (e) => e.textContent)),
			'the caveman figure estimates the saving from the database\'s averages, and says it is an estimate',
			`${saved} != ${cave.saved}`);
		const html = await page.content();
		check(!html.includes(key) && !page.url().includes(key) && !html.includes(c.value),
			'the page holds neither the key nor the session id');
		check((await page.$$('#recent tbody tr')).length === 20, 'the last 20 attempts are listed');
		const until = await page.$eval('[data-until]', (e) => e.textContent).catch(() => null);
		check(until && /^in \d/.test(until), 'a cooldown counts down', until);

		// without JavaScript: the same figures and charts, drawn by the server
		const plain = await browser.newPage();
		await plain.setJavaScriptEnabled(false);
		await plain.goto(`${url}/dashboard`);
		check((await plain.$eval('#requests', (e) => e.getAttribute('title'))) === String(expect.requests) &&
			(await plain.$$('#chart-requests svg rect')).length > 0, 'without JavaScript the figures and charts are there');
		await plain.close();

		await page.screenshot({ path: process.env.NR_SCREENSHOT, fullPage: true });
		console.log(`ok screenshot in ${process.env.NR_SCREENSHOT}`);

		// live: a new row, then the script's refresh swaps the figures in place
		execFileSync('sqlite3', [db, "insert into usage (request, attempt, ts, day, requested, provider, model, position," +
			" status, outcome, cost) values ('live', 0, strftime('%s', 'now'), date('now'), 'm', 'openai', 'gpt-5', 0," +
			" 200, 'ok', 0)"]);
		await page.evaluate(() => window.nrDashboard.refresh());
		await page.waitForFunction((n) => document.getElementById('requests').getAttribute('title') === String(n),
			{ timeout: 5000 }, expect.requests + 1);
		check(page.url() === `${url}/dashboard`, 'a refresh updates the figures without reloading the page');

		check(problems.length === 0, 'no console error, failed request or failed file', problems.join('; '));

		await Promise.all([page.waitForNavigation(), page.click('form[action="/dashboard/logout"] button')]);
		check((await page.$('#key')) !== null && !(await sessionCookie(page)), 'logout ends the session and its cookie');
		await page.goto(`${url}/dashboard`);
		check((await page.$('#requests')) === null, 'after logout the page asks for a key again');
	} finally {
		await browser.close();
	}
}

main().catch((e) => {
	console.error(`not ok ${e.message}`);
	process.exit(1);
});
