/* svg: stacked bars, horizontal bars and meters (svg.h). */
#include "serve/svg.h"

#include <math.h>
#include <string.h>

#include "serve/html.h"

#define W 720
#define H 180
#define LEFT 60		/* the y axis's labels */
#define BOTTOM 18	/* the x axis's labels */
#define TOP 8

/* value as the unit wants it, exactly (for a title) or short (for an axis) */
static int put_value(struct buf *out, double v, const char *unit, int exact)
{
	if (strcmp(unit, "USD") == 0)
		return exact ? buf_printf(out, "$%.6g", v) : html_usd(out, v);
	return exact ? buf_printf(out, "%.0f", v) : html_count(out, v);
}

/* The axis's top: a round multiple of a power of ten, at least max and at
 * most a third above it (1, 2, 5 alone left bars at 40% of the height). */
static double nice_max(double max)
{
	static const double steps[] = { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 };
	if (max <= 0)
		return 1;
	double p = pow(10, floor(log10(max)));
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (max <= steps[i] * p)
			return steps[i] * p;
	return 10 * p;
}

int svg_stacked(struct buf *out, const struct svg_stack *c)
{
	double max = 0;
	for (size_t x = 0; x < c->nx; x++) {
		double sum = 0;
		for (size_t s = 0; s < c->ns; s++)
			sum += c->v[s * c->nx + x];
		max = sum > max ? sum : max;
	}
	double top = nice_max(max), plot_h = H - TOP - BOTTOM;
	double slot = c->nx ? (double)(W - LEFT) / (double)c->nx : 0, bar = slot > 3 ? slot * 0.8 : slot;
	if (buf_printf(out, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H) < 0 ||
	    html_text(out, c->label) < 0 || buf_puts(out, "\">") < 0)
		return -1;
	/* grid and y labels: 0, half, top */
	for (int i = 0; i <= 2; i++) {
		double y = TOP + plot_h * (1 - i / 2.0);
		if (buf_printf(out, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
				    "<text class=\"axis\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
			       LEFT, W, y, y, LEFT - 4, y + 4) < 0 ||
		    put_value(out, top * i / 2.0, c->unit, 0) < 0 || buf_puts(out, "</text>") < 0)
			return -1;
	}
	/* x labels: about eight, evenly, centred under their bars, none past the edge */
	size_t every = c->nx > 8 ? (c->nx + 7) / 8 : 1;
	for (size_t x = 0; x < c->nx; x += every)
		if (LEFT + slot * ((double)x + 0.5) + 40 <= W &&
		    (buf_printf(out, "<text class=\"axis\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
				LEFT + slot * ((double)x + 0.5), H - 4) < 0 ||
		     html_text(out, c->x[x]) < 0 || buf_puts(out, "</text>") < 0))
			return -1;
	for (size_t x = 0; x < c->nx; x++) {
		double y = TOP + plot_h;
		for (size_t s = 0; s < c->ns; s++) {
			double v = c->v[s * c->nx + x];
			if (v <= 0)
				continue;
			double h = plot_h * v / top;
			y -= h;
			if (buf_printf(out, "<rect class=\"s%zu\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>",
				       s % SVG_SERIES_MAX, LEFT + slot * (double)x, y, bar, h) < 0 ||
			    html_text(out, c->x[x]) < 0 || buf_putc(out, ' ') < 0 || html_text(out, c->series[s]) < 0 ||
			    buf_puts(out, ": ") < 0 || put_value(out, v, c->unit, 1) < 0 ||
			    buf_printf(out, "%s%s</title></rect>", strcmp(c->unit, "USD") ? " " : "",
				       strcmp(c->unit, "USD") ? c->unit : "") < 0)
				return -1;
		}
	}
	return buf_puts(out, "</svg>");
}

int svg_hbars(struct buf *out, const char *label, const char *const *names, const double *v, size_t n,
	      const char *unit)
{
	double max = 0;
	for (size_t i = 0; i < n; i++)
		max = v[i] > max ? v[i] : max;
	int row = 20, name_w = 260, bar_w = 340;
	if (buf_printf(out, "<svg class=\"hbars\" viewBox=\"0 0 %d %zu\" role=\"img\" aria-label=\"", W,
		       (size_t)row * (n ? n : 1)) < 0 ||
	    html_text(out, label) < 0 || buf_puts(out, "\">") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		double w = max > 0 ? bar_w * v[i] / max : 0;
		size_t y = (size_t)row * i;
		if (buf_printf(out, "<text class=\"label\" x=\"0\" y=\"%zu\">", y + 14) < 0 || html_text(out, names[i]) < 0 ||
		    buf_printf(out, "</text><rect class=\"s%zu\" x=\"%d\" y=\"%zu\" width=\"%.1f\" height=\"14\"><title>",
			       i % SVG_SERIES_MAX, name_w, y + 3, w > 0 && w < 1 ? 1 : w) < 0 ||
		    html_text(out, names[i]) < 0 || buf_puts(out, ": ") < 0 || put_value(out, v[i], unit, 1) < 0 ||
		    buf_printf(out, "</title></rect><text class=\"value\" x=\"%.1f\" y=\"%zu\">", name_w + w + 6, y + 14) < 0 ||
		    put_value(out, v[i], unit, strcmp(unit, "USD") != 0 && v[i] < 1e6) < 0 ||
		    buf_printf(out, "%s%s</text>", strcmp(unit, "USD") ? " " : "", strcmp(unit, "USD") ? unit : "") < 0)
			return -1;
	}
	return buf_puts(out, "</svg>");
}

int svg_meter(struct buf *out, double ratio, const char *title)
{
	ratio = ratio < 0 ? 0 : ratio > 1 ? 1 : ratio;
	const char *level = ratio >= 0.9 ? "hot" : ratio >= 0.7 ? "warm" : "ok";
	if (buf_printf(out, "<svg class=\"meter\" viewBox=\"0 0 100 8\" role=\"img\" aria-label=\"") < 0 ||
	    html_text(out, title) < 0 ||
	    buf_printf(out, "\"><rect class=\"track\" width=\"100\" height=\"8\"/>"
			    "<rect class=\"%s\" width=\"%.1f\" height=\"8\"><title>", level, ratio * 100) < 0 ||
	    html_text(out, title) < 0 || buf_puts(out, "</title></rect></svg>") < 0)
		return -1;
	return 0;
}
