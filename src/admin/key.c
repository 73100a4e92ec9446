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
#include "route/key_policy.h"

static void key_usage(FILE *f)
{
	fprintf(f, "usage: nr key add NAME [--caveman] [--no-rtk]\n"
		   "                            create a key; it is printed once, only its hash is kept\n"
		   "       nr key set NAME SETTING=VALUE...\n"
		   "                            change a key's settings and policy\n"
		   "       nr key list          names, creation times, settings, policy, revocation times\n"
		   "       nr key revoke NAME   the key stops working at once\n"
		   "A key's settings: rtk=on|off|default (compress the tool results in its requests)\n"
		   "and caveman=on|off|default (ask for terse answers); default follows nr-serve's\n"
		   "--no-rtk and --caveman. A request's x-nr-rtk / x-nr-caveman header overrides them.\n"
		   "Its policy (none: no limit): allow=PATTERN,... (only targets PROVIDER/MODEL, or\n"
		   "requested names, matching one), deny=PATTERN,... (refused, before allow),\n"
		   "budget_day=USD, budget_month=USD (its spend per UTC day, month), rate=N\n"
		   "(requests a minute). A request outside it gets a 403 or 429 naming the rule.\n"
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

/* The parts of a live key's policy that are set. */
static void print_policy(sqlite3 *db, const char *name)
{
	struct key_policy kp = KEY_POLICY_INIT;
	if (key_policy_load(db, name, &kp) > 0) {
		if (kp.allow.len)
			printf("  allow=%s", kp.allow.p);
		if (kp.deny.len)
			printf("  deny=%s", kp.deny.p);
		if (kp.budget_day >= 0)
			printf("  budget_day=%g", kp.budget_day);
		if (kp.budget_month >= 0)
			printf("  budget_month=%g", kp.budget_month);
		if (kp.rate > 0)
			printf("  rate=%ld", kp.rate);
	}
	key_policy_free(&kp);
}

static void print_key(void *ctx, const struct key_info *k)
{
	printf("%-24s ", k->name);
	print_time(k->created);
	printf("  rtk=%-7s caveman=%s", setting_name(k->settings.rtk), setting_name(k->settings.caveman));
	print_policy(ctx, k->name);
	if (k->revoked > 0) {
		printf("  revoked ");
		print_time(k->revoked);
	}
	printf("\n");
}

/* "rtk=off", "caveman=on" … into s (a policy field is left for
 * key_policy_set); 0, or -1 (said on stderr). */
static int parse_setting(const char *arg, struct key_settings *s)
{
	static const char *const values[] = { "off", "on", "default" };	/* KEY_OFF, KEY_ON, KEY_DEFAULT */
	if (key_policy_field(arg))
		return 0;
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
	fprintf(stderr, "nr key: '%s' is not a setting: rtk=on|off|default, caveman=on|off|default, allow=,"
			" deny=, budget_day=, budget_month= or rate=\n", arg);
	return -1;
}

/* The arguments after NAME: add's flags, or set's settings (at least one). */
static int parse_options(const char *sub, int argc, char **argv, struct key_settings *s)
{
	int set = strcmp(sub, "set") == 0;
	*s = set ? (struct key_settings){ KEY_UNCHANGED, KEY_UNCHANGED }
		 : (struct key_settings){ KEY_DEFAULT, KEY_DEFAULT };
	if (set && argc < 1) {
		fprintf(stderr, "nr key set: name a setting: rtk=, caveman=, allow=, deny=, budget_day=, budget_month="
				" or rate= (nr key --help)\n");
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

/* nr key set: the settings, then each policy field of args, in one
 * transaction: a bad value changes nothing. */
static int set(sqlite3 *db, const char *name, const struct key_settings *s, int argc, char *const *argv)
{
	struct buf err = BUF_INIT;
	int rc = nr_db_begin(db) < 0 ? -1 : keys_set(db, name, s);
	for (int i = 0; rc > 0 && i < argc; i++)
		if (key_policy_field(argv[i]))
			rc = key_policy_set(db, name, argv[i], &err);
	if (rc > 0 && nr_db_commit(db) < 0)
		rc = -1;
	if (rc <= 0)
		nr_db_rollback(db);
	if (rc < 0 && err.p) {
		fprintf(stderr, "nr key set: %s\n", err.p);
		rc = -2;	/* a bad value: the caller's */
	}
	buf_free(&err);
	return rc;
}

static int run(sqlite3 *db, const char *sub, const char *name, const struct key_settings *s, int argc, char **argv)
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
		if (keys_each(db, print_key, db) < 0) {
			nr_log("nr key: unable to list the keys: %s", sqlite3_errmsg(db));
			rc = NR_EXIT_SYS;
		}
	} else if ((r = strcmp(sub, "set") == 0 ? set(db, name, s, argc, argv) : keys_revoke(db, name)) == -2) {
		rc = NR_EXIT_USAGE;
	} else if (r < 0) {
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
	int rc = run(db, sub, needs_name ? argv[2] : NULL, &s, argc - 3, argv + 3);
	nr_db_close(db);
	return rc;
}
