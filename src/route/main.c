/* nr-route: see route/cli.c and doc/route.md. */
#include "route/route.h"

int main(int argc, char **argv)
{
	return nr_route_main(argc, argv);
}
