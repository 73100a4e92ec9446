/* accounts: key env vars → accounts (see accounts.h). */
#include "route/accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t add(struct nr_account *v, size_t n, const char *name)
{
	const char *key = getenv(name);
	if (!key || !*key || n >= NR_ACCOUNTS_MAX || strlen(name) >= sizeof v[n].name)
		return n;
	for (size_t i = 0; i < n; i++)	/* listed twice: one account */
		if (strcmp(v[i].name, name) == 0)
			return n;
	strcpy(v[n].name, name);
	v[n].key = key;
	return n + 1;
}

size_t nr_accounts_list(const struct nr_provider *p, struct nr_account *v)
{
	if (p->auth == NR_AUTH_NONE) {
		strcpy(v[0].name, "-");
		v[0].key = "";
		return 1;
	}
	size_t n = 0;
	for (size_t i = 0; i < p->nkey_vars; i++) {
		n = add(v, n, p->key_vars[i]);
		for (int k = 2; k <= NR_ACCOUNTS_MAX; k++) {
			char name[160];
			snprintf(name, sizeof name, "%s_%d", p->key_vars[i], k);
			if (!getenv(name))
				break;
			n = add(v, n, name);
		}
	}
	return n;
}
