/* nr: the admin command. `nr SUBCOMMAND [ARGS]`, one function per subcommand
 * (admin/commands.h). */
#include <stdio.h>
#include <string.h>

#include "admin/commands.h"
#include "exitcodes.h"
#include "leak_check.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "key", nr_cmd_key, "API keys for nr-serve and their rtk/caveman settings: add, set, list, revoke" },
	{ "account", nr_cmd_account, "a provider's stored keys: add PROVIDER NAME (key on stdin), list, rm PROVIDER NAME" },
	{ "login", nr_cmd_login, "log in to a subscription: codex (ChatGPT), copilot (GitHub); nr renews the tokens" },
	{ "provider", nr_cmd_provider, "provider files as nr-route reads them: list, show NAME (key names, never values)" },
	{ "combo", nr_cmd_combo, "combos and their targets in order: list, show NAME" },
	{ "alias", nr_cmd_alias, "model aliases (the names tools send): add PATTERN TARGET, list, rm PATTERN" },
	{ "setup", nr_cmd_setup, "configure a tool for nr: claude, codex, opencode, cline, continue (--print, --yes)" },
	{ "status", nr_cmd_status, "providers (ready, no key, cooling down), accounts, combos' next targets, recent failures" },
	{ "cooldown", nr_cmd_cooldown, "clear [TARGET]: end the cooldowns of a provider, PROVIDER/MODEL, an account, or all" },
	{ "quota", nr_cmd_quota, "each account's quota windows: percent used, reset time and countdown (--json)" },
	{ "db", nr_cmd_db, "the database: status, migrate, sync (a team's PostgreSQL), export FILE, import FILE" },
	{ "usage", nr_cmd_usage, "requests, tokens, cost and fallbacks from the usage rows (--json, --since, --by)" },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: nr COMMAND [ARGS]   (nr COMMAND --help for its options)\n\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nenv: NR_DATA_DIR (default ~/.local/share/nr) holds nr.sqlite; NR_CONFIG_DIR\n"
		   "(default ~/.config/nr) the user's providers/, combos/ and aliases\n"
		   "exit: 0 ok, %d usage, %d system error (e.g. the database cannot be opened)\n",
		NR_EXIT_USAGE, NR_EXIT_SYS);
}

NR_LEAK_CHECK_AT_EXIT(0, 1)

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return NR_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return NR_EXIT_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "nr: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return NR_EXIT_USAGE;
}
