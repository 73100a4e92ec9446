/* nr-route: see route/cli.c and doc/route.md. */
#include "route/route.h"
#include "leak_check.h"

NR_LEAK_CHECK_AT_EXIT(0, 1)

int main(int argc, char **argv)
{
	return nr_route_main(argc, argv);
}
