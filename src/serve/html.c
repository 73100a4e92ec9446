/* html: escaping and number formats for the dashboard (html.h). */
#include "serve/html.h"

#include <string.h>

int html_text(struct buf *out, const char *s)
{
	for (; *s; s++) {
		size_t plain = strcspn(s, "&<>\"'");
		if (plain && buf_append(out, s, plain) < 0)
			return -1;
		s += plain;
		if (!*s)
			break;
		const char *ref = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
				: *s == '"' ? "&quot;" : "&#39;";
		if (buf_puts(out, ref) < 0)
			return -1;
	}
	return 0;
}

int html_count(struct buf *out, double n)
{
	static const char unit[] = " kMGT";
	int u = 0;
	while (n >= 1000 && u < 4)
		n /= 1000, u++;
	if (u == 0)
		return buf_printf(out, "%.0f", n);
	return buf_printf(out, n < 10 ? "%.2f%c" : n < 100 ? "%.1f%c" : "%.0f%c", n, unit[u]);
}

int html_usd(struct buf *out, double usd)
{
	return buf_printf(out, usd != 0 && usd < 1 && usd > -1 ? "$%.4f" : "$%.2f", usd);
}
