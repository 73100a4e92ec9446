/* provider: a provider definition, read from share/providers/NAME and then
 * from the user's config dir providers/NAME (key=value lines, # comments; a
 * later single value replaces an earlier one, header= and price lines add).
 * The format is documented in doc/route.md. */
#ifndef NR_ROUTE_PROVIDER_H
#define NR_ROUTE_PROVIDER_H

#include <stddef.h>

#include "buf.h"
#include "format.h"

/* passthrough: the client's own credential (its Authorization, when nr's key
 * came in X-NR-Key), sent on as Authorization: Bearer; see accounts.h */
enum nr_auth { NR_AUTH_BEARER, NR_AUTH_X_API_KEY, NR_AUTH_GOOG, NR_AUTH_QUERY, NR_AUTH_NONE, NR_AUTH_PASSTHROUGH };

/* login=: the provider's accounts may come from `nr login` (route/oauth.h),
 * whose tokens nr refreshes */
enum nr_login { NR_LOGIN_NONE, NR_LOGIN_CODEX, NR_LOGIN_COPILOT };

/* set.NAME=JSON / default.NAME=JSON: a top-level member of every request
 * body sent, set always or only where the body has none (or null, or "") */
struct nr_body_rule {
	char *name, *json;
	int only_missing;
};

/* USD per million tokens for the models matching `pattern` (fnmatch). */
struct nr_price {
	char *pattern;
	double input, output, cache_read, cache_write;
};

struct nr_provider {
	char *name;
	enum nr_format format;
	char *base_url;			/* up to and including the API version, no trailing slash */
	enum nr_auth auth;
	char **key_vars;		/* env var names holding keys (each also NAME_2, NAME_3 …) */
	size_t nkey_vars;
	char **headers;			/* "Name: value" */
	size_t nheaders;
	char *models;			/* space-separated model list, may be NULL */
	struct nr_price *prices;
	size_t nprices;
	int fill_first;			/* 0: round-robin over accounts */
	long connect_timeout_ms, idle_timeout_ms;	/* -1: not set in the file */
	long cooldown_s, quota_cooldown_s, auth_cooldown_s;
	double budget_day, budget_month;	/* USD spent before the provider is skipped; -1 none */
	enum nr_login login;
	char *login_url;		/* the issuer (auth.openai.com, github.com); NULL: the login's own */
	char *exchange_url;		/* copilot: where the GitHub token buys a Copilot token */
	/* what the upstream insists on (Codex's backend: a stream, store:false,
	 * instructions, no sampling parameters) */
	int stream_always;		/* stream=always: a whole answer is collected from its stream */
	char **drop;			/* drop=: top-level members never sent */
	size_t ndrop;
	struct nr_body_rule *rules;
	size_t nrules;
};

/* Loads provider `name` into p (the caller's to free); 0, or -1 with the
 * reason in `err` (not found, a bad line with its file and number). A process
 * parses each file once and keeps it while a stat says it is unchanged
 * (provider_cache.c). */
int nr_provider_load(const char *name, struct nr_provider *p, struct buf *err);
void nr_provider_free(struct nr_provider *p);
/* 1 when a file names provider `name` in the share or the config dir. */
int nr_provider_exists(const char *name);

/* For provider_cache.c: the two files of provider `name`, [0] the share
 * dir's, [1] the config dir's ("" when that dir is unknown); 0 or -1. */
int nr_provider_paths(const char *name, struct buf path[2]);
/* Parses those files (an absent one is skipped; the config dir's values
 * replace the share dir's) into p; as nr_provider_load. */
int nr_provider_parse(const char *name, const struct buf path[2], struct nr_provider *p, struct buf *err);
/* A deep copy of src into dst; 0, or -1 (out of memory, dst left empty). */
int nr_provider_copy(struct nr_provider *dst, const struct nr_provider *src);

/* Nonzero when p changes request bodies (drop=, set., default., stream=always). */
int nr_provider_rewrites(const struct nr_provider *p);

/* Nonzero when model is one of the words of p's models= list. */
int nr_provider_offers(const struct nr_provider *p, const char *model);

/* The price entry for `model` (the last matching line wins), or NULL. */
const struct nr_price *nr_provider_price(const struct nr_provider *p, const char *model);

#endif
