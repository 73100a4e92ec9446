/* now: the wall clock, as the state database's times are kept. */
#ifndef NR_ROUTE_NOW_H
#define NR_ROUTE_NOW_H

double nr_now(void);	/* unix time in seconds, with fractions */

#endif
