// sdk-models.cjs openai|anthropic: models.list() through the SDK, auto-paging;
// prints the ids, one a line.
'use strict';
const { openai, anthropic, scenario, check } = require('./sdk-lib.cjs');

scenario(module, async (which) => {
	const client = which === 'openai' ? openai() : which === 'anthropic' ? anthropic() : null;
	if (!client) throw new Error('usage: sdk-models.cjs openai|anthropic');
	const ids = [];
	for await (const m of client.models.list()) {
		check(typeof m.id === 'string' && m.id.length > 0, 'model id');
		// each SDK's own Model type: OpenAI object/owned_by, Anthropic type/display_name/created_at
		check(which === 'openai' ? m.object === 'model' && typeof m.owned_by === 'string'
			: m.type === 'model' && typeof m.display_name === 'string' && !isNaN(Date.parse(m.created_at)),
			'model fields ' + JSON.stringify(m));
		ids.push(m.id);
	}
	check(ids.length > 0, 'an empty list');
	return ids.join('\n');
});
