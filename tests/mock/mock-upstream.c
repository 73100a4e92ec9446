/* mock-upstream: PLACEHOLDER until the tests' mock upstream lands. */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "mock-upstream: not implemented yet\n");
	return 111;
}
