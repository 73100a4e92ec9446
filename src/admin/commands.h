/* commands: the `nr` subcommands. Each takes its own argv (argv[0] is the
 * subcommand's name) and returns an exit code from exitcodes.h. */
#ifndef NR_ADMIN_COMMANDS_H
#define NR_ADMIN_COMMANDS_H

#include "db.h"

int nr_cmd_usage(int argc, char **argv);
int nr_cmd_key(int argc, char **argv);
int nr_cmd_account(int argc, char **argv);
int nr_cmd_login(int argc, char **argv);
int nr_cmd_provider(int argc, char **argv);
int nr_cmd_combo(int argc, char **argv);
int nr_cmd_alias(int argc, char **argv);
int nr_cmd_setup(int argc, char **argv);
int nr_cmd_status(int argc, char **argv);
int nr_cmd_cooldown(int argc, char **argv);
int nr_cmd_quota(int argc, char **argv);
int nr_cmd_db(int argc, char **argv);

/* nr quota's report: the windows and budgets as text on stdout, or (json)
 * {"windows":[…],"budgets":[…]} appended to json_out. An exit code. */
int nr_quota_report(sqlite3 *db, int json, struct buf *json_out);

/* nr_db_open for command `cmd` ("nr key"): NULL when it failed, said on
 * stderr; the caller exits NR_EXIT_SYS. */
sqlite3 *nr_admin_db(const char *cmd);

/* Nonzero for a name of 1-64 letters, digits, '-', '_' or '.' (a key's, an
 * account's): one that reads well in scopes, rows and listings. */
int nr_admin_valid_name(const char *s);

#endif
