// sdk-env.cjs: both SDKs configured only by the environment variables the
// README gives (OPENAI_BASE_URL/OPENAI_API_KEY, ANTHROPIC_BASE_URL/
// ANTHROPIC_API_KEY); one chat completion and one message. Prints both texts.
'use strict';
const { scenario, OpenAI, Anthropic } = require('./sdk-lib.cjs');
const opts = { maxRetries: 0, timeout: 15000 };

scenario(module, async () => {
	const c = await new OpenAI(opts).chat.completions.create({
		model: 'mo/gpt-mock', messages: [{ role: 'user', content: 'hi' }],
	});
	const m = await new Anthropic(opts).messages.create({
		model: 'ma/claude-mock', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }],
	});
	return c.choices[0].message.content + '\n' + m.content[0].text;
});
