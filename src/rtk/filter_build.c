/* filter_build: build output — make with gcc/clang, autoreconf/configure,
 * cmake, cargo build, npm install.
 *
 * Kept: every distinct diagnostic of any toolchain, known by its shape, not
 * by the tool: "file:12:3: warning: …", "file:12: message" (go, javac),
 * "file.ts(12,3): error …", "file:12:3 - error …" (tsc), "error[E…]: …",
 * "--> file:12:3"; after an error the include chain that led to it, its
 * first notes and indented details (javac's "symbol:"); any other line that
 * names a source location, once; make's
 * "*** … Error N" lines; npm warnings and errors; the final results. Dropped
 * and counted: compiler command lines (make V=1, libtool), silent-rule steps
 * ("  CC  src/x.o", ninja's "[3/8] …"), "checking for …" lines and cmake's
 * "-- …" status, make's and ninja's directory changes, npm's
 * http/silly/verbose traffic, and lines that look like many before them (the
 * dedup-log shape table), and after a line that names a source location
 * the compiler's quote of that source, known by its shape whatever the tool:
 * gutter lines ("  12 | code", "     | ^~~~", gcc's "+++ |+" fix-it), a line
 * of only carets and tildes, the line right above one (clang's, javac's and
 * tsc's bare source line) and a one-word fix-it right under one of its marks
 * (clang's "TOK_NUMBER"): the model has the file and the line, and the quote
 * was most of a small error-only log; for the same reason gcc's "In function
 * ‘f’:" line before it. A diagnostic's dropped quote, notes,
 * scope line and repeats count as one kind, "context lines", reported with
 * commands, steps and checks once at the end (log_line.h), so that hundreds
 * of warnings cost no marker each. */
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/log_context.h"
#include "rtk/log_line.h"

#define SIMILAR_KEEP 2		/* unclassified lines printed per shape */
#define ERROR_NOTES 2		/* notes kept after an error */
#define ERROR_DETAIL 4		/* indented detail lines kept after an error */
#define EXACT_SEED 0x9e3779b97f4a7c15ull

enum diag { D_NONE, D_ERROR, D_WARNING, D_NOTE };

struct build {
	struct log_seen seen;
	struct log_elide elide;
	struct log_context ctx;
	struct buf scratch;
	int notes;	/* notes still to keep */
	int detail;	/* indented details still to keep */
	/* Within a located line's block: what follows may quote its source. */
	int quoting;
	/* The line after a located one, held until the next shows whether it
	 * was a bare source line (a caret line under it) or not. */
	struct buf held;
	int holding;
	/* The caret line just dropped, for a fix-it under its marks. */
	struct buf caret;
	int after_caret;
	struct buf where;	/* the last error's location, "src/x.c:12:5" */
};

static int has(const char *s, size_t n, const char *lit)
{
	return memmem(s, n, lit, strlen(lit)) != NULL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A linter's finding ends with its rule: "… [SC2086]", "… [E501]". Its
 * "note:" is a severity of its own (shellcheck), not a compiler's note
 * about the diagnostic above. */
static int rule_code(const char *u, size_t un)
{
	if (un < 4 || u[un - 1] != ']')
		return 0;
	size_t i = un - 1, digits = 0;
	while (i && is_digit(u[i - 1])) {
		i--;
		digits++;
	}
	size_t letters = 0;
	while (i && u[i - 1] >= 'A' && u[i - 1] <= 'Z') {
		i--;
		letters++;
	}
	return digits && letters && i && u[i - 1] == '[';
}

/* "path:12:3: error: …", "path:12: warning: …", "path(12,3): error TS…".
 * *loc (when loc is not NULL) is set to the length of the location before
 * the severity, 0 when there is none. */
static enum diag diagnostic(const char *u, size_t un, size_t *loc)
{
	const char *sev = NULL;
	enum diag d = D_NONE;
	static const struct {
		const char *text;
		enum diag d;
	} marks[] = {
		{ ": fatal error:", D_ERROR }, { ": error:", D_ERROR }, { ": error ", D_ERROR },
		{ ": warning:", D_WARNING }, { ": warning ", D_WARNING }, { ": note:", D_NOTE },
		{ " - error ", D_ERROR }, { " - warning ", D_WARNING },
	};
	for (size_t i = 0; i < sizeof marks / sizeof marks[0] && !sev; i++) {
		sev = memmem(u, un, marks[i].text, strlen(marks[i].text));
		d = marks[i].d;
	}
	if (loc)
		*loc = 0;
	if (!sev) {	/* "file:12:3: message" with no severity word: go, vet, lint */
		size_t i = 0;
		while (i < un && u[i] != ' ' && u[i] != ':')
			i++;
		return i < un && u[i] == ':' && rtk_location(u, un) == 0 && memchr(u + i, ' ', un - i)
		       ? D_ERROR : D_NONE;
	}
	/* a location before it: a digit right before the mark or the "(12,3)" */
	size_t k = (size_t)(sev - u);
	if (k == 0 || !(is_digit(u[k - 1]) || u[k - 1] == ')'))
		return D_NONE;
	if (loc)
		*loc = k;
	return d == D_NOTE && rule_code(u, un) ? D_WARNING : d;
}

/* "In file included from …", "   from x.h:3,", "x.h: In instantiation of …":
 * how the next diagnostic's place was reached, which its location does not
 * say. */
static int include_chain(const char *u, size_t un)
{
	if (rtk_starts(u, un, "from ") && (u[un - 1] == ':' || u[un - 1] == ',')) {
		/* "from x.h:3," exactly: a path and a line, not a sentence */
		size_t i = un - 1;
		while (i > 5 && is_digit(u[i - 1]))
			i--;
		return i < un - 1 && i > 6 && u[i - 1] == ':' && !memchr(u + 5, ' ', i - 6);
	}
	return rtk_starts(u, un, "In file included from ") || has(u, un, ": In instantiation of ");
}

/* "src/x.c: In function ‘f’:": the function around the next diagnostic's
 * line, which the model reads in the file at that line. */
static int scope(const char *u, size_t un)
{
	return has(u, un, ": In function ") || has(u, un, ": In member function ") ||
	       has(u, un, ": At top level:") || has(u, un, ": In constructor ") ||
	       has(u, un, ": In destructor ");
}

/* A source quote in a gutter, t[0..tn) whole: gcc's and rustc's "  134 | code",
 * "      |   ^~~~", gcc's fix-it "  +++ |+#include <x.h>". Never a '|' in
 * column 0 (a table row). */
static int gutter(const char *t, size_t tn)
{
	size_t i = 0;
	while (i < tn && t[i] == ' ')
		i++;
	while (i < tn && (is_digit(t[i]) || t[i] == '+'))
		i++;
	while (i < tn && t[i] == ' ')
		i++;
	return i > 0 && i < tn && t[i] == '|';
}

/* Only carets and tildes (and blanks, '+'): "     ^~~~", "  ~ ^ ~~~". */
static int caret_line(const char *u, size_t un)
{
	int marks = 0;
	for (size_t i = 0; i < un; i++) {
		if (u[i] == '^' || u[i] == '~')
			marks = 1;
		else if (u[i] != ' ' && u[i] != '+')
			return 0;
	}
	return marks;
}

/* clang's fix-it under a caret line c[0..cn): one word starting right
 * under one of its marks ("TOK_NUMBER", ";", "%d"). */
static int fix_it(const char *c, size_t cn, const char *t, size_t tn)
{
	size_t col = 0;
	while (col < tn && t[col] == ' ')
		col++;
	if (col == 0 || col >= tn || col >= cn || (c[col] != '^' && c[col] != '~'))
		return 0;
	return memchr(t + col, ' ', tn - col) == NULL;
}

/* "help: …", "note: …": rustc's parts of the diagnostic above, in column 0
 * (a lowercase word and ": "); they do not end its block. */
static int sub_diagnostic(const char *t, size_t tn)
{
	size_t i = 0;
	while (i < tn && t[i] >= 'a' && t[i] <= 'z')
		i++;
	return i > 0 && i + 1 < tn && t[i] == ':' && t[i + 1] == ' ';
}

/* The first word of a command line, after libtool's "libtool: compile: ". */
static int compiler_command(const char *u, size_t un)
{
	static const char *const prefixes[] = { "libtool: compile:", "libtool: link:",
						"libtool: install:", NULL };
	for (size_t i = 0; prefixes[i]; i++)
		if (rtk_starts(u, un, prefixes[i]))
			return 1;
	if (has(u, un, "libtool ") && has(u, un, "--mode="))
		return 1;
	size_t w = 0;
	while (w < un && u[w] != ' ')
		w++;
	const char *slash = memrchr(u, '/', w);
	const char *name = slash ? slash + 1 : u;
	size_t nn = (size_t)(u + w - name);
	static const char *const tools[] = { "gcc", "cc", "clang", "g++", "c++", "clang++",
					     "cc1", "ld", "ar", "ranlib", "gfortran", "nvcc",
					     "rustc", "javac", NULL };
	for (size_t i = 0; tools[i]; i++) {
		size_t k = strlen(tools[i]);
		/* "gcc", "x86_64-linux-gnu-gcc", "gcc-12" */
		if (nn >= k && (memcmp(name + nn - k, tools[i], k) == 0 ||
				(nn > k && memcmp(name, tools[i], k) == 0 && name[k] == '-')))
			return un > 20 && (has(u, un, " -c ") || has(u, un, " -o ") ||
					   has(u, un, " -I") || has(u, un, " -l"));
	}
	return 0;
}

/* Build steps that name a file and nothing else: automake/kbuild silent rules
 * ("  CC       src/jv.lo"), cmake's "[ 42%] Building C object …", cargo's
 * "   Compiling foo v1.0". */
static int build_step(const char *t, size_t tn, const char *u, size_t un)
{
	if (t[0] == ' ' && un > 3) {
		/* the step's word, padding, one path: "CC       src/jv.lo",
		 * "CC [M]  drivers/x.o"; not a sentence or an assignment that
		 * starts with a capital word ("GNU Nettle is …", "CREATED = 1") */
		size_t i = 0;
		while (i < un && ((u[i] >= 'A' && u[i] <= 'Z') || is_digit(u[i]) || u[i] == '_'))
			i++;
		if (i >= 2 && i <= 8 && i < un && u[i] == ' ' && u[0] >= 'A' && u[0] <= 'Z') {
			size_t pad = i;
			while (i < un && u[i] == ' ')
				i++;
			pad = i - pad;
			if (i + 3 < un && u[i] == '[' && u[i + 2] == ']' && u[i + 3] == ' ')
				for (i += 3; i < un && u[i] == ' '; i++)
					;
			/* the rules align their paths: "   README file." does not */
			int aligned = pad >= 2 || memchr(u + i, '/', un - i);
			if (aligned && i < un && !memchr(u + i, ' ', un - i) && !memchr(u + i, ':', un - i))
				return 1;
		}
	}
	static const char *const steps[] = { "Compiling ", "Checking ", "Downloaded ",
					     "Downloading ", "Fresh ", "Scanning dependencies",
					     "Building C", "Building CXX", "Linking C", NULL };
	const char *v = u;
	size_t vn = un;
	if (un > 7 && u[0] == '[' && u[5] == ']') {	/* "[ 42%] " */
		v = u + 7;
		vn = un - 7;
	}
	if (un > 5 && u[0] == '[' && is_digit(u[1])) {	/* ninja's "[3/8] " before any step */
		size_t i = 1;
		while (i < un && is_digit(u[i]))
			i++;
		if (i < un && u[i++] == '/' && i < un && is_digit(u[i])) {
			while (i < un && is_digit(u[i]))
				i++;
			if (i + 1 < un && u[i] == ']' && u[i + 1] == ' ')
				return 1;
		}
	}
	for (size_t i = 0; steps[i]; i++)
		if (rtk_starts(v, vn, steps[i]))
			return 1;
	(void)tn;
	return 0;
}

static int make_directory(const char *u, size_t un)
{
	return (rtk_starts(u, un, "make") || rtk_starts(u, un, "ninja: ")) &&
	       (has(u, un, ": Entering directory ") || has(u, un, ": Leaving directory "));
}

static int configure_check(const char *u, size_t un)
{
	if (rtk_starts(u, un, "checking ") && has(u, un, "..."))
		return 1;
	/* cmake's status: "-- Looking for x - found", "-- Detecting C compiler
	 * ABI info", "-- Configuring done"; not what it could not find */
	return rtk_starts(u, un, "-- ") && !has(u, un, "Could NOT") && !has(u, un, "NOT found");
}

/* npm's chatter: "npm http fetch …", "npm silly …", "npm verbose …". The
 * exit status lines stay. */
static int npm_chatter(const char *u, size_t un)
{
	static const char *const levels[] = { "npm http ", "npm silly ", "npm sill ",
					      "npm verbose ", "npm verb ", "npm timing ",
					      "npm info ", "npm debug ", NULL };
	if (rtk_starts(u, un, "npm verbose exit") || rtk_starts(u, un, "npm info ok"))
		return 0;
	for (size_t i = 0; levels[i]; i++)
		if (rtk_starts(u, un, levels[i]))
			return 1;
	return 0;
}

static int drop(struct build *b, enum log_kind k)
{
	log_elide_add(&b->elide, k);
	return 0;
}

static int keep(struct build *b, struct rtk_out *out, const char *t, size_t tn)
{
	log_context_drop(&b->ctx, &b->elide);
	return log_keep(&b->elide, out, t, tn);
}

/* Nonzero when the exact line was printed before (then it is counted). */
static int repeated(struct build *b, const char *t, size_t tn)
{
	if (log_seen_add(&b->seen, log_hash_exact(t, tn) ^ EXACT_SEED) == 1)
		return 0;
	log_elide_add(&b->elide, LK_CONTEXT);
	return 1;
}

/* A note at its error's own place that names nothing (no quote, '<', digit):
 * gcc's "each undeclared identifier is reported only once …". It adds
 * neither a place to look nor a name to the error line above. */
static int bare_note(const struct build *b, const char *u, size_t un, size_t loc)
{
	if (loc == 0 || loc != b->where.len || memcmp(u, b->where.p, loc) != 0)
		return 0;
	for (size_t i = loc; i < un; i++) {
		unsigned char c = (unsigned char)u[i];
		if (c == '\'' || c == '"' || c == '`' || c == '<' || is_digit((char)c) ||
		    (c == 0xe2 && i + 2 < un && (unsigned char)u[i + 1] == 0x80 &&
		     (unsigned char)u[i + 2] >= 0x98 && (unsigned char)u[i + 2] <= 0x9d))
			return 0;	/* '' "" `` <> and ‘’ “” */
	}
	return 1;
}

/* A diagnostic t[0..tn); u[0..un) without its indent, its location u[0..loc). */
static int diagnostic_line(struct build *b, struct rtk_out *out, enum diag d, const char *t,
			   size_t tn, const char *u, size_t un, size_t loc)
{
	/* A held include chain led to this diagnostic: printed before it only
	 * when it is an error printed, never before a later one. */
	if (d == D_NOTE) {
		log_context_drop(&b->ctx, &b->elide);
		if (b->notes > 0 && !bare_note(b, u, un, loc) && !repeated(b, t, tn)) {
			b->notes--;
			return log_keep(&b->elide, out, t, tn);
		}
		return drop(b, LK_CONTEXT);
	}
	b->notes = 0;
	b->detail = 0;
	if (repeated(b, t, tn)) {
		log_context_drop(&b->ctx, &b->elide);
		return 0;
	}
	if (d == D_ERROR) {
		b->notes = ERROR_NOTES;
		b->detail = ERROR_DETAIL;
		buf_reset(&b->where);
		if (buf_append(&b->where, u, loc) < 0)
			return -1;
		if (log_context_emit(&b->ctx, &b->elide, out) < 0)
			return -1;
	}
	return keep(b, out, t, tn);
}

/* One visible line t[0..tn), not blank, that is no part of a source quote. */
static int plain(struct build *b, struct rtk_out *out, const char *t, size_t tn)
{
	size_t un;
	const char *u = log_skip_blanks(t, tn, &un);

	/* A line in column 0 starts something new; a located one opens a block
	 * whose quote goes. Indented lines (javac's "symbol:", tsc's details)
	 * and rustc's "help:" stay in the block. */
	size_t loc;
	enum diag d = diagnostic(u, un, &loc);
	int located = d != D_NONE || rtk_starts(u, un, "--> ") || rtk_location(t, tn) >= 0;
	b->quoting = located || (b->quoting && (u != t || sub_diagnostic(t, tn)));

	if (d != D_NONE)
		return diagnostic_line(b, out, d, t, tn, u, un, loc);
	if (scope(u, un))
		return drop(b, LK_CONTEXT);
	if (include_chain(u, un))
		return log_context_hold(&b->ctx, &b->elide, t, tn, LK_CONTEXT);
	if (rtk_starts(u, un, "= note:") || rtk_starts(u, un, "= help:")) {
		if (b->notes > 0) {
			b->notes--;
			return log_keep(&b->elide, out, t, tn);
		}
		return drop(b, LK_CONTEXT);
	}
	if (rtk_starts(u, un, "--> ") && !repeated(b, t, tn))
		return keep(b, out, t, tn);	/* rustc's location of the problem above */
	if (u != t && b->detail > 0) {	/* "  symbol:   variable x" under javac's error */
		b->detail--;
		return repeated(b, t, tn) ? 0 : log_keep(&b->elide, out, t, tn);
	}
	b->detail = 0;
	if (compiler_command(u, un))
		return drop(b, LK_COMMAND);
	if (npm_chatter(u, un))
		return drop(b, LK_NPM);
	if (rtk_is_problem_line(t, tn))
		return repeated(b, t, tn) ? 0 : keep(b, out, t, tn);
	if (configure_check(u, un))
		return drop(b, LK_CHECK);
	if (build_step(t, tn, u, un) || make_directory(u, un))
		return drop(b, LK_STEP);
	if (located)	/* never collapsed with lines of other places */
		return repeated(b, t, tn) ? 0 : keep(b, out, t, tn);
	if (log_seen_add(&b->seen, log_hash_shape(t, tn)) > SIMILAR_KEEP)
		return drop(b, LK_SIMILAR);
	return keep(b, out, t, tn);
}

/* The held line was no bare source line: it goes the ordinary way. */
static int release(struct build *b, struct rtk_out *out)
{
	if (!b->holding)
		return 0;
	b->holding = 0;
	return plain(b, out, b->held.p, b->held.len);
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct build *b = st;
	const char *t;
	size_t tn;
	if (log_clean(&b->scratch, s, n, &t, &tn) < 0)
		return -1;
	int after_caret = b->after_caret;
	b->after_caret = 0;
	size_t un;
	const char *u = log_skip_blanks(t, tn, &un);
	if (un == 0)
		return release(b, out);	/* layout */
	if (rtk_is_omitted(u, un))	/* its own count, read again */
		return release(b, out) < 0 ? -1 : keep(b, out, t, tn);

	if (b->quoting && caret_line(u, un)) {
		if (b->holding)	/* the source line it marks */
			drop(b, LK_CONTEXT);
		b->holding = 0;
		buf_reset(&b->caret);
		if (buf_append(&b->caret, t, tn) < 0)
			return -1;
		b->after_caret = 1;
		return drop(b, LK_CONTEXT);
	}
	if (after_caret && fix_it(b->caret.p, b->caret.len, t, tn))
		return drop(b, LK_CONTEXT);
	if (release(b, out) < 0)
		return -1;
	if (b->quoting && gutter(t, tn))
		return drop(b, LK_CONTEXT);
	if (b->quoting && diagnostic(u, un, NULL) == D_NONE && !rtk_starts(u, un, "--> ")) {
		buf_reset(&b->held);
		if (buf_append(&b->held, t, tn) < 0)
			return -1;
		b->holding = 1;
		return 0;
	}
	return plain(b, out, t, tn);
}

static int finish(void *st, struct rtk_out *out)
{
	struct build *b = st;
	if (release(b, out) < 0)
		return -1;
	log_context_drop(&b->ctx, &b->elide);
	return log_elide_finish(&b->elide, out);
}

static void *start(void)
{
	return calloc(1, sizeof(struct build));
}

static void free_state(void *st)
{
	struct build *b = st;
	if (!b)
		return;
	log_context_free(&b->ctx);
	buf_free(&b->scratch);
	buf_free(&b->held);
	buf_free(&b->caret);
	buf_free(&b->where);
	free(b);
}

/* ---- detection ---- */

static int line_score(const char *t, size_t tn)
{
	size_t un;
	const char *u = log_skip_blanks(t, tn, &un);
	if (un == 0)
		return 0;
	enum diag d = diagnostic(u, un, NULL);
	if (d == D_ERROR || d == D_WARNING)
		return 75;
	if (include_chain(u, un) || scope(u, un))
		return 70;
	if (rtk_starts(u, un, "checking ") && has(u, un, "..."))
		return 80;
	if (rtk_starts(u, un, "libtoolize: ") || rtk_starts(u, un, "autoreconf") ||
	    rtk_starts(u, un, "-- The C compiler") || rtk_starts(u, un, "-- The CXX compiler"))
		return 80;
	if (npm_chatter(u, un) || (rtk_starts(u, un, "added ") && has(u, un, " packages")))
		return 70;
	if (compiler_command(u, un))
		return 65;
	if (build_step(t, tn, u, un))
		return 55;
	if (make_directory(u, un))
		return 50;
	return 0;
}

static int detect(const char *head, size_t len)
{
	int best = 0;
	size_t i = 0;
	struct buf scratch = BUF_INIT;	/* colour escapes out: tsc --pretty, cargo */
	while (i < len) {
		const char *nl = memchr(head + i, '\n', len - i), *t;
		size_t end = nl ? (size_t)(nl - head) : len, tn;
		if (log_clean(&scratch, head + i, end - i, &t, &tn) < 0)
			break;
		int s = line_score(t, tn);
		if (s > best)
			best = s;
		i = end + 1;
	}
	buf_free(&scratch);
	return best;
}

const struct rtk_filter rtk_filter_build = {
	.name = "build",
	.keeps = "every distinct error and warning of any toolchain, whole with its location; make failures, npm warnings, results",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free_state,
};
