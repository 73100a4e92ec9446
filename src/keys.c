/* keys: creation, hashing, constant-time checks and revocation of API keys. */
#include "keys.h"

#include <stdlib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <time.h>

#include "db.h"

#define KEY_RANDOM_BYTES 24	/* 192 bits: guessing is hopeless, a plain hash suffices */
#define KEY_PREFIX "nr-"

/* Hex SHA-256 of key into out[65]. 0 or -1. The digest is fetched once: an
 * implicit fetch on each call (EVP_sha256()) cost more than the hash. */
int keys_hash(const char *key, char out[65])
{
	static EVP_MD *sha256;
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!sha256 && !(sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)))
		return -1;
	if (!EVP_Digest(key, strlen(key), md, &len, sha256, NULL) || len != 32)
		return -1;
	for (unsigned i = 0; i < len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A settings column: NULL is KEY_DEFAULT. */
static int setting_column(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? KEY_DEFAULT : sqlite3_column_int(st, col) != 0;
}

static void bind_setting(sqlite3_stmt *st, int idx, int v)
{
	if (v == KEY_ON || v == KEY_OFF)
		sqlite3_bind_int(st, idx, v);
	else
		sqlite3_bind_null(st, idx);
}

int keys_add(sqlite3 *db, const char *name, const struct key_settings *s, struct buf *key,
	     struct buf *err)
{
	unsigned char rnd[KEY_RANDOM_BYTES];
	char hash[65];
	arc4random_buf(rnd, sizeof rnd);
	buf_reset(key);
	if (buf_puts(key, KEY_PREFIX) < 0)
		return -1;
	for (size_t i = 0; i < sizeof rnd; i++)
		if (buf_printf(key, "%02x", rnd[i]) < 0)
			return -1;
	if (keys_hash(key->p, hash) < 0) {
		buf_puts(err, "unable to hash the key");
		return -1;
	}
	sqlite3_stmt *st;
	/* a revoked key gives its name up: its row goes, usage rows keep the name */
	if (sqlite3_prepare_v2(db, "DELETE FROM keys WHERE name = ? AND revoked IS NOT NULL", -1, &st,
			       NULL) != SQLITE_OK) {
		buf_printf(err, "unable to store the key: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int del = sqlite3_step(st);
	sqlite3_finalize(st);
	if (del != SQLITE_DONE) {
		buf_printf(err, "unable to store the key: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO keys(name, hash, created, rtk, caveman)"
			       " VALUES (?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		buf_printf(err, "unable to store the key: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, now());
	bind_setting(st, 4, s->rtk);
	bind_setting(st, 5, s->caveman);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_CONSTRAINT)
			buf_printf(err, "a key named '%s' exists already", name);
		else
			buf_printf(err, "unable to store the key: %s", sqlite3_errmsg(db));
		explicit_bzero(key->p, key->len);
		buf_reset(key);
		return -1;
	}
	return 0;
}

int keys_check(sqlite3 *db, const char *key, struct buf *name, struct key_settings *s)
{
	char hash[65];
	if (keys_hash(key, hash) < 0)
		return -1;
	sqlite3_stmt *st;
	/* the settings come with the hashes: no second query per request */
	if (!(st = nr_db_prepare(db, "SELECT name, hash, rtk, caveman FROM keys WHERE revoked IS NULL")))
		return -1;
	/* every live hash is compared, in constant time, whatever matched before */
	int found = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);
		if (h && strlen(h) == 64 && CRYPTO_memcmp(h, hash, 64) == 0 && !found) {
			found = 1;
			s->rtk = setting_column(st, 2);
			s->caveman = setting_column(st, 3);
			buf_reset(name);
			if (buf_puts(name, (const char *)sqlite3_column_text(st, 0)) < 0)
				rc = SQLITE_NOMEM;
		}
	}
	nr_db_done(st);
	return rc == SQLITE_DONE ? found : -1;
}

int keys_revoke(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "UPDATE keys SET revoked = ? WHERE name = ? AND revoked IS NULL",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_double(st, 1, now());
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db) > 0;
}

int keys_set(sqlite3 *db, const char *name, const struct key_settings *s)
{
	sqlite3_stmt *st;
	/* ?2/?4 say whether to change the column, ?3/?5 the new value */
	if (sqlite3_prepare_v2(db, "UPDATE keys SET rtk = iif(?2, ?3, rtk), caveman = iif(?4, ?5, caveman)"
			       " WHERE name = ?1 AND revoked IS NULL", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, s->rtk != KEY_UNCHANGED);
	bind_setting(st, 3, s->rtk);
	sqlite3_bind_int(st, 4, s->caveman != KEY_UNCHANGED);
	bind_setting(st, 5, s->caveman);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db) > 0;
}

int keys_count(sqlite3 *db)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM keys WHERE revoked IS NULL", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}

int keys_each(sqlite3 *db, void (*fn)(void *ctx, const struct key_info *k), void *ctx)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT name, created, coalesce(revoked, 0), rtk, caveman FROM keys"
			       " ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct key_info k = { (const char *)sqlite3_column_text(st, 0), sqlite3_column_double(st, 1),
				      sqlite3_column_double(st, 2),
				      { setting_column(st, 3), setting_column(st, 4) } };
		fn(ctx, &k);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
