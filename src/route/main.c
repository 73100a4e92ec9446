/* nr-route: PLACEHOLDER until issue 4 lands. */
#include <stdio.h>

#include "exitcodes.h"

int main(void)
{
	fprintf(stderr, "nr-route: not implemented yet\n");
	return NR_EXIT_SYS;
}
