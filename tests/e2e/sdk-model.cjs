// sdk-model.cjs openai|anthropic ID: models.retrieve(ID) through the SDK;
// prints the id it answered, or "NotFoundError" when the SDK raised that.
'use strict';
const { openai, anthropic, scenario, check, OpenAI, Anthropic } = require('./sdk-lib.cjs');

scenario(module, async (which, id) => {
	const client = which === 'openai' ? openai() : which === 'anthropic' ? anthropic() : null;
	if (!client || !id) throw new Error('usage: sdk-model.cjs openai|anthropic ID');
	const NotFound = (which === 'openai' ? OpenAI : Anthropic).NotFoundError;
	try {
		const m = await client.models.retrieve(id);
		check(which === 'openai' ? m.object === 'model' : m.type === 'model' && typeof m.created_at === 'string',
			'model ' + JSON.stringify(m));
		return m.id;
	} catch (err) {
		if (err instanceof NotFound)
			return 'NotFoundError';
		throw err;
	}
});
