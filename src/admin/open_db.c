/* open_db: the database for an admin command, or the reason it cannot be had. */
#include "admin/commands.h"

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
