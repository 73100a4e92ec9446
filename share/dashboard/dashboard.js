// nr's dashboard, live: the page is whole without this script (drawn on the
// server); with it, the countdowns tick each second and the figures are
// fetched again every 15 s (the same page, its <main> swapped in place).
'use strict';
(function () {
	const REFRESH_MS = 15000;
	function span(s) {	// as the server writes them (status_put_span): 37s, 4m12s, 1h05m, 3d4h
		s = Math.max(0, Math.ceil(s));
		if (s < 60) return s + 's';
		if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
		if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor(s % 3600 / 60)).padStart(2, '0') + 'm';
		return Math.floor(s / 86400) + 'd' + Math.floor(s % 86400 / 3600) + 'h';
	}
	function tick() {
		const now = Date.now() / 1000;
		for (const el of document.querySelectorAll('[data-until]'))
			el.textContent = 'in ' + span(Number(el.dataset.until) - now);
	}
	async function refresh() {
		try {
			const r = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store' });
			if (!r.ok) { if (r.status === 401) location.reload(); return; }
			const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
			const fresh = doc.getElementById('main'), old = document.getElementById('main');
			if (!fresh || !old) { location.reload(); return; }	// the session ended: the login form
			old.replaceWith(document.adoptNode(fresh));
			const drawn = doc.getElementById('drawn');
			if (drawn) document.getElementById('drawn').textContent = drawn.textContent;
			tick();
		} catch (e) { /* the server is away: try again at the next turn */ }
	}
	if (!document.getElementById('main')) return;	// the login form
	window.nrDashboard = { refresh };	// for tests/browser: a refresh without waiting its turn
	tick();
	setInterval(tick, 1000);
	setInterval(refresh, REFRESH_MS);
})();
