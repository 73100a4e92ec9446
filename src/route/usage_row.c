/* usage_row: a usage row as one line of JSON, and that line into the usage
 * table (see usage.h). One form for the queue, the journal and stderr, so
 * that every row reaches SQLite by the same insert. */
#include "route/usage.h"

#include "db.h"
#include "json.h"

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

static void bind(sqlite3_stmt *st, int i, const struct col *c, jv v)
{
	if (jv_get_kind(v) == JV_KIND_STRING && c->kind == 't')
		sqlite3_bind_text(st, i, jv_string_value(v), -1, SQLITE_TRANSIENT);
	else if (jv_get_kind(v) == JV_KIND_NUMBER && c->kind == 'i')
		sqlite3_bind_int64(st, i, (sqlite3_int64)jv_number_value(v));
	else if (jv_get_kind(v) == JV_KIND_NUMBER && c->kind == 'r')
		sqlite3_bind_double(st, i, jv_number_value(v));
	else
		sqlite3_bind_null(st, i);
	jv_free(v);
}

int nr_usage_insert(sqlite3 *db, const char *json, size_t len)
{
	jv o = jv_parse_sized(json, (int)len);
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		jv_free(o);
		return 1;
	}
	jv req = jv_object_get(jv_copy(o), jv_string("request"));
	int ok = jv_get_kind(req) == JV_KIND_STRING;
	jv_free(req);
	sqlite3_stmt *st;
	if (!ok || !(st = nr_db_prepare(db, INSERT_SQL))) {
		jv_free(o);
		return ok ? -1 : 1;
	}
	for (size_t i = 0; i < NCOLS; i++)
		bind(st, (int)i + 1, &cols[i], jv_object_get(jv_copy(o), jv_string(cols[i].name)));
	jv_free(o);
	int rc = sqlite3_step(st);
	nr_db_done(st);
	/* a NOT NULL column missing is a constraint OR IGNORE skips: SQLITE_DONE */
	return rc == SQLITE_DONE ? 0 : -1;
}
