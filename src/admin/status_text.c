/* status_text: `nr status` for people: one block per provider with its
 * accounts, combos with their next target, recent failures; times in local
 * time with a countdown ("in 4m12s") or an age ("5s ago"). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin/status.h"
#include "buf.h"

#define NAME_W 12	/* provider and combo names are padded to this */

/* "4m12s", "37s", "1h05m", "3d4h": whole seconds, rounded up. */
void status_put_span(struct buf *b, double secs)
{
	long s = secs > 0 ? (long)ceil(secs) : 0;
	if (s >= 86400)
		buf_printf(b, "%ldd%ldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		buf_printf(b, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		buf_printf(b, "%ldm%lds", s / 60, s % 60);
	else
		buf_printf(b, "%lds", s);
}

/* Local time: the clock alone on today's date, else with the date. */
void status_put_time(struct buf *b, double t, double now, int with_zone)
{
	time_t tt = (time_t)t, tn = (time_t)now;
	struct tm tm, tmn;
	char s[64];
	if (!localtime_r(&tt, &tm) || !localtime_r(&tn, &tmn)) {
		buf_printf(b, "@%.0f", t);
		return;
	}
	int today = tm.tm_year == tmn.tm_year && tm.tm_yday == tmn.tm_yday;
	const char *fmt = with_zone ? "%Y-%m-%d %H:%M:%S %Z" : today ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S";
	if (strftime(s, sizeof s, fmt, &tm) == 0)	/* 64 bytes hold every one of these */
		buf_printf(b, "@%.0f", t);
	else
		buf_puts(b, s);
}

static const char *str(jv o, const char *key, struct buf *keep)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	buf_reset(keep);
	if (jv_get_kind(v) == JV_KIND_STRING)
		buf_puts(keep, jv_string_value(v));
	jv_free(v);
	return keep->p ? keep->p : "";
}

static double num(jv o, const char *key)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;
	jv_free(v);
	return d;
}

/* "cooling down until 03:17:04 (in 4m59s)" */
static void put_until(struct buf *b, double until, double now)
{
	buf_puts(b, "cooling down until ");
	status_put_time(b, until, now, 0);
	buf_puts(b, " (in ");
	status_put_span(b, until - now);
	buf_puts(b, ")");
}

/* One line per cooldown of an account or of a provider's targets. */
static void print_cooldowns(jv list, const char *first, const char *label, double now)
{
	struct buf line = BUF_INIT, s = BUF_INIT;
	jv_array_foreach(list, i, c) {
		buf_reset(&line);
		buf_printf(&line, "  %*s %-20s ", NAME_W, "", i == 0 ? first : "");
		if (label)
			buf_puts(&line, label);
		if (*str(c, "model", &s))
			buf_printf(&line, "%s: ", s.p);
		put_until(&line, num(c, "until"), now);
		buf_printf(&line, ": %s", str(c, "reason", &s));
		printf("%s\n", line.p ? line.p : "");
		jv_free(c);
	}
	jv_free(list);
	buf_free(&line);
	buf_free(&s);
}

static void print_provider(jv p, double now)
{
	struct buf s = BUF_INIT, line = BUF_INIT, name = BUF_INIT, st = BUF_INIT, why = BUF_INIT;
	const char *state = str(p, "state", &st);
	buf_printf(&line, "  %-*s ", NAME_W, str(p, "name", &name));
	if (strcmp(state, "passthrough") == 0) {
		buf_puts(&line, "pass-through: each client's own credential (nr's key in X-NR-Key)");
	} else if (strcmp(state, "no_login") == 0) {
		buf_printf(&line, "not logged in: nr login %s", str(p, "name", &s));
	} else if (strcmp(state, "no_key") == 0) {
		buf_puts(&line, "no key: set ");
		jv vars = jv_object_get(jv_copy(p), jv_string("key_vars"));
		jv_array_foreach(vars, i, v) {
			buf_printf(&line, "%s%s", i ? " or " : "", jv_string_value(v));
			jv_free(v);
		}
		if (jv_array_length(vars) == 0)
			buf_puts(&line, "keys= in its provider file");
	} else if (strcmp(state, "cooling") == 0) {
		put_until(&line, num(p, "until"), now);
	} else if (strcmp(state, "broken") == 0) {
		buf_printf(&line, "unreadable: %s", str(p, "error", &s));
	} else {
		buf_puts(&line, "ready");
	}
	printf("%s\n", line.p);
	jv accts = jv_object_get(jv_copy(p), jv_string("accounts"));
	/* auth=none: one account named "-", nothing to say about it */
	int listed = jv_get_kind(accts) == JV_KIND_ARRAY;
	if (listed && jv_array_length(jv_copy(accts)) == 1) {
		jv a0 = jv_array_get(jv_copy(accts), 0);
		listed = strcmp(str(a0, "name", &s), "-") != 0;
		jv_free(a0);
	}
	if (listed) {
		jv_array_foreach(accts, i, a) {
			buf_reset(&name);
			buf_printf(&name, "%s%s", str(a, "name", &s), jv_equal(jv_object_get(jv_copy(a), jv_string("next")),
									 jv_true()) ? " (next)" : "");
			jv list = jv_object_get(jv_copy(a), jv_string("cooldowns"));
			if (*str(a, "relogin", &why))
				printf("  %*s %-20s re-login required: %s\n", NAME_W, "", name.p, why.p);
			else if (jv_array_length(jv_copy(list)) == 0)
				printf("  %*s %-20s ready\n", NAME_W, "", name.p);
			print_cooldowns(list, name.p, NULL, now);
			jv_free(a);
		}
	}
	if (strcmp(state, "broken") != 0)
		print_cooldowns(jv_object_get(jv_copy(p), jv_string("targets")), "", "target ", now);
	jv_free(accts);
	jv_free(p);
	buf_free(&s);
	buf_free(&st);
	buf_free(&why);
	buf_free(&line);
	buf_free(&name);
}

static void print_combo(jv c)
{
	struct buf s = BUF_INIT, t = BUF_INIT;
	printf("  %-*s ", NAME_W, str(c, "name", &s));
	jv targets = jv_object_get(jv_copy(c), jv_string("targets"));
	if (jv_get_kind(targets) != JV_KIND_ARRAY) {
		printf("unreadable: %s\n", str(c, "error", &s));
	} else {
		jv_array_foreach(targets, i, v) {
			printf("%s%s", i ? " -> " : "", jv_string_value(v));
			jv_free(v);
		}
		jv next = jv_object_get(jv_copy(c), jv_string("next"));
		if (jv_get_kind(next) == JV_KIND_OBJECT)
			printf("\n  %*s next: %s (%s)\n", NAME_W, "", str(next, "target", &s), str(next, "account", &t));
		else
			printf("\n  %*s next: none ready (every target cooling down, without a key or unknown)\n",
			       NAME_W, "");
		jv_free(next);
	}
	jv_free(targets);
	jv_free(c);
	buf_free(&s);
	buf_free(&t);
}

static void print_failure(jv f, double now)
{
	struct buf line = BUF_INIT, s = BUF_INIT;
	double ts = num(f, "ts");
	buf_puts(&line, "  ");
	status_put_time(&line, ts, now, 0);
	buf_puts(&line, " (");
	status_put_span(&line, now - ts);
	buf_printf(&line, " ago)  %s", str(f, "requested", &s));
	buf_printf(&line, " -> %s", str(f, "target", &s));
	if (*str(f, "account", &s))
		buf_printf(&line, " (%s)", s.p);
	buf_printf(&line, "  %.0f %s", num(f, "status"), str(f, "class", &s));
	printf("%s\n", line.p);
	jv_free(f);
	buf_free(&line);
	buf_free(&s);
}

/* Each element of doc[key] through fn, or "  none". */
static void section(jv doc, const char *key, void (*fn)(jv, double), double now)
{
	jv list = jv_object_get(jv_copy(doc), jv_string(key));
	if (jv_array_length(jv_copy(list)) == 0)
		printf("  none\n");
	jv_array_foreach(list, i, v)
		fn(v, now);
	jv_free(list);
}

static void combo_row(jv c, double now)
{
	(void)now;
	print_combo(c);
}

void status_print_text(jv doc, int failures)
{
	double now = num(doc, "now");
	struct buf head = BUF_INIT;
	status_put_time(&head, now, now, 1);
	printf("nr status at %s\n\nproviders\n", head.p ? head.p : "");
	buf_free(&head);
	section(doc, "providers", print_provider, now);
	printf("\ncombos\n");
	section(doc, "combos", combo_row, now);
	printf("\nrecent failures (the last %d at most)\n", failures);
	section(doc, "failures", print_failure, now);
	jv_free(doc);
}
