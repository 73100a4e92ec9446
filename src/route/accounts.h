/* accounts: a provider's keys. Each env var named in `keys=` is an account,
 * and so are NAME_2, NAME_3 … up to the first one unset; empty values are
 * skipped. An account is known by its env var name: that name, never the
 * key, is what logs, errors and usage rows show. */
#ifndef NR_ROUTE_ACCOUNTS_H
#define NR_ROUTE_ACCOUNTS_H

#include <stddef.h>

#include "route/provider.h"

#define NR_ACCOUNTS_MAX 64

struct nr_account {
	char name[128];		/* env var name */
	const char *key;	/* points into the environment */
};

/* Fills v (capacity NR_ACCOUNTS_MAX) and returns the count. auth=none gives
 * one account named "-" with an empty key. */
size_t nr_accounts_list(const struct nr_provider *p, struct nr_account *v);

#endif
