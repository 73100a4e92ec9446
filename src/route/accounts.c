/* accounts: key env vars → accounts (see accounts.h). */
#include "route/accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logsafe.h"

/* A control character would end the Authorization header early and start
 * another (CR LF), or be refused upstream in a way that hides the cause: a key
 * copied from a file with CRLF line ends is the usual way one gets there. */
static int key_ok(const char *name, const char *key)
{
	for (const unsigned char *k = (const unsigned char *)key; *k; k++)
		if (*k < 0x20 || *k == 0x7f) {
			nr_log("nr-route: %s holds a control character (a CR from a file with CRLF line ends?): "
			       "that account is not used", name);
			return 0;
		}
	return 1;
}

static size_t add(struct nr_account *v, size_t n, const char *name)
{
	const char *key = getenv(name);
	if (!key || !*key || n >= NR_ACCOUNTS_MAX || strlen(name) >= sizeof v[n].name || !key_ok(name, key))
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
