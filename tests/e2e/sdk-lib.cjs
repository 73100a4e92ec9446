// Shared by the tests/e2e/sdk-*.cjs scripts: the official OpenAI and Anthropic
// Node SDKs pointed at nr-serve ($URL, key in $KEY; never on a command line),
// no retries and a short timeout, so a hang or a retry never hides a failure.
// Each script is one scenario: run as `node sdk-X.cjs ARG...`, or loaded by
// sdk-runner.cjs, which runs the scenarios of a whole suite in one process.
'use strict';
const OpenAI = require('openai');
const Anthropic = require('@anthropic-ai/sdk');

const common = { maxRetries: 0, timeout: 15000 };

// $URL when a client is made, not when this file loads: the runner serves
// tests that each have their own nr-serve.
function url() {
	const u = process.env.URL;
	if (!u || !/^http:\/\/127\.0\.0\.1:\d+$/.test(u))
		throw new Error('URL must be http://127.0.0.1:PORT');
	return u;
}

// The OpenAI SDK's base includes /v1; the Anthropic SDK's has none.
function openai(key = process.env.KEY) {
	return new OpenAI({ ...common, apiKey: key, baseURL: url() + '/v1' });
}
function anthropic(key = process.env.KEY) {
	return new Anthropic({ ...common, apiKey: key, baseURL: url() });
}

// failure(err): an exception as a script prints it, with its class
function failure(err) {
	return `${err && err.constructor && err.constructor.name}: ${err && err.stack}\n`;
}

// outcome(fn): runs fn; { ok: true, text: what it returns (a string as is,
// else JSON) } or { ok: false, text: failure(the exception) }.
async function outcome(fn) {
	try {
		const out = await fn();
		return { ok: true, text: (typeof out === 'string' ? out : JSON.stringify(out)) + '\n' };
	} catch (err) {
		return { ok: false, text: failure(err) };
	}
}

// scenario(module, fn): the script's scenario fn(ARG...), which returns (a
// promise of) what to print; it is the module's export, and when the script
// is run itself, fn gets its arguments: the outcome's text on stdout and exit
// 0, or on stderr and exit 1.
function scenario(mod, fn) {
	mod.exports = fn;
	if (require.main !== mod)
		return;
	outcome(() => fn(...process.argv.slice(2))).then(({ ok, text }) => {
		(ok ? process.stdout : process.stderr).write(text);
		if (!ok)
			process.exitCode = 1;
	});
}

function check(cond, what) {
	if (!cond) throw new Error('unexpected answer: ' + what);
}

module.exports = { openai, anthropic, scenario, outcome, failure, check, OpenAI, Anthropic };
