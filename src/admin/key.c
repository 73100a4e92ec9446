/* key: `nr key add NAME | list | revoke NAME`, the API keys nr-serve accepts. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin/commands.h"
#include "db.h"
#include "exitcodes.h"
#include "keys.h"
#include "logsafe.h"

static void key_usage(FILE *f)
{
	fprintf(f, "usage: nr key add NAME      create a key; it is printed once, only its hash is kept\n"
		   "       nr key list          names, creation and revocation times\n"
		   "       nr key revoke NAME   the key stops working at once\n"
		   "exit: 0 ok, 1 no such key (revoke) or the name exists (add), %d usage, %d system error\n",
		NR_EXIT_USAGE, NR_EXIT_SYS);
}

static int valid_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static void print_time(double t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];
	if (gmtime_r(&tt, &tm) && strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		printf("%s", s);
	else
		printf("-");
}

static void print_key(void *ctx, const char *name, double created, double revoked)
{
	(void)ctx;
	printf("%-24s ", name);
	print_time(created);
	if (revoked > 0) {
		printf("  revoked ");
		print_time(revoked);
	}
	printf("\n");
}

int nr_cmd_key(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		key_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? NR_EXIT_USAGE : NR_EXIT_OK;
	}
	const char *sub = argv[1];
	int needs_name = strcmp(sub, "add") == 0 || strcmp(sub, "revoke") == 0;
	if ((!needs_name && strcmp(sub, "list") != 0) || argc != (needs_name ? 3 : 2)) {
		key_usage(stderr);
		return NR_EXIT_USAGE;
	}
	if (needs_name && !valid_name(argv[2])) {
		fprintf(stderr, "nr key: a key name is 1-64 letters, digits, '-', '_' or '.'\n");
		return NR_EXIT_USAGE;
	}
	struct buf err = BUF_INIT, key = BUF_INIT;
	sqlite3 *db = nr_db_open(&err);
	if (!db) {
		nr_log("nr key: %s", err.p ? err.p : "unable to open the database");
		buf_free(&err);
		return NR_EXIT_SYS;
	}
	int rc = NR_EXIT_OK;
	if (strcmp(sub, "add") == 0) {
		if (keys_add(db, argv[2], &key, &err) < 0) {
			nr_log("nr key: %s", err.p ? err.p : "unable to create the key");
			rc = err.p && strstr(err.p, "exists") ? 1 : NR_EXIT_SYS;
		} else {
			printf("%s\n", key.p);
			fprintf(stderr, "nr key: created '%s'; this is the only time the key is shown\n",
				argv[2]);
		}
	} else if (strcmp(sub, "revoke") == 0) {
		int r = keys_revoke(db, argv[2]);
		if (r < 0) {
			nr_log("nr key: unable to revoke '%s': %s", argv[2], sqlite3_errmsg(db));
			rc = NR_EXIT_SYS;
		} else if (r == 0) {
			fprintf(stderr, "nr key: no live key named '%s'\n", argv[2]);
			rc = 1;
		}
	} else if (keys_each(db, print_key, NULL) < 0) {
		nr_log("nr key: unable to list the keys: %s", sqlite3_errmsg(db));
		rc = NR_EXIT_SYS;
	}
	if (key.p)
		explicit_bzero(key.p, key.len);
	buf_free(&key);
	buf_free(&err);
	nr_db_close(db);
	return rc;
}
