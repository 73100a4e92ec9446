/* nr-translate: PLACEHOLDER until issue 3 lands. */
#include <stdio.h>

#include "exitcodes.h"

int main(void)
{
	fprintf(stderr, "nr-translate: not implemented yet\n");
	return NR_EXIT_SYS;
}
