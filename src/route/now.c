/* now: the wall clock (see now.h). */
#include "route/now.h"

#include <time.h>

double nr_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
