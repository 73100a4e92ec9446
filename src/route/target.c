/* target: model name → ordered upstream targets (see target.h). */
#include "route/target.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logsafe.h"
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
	*x = (struct nr_target){ strndup(spec, (size_t)(slash - spec)), strdup(slash + 1), -1 };
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

static int apply_option(struct nr_target *x, const char *opt)
{
	if (strncmp(opt, "max_tokens=", 11) == 0) {
		char *end;
		errno = 0;
		long v = strtol(opt + 11, &end, 10);
		if (errno || end == opt + 11 || *end || v <= 0)
			return -1;
		x->max_tokens = v;
		return 0;
	}
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
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;	/* strtok skips empty lines: numbers count non-empty ones */
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s2 = NULL, *tok = strtok_r(line, " \t\r", &s2);
		if (!tok)
			continue;
		struct buf e = BUF_INIT;
		if (add_target(t, tok, &e) < 0) {
			buf_printf(err, "%s: line %d: %s", what, lineno, e.p ? e.p : "bad target");
			rc = -1;
		}
		buf_free(&e);
		while (rc == 0 && (tok = strtok_r(NULL, " \t\r", &s2)))
			if (apply_option(&t->v[t->n - 1], tok) < 0) {
				buf_printf(err, "%s: line %d: unknown option '%s' (max_tokens=N)", what, lineno, tok);
				rc = -1;
			}
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

int nr_targets_resolve(const char *name, const char *from, struct nr_targets *t, struct buf *err)
{
	*t = (struct nr_targets){ 0 };
	if (strchr(name, '/')) {
		if (add_target(t, name, err) < 0) {
			nr_targets_free(t);
			return -1;
		}
		/* asked for directly, a provider without a file is an unknown model;
		 * in a combo it is only that target's failure */
		if (!nr_provider_exists(t->v[0].provider)) {
			buf_printf(err, "unknown model '%s': no provider named '%s' (no file providers/%s)",
				   name, t->v[0].provider, t->v[0].provider);
			nr_targets_free(t);
			return -1;
		}
		return 0;
	}
	if (!nr_name_ok(name)) {
		buf_printf(err, "unknown model '%s': not PROVIDER/MODEL nor a combo name", name);
		return -1;
	}
	struct buf text = BUF_INIT, what = BUF_INIT;
	int r = nr_combo_read(name, from, &text, err);
	if (r == 0 && (r = offered_by(name, t, err)) == 0)
		buf_printf(err, "unknown model '%s': not PROVIDER/MODEL, no combo of that name, "
				"and no provider lists it in models=", name);
	else if (r > 0 && !t->n) {
		if (!(t->combo = strdup(name)) || buf_printf(&what, "combo %s", name) < 0 ||
		    nr_combo_parse(text.p ? text.p : "", what.p, t, err) < 0)
			r = -1;
	}
	buf_free(&text);
	buf_free(&what);
	if (r <= 0) {
		nr_targets_free(t);
		return -1;
	}
	return 0;
}
