/* combo_env: the allowlisted environment of an executable combo (see combo_env.h). */
#include "route/combo_env.h"

#include <stdlib.h>
#include <string.h>

#include "route/dirs.h"
#include "route/provider.h"

extern char **environ;

static int allowed(const char *var, size_t n)
{
	static const char *const names[] = { "PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR",
					     "NR_CONFIG_DIR", "NR_DATA_DIR", "NR_SHARE_DIR" };
	if (n > 3 && memcmp(var, "LC_", 3) == 0)
		return 1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && memcmp(var, names[i], n) == 0)
			return 1;
	return 0;
}

/* Nonzero when var (n bytes) is the key variable k or one of its K_2, K_3 … accounts. */
static int is_account(const char *k, const char *var, size_t n)
{
	size_t kl = strlen(k);
	if (n < kl || memcmp(var, k, kl) != 0)
		return 0;
	return n == kl || (n > kl + 1 && var[kl] == '_' && strspn(var + kl + 1, "0123456789") == n - kl - 1);
}

/* Nonzero when one of the providers' key variables, or an account of one, is var. */
static int provider_key(const struct nr_provider *ps, size_t np, const char *var, size_t n)
{
	for (size_t i = 0; i < np; i++)
		for (size_t k = 0; k < ps[i].nkey_vars; k++)
			if (is_account(ps[i].key_vars[k], var, n))
				return 1;
	return 0;
}

/* Every provider that loads (an unreadable file is skipped: the allowlist
 * alone already keeps keys out but for odd names); *np of them, to free. */
static struct nr_provider *load_providers(size_t *np)
{
	size_t n;
	char **names = nr_dir_names("providers", &n);
	struct nr_provider *ps = calloc(n ? n : 1, sizeof *ps);
	*np = 0;
	for (size_t i = 0; i < n; i++) {
		struct buf err = BUF_INIT;
		if (ps && nr_provider_load(names[i], &ps[*np], &err) == 0)
			(*np)++;
		buf_free(&err);
		free(names[i]);
	}
	free(names);
	return ps;
}

static void free_providers(struct nr_provider *ps, size_t np)
{
	for (size_t i = 0; i < np; i++)
		nr_provider_free(&ps[i]);
	free(ps);
}

/* "NR_CONFIG_DIR=…" when the environment does not name it (nr-route found
 * it through XDG_CONFIG_HOME or HOME): a combo finds its files the same way. */
static int config_dir(struct buf *out)
{
	struct buf dir = BUF_INIT;
	int rc = 0;
	if (!getenv("NR_CONFIG_DIR") && nr_config_dir(&dir) == 0)
		rc = buf_printf(out, "NR_CONFIG_DIR=%s", dir.p);
	buf_free(&dir);
	return rc;
}

int combo_env_build(struct combo_env *e, const char *name, const char *from)
{
	*e = (struct combo_env){ NULL, BUF_INIT, BUF_INIT, BUF_INIT };
	size_t n = 0, k = 0, np;
	while (environ[n])
		n++;
	struct nr_provider *ps = load_providers(&np);
	if (!ps || !(e->v = calloc(n + 4, sizeof *e->v)) || buf_printf(&e->model, "NR_MODEL=%s", name) < 0 ||
	    buf_printf(&e->from, "NR_FROM=%s", from ? from : "") < 0 || config_dir(&e->config) < 0) {
		free_providers(ps, np);
		combo_env_free(e);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) : 0;
		if (eq && allowed(environ[i], len) && !provider_key(ps, np, environ[i], len))
			e->v[k++] = environ[i];
	}
	e->v[k++] = e->model.p;
	e->v[k++] = e->from.p;
	if (e->config.p)
		e->v[k] = e->config.p;
	free_providers(ps, np);
	return 0;
}

void combo_env_free(struct combo_env *e)
{
	free(e->v);
	buf_free(&e->model);
	buf_free(&e->from);
	buf_free(&e->config);
	e->v = NULL;
}
