/* beside: the nr commands that are programs of their own, installed beside
 * nr: `nr setup` runs nr-setup (a script; the reasons are at its top), `nr
 * db` runs nr-db, the one program linked with libpq: its 25 libraries cost a
 * program's start about 25 ms to load, which every other nr command (and a
 * test suite's hundreds of them) would pay for nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin/commands.h"
#include "buf.h"
#include "exitcodes.h"
#include "logsafe.h"
#include "self.h"

/* Runs prog from this program's directory with the user's arguments (argv[0]
 * becomes its path); returns only when it cannot. */
static int run_beside(const char *prog, const char *cmd, char **argv)
{
	struct buf path = BUF_INIT;
	if (nr_exe_dir(&path) < 0) {
		nr_log("%s: cannot find this program's directory: %s", cmd, strerror(errno));
		buf_free(&path);
		return NR_EXIT_SYS;
	}
	if (buf_printf(&path, "/%s", prog) < 0) {
		nr_log("%s: out of memory", cmd);
		buf_free(&path);
		return NR_EXIT_SYS;
	}
	argv[0] = path.p;
	execv(path.p, argv);
	nr_log("%s: cannot run %s: %s", cmd, path.p, strerror(errno));
	buf_free(&path);
	return NR_EXIT_SYS;
}

int nr_cmd_setup(int argc, char **argv)
{
	(void)argc;
	return run_beside("nr-setup", "nr setup", argv);
}

int nr_cmd_db(int argc, char **argv)
{
	(void)argc;
	return run_beside("nr-db", "nr db", argv);
}
