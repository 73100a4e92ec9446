/* alias: `nr alias add PATTERN TARGET | list | rm PATTERN` — the user's
 * aliases file ($NR_CONFIG_DIR/aliases), edited atomically (a temp file in the
 * same directory, then rename), beside the shipped share/aliases. Parsing and
 * matching are nr-route's own (route/alias.h): what `nr alias` accepts is what
 * the router reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin/commands.h"
#include "exitcodes.h"
#include "io.h"
#include "logsafe.h"
#include "route/alias.h"
#include "route/dirs.h"
#include "route/target.h"

static int alias_usage(FILE *f, int rc)
{
	fprintf(f, "usage: nr alias add PATTERN TARGET   map a model name or glob to PROVIDER/MODEL or a combo\n"
		   "       nr alias list                 the user's and the shipped aliases, in lookup order\n"
		   "       nr alias rm PATTERN           remove the user's alias for PATTERN\n"
		   "PATTERN: a name or an fnmatch(3) glob (claude-haiku-*), no '/'. Lookup order of a model\n"
		   "name: PROVIDER/MODEL (never aliased), a combo, the user's aliases, the providers'\n"
		   "models= (with a shipped alias's targets as fallbacks), the shipped aliases. In each\n"
		   "file an exact name beats the globs; among globs the first match wins.\n"
		   "files: $NR_CONFIG_DIR (default ~/.config/nr)/aliases, then share/aliases\n"
		   "exit: 0 ok, %d bad pattern or target (or no such alias), %d usage, %d system error\n",
		NR_EXIT_DATA, NR_EXIT_USAGE, NR_EXIT_SYS);
	return rc;
}

/* The user's file: its path, text and aliases; 0, or an exit code. */
struct user_file {
	struct buf path, text;
	struct nr_aliases a;
};

static void user_file_free(struct user_file *u)
{
	buf_free(&u->path);
	buf_free(&u->text);
	nr_aliases_free(&u->a);
}

static int user_file_read(struct user_file *u)
{
	*u = (struct user_file){ BUF_INIT, BUF_INIT, { 0 } };
	struct buf err = BUF_INIT;
	if (nr_alias_path(NR_ALIAS_USER, &u->path) < 0) {
		fprintf(stderr, "nr alias: no config dir: set NR_CONFIG_DIR or HOME\n");
		return NR_EXIT_USAGE;
	}
	int fd = open(u->path.p, O_RDONLY | O_CLOEXEC), rc = NR_EXIT_OK;
	if (fd < 0 && errno != ENOENT) {
		nr_log("nr alias: unable to read %s: %s", u->path.p, strerror(errno));
		return NR_EXIT_SYS;
	}
	if (fd >= 0 && read_all(fd, &u->text, NR_ALIAS_FILE_MAX) < 0) {
		nr_log("nr alias: unable to read %s: %s", u->path.p, strerror(errno));
		rc = NR_EXIT_SYS;
	}
	if (fd >= 0)
		close(fd);
	if (rc == NR_EXIT_OK && nr_aliases_parse(u->text.p ? u->text.p : "", u->path.p, &u->a, &err) < 0) {
		nr_log("nr alias: %s (fix that line first)", err.p ? err.p : "out of memory");
		rc = NR_EXIT_DATA;
	}
	buf_free(&err);
	return rc;
}

/* The user's text into out, every line holding an alias for pattern taken
 * out but the first, which becomes `line` (dropped too when line is NULL);
 * when there is none, line is appended. 0, or -1 out of memory. */
static int edited(const struct user_file *u, const char *pattern, const char *line, struct buf *out)
{
	int lineno = 0, rc = 0, seen = 0;
	for (const char *p = u->text.p ? u->text.p : ""; *p && rc == 0;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		int mine = 0;
		lineno++;
		for (size_t i = 0; i < u->a.n && !mine; i++)
			mine = u->a.v[i].line == lineno && strcmp(u->a.v[i].pattern, pattern) == 0;
		if (!mine)
			rc = buf_append(out, p, n);
		else if (line && !seen++)	/* replaced where it stood: its place decides among globs */
			rc = buf_printf(out, "%s\n", line);
		p += n;
	}
	if (rc == 0 && out->len && out->p[out->len - 1] != '\n')
		rc = buf_putc(out, '\n');
	if (rc == 0 && !seen && line)
		rc = buf_printf(out, "%s\n", line);
	return rc;
}

/* mkdir -p dir (the config dir and its parents: ~/.config may not exist). */
static int make_dirs(char *dir)
{
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = '\0';
		int r = mkdir(dir, 0700) < 0 && errno != EEXIST ? -1 : 0;
		*p = c;
		if (r < 0 || !c)
			return r;
	}
}

/* Replaces the file at path (the file a symlink there points to) by text: a
 * temp file beside it, written, synced and renamed over it, so a reader sees
 * the old file or the new, never half of one. */
static int replace_file(const char *path, const struct buf *text)
{
	struct buf tmp = BUF_INIT, dir = BUF_INIT;
	int fd = -1, rc = NR_EXIT_SYS, ok = 0;
	char *real = realpath(path, NULL);	/* NULL when it does not exist yet */
	const char *file = real ? real : path, *slash = strrchr(file, '/');
	struct stat st;
	mode_t mode = stat(file, &st) == 0 ? st.st_mode & 07777 : 0644;
	if (!slash || buf_append(&dir, file, (size_t)(slash - file)) < 0 || buf_printf(&tmp, "%s.XXXXXX", file) < 0)
		goto out;
	if (dir.len && make_dirs(dir.p) < 0) {
		nr_log("nr alias: unable to create %s: %s", dir.p, strerror(errno));
		goto out;
	}
	ok = (fd = mkostemp(tmp.p, O_CLOEXEC)) >= 0 && fchmod(fd, mode) == 0 &&
	     write_all(fd, text->p ? text->p : "", text->len) == 0 && fsync(fd) == 0;
	if (fd >= 0 && close(fd) < 0)
		ok = 0;
	if (ok && rename(tmp.p, file) < 0)
		ok = 0;
	if (!ok) {
		nr_log("nr alias: unable to write %s: %s", file, strerror(errno));
		if (fd >= 0)
			unlink(tmp.p);
		goto out;
	}
	rc = NR_EXIT_OK;
out:
	free(real);
	buf_free(&tmp);
	buf_free(&dir);
	return rc;
}

/* Nonzero when a combo file of that name exists (not run: an executable
 * combo is the user's program, for routing only). */
static int combo_exists(const char *name)
{
	struct buf dir = BUF_INIT;
	struct stat st;
	int found = 0;
	for (int i = 0; i < 2 && !found && nr_name_ok(name); i++)
		if ((i == 0 ? nr_config_dir(&dir) : nr_share_dir(&dir)) == 0 &&
		    buf_printf(&dir, "/combos/%s", name) == 0)
			found = stat(dir.p, &st) == 0 && S_ISREG(st.st_mode);
	buf_free(&dir);
	return found;
}

/* The line of pattern in a (the first), or 0. */
static int line_of(const struct nr_aliases *a, const char *pattern)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].pattern, pattern) == 0)
			return a->v[i].line;
	return 0;
}

/* Nonzero when name is what an alias of either file stands for. */
static int is_alias(const char *name)
{
	for (int o = NR_ALIAS_USER; o <= NR_ALIAS_SHIPPED; o++) {
		const struct nr_aliases *set;
		struct buf err = BUF_INIT;
		int found = nr_aliases_load((enum nr_alias_origin)o, &set, &err) == 0 && nr_alias_match(set, name);
		buf_free(&err);
		if (found)
			return 1;
	}
	return 0;
}

/* The target must resolve now, as nr-route would resolve it. */
static int check_target(const char *target)
{
	const char *why = nr_alias_target_error(target);
	if (why) {
		nr_log("nr alias: bad target '%s': %s", target, why);
		return NR_EXIT_DATA;
	}
	struct nr_targets t;
	struct buf err = BUF_INIT;
	int r = nr_targets_resolve_direct(target, "openai", &t, &err);
	if (r == 0)
		nr_log("nr alias: bad target '%s': %s (an alias names PROVIDER/MODEL or a combo, never another "
		       "alias, so aliases cannot loop)", target,
		       is_alias(target) ? "it is itself an alias" : "no combo of that name");
	else if (r < 0)
		nr_log("nr alias: bad target '%s': %s", target, err.p ? err.p : "cannot be resolved");
	else
		nr_targets_free(&t);
	buf_free(&err);
	return r > 0 ? NR_EXIT_OK : NR_EXIT_DATA;
}

static int alias_add(const char *pattern, const char *target)
{
	const char *why = nr_alias_pattern_error(pattern);
	if (why) {
		nr_log("nr alias: bad pattern '%s': %s", pattern, why);
		return NR_EXIT_DATA;
	}
	if (combo_exists(pattern)) {
		nr_log("nr alias: '%s' is a combo's name, and a combo comes before any alias: "
		       "this alias would never be used", pattern);
		return NR_EXIT_DATA;
	}
	int rc = check_target(target);
	if (rc != NR_EXIT_OK)
		return rc;
	struct user_file u;
	if ((rc = user_file_read(&u)) != NR_EXIT_OK) {
		user_file_free(&u);
		return rc;
	}
	struct buf line = BUF_INIT, out = BUF_INIT;
	if (buf_printf(&line, "%-19s %s", pattern, target) < 0 || edited(&u, pattern, line.p, &out) < 0)
		rc = NR_EXIT_SYS;
	if (rc == NR_EXIT_OK)
		rc = replace_file(u.path.p, &out);
	user_file_free(&u);
	buf_free(&line);
	buf_free(&out);
	return rc;
}

static int alias_rm(const char *pattern)
{
	struct user_file u;
	int rc = user_file_read(&u);
	struct buf out = BUF_INIT;
	if (rc == NR_EXIT_OK && !line_of(&u.a, pattern)) {
		nr_log("nr alias: no alias '%s' in %s (a shipped alias cannot be removed, only overridden: "
		       "nr alias add PATTERN TARGET)", pattern, u.path.p);
		rc = NR_EXIT_DATA;
	}
	if (rc == NR_EXIT_OK && edited(&u, pattern, NULL, &out) < 0)
		rc = NR_EXIT_SYS;
	if (rc == NR_EXIT_OK)
		rc = replace_file(u.path.p, &out);
	user_file_free(&u);
	buf_free(&out);
	return rc;
}

/* How an alias of origin o fares in the lookup (alias.h): a shipped one
 * whose pattern the user's file has, or an exact name a combo takes first,
 * is never used. */
static void print_fate(const struct nr_alias *x, enum nr_alias_origin o, const struct nr_aliases *user)
{
	int at = o == NR_ALIAS_SHIPPED ? line_of(user, x->pattern) : 0;
	int combo = !x->glob && combo_exists(x->pattern);
	printf("%-19s %-28s %s line %d", x->pattern, x->target, o == NR_ALIAS_USER ? "user" : "shipped", x->line);
	if (at)
		printf(", overridden by user line %d", at);
	else if (combo)
		printf(", never used: the combo %s comes first", x->pattern);
	printf("\n");
}

static int alias_list(void)
{
	const struct nr_aliases *set[2];
	int rc = NR_EXIT_OK;
	for (int o = NR_ALIAS_USER; o <= NR_ALIAS_SHIPPED; o++) {
		struct buf err = BUF_INIT, path = BUF_INIT;
		if (nr_aliases_load((enum nr_alias_origin)o, &set[o], &err) < 0) {
			nr_log("nr alias: %s", err.p ? err.p : "out of memory");
			rc = NR_EXIT_DATA;
		}
		printf("# %s: %s%s\n", o == NR_ALIAS_USER ? "user" : "shipped",
		       nr_alias_path((enum nr_alias_origin)o, &path) == 0 ? path.p : "(no such dir)",
		       o == NR_ALIAS_USER ? " (read first)" : "");
		for (int glob = 0; glob < 2; glob++)	/* the lookup's order: exact names, then globs */
			for (size_t i = 0; i < set[o]->n; i++)
				if (set[o]->v[i].glob == glob)
					print_fate(&set[o]->v[i], (enum nr_alias_origin)o, set[NR_ALIAS_USER]);
		buf_free(&err);
		buf_free(&path);
	}
	return rc;
}

int nr_cmd_alias(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return alias_usage(stdout, NR_EXIT_OK);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return alias_list();
	if (argc == 4 && strcmp(argv[1], "add") == 0)
		return alias_add(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "rm") == 0)
		return alias_rm(argv[2]);
	return alias_usage(stderr, NR_EXIT_USAGE);
}
