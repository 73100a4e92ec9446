/* usage_row: a usage row into the usage table, from the queue's struct or
 * from its line of JSON (the journal's and stderr's form), both bound by one
 * binder to one INSERT; and the row as that line (see usage.h). */
#include "route/usage.h"

#include <math.h>
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
	{ "rtk_saved_cost", 'r' }, { "caveman", 'i' }, { "output_cost", 'r' },
};
#define NCOLS (sizeof cols / sizeof cols[0])
_Static_assert(NCOLS == 25, "vals_of_row() fills the columns by their place in cols[]");

/* OR IGNORE: a row replayed a second time (a crash between COMMIT and
 * emptying the journal) meets the unique (request, attempt) and is skipped.
 * ?26 is the UTC day when utc_day() could tell it, else SQLite says it. */
static const char INSERT_SQL[] =
	"INSERT OR IGNORE INTO usage (request, attempt, ts, day, client_key, requested, combo, provider, model,"
	" account, position, status, outcome, reason, latency_ms, ttfb_ms, input_tokens, output_tokens,"
	" cache_read_tokens, cache_write_tokens, cost, rtk_saved_bytes, rtk_saved_tokens, rtk_saved_cost,"
	" caveman, output_cost)"
	" VALUES (?1, ?2, ?3, coalesce(?26, date(?3, 'unixepoch')), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)";

/* A new row's cost, added to its provider's UTC day and month (db.c, 7), to
 * its target's, keyed "PROVIDER/MODEL" (db.c, 9; route/budget.h), and to its
 * nr key's, keyed "@NAME" (db.c, 12; key_policy.h): summed
 * in memory over a transaction's rows (struct spend), one upsert a key and
 * period at its end; SPEND_ROW_SQL for a row whose day utc_day() cannot tell. */
static const char SPEND_SQL[] =
	"INSERT INTO spend VALUES (?1, ?2, ?3) ON CONFLICT(provider, period) DO UPDATE SET cost = cost + excluded.cost";
static const char SPEND_ROW_SQL[] =
	"INSERT INTO spend SELECT k, p, ?3 FROM (SELECT ?1 AS k UNION ALL SELECT ?1 || '/' || ?4"
	" UNION ALL SELECT '@' || ?5 WHERE ?5 IS NOT NULL),"
	" (SELECT date(?2, 'unixepoch') AS p UNION ALL SELECT strftime('%Y-%m', ?2, 'unixepoch')) WHERE true"
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

/* A real that is not a finite number is unknown too: JSON has no inf */
static int put_real(struct buf *b, const char *k, double v)
{
	return isfinite(v) && v >= 0 ? buf_printf(b, ",\"%s\":%.17g", k, v) : 0;
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
		  put_real(out, "rtk_saved_cost", r->rtk_cost) | put_int(out, "caveman", r->caveman) |
		  put_real(out, "output_cost", r->output_cost) | buf_putc(out, '}');
	if (bad) {
		out->len = start;
		if (out->p)
			out->p[start] = '\0';
		return -1;
	}
	return 0;
}


/* A row's value for each column of cols[], as bound: kind 0 is NULL. */
struct val {
	char kind;	/* 0, or cols[i].kind */
	const char *s;
	long long i;
	double r;
};

static void val_text(struct val *v, const char *s)
{
	*v = s ? (struct val){ .kind = 't', .s = s } : (struct val){ 0 };
}

static void val_int(struct val *v, long long i)
{
	*v = i >= 0 ? (struct val){ .kind = 'i', .i = i } : (struct val){ 0 };
}

static void val_real(struct val *v, double r)
{
	*v = isfinite(r) && r >= 0 ? (struct val){ .kind = 'r', .r = r } : (struct val){ 0 };
}

/* The values of r, left out as nr_usage_row_json leaves them out. */
static void vals_of_row(const struct nr_usage_row *r, struct val v[NCOLS])
{
	val_text(&v[0], r->request ? r->request : "");
	val_int(&v[1], r->attempt);
	val_real(&v[2], r->ts);
	val_text(&v[3], r->client_key);
	val_text(&v[4], r->requested);
	val_text(&v[5], r->combo);
	val_text(&v[6], r->provider);
	val_text(&v[7], r->model);
	val_text(&v[8], r->account);
	val_int(&v[9], r->position);
	val_int(&v[10], r->status);
	val_text(&v[11], r->outcome);
	val_text(&v[12], r->reason);
	val_int(&v[13], r->latency_ms);
	val_int(&v[14], r->ttfb_ms);
	val_int(&v[15], r->u.input);
	val_int(&v[16], r->u.output);
	val_int(&v[17], r->u.cache_read);
	val_int(&v[18], r->u.cache_write);
	val_real(&v[19], r->cost);
	val_int(&v[20], r->rtk_bytes);
	val_int(&v[21], r->rtk_tokens);
	val_real(&v[22], r->rtk_cost);
	val_int(&v[23], r->caveman);
	val_real(&v[24], r->output_cost);
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

/* The column a member's key names, or NCOLS. */
static size_t col_of(struct json_span key)
{
	for (size_t i = 0; i < NCOLS; i++)
		if (json_str_is(key, cols[i].name))
			return i;
	return NCOLS;
}

/* The values of a row line (a member of another type than its column's is
 * NULL; a repeated one counts as its last), its strings decoded into text[];
 * 0, -1 out of memory, 1 when it is not a row (no "request" string). */
static int vals_of_json(const char *json, size_t len, struct val v[NCOLS], struct buf text[NCOLS])
{
	struct json_span top, key, val, m[NCOLS] = { { 0 } };
	char why[96];
	if (json_validate(json, len, &top, why, sizeof why) < 0 || json_type_of(top) != JSON_OBJECT)
		return 1;
	struct json_iter it = json_iter_init(top);
	while (json_object_next(&it, &key, &val)) {
		size_t i = col_of(key);
		if (i < NCOLS)
			m[i] = val;
	}
	if (json_type_of(m[0]) != JSON_STRING)	/* "request": no row without it */
		return 1;
	for (size_t i = 0; i < NCOLS; i++) {
		enum json_type t = json_type_of(m[i]);
		v[i] = (struct val){ 0 };
		if (t == JSON_STRING && cols[i].kind == 't') {
			if (json_str_decode(m[i], &text[i]) < 0)
				return -1;
			v[i] = (struct val){ .kind = 't', .s = text[i].p ? text[i].p : "" };
		} else if (t == JSON_NUMBER && cols[i].kind == 'i') {
			v[i] = (struct val){ .kind = 'i', .i = (long long)number(m[i]) };
		} else if (t == JSON_NUMBER && cols[i].kind == 'r') {
			v[i] = (struct val){ .kind = 'r', .r = number(m[i]) };
		}
	}
	return 0;
}

/* The UTC day "YYYY-MM-DD" of unix time ts as SQLite's date(ts, 'unixepoch')
 * gives it (it rounds to the millisecond first), for years 1970 to 9999;
 * 0, or -1 outside them (SQLite says then). */
static int utc_day(double ts, char day[11])
{
	if (!(ts >= 0 && ts < 253402300800.0))
		return -1;
	long long ms = (long long)(ts * 1000.0 + 210866760000000.0 + 0.5) - 210866760000000LL;
	long long z = ms / 86400000 + 719468;	/* days from 0000-03-01 (H. Hinnant's civil_from_days) */
	long long era = z / 146097, doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int y = (int)(yoe + era * 400 + (m <= 2));
	if (y > 9999)
		return -1;
	day[0] = (char)('0' + y / 1000), day[1] = (char)('0' + y / 100 % 10);
	day[2] = (char)('0' + y / 10 % 10), day[3] = (char)('0' + y % 10), day[4] = '-';
	day[5] = (char)('0' + m / 10), day[6] = (char)('0' + m % 10), day[7] = '-';
	day[8] = (char)('0' + d / 10), day[9] = (char)('0' + d % 10), day[10] = '\0';
	return 0;
}

/* The spend of the rows inserted in the running transaction, by key
 * (provider, "PROVIDER/MODEL", or "@NAME" for an nr key) and period (day or
 * month). */
static struct spend {
	char *key;
	char period[11];
	double cost;
} *spend;
static size_t nspend, spend_cap;

/* Adds cost to key's period; -1 out of memory. */
static int spend_add(const char *key, size_t key_len, const char *period, double cost)
{
	for (size_t i = 0; i < nspend; i++)
		if (strlen(spend[i].key) == key_len && memcmp(spend[i].key, key, key_len) == 0 &&
		    strcmp(spend[i].period, period) == 0) {
			spend[i].cost += cost;
			return 0;
		}
	if (nspend == spend_cap) {
		size_t cap = spend_cap ? 2 * spend_cap : 8;
		struct spend *v = reallocarray(spend, cap, sizeof *v);
		if (!v)
			return -1;
		spend = v;
		spend_cap = cap;
	}
	char *k = strndup(key, key_len);
	if (!k)
		return -1;
	spend[nspend] = (struct spend){ .key = k, .cost = cost };
	strcpy(spend[nspend].period, period);
	nspend++;
	return 0;
}

void nr_usage_spend_drop(void)
{
	for (size_t i = 0; i < nspend; i++)
		free(spend[i].key);
	nspend = 0;
}

int nr_usage_spend_write(sqlite3 *db)
{
	int rc = SQLITE_DONE;
	for (size_t i = 0; i < nspend && rc == SQLITE_DONE; i++) {
		sqlite3_stmt *st = nr_db_prepare(db, SPEND_SQL);
		if (!st) {
			rc = SQLITE_ERROR;
			break;
		}
		rc = sqlite3_bind_text(st, 1, spend[i].key, -1, SQLITE_STATIC) |
		     sqlite3_bind_text(st, 2, spend[i].period, -1, SQLITE_STATIC) |
		     sqlite3_bind_double(st, 3, spend[i].cost);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		nr_db_done(st);
	}
	nr_usage_spend_drop();
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A new row's cost into the spend: summed for the end of the transaction,
 * or at once (SPEND_ROW_SQL) when its day is one utc_day() leaves to SQLite.
 * 0 or -1. */
static int add_spend(sqlite3 *db, const struct val v[NCOLS])
{
	const struct val *cost = &v[19], *provider = &v[6], *model = &v[7], *ts = &v[2], *key = &v[3];
	char day[11], month[8];
	if (utc_day(ts->r, day) == 0) {
		memcpy(month, day, 7);
		month[7] = '\0';
		/* the target "PROVIDER/MODEL", then the key "@NAME" */
		size_t np = strlen(provider->s), nm = strlen(model->s), nk = key->kind == 't' ? strlen(key->s) : 0;
		char *target = malloc(np + 1 + nm + 1), *at = malloc(1 + nk + 1);
		int bad = !target || !at;
		if (!bad) {
			memcpy(target, provider->s, np);
			target[np] = '/';
			memcpy(target + np + 1, model->s, nm + 1);
			at[0] = '@';
			memcpy(at + 1, nk ? key->s : "", nk + 1);
			bad = spend_add(provider->s, np, day, cost->r) < 0 || spend_add(provider->s, np, month, cost->r) < 0 ||
			      spend_add(target, np + 1 + nm, day, cost->r) < 0 ||
			      spend_add(target, np + 1 + nm, month, cost->r) < 0 ||
			      (nk && (spend_add(at, 1 + nk, day, cost->r) < 0 || spend_add(at, 1 + nk, month, cost->r) < 0));
		}
		free(target);
		free(at);
		return bad ? -1 : 0;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, SPEND_ROW_SQL, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_bind_text(st, 1, provider->s, -1, SQLITE_STATIC) | sqlite3_bind_double(st, 2, ts->r) |
		 sqlite3_bind_double(st, 3, cost->r) | sqlite3_bind_text(st, 4, model->s, -1, SQLITE_STATIC) |
		 (key->kind == 't' ? sqlite3_bind_text(st, 5, key->s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 5));
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The one insert: the row's values bound, and a new row's cost to the spend. */
static int insert_vals(sqlite3 *db, const struct val v[NCOLS])
{
	sqlite3_stmt *st;
	if (!(st = nr_db_prepare(db, INSERT_SQL)))
		return -1;
	int rc = SQLITE_OK;
	for (size_t i = 0; i < NCOLS && rc == SQLITE_OK; i++) {
		int at = (int)i + 1;
		switch (v[i].kind) {
		case 't': rc = sqlite3_bind_text(st, at, v[i].s, -1, SQLITE_STATIC); break;
		case 'i': rc = sqlite3_bind_int64(st, at, (sqlite3_int64)v[i].i); break;
		case 'r': rc = sqlite3_bind_double(st, at, v[i].r); break;
		default: rc = sqlite3_bind_null(st, at); break;
		}
	}
	char day[11];
	if (rc == SQLITE_OK)
		rc = v[2].kind == 'r' && utc_day(v[2].r, day) == 0
			     ? sqlite3_bind_text(st, (int)NCOLS + 1, day, -1, SQLITE_STATIC)
			     : sqlite3_bind_null(st, (int)NCOLS + 1);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	int added = rc == SQLITE_DONE && sqlite3_changes(db) == 1;
	nr_db_done(st);	/* clears the bindings: day[] is not used after */
	/* a NOT NULL column missing is a constraint OR IGNORE skips: SQLITE_DONE */
	if (rc != SQLITE_DONE)
		return -1;
	/* a row new to the table (not a replay) adds its cost to its provider's
	 * and its target's spend */
	if (added && v[19].kind == 'r' && v[19].r > 0 && v[6].kind == 't' && v[7].kind == 't' && v[2].kind == 'r')
		return add_spend(db, v);
	return 0;
}

int nr_usage_insert_row(sqlite3 *db, const struct nr_usage_row *r)
{
	struct val v[NCOLS];
	vals_of_row(r, v);
	return insert_vals(db, v);
}

/* Read with json_span, not parsed into jq values: every row of the journal
 * comes this way. */
int nr_usage_insert(sqlite3 *db, const char *json, size_t len)
{
	struct val v[NCOLS];
	struct buf text[NCOLS];
	for (size_t i = 0; i < NCOLS; i++)
		text[i] = (struct buf)BUF_INIT;
	int rc = vals_of_json(json, len, v, text);
	if (rc == 0)
		rc = insert_vals(db, v);
	for (size_t i = 0; i < NCOLS; i++)
		buf_free(&text[i]);
	return rc;
}
