/* filter_test_runner: test runner output (pytest, mocha/jest/node --test,
 * go test, cargo test, automake `make check`, TAP, jq's test log).
 *
 * Kept: every failing test's name, its assertion message, the lines of its
 * traceback that locate it (pytest's ">" and "E" lines and "file:N:" lines,
 * the first stack frames in the test's own code), warnings, and every count
 * and summary line. Dropped and counted: passing and skipped tests, progress
 * dots, suite headers, session headers, library stack frames and the
 * runtime's own (Rust's std, Go's testing and runtime, node's internals),
 * code context, lines repeated from an earlier failure. Other lines go through the same
 * shape table as dedup-log. Blank lines and separator rules ("=====") are
 * layout and are dropped without a count.
 * Banner lines ("==== FAILURES ====") are printed with short padding. */
#include <stdlib.h>
#include <string.h>

#include "rtk/filter.h"
#include "rtk/log_context.h"
#include "rtk/log_line.h"

#define SIMILAR_KEEP 2	/* unclassified lines printed per shape */
#define DETAILS 4	/* indented lines under a problem line that are its details */
#define USER_FRAMES 2	/* stack frames kept per mocha failure */
#define EXACT_SEED 0x9e3779b97f4a7c15ull
#define NAME_SEED 0xc2b2ae3d27d4eb4full	/* a name's count apart from keep_once's */

enum section { SEC_NONE, SEC_FAILURES, SEC_WARNINGS, SEC_SUMMARY, SEC_MOCHA_FAIL };

struct runner {
	struct log_seen seen;
	struct log_elide elide;
	struct log_context ctx;
	struct buf scratch;
	enum section sec;
	int mocha;		/* saw a spec reporter's ✔ or "N passing" */
	int after_location;	/* the previous kept line was "file:N: in f" */
	struct buf test_head;	/* unittest -v's "test_x (m.T.test_x)" above its docstring's line */
	int frames;		/* user stack frames kept in this mocha failure */
	int details;		/* indented lines still read as the last problem's details */
};

/* ---- small matchers on the trimmed line u[0..un) ---- */

static int has(const char *s, size_t n, const char *lit)
{
	return memmem(s, n, lit, strlen(lit)) != NULL;
}

static int ends(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);
	return n >= k && memcmp(s + n - k, lit, k) == 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "N passing", "N failing", "N pending" (mocha); returns the word's start. */
static int count_then(const char *u, size_t un, const char *word)
{
	size_t i = 0;
	while (i < un && is_digit(u[i]))
		i++;
	return i > 0 && i < un && u[i] == ' ' && rtk_starts(u + i + 1, un - i - 1, word);
}

/* "3) name" numbered failure (mocha). */
static int numbered(const char *u, size_t un)
{
	size_t i = 0;
	while (i < un && is_digit(u[i]))
		i++;
	return i > 0 && i + 1 < un && u[i] == ')' && u[i + 1] == ' ';
}

/* A banner: a run of c, a space, a title, a space, a run of c. Sets the title.
 * The runs must be long enough not to catch ordinary text. */
static int banner(const char *u, size_t un, char *c, const char **title, size_t *tn)
{
	if (un < 5 || (u[0] != '=' && u[0] != '_' && u[0] != '-'))
		return 0;
	char ch = u[0];
	size_t a = 0, z = un;
	while (a < un && u[a] == ch)
		a++;
	while (z > a && u[z - 1] == ch)
		z--;
	size_t runs = a + (un - z);
	size_t need = ch == '_' ? 2 : ch == '=' ? 4 : 6;	/* "== X ==": as keep_banner writes it */
	if (runs < need || a == un || u[a] != ' ' || z <= a + 1 || u[z - 1] != ' ')
		return 0;
	*c = ch;
	*title = u + a + 1;
	*tn = z - 1 - (a + 1);
	return *tn > 0;
}

/* A line of one repeated mark (with spaces), like "=====" or "_ _ _ _". */
static int separator(const char *u, size_t un)
{
	if (un < 8)
		return 0;
	for (size_t i = 0; i < un; i++)
		if (u[i] != u[0] && u[i] != ' ')
			return 0;
	return u[0] == '=' || u[0] == '-' || u[0] == '_' || u[0] == '*' || u[0] == '#';
}

/* Progress: optional "path " then only result marks, optional "[ 42%]". */
static int progress(const char *u, size_t un)
{
	const char *sp = memchr(u, ' ', un);
	size_t i = 0;
	if (sp && (u[0] != '.' && u[0] != ','))
		i = (size_t)(sp - u) + 1;	/* "tests/test_x.py ....F" */
	size_t marks = 0;
	for (; i < un; i++) {
		char c = u[i];
		if (c == '.' || c == ',' || c == '!' || c == 's' || c == 'F' || c == 'E' ||
		    c == 'x' || c == 'X')
			marks++;
		else if (c == ' ')
			continue;
		else if (c == '[')
			return marks > 0 && ends(u, un, "%]");
		else
			return 0;
	}
	return marks > 0 && (sp == NULL || marks >= 3 || u[0] == '.');
}

/* "path:12: ..." or "path:12:" — a source location leading the line. */
static int location(const char *u, size_t un)
{
	size_t i = 0;
	while (i < un && u[i] != ':' && u[i] != ' ')
		i++;
	if (i == 0 || i >= un || u[i] != ':')
		return 0;
	size_t d = ++i;
	while (i < un && is_digit(u[i]))
		i++;
	return i > d && (i == un || u[i] == ':');
}

static int user_frame(const char *u, size_t un)
{
	return !has(u, un, "node_modules") && !has(u, un, "(node:") && !has(u, un, "at node:") &&
	       !has(u, un, "internal/");
}

/* A stack frame inside the language's own runtime, which a model never
 * edits: Rust's std ("N: core::panicking::panic_fmt", "at /rustc/<commit>/
 * library/…"), Go's testing and runtime packages ("testing.tRunner(…)",
 * "\t/usr/lib/go/src/runtime/panic.go:884 +0x212"), node's internals
 * ("Test.run (node:internal/test_runner/test:796:25)"). The frames of the
 * test's own code stay. */
static int runtime_frame(const char *t, const char *u, size_t un)
{
	static const char *const rust[] = { "std::", "core::", "alloc::", "test::", "__rustc::",
					    "rust_begin_unwind", "<fn()", "<std::", "<core::",
					    "<alloc::", NULL };
	static const char *const go[] = { "testing.", "runtime.", "panic(", "created by testing.",
					  "created by runtime.", NULL };
	size_t i = 0;
	while (i < un && is_digit(u[i]))
		i++;
	if (i > 0 && i + 1 < un && u[i] == ':' && u[i + 1] == ' ' && u != t) {
		for (size_t k = 0; rust[k]; k++)
			if (rtk_starts(u + i + 2, un - i - 2, rust[k]))
				return 1;
		return 0;
	}
	if (rtk_starts(u, un, "at /rustc/"))
		return 1;
	if (t[0] == '\t' && has(u, un, " +0x") &&
	    (has(u, un, "/src/testing/") || has(u, un, "/src/runtime/")))
		return 1;
	if (u == t && memchr(u, '(', un) && !has(u, un, ".go:"))
		for (size_t k = 0; go[k]; k++)
			if (rtk_starts(u, un, go[k]))
				return 1;
	const char *nd = memmem(u, un, "(node:", 6);
	return nd && nd + 6 < u + un && nd[6] >= 'a' && nd[6] <= 'z' && u[un - 1] == ')';
}

/* unittest -v's result at a line's end: 'P' ok, 'S' skipped or an expected
 * failure, 'F' FAIL, ERROR or an unexpected success; 0 none. */
static int unittest_result(const char *u, size_t un)
{
	const char *dots = memmem(u, un, " ... ", 5);
	if (!dots)
		return 0;
	const char *w = dots + 5;
	size_t wn = un - (size_t)(w - u);
	if (wn == 2 && memcmp(w, "ok", 2) == 0)
		return 'P';
	if (rtk_starts(w, wn, "skipped") || (wn == 16 && memcmp(w, "expected failure", 16) == 0))
		return 'S';
	if ((wn == 4 && memcmp(w, "FAIL", 4) == 0) || (wn == 5 && memcmp(w, "ERROR", 5) == 0) ||
	    (wn == 18 && memcmp(w, "unexpected success", 18) == 0))
		return 'F';
	return 0;
}

/* unittest -v's "test_name (package.module.Class.test_name)" on a line of
 * its own, unindented: its result follows on the docstring's line. */
static int unittest_head(const char *t, size_t tn)
{
	const char *sp = memchr(t, ' ', tn);
	if (!sp || sp == t || t[tn - 1] != ')' || sp + 2 >= t + tn || sp[1] != '(')
		return 0;
	for (const char *p = sp + 2; p < t + tn - 1; p++)
		if (*p == ' ')
			return 0;
	return rtk_starts(t, tn, "test");
}

/* jest's and vitest's quote of the failing test's source: "  4 | code",
 * "> 5 | code", "    |    ^", "      5|   code". The place stays on its
 * "at …(file:5:49)" or "❯ file:5:49" line; the model has the file. */
static int code_frame(const char *u, size_t un)
{
	size_t i = 0;
	if (i < un && u[i] == '>')
		for (i++; i < un && u[i] == ' '; i++)
			;
	while (i < un && is_digit(u[i]))
		i++;
	while (i < un && u[i] == ' ')
		i++;
	return i < un && u[i] == '|' && (i + 1 == un || u[i + 1] == ' ');
}

/* jest's "FAIL test/x.test.js", "PASS src/y.spec.ts": a result and a path. */
static int jest_result(const char *u, size_t un, const char *word)
{
	size_t k = strlen(word);
	if (!rtk_starts(u, un, word) || un <= k + 1 || u[k] != ' ')
		return 0;
	const char *p = u + k + 1;
	size_t pn = un - k - 1;
	return !memchr(p, ' ', pn) && (memchr(p, '/', pn) || memchr(p, '.', pn));
}

/* pytest -v: "tests/x.py::test_y PASSED [ 3%]" → the result word's kind. */
static int verbose_result(const char *u, size_t un, size_t *cut)
{
	size_t end = un;
	if (end && u[end - 1] == ']') {	/* drop the " [ 42%]" */
		const char *lb = memrchr(u, '[', end);
		if (lb && ends(u, un, "%]")) {
			end = (size_t)(lb - u);
			while (end && u[end - 1] == ' ')
				end--;
		}
	}
	*cut = end;
	if (!has(u, un, "::"))
		return 0;
	if (ends(u, end, " PASSED"))
		return 'P';
	if (ends(u, end, " SKIPPED") || ends(u, end, " XFAIL"))
		return 'S';
	if (ends(u, end, " FAILED") || ends(u, end, " ERROR") || ends(u, end, " XPASS"))
		return 'F';
	return 0;
}

/* ---- output ---- */

static int keep(struct runner *r, struct rtk_out *out, const char *t, size_t tn)
{
	if (r->ctx.held && rtk_is_problem_line(t, tn)) {
		if (log_context_emit(&r->ctx, &r->elide, out) < 0)
			return -1;
	} else {
		log_context_drop(&r->ctx, &r->elide);
	}
	return log_keep(&r->elide, out, t, tn);
}

/* Keeps a line unless the same line was already printed. */
static int keep_once(struct runner *r, struct rtk_out *out, const char *t, size_t tn)
{
	if (log_seen_add(&r->seen, log_hash_exact(t, tn) ^ EXACT_SEED) > 1) {
		log_elide_add(&r->elide, LK_REPEATED);
		return 0;
	}
	return keep(r, out, t, tn);
}

static int keep_banner(struct runner *r, struct rtk_out *out, char c, const char *title,
		       size_t tn)
{
	if (log_elide_flush(&r->elide, out) < 0)
		return -1;
	log_context_drop(&r->ctx, &r->elide);
	if (log_elide_flush(&r->elide, out) < 0 || rtk_out_printf(out, "%c%c ", c, c) < 0 ||
	    rtk_out_write(out, title, tn < LOG_KEEP_MAX ? tn : LOG_KEEP_MAX) < 0)
		return -1;
	return rtk_out_printf(out, " %c%c\n", c, c);
}

static int drop(struct runner *r, enum log_kind k)
{
	log_elide_add(&r->elide, k);
	return 0;
}

/* Lines no rule claims: problems and source locations once each (a line
 * that names another place is no repeat), and the indented lines under one
 * (javac's "symbol:   variable x", a compiler's quote before the tests ran)
 * are its details, each kept unless the same again; others by shape. */
static int generic(struct runner *r, struct rtk_out *out, const char *t, size_t tn)
{
	if (rtk_is_problem_line(t, tn) || rtk_location(t, tn) >= 0) {
		r->details = DETAILS;
		return keep_once(r, out, t, tn);
	}
	if (r->details > 0 && (t[0] == ' ' || t[0] == '\t')) {
		r->details--;
		return keep_once(r, out, t, tn);
	}
	r->details = 0;
	/* a name (a test id of --collect-only) is its own shape */
	uint64_t h = log_is_name(t, tn) ? log_hash_exact(t, tn) ^ NAME_SEED : log_hash_shape(t, tn);
	if (log_seen_add(&r->seen, h) > SIMILAR_KEEP)
		return drop(r, LK_SIMILAR);
	return keep(r, out, t, tn);
}

static int banner_line(struct runner *r, struct rtk_out *out, char c, const char *title,
		       size_t tn)
{
	if (c == '=') {
		if (has(title, tn, "FAILURES") || has(title, tn, "ERRORS"))
			r->sec = SEC_FAILURES;
		else if (has(title, tn, "warnings summary"))
			r->sec = SEC_WARNINGS;
		else if (has(title, tn, "short test summary"))
			r->sec = SEC_SUMMARY;
		else if (has(title, tn, "test session starts"))
			return drop(r, LK_HEADER);
		else
			r->sec = SEC_NONE;
	}
	r->after_location = 0;
	return keep_banner(r, out, c, title, tn);
}

static int failures_line(struct runner *r, struct rtk_out *out, const char *t, size_t tn,
			 const char *u, size_t un)
{
	int after = r->after_location;
	r->after_location = 0;
	if ((un >= 2 && u[0] == 'E' && u[1] == ' ') || (un == 1 && u[0] == 'E') ||
	    (un >= 1 && u[0] == '>' && t[0] == '>'))
		return keep_once(r, out, t, tn);
	if (location(u, un) && t[0] != ' ') {
		r->after_location = 1;
		return keep_once(r, out, t, tn);
	}
	if (after && t[0] == ' ')
		return keep_once(r, out, t, tn);	/* the statement at that frame */
	if (rtk_is_problem_line(t, tn))
		return keep_once(r, out, t, tn);
	return drop(r, LK_TRACE);
}

static int warnings_line(struct runner *r, struct rtk_out *out, const char *t, size_t tn,
			 const char *u, size_t un)
{
	if (rtk_is_problem_line(t, tn))
		return keep_once(r, out, t, tn);
	if (has(u, un, "::") || location(u, un))
		return drop(r, LK_TESTID);
	if (rtk_starts(u, un, "-- Docs:"))
		return drop(r, LK_HEADER);
	if (t[0] == ' ')
		return drop(r, LK_TRACE);
	return generic(r, out, t, tn);
}

static int mocha_fail_line(struct runner *r, struct rtk_out *out, const char *t, size_t tn,
			   const char *u, size_t un)
{
	if (numbered(u, un))
		r->frames = 0;
	if (rtk_starts(u, un, "at ")) {
		if (r->frames < USER_FRAMES && user_frame(u, un)) {
			r->frames++;
			return keep(r, out, t, tn);
		}
		return drop(r, LK_STACK);
	}
	if (un == 4 && memcmp(u, "----", 4) == 0)
		return drop(r, LK_STACK);
	return keep(r, out, t, tn);
}

static int line(void *st, const char *s, size_t n, struct rtk_out *out)
{
	struct runner *r = st;
	const char *t, *u, *title;
	size_t tn, un, ttn, cut;
	char bc;
	if (log_clean(&r->scratch, s, n, &t, &tn) < 0)
		return -1;
	u = log_skip_blanks(t, tn, &un);
	if (un == 0)
		return 0;
	if (rtk_is_omitted(u, un))	/* its own count, read again */
		return keep(r, out, t, tn);
	if (banner(u, un, &bc, &title, &ttn))
		return banner_line(r, out, bc, title, ttn);
	if (separator(u, un))
		return 0;	/* layout, like blank lines */
	if (count_then(u, un, "passing") || count_then(u, un, "failing") ||
	    count_then(u, un, "pending")) {
		r->sec = SEC_MOCHA_FAIL;
		return keep(r, out, t, tn);
	}
	switch (r->sec) {
	case SEC_FAILURES:
		return failures_line(r, out, t, tn, u, un);
	case SEC_WARNINGS:
		return warnings_line(r, out, t, tn, u, un);
	case SEC_SUMMARY:
		return keep(r, out, t, tn);
	case SEC_MOCHA_FAIL:
		return mocha_fail_line(r, out, t, tn, u, un);
	case SEC_NONE:
		break;
	}

	/* python -m unittest -v: "NAME (DOTTED) ... ok", or NAME (DOTTED) alone
	 * and its docstring's first line ending in the result */
	int ur = unittest_result(u, un);
	if (ur || r->test_head.len) {
		int shown = ur == 'F' || (!ur && !unittest_head(t, tn));
		if (r->test_head.len && shown && log_keep(&r->elide, out, r->test_head.p, r->test_head.len) < 0)
			return -1;
		buf_reset(&r->test_head);
	}
	if (ur == 'P')
		return drop(r, LK_PASSING);
	if (ur == 'S')
		return drop(r, LK_SKIPPED);
	if (ur == 'F')
		return log_keep(&r->elide, out, t, tn);
	if (unittest_head(t, tn))
		return buf_append(&r->test_head, t, tn);

	/* passing, skipped, progress: counted */
	int v = verbose_result(u, un, &cut);
	if (v == 'P')
		return drop(r, LK_PASSING);
	if (v == 'S')
		return drop(r, LK_SKIPPED);
	if (v == 'F')
		return keep(r, out, t, (size_t)(u - t) + cut);
	if (rtk_starts(u, un, "✔") || rtk_starts(u, un, "✓")) {
		r->mocha = 1;
		return drop(r, LK_PASSING);
	}
	if (r->mocha && t[0] == ' ' && rtk_starts(u, un, "- "))
		return drop(r, LK_SKIPPED);
	if (rtk_starts(u, un, "--- PASS") || rtk_starts(u, un, "PASS: ") ||
	    (rtk_starts(u, un, "ok ") && is_digit(un > 3 ? u[3] : 0)) ||
	    (rtk_starts(u, un, "test ") && ends(u, un, " ... ok")) ||
	    (rtk_starts(u, un, "PASS ") && t[0] != ' '))
		return drop(r, LK_PASSING);
	if (rtk_starts(u, un, "--- SKIP") || rtk_starts(u, un, "SKIP: ") ||
	    rtk_starts(u, un, "XFAIL: ") || (rtk_starts(u, un, "test ") && ends(u, un, " ... ignored")))
		return drop(r, LK_SKIPPED);
	if (progress(u, un))
		return drop(r, LK_PROGRESS);
	if (rtk_starts(u, un, "=== RUN") || rtk_starts(u, un, "=== PAUSE") ||
	    rtk_starts(u, un, "=== CONT") || rtk_starts(u, un, "=== NAME"))
		return log_context_hold(&r->ctx, &r->elide, t, tn, LK_PROGRESS);
	if (rtk_starts(u, un, "Test #") && u != t + tn && has(u, un, ": "))
		return log_context_hold(&r->ctx, &r->elide, t, tn, LK_PASSING);
	if (rtk_starts(u, un, "platform ") || rtk_starts(u, un, "rootdir: ") ||
	    rtk_starts(u, un, "plugins: ") || rtk_starts(u, un, "cachedir: "))
		return drop(r, LK_HEADER);
	if (runtime_frame(t, u, un))
		return drop(r, LK_STACK);
	/* jest, vitest: the failing test's title and the values it compared
	 * are the facts, each kept; the quote of its source is not */
	if (rtk_starts(u, un, "\xe2\x97\x8f ") || rtk_starts(u, un, "Expected:") ||
	    rtk_starts(u, un, "Received:") || jest_result(u, un, "FAIL"))
		return keep(r, out, t, tn);
	if (code_frame(u, un))
		return drop(r, LK_EXCERPT);
	if (numbered(u, un) || (t[0] == ' ' && location(u, un)))
		return keep(r, out, t, tn);	/* a failed test; go's t.Error lines */
	if (r->mocha && t[0] == ' ' && !rtk_is_problem_line(t, tn) && rtk_location(t, tn) < 0)
		return drop(r, LK_SUITE);
	return generic(r, out, t, tn);
}

static int finish(void *st, struct rtk_out *out)
{
	struct runner *r = st;
	if (r->test_head.len && log_keep(&r->elide, out, r->test_head.p, r->test_head.len) < 0)
		return -1;
	log_context_drop(&r->ctx, &r->elide);
	return log_elide_finish(&r->elide, out);
}

static void *start(void)
{
	return calloc(1, sizeof(struct runner));
}

static void free_state(void *st)
{
	struct runner *r = st;
	if (!r)
		return;
	log_context_free(&r->ctx);
	buf_free(&r->scratch);
	buf_free(&r->test_head);
	free(r);
}

/* ---- detection ---- */

struct feature {
	const char *text;
	int at_line_start;	/* after optional indentation */
	int score;
};

static const struct feature features[] = {
	{ "test session starts", 0, 95 }, { "passing (", 1, 85 }, { "=== RUN", 1, 85 },
	{ "--- FAIL:", 1, 85 }, { "--- PASS:", 1, 85 }, { "test result:", 1, 85 },
	{ "TAP version", 1, 85 }, { "> mocha", 1, 80 }, { "> jest", 1, 80 },
	{ "> vitest", 1, 80 }, { "> node --test", 1, 80 }, { "> ava", 1, 80 },
	{ "> pytest", 1, 80 }, { " PASSED", 0, 45 }, { " FAILED", 0, 45 },
	{ "collected ", 0, 70 }, { "✔ ", 1, 75 }, { "✓ ", 1, 70 }, { "not ok ", 1, 70 },
	{ "PASS: ", 1, 65 }, { "FAIL: ", 1, 65 },
	{ "Test #", 1, 65 }, { "Tests: ", 1, 70 }, { "Test Suites: ", 1, 85 },
	{ "..........", 1, 60 }, { "ok  \t", 1, 70 }, { "FAIL\t", 1, 70 },
	{ "Ran ", 1, 50 }, { "= FAILURES =", 0, 85 }, { "= ERRORS =", 0, 85 },
	{ "RUN  v", 1, 80 }, { "Test Files  ", 1, 85 },	/* vitest */
};

static int detect(const char *head, size_t len)
{
	int best = 0;
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(head + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - head) : len;
		size_t un;
		const char *u = log_skip_blanks(head + i, end - i, &un);
		for (size_t f = 0; f < sizeof features / sizeof features[0]; f++) {
			const struct feature *ft = &features[f];
			int hit = ft->at_line_start ? rtk_starts(u, un, ft->text)
						    : has(head + i, end - i, ft->text);
			if (hit && ft->score > best)
				best = ft->score;
		}
		/* cargo "running 12 tests", "test a::b ... ok"; pytest -v "x.py::t PASSED" */
		if (rtk_starts(u, un, "running ") && un > 8 && is_digit(u[8]) && best < 80)
			best = 80;
		if (rtk_starts(u, un, "test ") && has(u, un, " ... ") && best < 80)
			best = 80;
		if (unittest_result(u, un) && best < 80)	/* python -m unittest -v */
			best = 80;
		if ((jest_result(u, un, "FAIL") || jest_result(u, un, "PASS")) && u == head + i && best < 70)
			best = 70;
		if (rtk_starts(u, un, "\xe2\x97\x8f ") && has(u, un, " \xe2\x80\xba ") && best < 75)
			best = 75;	/* jest's "● suite › test" */
		if (has(u, un, "::") && (has(u, un, " PASSED") || has(u, un, " FAILED")) && best < 85)
			best = 85;
		i = end + 1;
	}
	return best;
}

const struct rtk_filter rtk_filter_test_runner = {
	.name = "test-runner",
	.keeps = "failing tests with their messages and locations, warnings, counts and summaries",
	.detect = detect,
	.start = start,
	.line = line,
	.finish = finish,
	.free = free_state,
};
