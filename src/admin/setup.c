/* setup: `nr setup TOOL ...` runs the nr-setup script installed beside this
 * program (bin/nr-setup; the reasons it is a script are at its top). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin/commands.h"
#include "buf.h"
#include "exitcodes.h"
#include "logsafe.h"
#include "self.h"

int nr_cmd_setup(int argc, char **argv)
{
	(void)argc;
	struct buf script = BUF_INIT;
	if (nr_exe_dir(&script) < 0) {
		nr_log("nr setup: cannot find this program's directory: %s", strerror(errno));
		buf_free(&script);
		return NR_EXIT_SYS;
	}
	if (buf_puts(&script, "/nr-setup") < 0) {
		nr_log("nr setup: out of memory");
		buf_free(&script);
		return NR_EXIT_SYS;
	}
	argv[0] = script.p;	/* the script sees its own path and the user's arguments */
	execv(script.p, argv);
	nr_log("nr setup: cannot run %s: %s", script.p, strerror(errno));
	buf_free(&script);
	return NR_EXIT_SYS;
}
