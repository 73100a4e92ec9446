// sdk-tools.cjs API MODEL [stream]: a tool loop through the official SDKs —
// the model (a mock "tool" model) calls the one tool defined, the script
// sends the tool's result back in the SDK's own shape, and prints the final
// text. API is chat, messages or responses.
'use strict';
const { openai, anthropic, scenario, check } = require('./sdk-lib.cjs');
const ask = 'What is the weather in Paris?';
const result = '18C and sunny';
const schema = {
	type: 'object',
	properties: { city: { type: 'string', description: 'City name' } },
	required: ['city'],
};
const tool = { name: 'get_weather', description: 'Current weather of a city' };

function args(json) {
	const a = JSON.parse(json);
	check(typeof a.city === 'string', 'tool arguments ' + json);
	return a;
}

const run = {
	async chat(model, stream) {
		const c = openai().chat.completions;
		const ask1 = (messages) => {
			const body = { model, messages, tools: [{ type: 'function', function: { ...tool, parameters: schema } }] };
			return stream ? c.stream(body).finalChatCompletion() : c.create(body);
		};
		const messages = [{ role: 'user', content: ask }];
		const first = await ask1(messages);
		check(first.choices[0].finish_reason === 'tool_calls', 'finish_reason ' + first.choices[0].finish_reason);
		const msg = first.choices[0].message;
		check(msg.tool_calls.length === 1 && msg.tool_calls[0].function.name === tool.name, 'tool_calls');
		args(msg.tool_calls[0].function.arguments);
		messages.push(msg, { role: 'tool', tool_call_id: msg.tool_calls[0].id, content: result });
		const second = await ask1(messages);
		check(second.choices[0].finish_reason === 'stop', 'second finish_reason');
		return second.choices[0].message.content;
	},
	async messages(model, stream) {
		const m = anthropic().messages;
		const ask1 = (messages) => {
			const body = { model, max_tokens: 512, messages, tools: [{ ...tool, input_schema: schema }] };
			return stream ? m.stream(body).finalMessage() : m.create(body);
		};
		const messages = [{ role: 'user', content: ask }];
		const first = await ask1(messages);
		check(first.stop_reason === 'tool_use', 'stop_reason ' + first.stop_reason);
		const use = first.content.find((b) => b.type === 'tool_use');
		check(use && use.name === tool.name && typeof use.input.city === 'string', 'tool_use');
		messages.push({ role: 'assistant', content: first.content },
			{ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: result }] });
		const second = await ask1(messages);
		check(second.stop_reason === 'end_turn', 'second stop_reason');
		return second.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
	},
	async responses(model, stream) {
		const r = openai().responses;
		const ask1 = (input) => {
			const body = { model, input, tools: [{ type: 'function', ...tool, parameters: schema, strict: false }] };
			return stream ? r.stream(body).finalResponse() : r.create(body);
		};
		const input = [{ role: 'user', content: ask }];
		const first = await ask1(input);
		check(first.status === 'completed', 'status ' + first.status);
		const call = first.output.find((i) => i.type === 'function_call');
		check(call && call.name === tool.name && call.call_id, 'function_call');
		args(call.arguments);
		input.push(...first.output, { type: 'function_call_output', call_id: call.call_id, output: result });
		const second = await ask1(input);
		check(second.status === 'completed', 'second status');
		return second.output_text;
	},
};

scenario(module, (api, model, mode) => {
	if (!run[api]) throw new Error('usage: sdk-tools.cjs chat|messages|responses MODEL [stream]');
	return run[api](model, mode === 'stream');
});
