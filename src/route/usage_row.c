/* usage_row: a usage row as one line of JSON, and that line into the usage
 * table (see usage.h). One form for the queue, the journal and stderr, so
 * that every row reaches SQLite by the same insert. */
#include "route/usage.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "json_span.h"

/* The columns a row line may carry, in the order of INSERT_SQL's parameters. */
static const struct col {
	const char *name;
	char kind;	/* t text, i integer, r real */
} cols[] = {
	{ "request", 't' }, { "attempt", 'i' }, { "ts", 'r' }, { "client_key", 't' }, { "requested", 't' },
	{ "combo", 't' }, { "provider", 't' }, { "model", 't' }, { "account", 't' }, { "position", 'i' },
	{ "status", 'i' }, { "outcome", 't' }, { "reason", 't' }, { "latency_ms", 'i' }, { "ttfb_ms", 'i' },
	{ "input_tokens", 'i' }, { "output_tokens", 'i' }, { "cache_read_tokens", 'i' },
	{ "cache_write_tokens", 'i' }, { "cost", 'r' }, { "rtk_saved_bytes", 'i' }, { "rtk_saved_tokens", 'i' },
	{ "rtk_saved_cost", 'r' },
};
#define NCOLS (sizeof cols / sizeof cols[0])

/* OR IGNORE: a row replayed a second time (a crash between COMMIT and
 * emptying the journal) meets the unique (request, attempt) and is skipped. */
static const char INSERT_SQL[] =
	"INSERT OR IGNORE INTO usage (request, attempt, ts, day, client_key, requested, combo, provider, model,"
	" account, position, status, outcome, reason, latency_ms, ttfb_ms, input_tokens, output_tokens,"
	" cache_read_tokens, cache_write_tokens, cost, rtk_saved_bytes, rtk_saved_tokens, rtk_saved_cost)"
	" VALUES (?1, ?2, ?3, date(?3, 'unixepoch'), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
	" ?17, ?18, ?19, ?20, ?21, ?22, ?23)";

/* A new row's cost, added to its provider's UTC day and month (db.c, 7) and
 * to its target's, keyed "PROVIDER/MODEL" (db.c, 9; route/budget.h). */
static const char SPEND_SQL[] =
	"INSERT INTO spend VALUES (?1, date(?2, 'unixepoch'), ?3), (?1, strftime('%Y-%m', ?2, 'unixepoch'), ?3),"
	" (?1 || '/' || ?4, date(?2, 'unixepoch'), ?3), (?1 || '/' || ?4, strftime('%Y-%m', ?2, 'unixepoch'), ?3)"
	" ON CONFLICT(provider, period) DO UPDATE SET cost = cost + excluded.cost";

/* Each returns 0 or -1 (out of memory): a row is whole or not written. */
static int put_text(struct buf *b, const char *k, const char *v)
{
	return v ? buf_printf(b, ",\"%s\":", k) | json_cstr(b, v) : 0;
}

static int put_int(struct buf *b, const char *k, long long v)
{
	return v >= 0 ? buf_printf(b, ",\"%s\":%lld", k, v) : 0;
}

static int put_real(struct buf *b, const char *k, double v)
{
	return v >= 0 ? buf_printf(b, ",\"%s\":%.17g", k, v) : 0;
}

int nr_usage_row_json(const struct nr_usage_row *r, struct buf *out)
{
	size_t start = out->len;
	int bad = buf_puts(out, "{\"request\":") | json_cstr(out, r->request) |
		  put_int(out, "attempt", r->attempt) | put_real(out, "ts", r->ts) |
		  put_text(out, "client_key", r->client_key) | put_text(out, "requested", r->requested) |
		  put_text(out, "combo", r->combo) | put_text(out, "provider", r->provider) |
		  put_text(out, "model", r->model) | put_text(out, "account", r->account) |
		  put_int(out, "position", r->position) | put_int(out, "status", r->status) |
		  put_text(out, "outcome", r->outcome) | put_text(out, "reason", r->reason) |
		  put_int(out, "latency_ms", r->latency_ms) | put_int(out, "ttfb_ms", r->ttfb_ms) |
		  put_int(out, "input_tokens", r->u.input) | put_int(out, "output_tokens", r->u.output) |
		  put_int(out, "cache_read_tokens", r->u.cache_read) |
		  put_int(out, "cache_write_tokens", r->u.cache_write) | put_real(out, "cost", r->cost) |
		  put_int(out, "rtk_saved_bytes", r->rtk_bytes) | put_int(out, "rtk_saved_tokens", r->rtk_tokens) |
		  put_real(out, "rtk_saved_cost", r->rtk_cost) | buf_putc(out, '}');
	if (bad) {
		out->len = start;
		if (out->p)
			out->p[start] = '\0';
		return -1;
	}
	return 0;
}

/* The index of column name in cols[]. */
static size_t col(const char *name)
{
	size_t i = 0;
	while (i < NCOLS - 1 && strcmp(cols[i].name, name) != 0)
		i++;
	return i;
}

/* A number member as a double; 0 when it cannot be one (json_validate
 * checked the syntax: only an absurd length is left). */
static double number(struct json_span v)
{
	char tmp[64];
	if (v.n >= sizeof tmp)
		return 0;
	memcpy(tmp, v.p, v.n);
	tmp[v.n] = '\0';
	return strtod(tmp, NULL);
}

/* Binds member v (absent: n == 0) as column c; -1 when out of memory. */
static int bind(sqlite3_stmt *st, int i, const struct col *c, struct json_span v, struct buf *text)
{
	enum json_type t = json_type_of(v);
	if (t == JSON_STRING && c->kind == 't') {
		buf_reset(text);
		if (json_str_decode(v, text) < 0)
			return -1;
		return sqlite3_bind_text(st, i, text->p ? text->p : "", -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
	}
	if (t == JSON_NUMBER && c->kind == 'i')
		sqlite3_bind_int64(st, i, (sqlite3_int64)number(v));
	else if (t == JSON_NUMBER && c->kind == 'r')
		sqlite3_bind_double(st, i, number(v));
	else
		sqlite3_bind_null(st, i);
	return 0;
}

/* Read with json_span, not parsed into jq values: this runs for every row
 * of every request, and jq's parser was 5% of a routed request's CPU. */
int nr_usage_insert(sqlite3 *db, const char *json, size_t len)
{
	struct json_span top, key, val, v[NCOLS] = { { 0 } };
	char why[96];
	if (json_validate(json, len, &top, why, sizeof why) < 0 || json_type_of(top) != JSON_OBJECT)
		return 1;
	struct json_iter it = json_iter_init(top);
	while (json_object_next(&it, &key, &val))	/* a repeated member: the last one */
		for (size_t i = 0; i < NCOLS; i++)
			if (json_str_is(key, cols[i].name)) {
				v[i] = val;
				break;
			}
	if (json_type_of(v[0]) != JSON_STRING)	/* "request": no row without it */
		return 1;
	sqlite3_stmt *st;
	if (!(st = nr_db_prepare(db, INSERT_SQL)))
		return -1;
	struct buf text = BUF_INIT;
	int bad = 0;
	for (size_t i = 0; i < NCOLS && !bad; i++)
		bad = bind(st, (int)i + 1, &cols[i], v[i], &text) < 0;
	buf_free(&text);
	int rc = bad ? SQLITE_NOMEM : sqlite3_step(st);
	nr_db_done(st);
	/* a NOT NULL column missing is a constraint OR IGNORE skips: SQLITE_DONE */
	if (rc != SQLITE_DONE)
		return -1;
	/* a row new to the table (not a replay) adds its cost to its provider's
	 * and its target's spend */
	size_t cost = col("cost"), provider = col("provider"), model = col("model"), ts = col("ts");
	if (sqlite3_changes(db) == 1 && json_type_of(v[cost]) == JSON_NUMBER && number(v[cost]) > 0 &&
	    json_type_of(v[provider]) == JSON_STRING && json_type_of(v[model]) == JSON_STRING &&
	    json_type_of(v[ts]) == JSON_NUMBER) {
		if (!(st = nr_db_prepare(db, SPEND_SQL)))
			return -1;
		struct buf name = BUF_INIT, mname = BUF_INIT;
		rc = json_str_decode(v[provider], &name) < 0 || json_str_decode(v[model], &mname) < 0 ? SQLITE_NOMEM
		     : sqlite3_bind_text(st, 1, name.p ? name.p : "", -1, SQLITE_TRANSIENT) |
		       sqlite3_bind_double(st, 2, number(v[ts])) | sqlite3_bind_double(st, 3, number(v[cost])) |
		       sqlite3_bind_text(st, 4, mname.p ? mname.p : "", -1, SQLITE_TRANSIENT);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		nr_db_done(st);
		buf_free(&name);
		buf_free(&mname);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}
