// sdk-runner.cjs SOCKET: runs the tests/e2e/sdk-*.cjs scenarios on request,
// all in this one process, so that a suite loads the two SDKs once instead
// of once a test (tests/bats/e2e-sdk.bats starts it in setup_file).
// Prints "ready" once it listens on the Unix socket SOCKET.
//
// A request is a POST of {"argv": [SCRIPT, ARG...], "env": {NAME: VALUE...}}:
// SCRIPT's scenario with the ARGs, as `node SCRIPT.cjs ARG...` would run
// it, with env's URL, KEY, OPENAI_* and ANTHROPIC_* in place of this
// process's own (the SDKs read theirs when a client is made). The answer:
// 200 and what the script would print, or 422 and what it would print on
// failing (exit 1): its exception, or a promise rejection or exception that
// nothing caught, which would have ended the script with an error. One
// request at a time: bats runs a file's tests one after another.
'use strict';
const http = require('http');
const { outcome, failure } = require('./sdk-lib.cjs');

const sock = process.argv[2];
const passed = /^(URL|KEY|OPENAI_.*|ANTHROPIC_.*)$/;

// the uncaught, each with the scenario that ran last; the next answer
// reports them
let uncaught = [];
let last = '(none yet)';
const stray = (err) => uncaught.push(`uncaught after ${last}: ${failure(err)}`);
process.on('unhandledRejection', stray);
process.on('uncaughtException', stray);

function scenario(argv, env) {
	const [script, ...args] = argv;
	if (!/^sdk-[a-z]+$/.test(script))
		throw new Error('no scenario ' + script);
	const fn = require(`./${script}.cjs`);
	if (typeof fn !== 'function')
		throw new Error('no scenario ' + script);
	for (const name of Object.keys(process.env))
		if (passed.test(name))
			delete process.env[name];
	for (const [name, value] of Object.entries(env))
		if (passed.test(name))
			process.env[name] = value;
	return fn(...args);
}

async function answer(body) {
	const { argv, env } = JSON.parse(body);
	last = argv.join(' ');
	const { ok, text } = await outcome(() => scenario(argv, env));
	// a rejection nobody handles is reported once the microtasks have run
	await new Promise((resolve) => setImmediate(resolve));
	const late = uncaught.join('');
	uncaught = [];
	return { ok: ok && !late, text: text + late };
}

http.createServer((req, res) => {
	let body = '';
	req.setEncoding('utf8');
	req.on('data', (chunk) => { body += chunk; });
	req.on('end', () => {
		answer(body).catch((err) => ({ ok: false, text: failure(err) })).then(({ ok, text }) => {
			res.writeHead(ok ? 200 : 422, { 'content-type': 'text/plain; charset=utf-8' });
			res.end(text);
		});
	});
}).listen(sock, () => console.log('ready'));

// gone with the bats process that started it, even if teardown_file never ran
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000).unref();
