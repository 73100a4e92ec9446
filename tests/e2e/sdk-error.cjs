// sdk-error.cjs API MODEL CLASS [badkey|invalid] [stream]: makes a request
// that must fail and checks the SDK raised its own typed error CLASS (e.g.
// AuthenticationError, RateLimitError, BadRequestError) with a message from
// the error body. badkey sends a wrong key; invalid sends a malformed request.
// Prints "CLASS STATUS: message" (STATUS - for an error event mid-stream).
'use strict';
const { openai, anthropic, scenario, check, OpenAI, Anthropic } = require('./sdk-lib.cjs');
const ask = [{ role: 'user', content: 'hi' }];

const run = {
	chat: ({ model, key, invalid, stream }) => {
		// a tool message that answers no call is refused by every format
		const messages = invalid ? [{ role: 'tool', content: 'x' }] : ask;
		const body = { model, messages };
		const c = openai(key).chat.completions;
		return stream ? c.stream(body).finalChatCompletion() : c.create(body);
	},
	messages: ({ model, key, invalid, stream }) => {
		const body = { model, max_tokens: 64, messages: invalid ? 'hi' : ask };
		const m = anthropic(key).messages;
		return stream ? m.stream(body).finalMessage() : m.create(body);
	},
	responses: ({ model, key, invalid, stream }) => {
		const body = { model, input: invalid ? 42 : 'hi' };
		const r = openai(key).responses;
		return stream ? r.stream(body).finalResponse() : r.create(body);
	},
};

scenario(module, async (api, model, want, ...flags) => {
	if (!run[api]) throw new Error('usage: sdk-error.cjs chat|messages|responses MODEL CLASS [badkey|invalid] [stream]');
	const req = { model, key: flags.includes('badkey') ? 'nr-wrong-key' : undefined,
		invalid: flags.includes('invalid'), stream: flags.includes('stream') };
	const sdk = api === 'messages' ? Anthropic : OpenAI;
	check(typeof sdk[want] === 'function', 'no error class ' + want);
	try {
		await run[api](req);
	} catch (err) {
		if (!(err instanceof sdk[want]))
			throw err;
		// an error event inside a stream that had begun has no HTTP status
		check(typeof err.status === 'number' || (want === 'APIError' && req.stream), 'status');
		check(err.error && typeof err.message === 'string' && err.message.length > 0, 'error body');
		return `${want} ${err.status === undefined ? '-' : err.status}: ${err.message}`;
	}
	throw new Error('the request succeeded');
});
