// Shared by the tests/e2e/sdk-*.cjs scripts: the official OpenAI and Anthropic
// Node SDKs pointed at nr-serve ($URL, key in $KEY; never on a command line),
// no retries and a short timeout, so a hang or a retry never hides a failure.
'use strict';
const OpenAI = require('openai');
const Anthropic = require('@anthropic-ai/sdk');

const url = process.env.URL;
if (!url || !/^http:\/\/127\.0\.0\.1:\d+$/.test(url))
	throw new Error('URL must be http://127.0.0.1:PORT');

const common = { maxRetries: 0, timeout: 15000 };

// The OpenAI SDK's base includes /v1; the Anthropic SDK's has none.
function openai(key = process.env.KEY) {
	return new OpenAI({ ...common, apiKey: key, baseURL: url + '/v1' });
}
function anthropic(key = process.env.KEY) {
	return new Anthropic({ ...common, apiKey: key, baseURL: url });
}

// main(fn): runs fn, prints what it returns (a string as is, else JSON) and
// exits 0; any exception is printed with its class and exits 1.
function main(fn) {
	fn().then((out) => {
		process.stdout.write((typeof out === 'string' ? out : JSON.stringify(out)) + '\n');
	}, (err) => {
		process.stderr.write(`${err && err.constructor && err.constructor.name}: ${err && err.stack}\n`);
		process.exitCode = 1;
	});
}

function check(cond, what) {
	if (!cond) throw new Error('unexpected answer: ' + what);
}

module.exports = { openai, anthropic, main, check, OpenAI, Anthropic };
