/* keys: nr's own API keys. A key is random (arc4random), shown once when
 * created, stored only as its SHA-256, compared in constant time, named and
 * revocable. */
#ifndef NR_KEYS_H
#define NR_KEYS_H

#include <sqlite3.h>

#include "buf.h"

/* A key's own settings, each KEY_ON, KEY_OFF or KEY_DEFAULT (the server's
 * flag decides); a request's x-nr-* header overrides them. */
#define KEY_ON 1
#define KEY_OFF 0
#define KEY_DEFAULT (-1)
#define KEY_UNCHANGED (-2)	/* keys_set: leave this one as it is */
struct key_settings {
	int rtk;	/* rtk-filter compresses the tool results */
	int caveman;	/* the terse-answers instruction is added */
};

/* Creates key NAME with settings s; the key itself goes to *key (shown once,
 * never stored). 0, or -1 with a message in *err (e.g. the name exists). */
int keys_add(sqlite3 *db, const char *name, const struct key_settings *s, struct buf *key,
	     struct buf *err);
/* 1 when `key` is a live key (its name into *name, its settings into *s,
 * read by the same query), 0 when not, -1 on error. */
int keys_check(sqlite3 *db, const char *key, struct buf *name, struct key_settings *s);
/* Changes the settings of live key NAME (KEY_UNCHANGED leaves one as it is):
 * 1 changed, 0 no live key of that name, -1 error. */
int keys_set(sqlite3 *db, const char *name, const struct key_settings *s);
/* 1 revoked, 0 no live key of that name, -1 error. */
int keys_revoke(sqlite3 *db, const char *name);
/* How many live keys exist; -1 on error. */
int keys_count(sqlite3 *db);

/* The SHA-256 of key in hex, NUL-terminated; 0 or -1. */
int keys_hash(const char *key, char out[65]);
struct key_info {
	const char *name;
	double created, revoked;	/* Unix times; revoked 0 when live */
	struct key_settings settings;
};
/* Calls fn for each key, in the order they were made. */
int keys_each(sqlite3 *db, void (*fn)(void *ctx, const struct key_info *k), void *ctx);

#endif
