// sdk-text.cjs API MODEL [stream]: one text turn through the official SDKs.
// API is chat (OpenAI chat.completions), messages (Anthropic) or responses
// (OpenAI responses). Streaming uses the SDKs' stream helpers, which check the
// event sequence strictly. Prints the answer's text.
'use strict';
const { openai, anthropic, scenario, check } = require('./sdk-lib.cjs');
const ask = 'Say hello.';

const run = {
	async chat(model, stream) {
		const body = { model, messages: [{ role: 'user', content: ask }] };
		const c = stream
			? await openai().chat.completions.stream({ ...body, stream_options: { include_usage: true } }).finalChatCompletion()
			: await openai().chat.completions.create(body);
		check(c.object === 'chat.completion', 'object ' + c.object);
		check(c.choices.length === 1 && c.choices[0].finish_reason === 'stop', 'finish_reason');
		check(c.choices[0].message.role === 'assistant', 'role');
		check(c.usage && c.usage.prompt_tokens > 0 && c.usage.completion_tokens > 0, 'usage');
		return c.choices[0].message.content;
	},
	async messages(model, stream) {
		const body = { model, max_tokens: 256, messages: [{ role: 'user', content: ask }] };
		const m = stream
			? await anthropic().messages.stream(body).finalMessage()
			: await anthropic().messages.create(body);
		check(m.type === 'message' && m.role === 'assistant', 'type/role');
		check(m.stop_reason === 'end_turn', 'stop_reason ' + m.stop_reason);
		check(m.usage.input_tokens > 0 && m.usage.output_tokens > 0, 'usage');
		check(m.content.length === 1 && m.content[0].type === 'text', 'content');
		return m.content[0].text;
	},
	async responses(model, stream) {
		const body = { model, input: ask, instructions: 'Be terse.' };
		const r = stream
			? await openai().responses.stream(body).finalResponse()
			: await openai().responses.create(body);
		check(r.object === 'response' && r.status === 'completed', 'status ' + r.status);
		check(r.usage && r.usage.input_tokens > 0 && r.usage.output_tokens > 0, 'usage');
		check(r.output.length === 1 && r.output[0].type === 'message', 'output');
		return r.output_text;
	},
};

scenario(module, (api, model, mode) => {
	if (!run[api]) throw new Error('usage: sdk-text.cjs chat|messages|responses MODEL [stream]');
	return run[api](model, mode === 'stream');
});
