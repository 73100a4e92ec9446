/* catalog: `nr provider` and `nr combo` — what the provider and combo files
 * (shipped and the user's) add up to, as nr-route sees them: which keys are
 * set (names only, never values), which models, which targets in what order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/commands.h"
#include "exitcodes.h"
#include "format.h"
#include "logsafe.h"
#include "route/dirs.h"
#include "route/provider.h"
#include "route/target.h"

/* "VAR (set), VAR2 (unset)": the key variables and whether each has a value. */
static void print_keys(const struct nr_provider *p)
{
	for (size_t i = 0; i < p->nkey_vars; i++) {
		const char *v = getenv(p->key_vars[i]);
		printf("%s%s (%s)", i ? ", " : "", p->key_vars[i], v && *v ? "set" : "unset");
	}
	if (p->nkey_vars)
		putchar('\n');
	else if (p->login != NR_LOGIN_NONE)	/* a subscription's: its accounts are logins */
		printf("nr login %s\n", p->name);
	else
		printf("none\n");
}

/* base_url as shown: a password in it masked (it is a secret like a key). */
static const char *shown_url(const struct nr_provider *p, struct buf *b)
{
	if (log_url(b, p->base_url ? p->base_url : "") < 0)
		return "(out of memory)";
	return b->p ? b->p : "";
}

static int provider_show(const char *name)
{
	struct nr_provider p;
	struct buf err = BUF_INIT;
	if (nr_provider_load(name, &p, &err) < 0) {
		nr_log("nr provider: %s", err.p ? err.p : "unable to load");
		buf_free(&err);
		return NR_EXIT_DATA;
	}
	buf_free(&err);
	struct buf url = BUF_INIT;
	printf("name:     %s\nformat:   %s\nbase_url: %s\nkeys:     ", p.name, nr_format_name(p.format),
	       shown_url(&p, &url));
	buf_free(&url);
	print_keys(&p);
	printf("accounts: %s\nmodels:   %s\n", p.fill_first ? "fill-first" : "round-robin",
	       p.models ? p.models : "(any: name them as PROVIDER/MODEL)");
	for (size_t i = 0; i < p.nheaders; i++) {	/* names only: a header may carry a secret */
		const char *colon = strchr(p.headers[i], ':');
		printf("header:   %.*s\n", colon ? (int)(colon - p.headers[i]) : 0, p.headers[i]);
	}
	nr_provider_free(&p);
	return NR_EXIT_OK;
}

static int provider_list(void)
{
	size_t n;
	char **names = nr_dir_names("providers", &n);
	int rc = NR_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		struct nr_provider p;
		struct buf err = BUF_INIT;
		if (nr_provider_load(names[i], &p, &err) == 0) {
			struct buf url = BUF_INIT;
			printf("%-12s %-9s %s  keys: ", p.name, nr_format_name(p.format), shown_url(&p, &url));
			buf_free(&url);
			print_keys(&p);
			nr_provider_free(&p);
		} else {
			nr_log("nr provider: %s", err.p ? err.p : names[i]);
			rc = NR_EXIT_DATA;
		}
		buf_free(&err);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int combo_show(const char *name)
{
	struct nr_targets t;
	struct buf err = BUF_INIT;
	int r = nr_targets_resolve(name, "openai", &t, &err);
	if (r < 0)
		nr_log("nr combo: %s", err.p ? err.p : "unable to read it");
	buf_free(&err);
	if (r < 0)
		return NR_EXIT_DATA;
	if (!t.combo) {	/* a PROVIDER/MODEL or a bare model name */
		nr_log("nr combo: no combo named '%s'", name);
		nr_targets_free(&t);
		return NR_EXIT_DATA;
	}
	printf("%-16s", name);
	for (size_t i = 0; i < t.n; i++) {
		printf("%s%s/%s", i ? " -> " : " ", t.v[i].provider, t.v[i].model);
		if (t.v[i].max_tokens > 0)
			printf(" max_tokens=%ld", t.v[i].max_tokens);
		if (t.v[i].budget_day >= 0)
			printf(" budget_day=%g", t.v[i].budget_day);
		if (t.v[i].budget_month >= 0)
			printf(" budget_month=%g", t.v[i].budget_month);
	}
	printf("\n");
	nr_targets_free(&t);
	return NR_EXIT_OK;
}

static int combo_list(void)
{
	size_t n;
	char **names = nr_dir_names("combos", &n);
	int rc = NR_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		if (combo_show(names[i]) != NR_EXIT_OK)
			rc = NR_EXIT_DATA;
		free(names[i]);
	}
	free(names);
	return rc;
}

static int help(const char *what, FILE *f, int rc)
{
	fprintf(f, "usage: nr %s list          every %s, from the shipped and the user's files\n"
		   "       nr %s show NAME     one %s in full\n"
		   "Files: $NR_CONFIG_DIR (default ~/.config/nr)/%ss/NAME override the shipped ones;\n"
		   "doc/route.md describes them.\n", what, what, what, what, what);
	return rc;
}

static int catalog(int argc, char **argv, const char *what, int (*list)(void), int (*show)(const char *))
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return help(what, stdout, NR_EXIT_OK);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return list();
	if (argc == 3 && strcmp(argv[1], "show") == 0)
		return show(argv[2]);
	return help(what, stderr, NR_EXIT_USAGE);
}

int nr_cmd_provider(int argc, char **argv)
{
	return catalog(argc, argv, "provider", provider_list, provider_show);
}

int nr_cmd_combo(int argc, char **argv)
{
	return catalog(argc, argv, "combo", combo_list, combo_show);
}
