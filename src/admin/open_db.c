/* open_db: the database for an admin command, or the reason it cannot be had;
 * and the names admin commands give things. */
#include "admin/commands.h"

#include <string.h>

#include "logsafe.h"

sqlite3 *nr_admin_db(const char *cmd)
{
	struct buf err = BUF_INIT;
	sqlite3 *db = nr_db_open(&err);
	if (!db)
		nr_log("%s: %s", cmd, err.p ? err.p : "unable to open the database");
	buf_free(&err);
	return db;
}

int nr_admin_valid_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}
