/* pipeline: parse a pipeline of stages and find their programs (pipeline.h).
 * The syntax is a shell's simple commands joined by '|': words split on
 * blanks, '…' quotes literally, "…" quotes with \" \\ \$ \` escapes, a
 * backslash escapes the next character. No expansion, redirection or
 * sequencing: a stage that needs them is written as sh -c '…'. */
#include "serve/pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "route/dirs.h"
#include "self.h"

static void free_words(char **w)
{
	if (!w)
		return;
	for (size_t i = 0; w[i]; i++)
		free(w[i]);
	free(w);
}

static int push_word(char ***w, size_t *n, struct buf *word)
{
	char **nw = reallocarray(*w, *n + 2, sizeof **w);
	if (!nw)
		return -1;
	*w = nw;
	size_t len;
	char *s = word->p ? buf_steal(word, &len) : strdup("");
	if (!s)
		return -1;
	nw[(*n)++] = s;
	nw[*n] = NULL;
	return 0;
}

/* Splits one stage's text (up to the next unquoted '|') into words; *pos
 * moves past it and its '|'. 0; -1 with *err. */
static int split_stage(const char *s, size_t *pos, char ***words, struct buf *err)
{
	char **w = NULL;
	size_t n = 0, i = *pos;
	struct buf word = BUF_INIT;
	int in_word = 0, rc = -1;
	for (;; i++) {
		char c = s[i];
		if (c == '\0' || c == '|' || c == ' ' || c == '\t' || c == '\n') {
			if (in_word && push_word(&w, &n, &word) < 0)
				goto nomem;
			in_word = 0;
			if (c == '\0' || c == '|')
				break;
			continue;
		}
		in_word = 1;
		if (c == '\'') {
			const char *end = strchr(s + i + 1, '\'');
			if (!end) {
				buf_printf(err, "an unclosed ' in the pipeline");
				goto out;
			}
			if (buf_append(&word, s + i + 1, (size_t)(end - s - i - 1)) < 0 || buf_reserve(&word, 1) < 0)
				goto nomem;
			i = (size_t)(end - s);
		} else if (c == '"') {
			if (buf_reserve(&word, 1) < 0)
				goto nomem;
			for (i++; s[i] != '"'; i++) {
				if (s[i] == '\0') {
					buf_printf(err, "an unclosed \" in the pipeline");
					goto out;
				}
				if (s[i] == '\\' && s[i + 1] && strchr("\"\\$`", s[i + 1]))
					i++;
				if (buf_putc(&word, s[i]) < 0)
					goto nomem;
			}
		} else if (c == '\\') {
			if (s[i + 1] == '\0') {
				buf_printf(err, "a \\ at the end of the pipeline");
				goto out;
			}
			if (buf_putc(&word, s[++i]) < 0)
				goto nomem;
		} else if (strchr("<>;&$`()*?[", c)) {
			buf_printf(err, "'%c' is shell syntax, which a pipeline stage does not take "
					"(write sh -c '...' for a shell)", c);
			goto out;
		} else if (buf_putc(&word, c) < 0) {
			goto nomem;
		}
	}
	if (n == 0) {
		buf_printf(err, "an empty stage in the pipeline");
		goto out;
	}
	*pos = s[i] == '|' ? i + 1 : i;
	*words = w;
	w = NULL;
	rc = 0;
	goto out;
nomem:
	buf_printf(err, "out of memory");
out:
	buf_free(&word);
	free_words(w);
	return rc;
}

static int is_stock(const char *name)
{
	return strcmp(name, "rtk-filter") == 0 || strcmp(name, "nr-route") == 0 ||
	       strcmp(name, "nr-translate") == 0;
}

/* dir/name when it is an executable file, in a new string. */
static char *executable_in(const char *dir, size_t dlen, const char *name)
{
	struct buf b = BUF_INIT;
	if (buf_append(&b, dir, dlen) < 0 || buf_putc(&b, '/') < 0 || buf_puts(&b, name) < 0) {
		buf_free(&b);
		return NULL;
	}
	if (access(b.p, X_OK) == 0)
		return b.p;
	buf_free(&b);
	return NULL;
}

/* The program a stage runs: a path as written; a stock program next to this
 * one (as git finds its own commands); else the first in PATH. */
static char *find_program(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? strdup(name) : NULL;
	if (is_stock(name)) {
		struct buf self = BUF_INIT;
		char *p = nr_exe_dir(&self) == 0 ? executable_in(self.p, self.len, name) : NULL;
		buf_free(&self);
		if (p)
			return p;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *d = path;;) {
		const char *end = strchrnul(d, ':');
		char *p = executable_in(end > d ? d : ".", end > d ? (size_t)(end - d) : 1, name);
		if (p)
			return p;
		if (!*end)
			return NULL;
		d = end + 1;
	}
}

/* Recognises the stock stages the server runs itself. Any other spelling
 * (another option, a path to the program) is run as the command it names. */
static void classify(struct stage *st)
{
	char **a = st->argv;
	if (strcmp(a[0], "nr-route") == 0 && !a[1]) {
		st->kind = STAGE_ROUTE;
		return;
	}
	if (strcmp(a[0], "rtk-filter") != 0)
		return;
	int request = 0, facts = 0, caveman = 0;
	for (size_t i = 1; a[i]; i++) {
		if (strcmp(a[i], "--request") == 0)
			request = 1;
		else if (strcmp(a[i], "--facts") == 0)
			facts = 1;
		else if (strcmp(a[i], "--caveman") == 0)
			caveman = 1;
		else
			return;
	}
	if (!request)
		return;
	st->kind = STAGE_RTK;
	st->facts = facts;
	st->caveman = caveman;
}

int pipeline_parse(const char *text, int builtins, struct pipeline *p, struct buf *err)
{
	*p = (struct pipeline){ 0 };
	buf_reset(err);
	if (!(p->text = strdup(text))) {
		buf_puts(err, "out of memory");
		return -1;
	}
	size_t pos = 0;
	while (text[pos] || p->n == 0) {
		struct stage *ns = reallocarray(p->stage, p->n + 1, sizeof *ns);
		if (!ns) {
			buf_puts(err, "out of memory");
			goto fail;
		}
		p->stage = ns;
		struct stage *st = &ns[p->n];
		*st = (struct stage){ .kind = STAGE_EXEC };
		if (split_stage(text, &pos, &st->argv, err) < 0)
			goto fail;
		p->n++;
		const char *slash = strrchr(st->argv[0], '/');
		st->name = slash ? slash + 1 : st->argv[0];
		st->stock_route = strcmp(st->name, "nr-route") == 0;
		if (builtins)
			classify(st);
		if (st->kind == STAGE_EXEC && !(st->path = find_program(st->argv[0]))) {
			buf_printf(err, "'%s' is not an executable program%s", st->argv[0],
				   strchr(st->argv[0], '/') ? "" : " in PATH");
			goto fail;
		}
		if (text[pos] == '\0' && pos > 0 && text[pos - 1] == '|') {
			buf_puts(err, "the pipeline ends with '|'");
			goto fail;
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		int last = i + 1 == p->n;
		if (p->stage[i].stock_route && !last) {
			buf_printf(err, "nr-route answers the request: it must be the last stage");
			goto fail;
		}
		if (last && strcmp(p->stage[i].name, "rtk-filter") == 0) {
			buf_printf(err, "the last stage must answer the request (nr-route), not rtk-filter");
			goto fail;
		}
	}
	return 0;
fail:
	pipeline_free(p);
	return -1;
}

void pipeline_free(struct pipeline *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free_words(p->stage[i].argv);
		free(p->stage[i].path);
	}
	free(p->stage);
	free(p->text);
	*p = (struct pipeline){ 0 };
}

char *pipeline_from_config(struct buf *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	buf_reset(err);
	char *line = NULL;
	if (nr_config_dir(&path) < 0 || buf_puts(&path, "/pipeline") < 0) {
		buf_free(&path);
		return NULL;	/* no config dir: no file */
	}
	int fd = open(path.p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			buf_printf(err, "%s: %s", path.p, strerror(errno));
		goto out;
	}
	int rc = read_all(fd, &text, 65536);
	close(fd);
	if (rc < 0) {
		buf_printf(err, "%s: %s", path.p, errno == EFBIG ? "longer than 64 KiB" : strerror(errno));
		goto out;
	}
	for (char *s = text.p; s && *s;) {
		char *nl = strchrnul(s, '\n'), *next = *nl ? nl + 1 : nl;
		*nl = '\0';
		s += strspn(s, " \t\r");
		if (*s && *s != '#') {
			size_t len = strlen(s);
			while (len && strchr(" \t\r", s[len - 1]))
				len--;
			if (!(line = strndup(s, len)))
				buf_puts(err, "out of memory");
			break;
		}
		s = next;
	}
	if (!line && !err->len)
		buf_printf(err, "%s has no pipeline line", path.p);
out:
	buf_free(&path);
	buf_free(&text);
	return line;
}
