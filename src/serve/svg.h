/* svg: the dashboard's charts as inline SVG, drawn on the server, so that the
 * numbers are there without JavaScript and no charting library is needed.
 * Colours come from the stylesheet (classes s0 … s7), each mark carries its
 * exact value in a <title> (a tooltip, and what the browser test reads). */
#ifndef NR_SERVE_SVG_H
#define NR_SERVE_SVG_H

#include <stddef.h>

#include "buf.h"

#define SVG_SERIES_MAX 8	/* colours in the stylesheet; more series are summed as "other" */

struct svg_stack {
	const char *label;		/* the chart's name, for screen readers */
	const char *unit;		/* "requests", "tokens", "USD" (USD: shown as money) */
	size_t nx, ns;
	const char *const *x;		/* nx bucket labels */
	const char *const *series;	/* ns series names, at most SVG_SERIES_MAX */
	const double *v;		/* v[s * nx + x] */
};

/* A stacked bar chart of c, appended to out; 0 or -1. */
int svg_stacked(struct buf *out, const struct svg_stack *c);

/* Horizontal bars, one a row: name, bar, value (unit after it); 0 or -1. */
int svg_hbars(struct buf *out, const char *label, const char *const *names, const double *v, size_t n,
	      const char *unit);

/* A meter of ratio (0 to 1) as a short bar, with title; 0 or -1. */
int svg_meter(struct buf *out, double ratio, const char *title);

#endif
