/* target: model name → ordered upstream targets (see target.h). */
#include "route/target.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logsafe.h"
#include "route/alias.h"
#include "route/budget.h"
#include "route/dirs.h"
#include "route/provider.h"

void nr_targets_free(struct nr_targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].provider);
		free(t->v[i].model);
	}
	free(t->v);
	free(t->combo);
	*t = (struct nr_targets){ 0 };
}

size_t nr_targets_keep(struct nr_targets *t, int (*keep)(const struct nr_target *v, void *ctx), void *ctx)
{
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (keep(&t->v[i], ctx)) {
			t->v[k++] = t->v[i];
			continue;
		}
		free(t->v[i].provider);
		free(t->v[i].model);
	}
	return t->n = k;
}

/* "PROVIDER/MODEL" → a new target appended to t; 0 or -1 (reason in err). */
static int add_target(struct nr_targets *t, const char *spec, struct buf *err)
{
	const char *slash = strchr(spec, '/');
	if (!slash || slash == spec || !slash[1]) {
		buf_printf(err, "'%s' is not PROVIDER/MODEL", spec);
		return -1;
	}
	/* no upstream names a model so; it would reach headers (X-Nr-Target) and terminals */
	if (!log_printable(spec)) {
		buf_printf(err, "'%s' has a control character or is not UTF-8", spec);
		return -1;
	}
	if (t->n >= NR_TARGETS_MAX) {
		buf_printf(err, "more than %d targets", NR_TARGETS_MAX);
		return -1;
	}
	struct nr_target *v = realloc(t->v, (t->n + 1) * sizeof *v);
	if (!v) {
		buf_printf(err, "out of memory");
		return -1;
	}
	t->v = v;
	struct nr_target *x = &v[t->n];
	*x = NR_TARGET_NONE;
	x->provider = strndup(spec, (size_t)(slash - spec));
	x->model = strdup(slash + 1);
	t->n++;
	if (!x->provider || !x->model) {
		buf_printf(err, "out of memory");
		return -1;
	}
	if (!nr_name_ok(x->provider)) {
		buf_printf(err, "bad provider name in '%s'", spec);
		return -1;
	}
	return 0;
}

/* One per-target setting (`max_tokens=N`, `budget_day=USD`, `budget_month=USD`)
 * into x; 0, or -1 with the reason in err. */
static int apply_option(struct nr_target *x, const char *opt, struct buf *err)
{
	const char *eq = strchr(opt, '=');
	size_t klen = eq ? (size_t)(eq - opt) : 0;
	if (klen == 10 && strncmp(opt, "max_tokens", klen) == 0) {
		char *end;
		errno = 0;
		long v = strtol(eq + 1, &end, 10);
		if (errno || end == eq + 1 || *end || v <= 0) {
			buf_printf(err, "bad value in '%s' (a whole number of tokens, 1 or more)", opt);
			return -1;
		}
		x->max_tokens = v;
		return 0;
	}
	double *usd = klen == 10 && strncmp(opt, "budget_day", klen) == 0     ? &x->budget_day
		      : klen == 12 && strncmp(opt, "budget_month", klen) == 0 ? &x->budget_month
									       : NULL;
	if (usd) {
		if (nr_budget_usd(eq + 1, usd) < 0) {
			buf_printf(err, "bad value in '%s' (USD, a number from 0)", opt);
			return -1;
		}
		return 0;
	}
	buf_printf(err, "unknown option '%s' (max_tokens=N, budget_day=USD, budget_month=USD)", opt);
	return -1;
}

int nr_combo_parse(const char *text, const char *what, struct nr_targets *t, struct buf *err)
{
	char *copy = strdup(text);
	if (!copy) {
		buf_printf(err, "out of memory");
		return -1;
	}
	int lineno = 0, rc = 0;
	for (char *line = copy, *next; line && rc == 0; line = next) {
		lineno++;	/* blank lines count: the number is the file's */
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s2 = NULL, *tok = strtok_r(line, " \t\r", &s2);
		if (!tok)
			continue;
		struct buf e = BUF_INIT;
		rc = add_target(t, tok, &e);
		while (rc == 0 && (tok = strtok_r(NULL, " \t\r", &s2)))
			rc = apply_option(&t->v[t->n - 1], tok, &e);
		if (rc < 0)
			buf_printf(err, "%s: line %d: %s", what, lineno, e.p ? e.p : "out of memory");
		buf_free(&e);
	}
	free(copy);
	if (rc == 0 && t->n == 0) {
		buf_printf(err, "%s: no targets", what);
		rc = -1;
	}
	return rc;
}

/* A bare model name: every provider whose models= lists it, in name order,
 * as targets (so the others are its fallbacks). >0 found, 0 none, -1 error. */
static int offered_by(const char *name, struct nr_targets *t, struct buf *err)
{
	size_t np;
	char **providers = nr_dir_names("providers", &np);
	int rc = 0;
	for (size_t i = 0; i < np; i++) {
		struct nr_provider p;
		struct buf e = BUF_INIT, spec = BUF_INIT;
		if (rc >= 0 && nr_provider_load(providers[i], &p, &e) == 0) {
			if (nr_provider_offers(&p, name)) {
				if (buf_printf(&spec, "%s/%s", p.name, name) < 0 || add_target(t, spec.p, err) < 0)
					rc = -1;
				else
					rc = 1;
			}
			nr_provider_free(&p);
		}
		buf_free(&e);
		buf_free(&spec);
		free(providers[i]);
	}
	free(providers);
	return rc;
}

/* PROVIDER/MODEL: one target, its provider file required (asked for
 * directly, a provider without a file is an unknown model; in a combo it is
 * only that target's failure). 0, or -1 with the reason in err. */
static int provider_model(const char *name, struct nr_targets *t, struct buf *err)
{
	if (add_target(t, name, err) < 0)
		return -1;
	if (!nr_provider_exists(t->v[0].provider)) {
		buf_printf(err, "unknown model '%s': no provider named '%s' (no file providers/%s)",
			   name, t->v[0].provider, t->v[0].provider);
		return -1;
	}
	return 0;
}

/* A combo of that name: 1 read into t, 0 none, -1 error in err. */
static int combo(const char *name, const char *from, struct nr_targets *t, struct buf *err)
{
	if (!nr_name_ok(name))
		return 0;
	struct buf text = BUF_INIT, what = BUF_INIT;
	int r = nr_combo_read(name, from, &text, err);
	if (r > 0 && (!(t->combo = strdup(name)) || buf_printf(&what, "combo %s", name) < 0 ||
		      nr_combo_parse(text.p ? text.p : "", what.p, t, err) < 0))
		r = -1;
	buf_free(&text);
	buf_free(&what);
	return r;
}

int nr_targets_resolve_direct(const char *name, const char *from, struct nr_targets *t, struct buf *err)
{
	*t = (struct nr_targets){ 0 };
	int r = strchr(name, '/') ? (provider_model(name, t, err) < 0 ? -1 : 1) : combo(name, from, t, err);
	if (r <= 0)
		nr_targets_free(t);
	return r;
}

/* The alias of origin o for name, resolved without aliases: 1 into t, 0 no
 * alias matches, -1 error in err (the alias, its file and line named). */
static int alias(enum nr_alias_origin o, const char *name, const char *from, struct nr_targets *t,
		 struct buf *err)
{
	const struct nr_aliases *set;
	struct buf path = BUF_INIT, e = BUF_INIT;
	if (nr_aliases_load(o, &set, err) < 0)
		return -1;
	const struct nr_alias *a = nr_alias_match(set, name);
	if (!a)
		return 0;
	int r = nr_targets_resolve_direct(a->target, from, t, &e);
	if (r <= 0) {
		nr_alias_path(o, &path);
		buf_printf(err, "model '%s': alias %s (%s line %d) names '%s', which %s", name, a->pattern,
			   path.p ? path.p : "aliases", a->line, a->target,
			   r < 0 ? (e.p ? e.p : "cannot be resolved")
				 : "is neither PROVIDER/MODEL nor a combo (an alias never names another alias)");
		r = -1;
	}
	buf_free(&path);
	buf_free(&e);
	return r;
}

/* The shipped alias of a name some provider lists: its targets follow the
 * providers' as fallbacks, so `gpt-5` with only an Anthropic key still gets
 * an answer. A broken alias only costs the fallbacks (said on stderr). */
static void add_fallbacks(const char *name, const char *from, struct nr_targets *t)
{
	struct nr_targets more;
	struct buf err = BUF_INIT;
	int r = alias(NR_ALIAS_SHIPPED, name, from, &more, &err);
	if (r < 0)
		nr_log("nr-route: %s", err.p ? err.p : "out of memory");
	for (size_t i = 0; r > 0 && i < more.n && t->n < NR_TARGETS_MAX; i++) {
		size_t k = 0;
		while (k < t->n && !(strcmp(t->v[k].provider, more.v[i].provider) == 0 &&
				     strcmp(t->v[k].model, more.v[i].model) == 0))
			k++;
		if (k < t->n)
			continue;	/* tried already */
		struct nr_target *v = reallocarray(t->v, t->n + 1, sizeof *v);
		if (!v)
			break;
		t->v = v;
		v[t->n++] = more.v[i];
		more.v[i] = NR_TARGET_NONE;	/* now t's */
	}
	if (r > 0)
		nr_targets_free(&more);
	buf_free(&err);
}

int nr_targets_resolve(const char *name, const char *from, struct nr_targets *t, struct buf *err)
{
	*t = (struct nr_targets){ 0 };
	if (strchr(name, '/'))
		return nr_targets_resolve_direct(name, from, t, err) > 0 ? 0 : -1;
	int r = combo(name, from, t, err);
	if (r == 0 && log_printable(name))
		r = alias(NR_ALIAS_USER, name, from, t, err);
	if (r == 0 && nr_name_ok(name) && (r = offered_by(name, t, err)) > 0)
		add_fallbacks(name, from, t);
	if (r == 0 && log_printable(name))
		r = alias(NR_ALIAS_SHIPPED, name, from, t, err);
	if (r == 0)
		buf_printf(err, "unknown model '%s': not PROVIDER/MODEL, no combo or alias of that name, "
				"and no provider lists it in models=", name);
	if (r <= 0) {
		nr_targets_free(t);
		return -1;
	}
	return 0;
}
