/* stage_env: a stage's environment (stage_env.h). */
#include "serve/stage_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* Names nr-serve sets per request: never inherited from its own environment,
 * where they would describe some other request (or none). */
static const char *const contract[] = {
	"NR_FORMAT", "NR_MODEL", "NR_STREAM", "NR_CLIENT_KEY", "NR_RTK", "NR_CAVEMAN",
	"NR_RTK_SAVED_BYTES", "NR_RTK_SAVED_TOKENS", "NR_RTK_CAVEMAN", "REQUEST_METHOD", "PATH_INFO",
	"QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE", "GATEWAY_INTERFACE", NULL,
};

static int is_contract(const char *var)
{
	if (strncmp(var, "HTTP_", 5) == 0)
		return 1;
	size_t len = strcspn(var, "=");
	for (size_t i = 0; contract[i]; i++)
		if (strlen(contract[i]) == len && strncmp(var, contract[i], len) == 0)
			return 1;
	return 0;
}

static int grow(struct stage_env *e)
{
	if (e->n + 2 <= e->cap)
		return 0;
	size_t cap = e->cap ? e->cap * 2 : 64;
	char **v = reallocarray(e->vars, cap, sizeof *v);
	if (!v)
		return -1;
	e->vars = v;
	unsigned char *o = realloc(e->owned, cap);
	if (!o)
		return -1;
	e->owned = o;
	e->cap = cap;
	return 0;
}

int stage_env_init(struct stage_env *e)
{
	*e = (struct stage_env){ 0 };
	if (grow(e) < 0)
		return -1;
	for (char **v = environ; v && *v; v++) {
		if (is_contract(*v))
			continue;
		if (grow(e) < 0)
			return -1;
		e->owned[e->n] = 0;
		e->vars[e->n++] = *v;
	}
	e->vars[e->n] = NULL;
	return 0;
}

int stage_env_set(struct stage_env *e, const char *name, const char *value)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < e->n; i++) {
		if (strncmp(e->vars[i], name, len) == 0 && e->vars[i][len] == '=') {
			if (e->owned[i])
				free(e->vars[i]);
			e->vars[i] = e->vars[--e->n];
			e->owned[i] = e->owned[e->n];
			e->vars[e->n] = NULL;
			break;
		}
	}
	if (!value)
		return 0;
	char *s;
	if (grow(e) < 0 || asprintf(&s, "%s=%s", name, value) < 0)
		return -1;
	e->owned[e->n] = 1;
	e->vars[e->n++] = s;
	e->vars[e->n] = NULL;
	return 0;
}

int stage_env_set_count(struct stage_env *e, const char *name, long long v)
{
	char num[32];
	snprintf(num, sizeof num, "%lld", v);	/* 21 bytes at most */
	return stage_env_set(e, name, num);
}

void stage_env_free(struct stage_env *e)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->owned[i])
			free(e->vars[i]);
	free(e->vars);
	free(e->owned);
	*e = (struct stage_env){ 0 };
}
