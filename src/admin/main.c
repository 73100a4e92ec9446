/* nr: PLACEHOLDER until the admin command lands. */
#include <stdio.h>

#include "exitcodes.h"

int main(void)
{
	fprintf(stderr, "nr: not implemented yet\n");
	return NR_EXIT_SYS;
}
