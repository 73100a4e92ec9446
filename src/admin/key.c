/* key: `nr key add NAME [--caveman] [--no-rtk] | set NAME SETTING... | list |
 * revoke NAME`, the API keys nr-serve accepts and their own settings. */
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
	fprintf(f, "usage: nr key add NAME [--caveman] [--no-rtk]\n"
		   "                            create a key; it is printed once, only its hash is kept\n"
		   "       nr key set NAME rtk=on|off|default caveman=on|off|default\n"
		   "                            change a key's settings (one or both)\n"
		   "       nr key list          names, creation times, settings, revocation times\n"
		   "       nr key revoke NAME   the key stops working at once\n"
		   "A key's settings: rtk (compress the tool results in its requests) and caveman\n"
		   "(ask for terse answers); default follows nr-serve's --no-rtk and --caveman. A\n"
		   "request's x-nr-rtk / x-nr-caveman header overrides the key's setting.\n"
		   "exit: 0 ok, 1 no such key (set, revoke) or the name exists (add), %d usage, %d system error\n",
		NR_EXIT_USAGE, NR_EXIT_SYS);
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

static const char *setting_name(int v)
{
	return v == KEY_ON ? "on" : v == KEY_OFF ? "off" : "default";
}

static void print_key(void *ctx, const struct key_info *k)
{
	(void)ctx;
	printf("%-24s ", k->name);
	print_time(k->created);
	printf("  rtk=%-7s caveman=%s", setting_name(k->settings.rtk), setting_name(k->settings.caveman));
	if (k->revoked > 0) {
		printf("  revoked ");
		print_time(k->revoked);
	}
	printf("\n");
}

/* "rtk=off", "caveman=on" … into s; 0, or -1 (said on stderr). */
static int parse_setting(const char *arg, struct key_settings *s)
{
	static const char *const values[] = { "off", "on", "default" };	/* KEY_OFF, KEY_ON, KEY_DEFAULT */
	const char *eq = strchr(arg, '=');
	int *field = NULL;
	if (eq && (size_t)(eq - arg) == 3 && strncmp(arg, "rtk", 3) == 0)
		field = &s->rtk;
	else if (eq && (size_t)(eq - arg) == 7 && strncmp(arg, "caveman", 7) == 0)
		field = &s->caveman;
	for (int v = 0; field && v < 3; v++)
		if (strcmp(eq + 1, values[v]) == 0) {
			*field = v == 2 ? KEY_DEFAULT : v;
			return 0;
		}
	fprintf(stderr, "nr key: '%s' is not a setting: rtk=on|off|default or caveman=on|off|default\n", arg);
	return -1;
}

/* The arguments after NAME: add's flags, or set's settings (at least one). */
static int parse_options(const char *sub, int argc, char **argv, struct key_settings *s)
{
	int set = strcmp(sub, "set") == 0;
	*s = set ? (struct key_settings){ KEY_UNCHANGED, KEY_UNCHANGED }
		 : (struct key_settings){ KEY_DEFAULT, KEY_DEFAULT };
	if (set && argc < 1) {
		fprintf(stderr, "nr key set: name a setting: rtk=on|off|default or caveman=on|off|default\n");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		if (set && parse_setting(argv[i], s) < 0)
			return -1;
		if (set)
			continue;
		if (strcmp(argv[i], "--caveman") == 0)
			s->caveman = KEY_ON;
		else if (strcmp(argv[i], "--no-rtk") == 0)
			s->rtk = KEY_OFF;
		else {
			fprintf(stderr, "nr key add: unknown option '%s'\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

static int run(sqlite3 *db, const char *sub, const char *name, const struct key_settings *s)
{
	struct buf err = BUF_INIT, key = BUF_INIT;
	int rc = NR_EXIT_OK, r;
	if (strcmp(sub, "add") == 0) {
		if (keys_add(db, name, s, &key, &err) < 0) {
			nr_log("nr key: %s", err.p ? err.p : "unable to create the key");
			rc = err.p && strstr(err.p, "exists") ? 1 : NR_EXIT_SYS;
		} else {
			printf("%s\n", key.p);
			fprintf(stderr, "nr key: created '%s'; this is the only time the key is shown\n", name);
		}
	} else if (strcmp(sub, "list") == 0) {
		if (keys_each(db, print_key, NULL) < 0) {
			nr_log("nr key: unable to list the keys: %s", sqlite3_errmsg(db));
			rc = NR_EXIT_SYS;
		}
	} else if ((r = strcmp(sub, "set") == 0 ? keys_set(db, name, s) : keys_revoke(db, name)) < 0) {
		nr_log("nr key: unable to %s '%s': %s", sub, name, sqlite3_errmsg(db));
		rc = NR_EXIT_SYS;
	} else if (r == 0) {
		fprintf(stderr, "nr key: no live key named '%s'\n", name);
		rc = 1;
	}
	if (key.p)
		explicit_bzero(key.p, key.len);
	buf_free(&key);
	buf_free(&err);
	return rc;
}

int nr_cmd_key(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		key_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? NR_EXIT_USAGE : NR_EXIT_OK;
	}
	const char *sub = argv[1];
	int with_options = strcmp(sub, "add") == 0 || strcmp(sub, "set") == 0;
	int needs_name = with_options || strcmp(sub, "revoke") == 0;
	if ((!needs_name && strcmp(sub, "list") != 0) || argc < (needs_name ? 3 : 2) ||
	    (!with_options && argc != (needs_name ? 3 : 2))) {
		key_usage(stderr);
		return NR_EXIT_USAGE;
	}
	if (needs_name && !nr_admin_valid_name(argv[2])) {
		fprintf(stderr, "nr key: a key name is 1-64 letters, digits, '-', '_' or '.'\n");
		return NR_EXIT_USAGE;
	}
	struct key_settings s = { KEY_DEFAULT, KEY_DEFAULT };
	if (with_options && parse_options(sub, argc - 3, argv + 3, &s) < 0)
		return NR_EXIT_USAGE;
	sqlite3 *db = nr_admin_db("nr key");
	if (!db)
		return NR_EXIT_SYS;
	int rc = run(db, sub, needs_name ? argv[2] : NULL, &s);
	nr_db_close(db);
	return rc;
}
