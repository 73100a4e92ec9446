/* setup: `nr setup TOOL ...` runs the nr-setup script installed beside this
 * program (bin/nr-setup; the reasons it is a script are at its top). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin/commands.h"
#include "buf.h"
#include "exitcodes.h"
#include "logsafe.h"

int nr_cmd_setup(int argc, char **argv)
{
	(void)argc;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0 || (size_t)n >= sizeof exe - 1) {
		nr_log("nr setup: cannot find this program's directory: %s", n < 0 ? strerror(errno) : "path too long");
		return NR_EXIT_SYS;
	}
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	struct buf script = BUF_INIT;
	if (buf_printf(&script, "%s/nr-setup", slash ? exe : ".") < 0) {
		nr_log("nr setup: out of memory");
		return NR_EXIT_SYS;
	}
	argv[0] = script.p;	/* the script sees its own path and the user's arguments */
	execv(script.p, argv);
	nr_log("nr setup: cannot run %s: %s", script.p, strerror(errno));
	buf_free(&script);
	return NR_EXIT_SYS;
}
