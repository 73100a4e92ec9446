/* account: `nr account add PROVIDER NAME | list [PROVIDER] | rm PROVIDER NAME`,
 * a provider's keys kept in the database beside those of the environment
 * (route/accounts.h). A key comes on stdin, never on the command line (where
 * ps and the shell's history would show it), and is never printed again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "admin/commands.h"
#include "db.h"
#include "exitcodes.h"
#include "logsafe.h"
#include "route/accounts.h"
#include "route/provider.h"

#define KEY_MAX 65536	/* an OAuth token is a few KiB; more is no key */

static void account_usage(FILE *f)
{
	fprintf(f, "usage: nr account add PROVIDER NAME   the key on stdin (one line), e.g.\n"
		   "                                       nr account add deepseek work <key-file\n"
		   "                                       (at a terminal: asked for, not echoed)\n"
		   "       nr account list [PROVIDER]     stored accounts: provider, name, when added\n"
		   "       nr account rm PROVIDER NAME    the account is not used from the next request\n"
		   "A provider's accounts are its key variables (keys= in its file) and these;\n"
		   "a running nr-serve sees an account added or removed at its next request.\n"
		   "The key is kept in nr.sqlite (mode 0600) and never shown; `nr status` shows\n"
		   "every account by name.\n"
		   "exit: 0 ok, 1 no such account (rm) or the name exists (add), %d no usable key\n"
		   "on stdin, %d usage, %d system error\n",
		NR_EXIT_DATA, NR_EXIT_USAGE, NR_EXIT_SYS);
}

/* The key from stdin: one line, its line end dropped. 0, or -1 (said). */
static int read_key(const char *provider, const char *name, struct buf *key)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fprintf(stderr, "key for %s account '%s': ", provider, name);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0)
			tty = 0;
	}
	char chunk[4096];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
		if (key->len + n > KEY_MAX || buf_append(key, chunk, n) < 0) {
			rc = -1;
			break;
		}
		if (tty && memchr(chunk, '\n', n))
			break;	/* a terminal gives one line, not an end of file */
	}
	explicit_bzero(chunk, sizeof chunk);
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (rc < 0 || ferror(stdin)) {
		fprintf(stderr, "nr account: %s\n", rc < 0 ? "the key is longer than 64 KiB: not a key" : strerror(errno));
		return -1;
	}
	if (key->len && key->p[key->len - 1] == '\n')
		key->p[--key->len] = '\0';
	if (key->len && key->p[key->len - 1] == '\r')
		key->p[--key->len] = '\0';
	if (key->len == 0) {
		fprintf(stderr, "nr account: no key on stdin (give it as one line: nr account add %s %s <file)\n",
			provider, name);
		return -1;
	}
	int control = 0;
	for (size_t i = 0; i < key->len; i++)
		control |= (unsigned char)key->p[i] < 0x20 || key->p[i] == 0x7f;
	if (control) {	/* a CR or LF would end the Authorization header early */
		fprintf(stderr, "nr account: the key holds a control character or a line break: one line, please\n");
		return -1;
	}
	return 0;
}

static int add(sqlite3 *db, const char *provider, const char *name)
{
	struct nr_provider p;
	struct buf err = BUF_INIT, key = BUF_INIT;
	if (nr_provider_load(provider, &p, &err) < 0) {
		fprintf(stderr, "nr account: %s\n", err.p ? err.p : "no such provider");
		buf_free(&err);
		return NR_EXIT_USAGE;
	}
	enum nr_auth auth = p.auth;
	nr_provider_free(&p);
	buf_free(&err);
	if (auth == NR_AUTH_NONE || auth == NR_AUTH_PASSTHROUGH) {
		fprintf(stderr, "nr account: provider '%s' takes %s\n", provider,
			auth == NR_AUTH_NONE ? "no key (auth=none)" : "each client's own credential (auth=passthrough)");
		return NR_EXIT_USAGE;
	}
	if (read_key(provider, name, &key) < 0) {
		if (key.p)
			explicit_bzero(key.p, key.len);
		buf_free(&key);
		return NR_EXIT_DATA;
	}
	sqlite3_stmt *st;
	int rc = NR_EXIT_SYS;
	if (sqlite3_prepare_v2(db, "INSERT INTO accounts (provider, name, secret, added) VALUES (?, ?, ?, ?)",
			       -1, &st, NULL) == SQLITE_OK) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, key.p, (int)key.len, SQLITE_STATIC);
		sqlite3_bind_double(st, 4, (double)ts.tv_sec + ts.tv_nsec / 1e9);
		int r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r == SQLITE_DONE) {
			fprintf(stderr, "nr account: added %s account '%s'\n", provider, name);
			rc = NR_EXIT_OK;
		} else if (r == SQLITE_CONSTRAINT) {
			fprintf(stderr, "nr account: %s has an account named '%s' already (nr account rm %s %s first)\n",
				provider, name, provider, name);
			rc = 1;
		}
	}
	if (rc == NR_EXIT_SYS)
		nr_log("nr account: unable to store the account: %s", sqlite3_errmsg(db));
	explicit_bzero(key.p, key.len);
	buf_free(&key);
	return rc;
}

static int list(sqlite3 *db, const char *provider)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT provider, name, added FROM accounts WHERE ?1 IS NULL OR provider = ?1"
			       " ORDER BY provider, added, name", -1, &st, NULL) != SQLITE_OK) {
		nr_log("nr account: unable to list the accounts: %s", sqlite3_errmsg(db));
		return NR_EXIT_SYS;
	}
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		time_t t = (time_t)sqlite3_column_double(st, 2);
		struct tm tm;
		char when[32] = "-";
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%-16s %-24s %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1), when);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		nr_log("nr account: unable to list the accounts: %s", sqlite3_errmsg(db));
		return NR_EXIT_SYS;
	}
	return fflush(stdout) == 0 ? NR_EXIT_OK : NR_EXIT_SYS;
}

static int rm(sqlite3 *db, const char *provider, const char *name)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "DELETE FROM accounts WHERE provider = ? AND name = ?", -1, &st, NULL) != SQLITE_OK) {
		nr_log("nr account: unable to remove the account: %s", sqlite3_errmsg(db));
		return NR_EXIT_SYS;
	}
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		nr_log("nr account: unable to remove the account: %s", sqlite3_errmsg(db));
		return NR_EXIT_SYS;
	}
	if (sqlite3_changes(db) == 0) {
		fprintf(stderr, "nr account: %s has no stored account named '%s'\n", provider, name);
		return 1;
	}
	fprintf(stderr, "nr account: removed %s account '%s'\n", provider, name);
	return NR_EXIT_OK;
}

int nr_cmd_account(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		account_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? NR_EXIT_USAGE : NR_EXIT_OK;
	}
	const char *sub = argv[1];
	int is_list = strcmp(sub, "list") == 0, pair = strcmp(sub, "add") == 0 || strcmp(sub, "rm") == 0;
	if ((!is_list && !pair) || (pair && argc != 4) || (is_list && argc > 3)) {
		account_usage(stderr);
		return NR_EXIT_USAGE;
	}
	if (pair && !nr_admin_valid_name(argv[3])) {
		fprintf(stderr, "nr account: an account name is 1-64 letters, digits, '-', '_' or '.'\n");
		return NR_EXIT_USAGE;
	}
	sqlite3 *db = nr_admin_db("nr account");
	if (!db)
		return NR_EXIT_SYS;
	int rc = is_list ? list(db, argc == 3 ? argv[2] : NULL)
		 : strcmp(sub, "add") == 0 ? add(db, argv[2], argv[3]) : rm(db, argv[2], argv[3]);
	nr_db_close(db);
	return rc;
}
