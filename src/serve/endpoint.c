/* endpoint: maps request paths to APIs. */
#include "serve/endpoint.h"

#include <stdlib.h>
#include <string.h>

#include "logsafe.h"
#include "serve/http.h"

/* The path without a leading /v1 or /v1beta; as it is when it has neither. */
static const char *strip_version(const char *path)
{
	if (strncmp(path, "/v1beta/", 8) == 0)
		return path + 7;
	if (strncmp(path, "/v1/", 4) == 0)
		return path + 3;
	return path;
}

int endpoint_match(const char *path, struct endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	ep->method = "POST";
	/* /api/hello: Claude Code's connection probe (HEAD) to its base URL */
	if (strcmp(path, "/health") == 0 || strcmp(path, "/v1/health") == 0 ||
	    strcmp(path, "/api/hello") == 0) {
		ep->kind = EP_HEALTH;
		ep->method = "GET";
		return 0;
	}
	if (strcmp(path, "/metrics") == 0 || strcmp(path, "/dashboard") == 0 ||
	    strncmp(path, "/dashboard/", 11) == 0) {
		ep->kind = path[1] == 'm' ? EP_METRICS : EP_DASHBOARD;
		/* the login and logout forms post; the rest is read */
		ep->method = strcmp(path, "/dashboard/login") == 0 || strcmp(path, "/dashboard/logout") == 0
				     ? "POST" : "GET";
		return 0;
	}
	const char *p = strip_version(path);
	static const struct {
		const char *path;
		enum endpoint_kind kind;
		enum nr_format format;
	} fixed[] = {
		{ "/chat/completions", EP_CHAT, NR_FMT_OPENAI },
		{ "/messages", EP_CHAT, NR_FMT_ANTHROPIC },
		{ "/messages/count_tokens", EP_COUNT_TOKENS, NR_FMT_ANTHROPIC },
		{ "/responses", EP_CHAT, NR_FMT_RESPONSES },
		{ "/models", EP_MODELS, NR_FMT_OPENAI },
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		if (strcmp(p, fixed[i].path) == 0) {
			ep->kind = fixed[i].kind;
			ep->format = fixed[i].format;
			if (ep->kind == EP_MODELS)
				ep->method = "GET";
			return 0;
		}
	}
	/* gemini: /v1beta/models/{model}:generateContent | :streamGenerateContent */
	if (strncmp(p, "/models/", 8) == 0) {
		const char *m = p + 8, *colon = strrchr(m, ':');
		if (colon && colon > m) {
			int stream = strcmp(colon, ":streamGenerateContent") == 0;
			if (stream || strcmp(colon, ":generateContent") == 0) {
				/* Google's SDKs send a '/' in the model as %2F */
				ep->model = http_pct_decode(m, (size_t)(colon - m), 0);
				if (!ep->model)
					return -1;
				if (!log_printable(ep->model))
					goto none;	/* no model is named so; never a header or a log line */
				ep->kind = EP_CHAT;
				ep->format = NR_FMT_GEMINI;
				ep->stream = stream;
				return 0;
			}
			if (strcmp(colon, ":countTokens") == 0) {
				ep->kind = EP_COUNT_TOKENS;
				ep->format = NR_FMT_GEMINI;
				return 0;
			}
		}
		/* GET /v1/models/{id}: the SDKs' models.retrieve(); an id's '/' may come as %2F */
		if (*m) {
			ep->model = http_pct_decode(m, strlen(m), 0);
			if (!ep->model)
				return -1;
			ep->kind = EP_MODEL;
			ep->method = "GET";
			ep->format = strncmp(path, "/v1beta/", 8) == 0 ? NR_FMT_GEMINI : NR_FMT_OPENAI;
			return 0;
		}
	}
none:
	endpoint_free(ep);
	ep->kind = EP_NONE;
	ep->format = strncmp(path, "/v1beta/", 8) == 0 ? NR_FMT_GEMINI : NR_FMT_OPENAI;
	return 0;
}

void endpoint_free(struct endpoint *ep)
{
	free(ep->model);
	ep->model = NULL;
}
