/* provider: parse provider definition files (see provider.h, doc/route.md). */
#include "route/provider.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_span.h"
#include "route/budget.h"
#include "route/dirs.h"

#define PROVIDER_FILE_MAX (1024 * 1024)	/* a definition is a few lines; refuse anything huge */
#define LIST_MAX 64			/* key vars or headers per provider */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int set_str(char **dst, const char *v)
{
	char *c = strdup(v);
	if (!c)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

static int push(char ***list, size_t *n, const char *v)
{
	if (*n >= LIST_MAX) {
		errno = E2BIG;
		return -1;
	}
	char **l = realloc(*list, (*n + 1) * sizeof *l);
	if (!l)
		return -1;
	*list = l;
	if (!(l[*n] = strdup(v)))
		return -1;
	(*n)++;
	return 0;
}

static int parse_long(const char *v, long *out)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < 0)
		return -1;
	*out = x;
	return 0;
}

/* "IN OUT [CACHE_READ [CACHE_WRITE]]", USD per million tokens. */
static int parse_price(struct nr_provider *p, const char *pattern, const char *v)
{
	double f[4] = { 0, 0, -1, -1 };
	int n = 0;
	const char *s = v;
	while (*s && n < 4) {
		char *end;
		errno = 0;
		f[n] = strtod(s, &end);
		if (errno || end == s || f[n] < 0)
			return -1;
		n++;
		s = end;
		while (isspace((unsigned char)*s))
			s++;
	}
	if (n < 2 || *s)
		return -1;
	struct nr_price *np = realloc(p->prices, (p->nprices + 1) * sizeof *np);
	if (!np)
		return -1;
	p->prices = np;
	char *pat = strdup(pattern);
	if (!pat)
		return -1;
	/* unknown cache prices: reads at the input price, writes likewise */
	np[p->nprices++] = (struct nr_price){ pat, f[0], f[1],
		f[2] >= 0 ? f[2] : f[0], f[3] >= 0 ? f[3] : f[0] };
	return 0;
}

static int parse_keys(struct nr_provider *p, char *v)
{
	for (size_t i = 0; i < p->nkey_vars; i++)	/* a later keys= replaces the list */
		free(p->key_vars[i]);
	p->nkey_vars = 0;
	for (char *save = NULL, *t = strtok_r(v, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save)) {
		if (strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != strlen(t))
			return -1;
		if (push(&p->key_vars, &p->nkey_vars, t) < 0)
			return -1;
	}
	return 0;
}

static int parse_login(const char *v, enum nr_login *l)
{
	static const char *const names[] = { "none", "codex", "copilot" };
	for (int i = 0; i < 3; i++)
		if (strcmp(v, names[i]) == 0) {
			*l = (enum nr_login)i;
			return 0;
		}
	return -1;
}

static int parse_url(char **dst, char *val)
{
	size_t n = strlen(val);
	while (n && val[n - 1] == '/')
		val[--n] = '\0';
	if (strncmp(val, "http://", 7) && strncmp(val, "https://", 8))
		return -1;
	return set_str(dst, val);
}

static int parse_rule(struct nr_provider *p, const char *name, const char *json, int only_missing)
{
	struct json_span top;
	char e[64];
	if (!*name || strpbrk(name, "\"\\") || json_validate(json, strlen(json), &top, e, sizeof e) < 0)
		return -1;
	struct nr_body_rule *r = realloc(p->rules, (p->nrules + 1) * sizeof *r);
	if (!r)
		return -1;
	p->rules = r;
	r[p->nrules] = (struct nr_body_rule){ strdup(name), strdup(json), only_missing };
	if (!r[p->nrules].name || !r[p->nrules].json) {
		free(r[p->nrules].name);
		free(r[p->nrules].json);
		return -1;
	}
	p->nrules++;
	return 0;
}

static int parse_drop(struct nr_provider *p, char *v)
{
	for (char *save = NULL, *t = strtok_r(v, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save))
		if (strpbrk(t, "\"\\") || push(&p->drop, &p->ndrop, t) < 0)
			return -1;
	return 0;
}

static int parse_auth(const char *v, enum nr_auth *a)
{
	static const char *const names[] = { "bearer", "x-api-key", "x-goog-api-key", "query", "none", "passthrough" };
	for (int i = 0; i < 6; i++)
		if (strcmp(v, names[i]) == 0) {
			*a = (enum nr_auth)i;
			return 0;
		}
	return -1;
}

/* One key=value line; 0, or -1 (bad value or unknown key). */
static int apply(struct nr_provider *p, char *key, char *val)
{
	if (strcmp(key, "format") == 0) {
		int f = nr_format_parse(val);
		if (f < 0)
			return -1;
		p->format = (enum nr_format)f;
		return 0;
	}
	if (strcmp(key, "base_url") == 0)
		return parse_url(&p->base_url, val);
	if (strcmp(key, "login_url") == 0)
		return parse_url(&p->login_url, val);
	if (strcmp(key, "exchange_url") == 0)
		return parse_url(&p->exchange_url, val);
	if (strcmp(key, "login") == 0)
		return parse_login(val, &p->login);
	if (strcmp(key, "stream") == 0) {
		if (strcmp(val, "always") && strcmp(val, "asked"))
			return -1;
		p->stream_always = strcmp(val, "always") == 0;
		return 0;
	}
	if (strcmp(key, "drop") == 0)
		return parse_drop(p, val);
	if (strncmp(key, "set.", 4) == 0)
		return parse_rule(p, key + 4, val, 0);
	if (strncmp(key, "default.", 8) == 0)
		return parse_rule(p, key + 8, val, 1);
	if (strcmp(key, "auth") == 0)
		return parse_auth(val, &p->auth);
	if (strcmp(key, "keys") == 0)
		return parse_keys(p, val);
	if (strcmp(key, "header") == 0)
		return strchr(val, ':') && !strpbrk(val, "\r\n") ? push(&p->headers, &p->nheaders, val) : -1;
	if (strcmp(key, "models") == 0)
		return set_str(&p->models, val);
	if (strcmp(key, "rotation") == 0) {
		if (strcmp(val, "round-robin") && strcmp(val, "fill-first"))
			return -1;
		p->fill_first = strcmp(val, "fill-first") == 0;
		return 0;
	}
	if (strcmp(key, "price") == 0)
		return parse_price(p, "*", val);
	if (strncmp(key, "price.", 6) == 0 && key[6])
		return parse_price(p, key + 6, val);
	if (strcmp(key, "budget_day") == 0 || strcmp(key, "budget_month") == 0)
		return nr_budget_usd(val, key[7] == 'd' ? &p->budget_day : &p->budget_month);
	static const struct { const char *name; size_t off; } nums[] = {
		{ "connect_timeout_ms", offsetof(struct nr_provider, connect_timeout_ms) },
		{ "idle_timeout_ms", offsetof(struct nr_provider, idle_timeout_ms) },
		{ "cooldown_s", offsetof(struct nr_provider, cooldown_s) },
		{ "quota_cooldown_s", offsetof(struct nr_provider, quota_cooldown_s) },
		{ "auth_cooldown_s", offsetof(struct nr_provider, auth_cooldown_s) },
	};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
		if (strcmp(key, nums[i].name) == 0)
			return parse_long(val, (long *)((char *)p + nums[i].off));
	return -1;
}

/* Reads one file into p; 1 when read, 0 when absent, -1 on error (in err). */
static int read_file(const char *path, struct nr_provider *p, struct buf *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		buf_printf(err, "unable to read %s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;
	int lineno = 0, rc = 1;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		total += (size_t)n;
		if (total > PROVIDER_FILE_MAX) {
			buf_printf(err, "%s: larger than %d bytes", path, PROVIDER_FILE_MAX);
			rc = -1;
			break;
		}
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (eq)
			*eq = '\0';
		if (!eq || apply(p, trim(s), trim(eq + 1)) < 0) {
			buf_printf(err, "%s:%d: %s '%s'", path, lineno,
				   eq ? "bad value for" : "expected key=value, got", trim(s));
			rc = -1;
			break;
		}
	}
	if (rc == 1 && ferror(f)) {
		buf_printf(err, "unable to read %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

int nr_provider_paths(const char *name, struct buf path[2])
{
	for (int i = 0; i < 2; i++) {
		if ((i == 0 ? nr_share_dir(&path[i]) : nr_config_dir(&path[i])) < 0) {
			buf_reset(&path[i]);	/* that dir is unknown: "" */
			if (buf_puts(&path[i], "") < 0)
				return -1;
			continue;
		}
		if (buf_puts(&path[i], "/providers/") < 0 || buf_puts(&path[i], name) < 0)
			return -1;
	}
	return 0;
}

int nr_provider_parse(const char *name, const struct buf path[2], struct nr_provider *p, struct buf *err)
{
	*p = (struct nr_provider){ .format = NR_FMT_OPENAI, .auth = NR_AUTH_BEARER,
		.connect_timeout_ms = -1, .idle_timeout_ms = -1, .cooldown_s = -1,
		.quota_cooldown_s = -1, .auth_cooldown_s = -1, .budget_day = -1, .budget_month = -1 };
	if (!(p->name = strdup(name))) {
		buf_printf(err, "out of memory");
		return -1;
	}
	int found = 0, rc = 0;
	for (int i = 0; i < 2 && rc == 0; i++) {
		if (!path[i].len)
			continue;
		int r = read_file(path[i].p, p, err);
		if (r < 0)
			rc = -1;
		found |= r > 0;
	}
	if (rc == 0 && !found) {
		buf_printf(err, "no provider named '%s' (no file providers/%s)", name, name);
		rc = -1;
	}
	if (rc == 0 && !p->base_url) {
		buf_printf(err, "provider '%s' has no base_url", name);
		rc = -1;
	}
	if (rc < 0)
		nr_provider_free(p);
	return rc;
}

static char *dup_or_null(const char *s, int *bad)
{
	char *c = s ? strdup(s) : NULL;
	*bad |= s && !c;
	return c;
}

static char **dup_list(char *const *v, size_t n, int *bad)
{
	char **c = n ? calloc(n, sizeof *c) : NULL;
	*bad |= n && !c;
	for (size_t i = 0; c && i < n; i++)
		c[i] = dup_or_null(v[i], bad);
	return c;
}

int nr_provider_copy(struct nr_provider *dst, const struct nr_provider *src)
{
	int bad = 0;
	*dst = *src;
	dst->name = dup_or_null(src->name, &bad);
	dst->base_url = dup_or_null(src->base_url, &bad);
	dst->models = dup_or_null(src->models, &bad);
	dst->login_url = dup_or_null(src->login_url, &bad);
	dst->exchange_url = dup_or_null(src->exchange_url, &bad);
	dst->drop = dup_list(src->drop, src->ndrop, &bad);
	dst->rules = src->nrules ? calloc(src->nrules, sizeof *dst->rules) : NULL;
	bad |= src->nrules && !dst->rules;
	for (size_t i = 0; dst->rules && i < src->nrules; i++) {
		dst->rules[i] = src->rules[i];
		dst->rules[i].name = dup_or_null(src->rules[i].name, &bad);
		dst->rules[i].json = dup_or_null(src->rules[i].json, &bad);
	}
	if (!dst->drop)
		dst->ndrop = 0;
	if (!dst->rules)
		dst->nrules = 0;
	dst->key_vars = dup_list(src->key_vars, src->nkey_vars, &bad);
	dst->headers = dup_list(src->headers, src->nheaders, &bad);
	dst->prices = src->nprices ? calloc(src->nprices, sizeof *dst->prices) : NULL;
	bad |= src->nprices && !dst->prices;
	for (size_t i = 0; dst->prices && i < src->nprices; i++) {
		dst->prices[i] = src->prices[i];
		dst->prices[i].pattern = dup_or_null(src->prices[i].pattern, &bad);
	}
	if (!dst->key_vars)	/* what could not be allocated is not there to free */
		dst->nkey_vars = 0;
	if (!dst->headers)
		dst->nheaders = 0;
	if (!dst->prices)
		dst->nprices = 0;
	if (bad)
		nr_provider_free(dst);
	return bad ? -1 : 0;
}

void nr_provider_free(struct nr_provider *p)
{
	free(p->name);
	free(p->base_url);
	for (size_t i = 0; i < p->nkey_vars; i++)
		free(p->key_vars[i]);
	free(p->key_vars);
	for (size_t i = 0; i < p->nheaders; i++)
		free(p->headers[i]);
	free(p->headers);
	free(p->models);
	free(p->login_url);
	free(p->exchange_url);
	for (size_t i = 0; i < p->ndrop; i++)
		free(p->drop[i]);
	free(p->drop);
	for (size_t i = 0; i < p->nrules; i++) {
		free(p->rules[i].name);
		free(p->rules[i].json);
	}
	free(p->rules);
	for (size_t i = 0; i < p->nprices; i++)
		free(p->prices[i].pattern);
	free(p->prices);
	*p = (struct nr_provider){ 0 };
}

const struct nr_price *nr_provider_price(const struct nr_provider *p, const char *model)
{
	for (size_t i = p->nprices; i-- > 0;)
		if (fnmatch(p->prices[i].pattern, model, 0) == 0)
			return &p->prices[i];
	return NULL;
}

int nr_provider_rewrites(const struct nr_provider *p)
{
	return p->stream_always || p->ndrop || p->nrules;
}

int nr_provider_offers(const struct nr_provider *p, const char *model)
{
	size_t n = strlen(model);
	for (const char *w = p->models; w && *w;) {
		w += strspn(w, " \t");
		size_t len = strcspn(w, " \t");
		if (len == n && n && memcmp(w, model, n) == 0)
			return 1;
		w += len;
	}
	return 0;
}
