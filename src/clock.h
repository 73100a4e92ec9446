/* clock: the monotonic clock, for timeouts and durations (never for dates). */
#ifndef NR_CLOCK_H
#define NR_CLOCK_H

/* Milliseconds on the monotonic clock (from an arbitrary start). */
long long nr_mono_ms(void);
/* Seconds on the same clock, with fractions. */
double nr_mono_s(void);

#endif
