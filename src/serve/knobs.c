/* knobs: the per-request switches from headers, key and server (knobs.h). */
#include "serve/knobs.h"

#include <strings.h>

/* The header's value as KEY_ON or KEY_OFF, KEY_DEFAULT when it is absent;
 * -2 when it is something else, -3 when memory ran out. Several lines of
 * it are one comma-joined value, which is never valid: they may disagree. */
static int header_switch(const struct http_request *req, const char *name)
{
	static const char *const on[] = { "on", "true", "1" }, *const off[] = { "off", "false", "0" };
	struct buf v = BUF_INIT;
	if (http_header_list(req, name, &v) < 0)
		return -3;
	int r = http_header(req, name) ? -2 : KEY_DEFAULT;	/* present but empty: invalid */
	for (size_t i = 0; v.p && i < sizeof on / sizeof on[0]; i++) {
		if (strcasecmp(v.p, on[i]) == 0)
			r = KEY_ON;
		else if (strcasecmp(v.p, off[i]) == 0)
			r = KEY_OFF;
	}
	buf_free(&v);
	return r;
}

/* header, else key, else server */
static int decide(int header, int key, int server)
{
	return header != KEY_DEFAULT ? header : key != KEY_DEFAULT ? key : server;
}

int knobs_resolve(const struct http_request *req, const struct serve_config *cfg,
		  const struct key_settings *key, struct knobs *k, const char **bad)
{
	int rtk = header_switch(req, "x-nr-rtk"), caveman = header_switch(req, "x-nr-caveman");
	*bad = NULL;
	if (rtk == -3 || caveman == -3)
		return -1;
	if (rtk == -2 || caveman == -2) {
		*bad = rtk == -2 ? "x-nr-rtk" : "x-nr-caveman";
		return -1;
	}
	k->rtk = decide(rtk, key->rtk, !cfg->no_rtk);
	k->caveman = decide(caveman, key->caveman, cfg->caveman);
	return 0;
}
