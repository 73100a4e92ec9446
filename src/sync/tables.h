/* tables: the shared tables as sync.c copies them, and the SQL each copy
 * runs, made from their column lists once (tables.c). */
#ifndef NR_SYNC_TABLES_H
#define NR_SYNC_TABLES_H

#include "buf.h"

struct sync_table {
	const char *name;
	const char *key;	/* the primary key's columns, as both ends name them */
	const char *cols;	/* the shared columns, PostgreSQL's names */
	const char *out;	/* SQLite: json_object()'s arguments where a column differs here (NULL: cols) */
	const char *out_where;	/* SQLite: which rows may go up (NULL: all) */
	const char *in_cols;	/* SQLite: the columns a row comes down into (NULL: cols) */
	const char *in;		/* SQLite: their values, from json_each's `value` (NULL: value->>'col') */
	const char *in_where;	/* SQLite: which rows may come down (NULL: all) */
	const char *pg_merge;	/* PostgreSQL: ON CONFLICT DO UPDATE's SET (NULL: every column) */
	const char *merge;	/* SQLite: the same here (NULL: every column) */
	/* made by sync_tables(): */
	struct buf up_rows, up_gone, pg_put, pg_del, pg_read, down_put, down_del;
};

#define SYNC_NTABLES 6
extern struct sync_table sync_tables_all[SYNC_NTABLES];

/* The usage columns both ends share, in PostgreSQL's order. */
extern const char sync_usage_cols[];

/* Makes every table's SQL once; 0 or -1 (out of memory). */
int sync_tables(void);

#endif
