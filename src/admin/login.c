/* login: `nr login PROVIDER`, a subscription's account for a provider file
 * with login=codex or login=copilot (route/oauth.h keeps it fresh). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/commands.h"
#include "admin/login.h"
#include "exitcodes.h"
#include "io.h"
#include "logsafe.h"

#define IMPORT_MAX (1L << 20)	/* a credentials file is a few KiB */
#define DEFAULT_TIMEOUT_S 900	/* the device code's life at both vendors */

static void login_usage(FILE *f)
{
	fprintf(f,
		"usage: nr login PROVIDER [--name NAME] [--device] [--import [FILE]] [--no-browser]\n"
		"                [--port N] [--timeout S]\n"
		"Logs in to a subscription and keeps its account in nr.sqlite, for a provider\n"
		"whose file says login=codex or login=copilot (the shipped: codex, copilot).\n"
		"nr renews the tokens itself, one renewal at a time across all its processes;\n"
		"a login the vendor refuses for good shows as 're-login required' in nr status\n"
		"and is skipped until you run nr login again. A running nr-serve uses the\n"
		"account from its next request.\n\n"
		"codex    ChatGPT Plus/Pro/Business, the way the Codex CLI logs in (OpenAI allows\n"
		"         other clients): a browser on this machine (an answer on 127.0.0.1:1455,\n"
		"         else 1457), or --device: a code to enter on any device.\n"
		"         --import [FILE]: the Codex CLI's login ($CODEX_HOME/auth.json, else\n"
		"         ~/.codex/auth.json) is copied. nr then renews it, which ends the CLI's\n"
		"         copy (its refresh token is spent): run `codex login` again for the CLI.\n"
		"copilot  GitHub Copilot, with GitHub's device flow. Opt-in and at your own risk:\n"
		"         GitHub restricts Copilot to its own and approved editors and watches\n"
		"         for unusual traffic; nr identifies itself as the Copilot Chat plugin\n"
		"         only where the API requires it. --import [FILE]: the GitHub token of\n"
		"         ~/.config/github-copilot/apps.json (or hosts.json).\n\n"
		"--name NAME     the account's name (default: from the login's e-mail, else 'default');\n"
		"                a login of an existing name replaces it\n"
		"--no-browser    print the address only (default: also xdg-open it, with a display)\n"
		"--port N        the browser flow's loopback port (0: any; default 1455, then 1457)\n"
		"--timeout S     how long to wait for you (default %d s)\n"
		"Where: the provider's login_url= (default the vendor's) and exchange_url=.\n"
		"exit: 0 logged in, 1 refused, cancelled or not in time, %d usage, %d system error\n",
		DEFAULT_TIMEOUT_S, NR_EXIT_USAGE, NR_EXIT_SYS);
}

/* The whole file at path (at most IMPORT_MAX) into b; 0, or -1 (said). */
static int slurp(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read_all(fd, b, IMPORT_MAX) < 0) {
		fprintf(stderr, "nr login: unable to read %s: %s\n", path, errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The default file to import: the first of the candidates that exists. */
static int default_import(enum nr_login login, struct buf *path)
{
	const char *home = getenv("HOME"), *codex = getenv("CODEX_HOME");
	if (login == NR_LOGIN_CODEX)
		return codex && *codex ? buf_printf(path, "%s/auth.json", codex) : buf_printf(path, "%s/.codex/auth.json", home ? home : "");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	for (int i = 0; i < 2; i++) {
		buf_reset(path);
		if (xdg && *xdg)
			buf_printf(path, "%s/github-copilot/%s", xdg, i ? "hosts.json" : "apps.json");
		else
			buf_printf(path, "%s/.config/github-copilot/%s", home ? home : "", i ? "hosts.json" : "apps.json");
		if (path->p && access(path->p, R_OK) == 0)
			break;
	}
	return path->p ? 0 : -1;
}

/* Codex CLI's auth.json: {"tokens":{"id_token","access_token","refresh_token","account_id"}}. */
static int import_codex(const char *text, struct nr_tokens *t)
{
	jv v = jv_parse(text);
	jv tokens = jv_get_kind(v) == JV_KIND_OBJECT ? jv_object_get(jv_copy(v), jv_string("tokens")) : jv_null();
	int rc = -1;
	struct buf err = BUF_INIT;
	if (jv_get_kind(tokens) != JV_KIND_OBJECT) {
		fprintf(stderr, "nr login: no ChatGPT login in it (no \"tokens\"; an API-key login is imported with nr account add)\n");
	} else {
		jv dumped = jv_dump_string(jv_copy(tokens), 0);
		rc = nr_codex_tokens(jv_string_value(dumped), t, &err);
		jv_free(dumped);
		jv id = jv_object_get(jv_copy(tokens), jv_string("account_id"));
		if (rc == 0 && !t->headers.len && jv_get_kind(id) == JV_KIND_STRING && log_printable(jv_string_value(id)))
			rc = buf_printf(&t->headers, "ChatGPT-Account-ID: %s", jv_string_value(id));
		jv_free(id);
		if (rc == 0 && !t->refresh.len) {
			fprintf(stderr, "nr login: the login in it has no refresh_token: nr could not renew it\n");
			rc = -1;
		} else if (rc < 0) {
			fprintf(stderr, "nr login: %s\n", err.p ? err.p : "out of memory");
		}
	}
	jv_free(tokens);
	jv_free(v);
	buf_free(&err);
	return rc;
}

/* apps.json / hosts.json: {"github.com…":{"oauth_token":"gho_…"}}: the first one. */
static int import_copilot(const struct nr_provider *p, const char *text, struct nr_tokens *t)
{
	jv v = jv_parse(text);
	int rc = -1;
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		jv_object_foreach(v, key, val) {
			jv tok = jv_get_kind(val) == JV_KIND_OBJECT ? jv_object_get(jv_copy(val), jv_string("oauth_token")) : jv_null();
			if (rc < 0 && jv_get_kind(tok) == JV_KIND_STRING && log_printable(jv_string_value(tok)))
				rc = buf_puts(&t->refresh, jv_string_value(tok));
			jv_free(tok);
			jv_free(key);
			jv_free(val);
		}
	}
	jv_free(v);
	if (rc < 0) {
		fprintf(stderr, "nr login: no GitHub token (oauth_token) in it\n");
		return -1;
	}
	struct buf err = BUF_INIT;
	int permanent;
	rc = nr_copilot_exchange(p, t, &err, &permanent);
	if (rc < 0)
		fprintf(stderr, "nr login: %s\n", err.p ? err.p : "the Copilot token exchange failed");
	buf_free(&err);
	return rc;
}

static int import(const struct nr_provider *p, const char *file, struct nr_tokens *t)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int rc = -1;
	if (file ? buf_puts(&path, file) : default_import(p->login, &path))
		fprintf(stderr, "nr login: out of memory\n");
	else if (slurp(path.p, &text) == 0)
		rc = p->login == NR_LOGIN_CODEX ? import_codex(text.p ? text.p : "", t) : import_copilot(p, text.p ? text.p : "", t);
	if (rc == 0)
		fprintf(stderr, "nr login: imported the login of %s\n", path.p);
	if (text.p)
		explicit_bzero(text.p, text.cap);
	buf_free(&text);
	buf_free(&path);
	return rc;
}

/* The account's name: --name, else the e-mail made a name, else "default". */
static void account_name(const struct login_opts *o, const struct nr_tokens *t, char *out, size_t cap)
{
	snprintf(out, cap, "%s", o->name ? o->name : t->email.len ? t->email.p : "default");
	for (char *s = out; *s; s++)
		if (!nr_admin_valid_name((char[]){ *s, '\0' }))
			*s = '_';
	if (!nr_admin_valid_name(out))
		snprintf(out, cap, "default");
}

static int parse_long_opt(const char *v, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long x = v ? strtol(v, &end, 10) : 0;
	if (!v || errno || end == v || *end || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

int nr_cmd_login(int argc, char **argv)
{
	struct login_opts o = { .browser = 1, .port = -1, .timeout_s = DEFAULT_TIMEOUT_S };
	const char *provider = NULL, *file = NULL;
	int imp = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long v;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			login_usage(stdout);
			return NR_EXIT_OK;
		} else if (strcmp(a, "--device") == 0) {
			o.device = 1;
		} else if (strcmp(a, "--no-browser") == 0) {
			o.browser = 0;
		} else if (strcmp(a, "--import") == 0) {
			imp = 1;
			if (i + 1 < argc && argv[i + 1][0] != '-')
				file = argv[++i];
		} else if (strcmp(a, "--name") == 0 && i + 1 < argc) {
			o.name = argv[++i];
			if (!nr_admin_valid_name(o.name)) {
				fprintf(stderr, "nr login: an account name is 1-64 letters, digits, '-', '_' or '.'\n");
				return NR_EXIT_USAGE;
			}
		} else if (strcmp(a, "--port") == 0 && parse_long_opt(i + 1 < argc ? argv[i + 1] : NULL, 0, 65535, &v) == 0) {
			o.port = (int)v;
			i++;
		} else if (strcmp(a, "--timeout") == 0 && parse_long_opt(i + 1 < argc ? argv[i + 1] : NULL, 1, 86400, &v) == 0) {
			o.timeout_s = v;
			i++;
		} else if (a[0] != '-' && !provider) {
			provider = a;
		} else {
			fprintf(stderr, "nr login: bad argument '%s'\n", a);
			login_usage(stderr);
			return NR_EXIT_USAGE;
		}
	}
	if (!provider) {
		login_usage(stderr);
		return NR_EXIT_USAGE;
	}
	struct nr_provider p;
	struct buf err = BUF_INIT;
	if (nr_provider_load(provider, &p, &err) < 0) {
		fprintf(stderr, "nr login: %s\n", err.p ? err.p : "no such provider");
		buf_free(&err);
		return NR_EXIT_USAGE;
	}
	int rc = NR_EXIT_USAGE;
	sqlite3 *db = NULL;
	if (p.login == NR_LOGIN_NONE) {
		fprintf(stderr, "nr login: provider '%s' has no login (login=codex or login=copilot in its file);"
				" an API key is added with nr account add %s NAME\n", provider, provider);
		goto out;
	}
	if (p.login == NR_LOGIN_COPILOT && o.device == 0 && !imp)
		o.device = 1;	/* GitHub's only flow for a CLI */
	rc = NR_EXIT_SYS;
	if (!(db = nr_admin_db("nr login")))	/* before the user's effort, not after */
		goto out;
	struct nr_tokens t = { 0 };
	int got = imp ? import(&p, file, &t)
		  : p.login == NR_LOGIN_COPILOT ? login_copilot_device(&p, &o, &t)
		  : o.device ? login_codex_device(&p, &o, &t) : login_codex_browser(&p, &o, &t);
	rc = 1;
	if (got == 0) {
		char name[65];
		account_name(&o, &t, name, sizeof name);
		if (nr_tokens_store(db, p.name, name, p.login, &t, &err) < 0) {
			fprintf(stderr, "nr login: %s\n", err.p);
			rc = NR_EXIT_SYS;
		} else {
			fprintf(stderr, "nr login: logged in: %s account '%s'%s%s%s; nr uses it from the next request\n",
				p.name, name, t.plan.len ? " (plan " : "", t.plan.len ? t.plan.p : "", t.plan.len ? ")" : "");
			if (p.login == NR_LOGIN_COPILOT)	/* the month's quota, for nr quota at once */
				nr_oauth_copilot_quota(db, &p, name, &t);
			rc = NR_EXIT_OK;
		}
	}
	nr_tokens_free(&t);
out:
	if (db)
		nr_db_close(db);
	nr_provider_free(&p);
	buf_free(&err);
	return rc;
}
