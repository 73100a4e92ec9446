/* out: how filters write their output (see filter.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rtk/filter.h"
#include "utf8.h"

int rtk_out_write(struct rtk_out *o, const void *p, size_t n)
{
	return spool_append(&o->sp, p, n);
}

int rtk_out_line(struct rtk_out *o, const char *s, size_t n)
{
	if (spool_append(&o->sp, s, n) < 0)
		return -1;
	return spool_append(&o->sp, "\n", 1);
}

int rtk_out_str(struct rtk_out *o, const char *s)
{
	return rtk_out_line(o, s, strlen(s));
}

int rtk_out_printf(struct rtk_out *o, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(&b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b.p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int rc = spool_append(&o->sp, b.p, (size_t)n);
	buf_free(&b);
	return rc;
}

int rtk_out_omitted(struct rtk_out *o, unsigned long long n, const char *what)
{
	return rtk_out_printf(o, "… %llu %s omitted\n", n, what);
}

/* The marker of a cut line, " … [+N bytes]": written and read here only. */
#define CUT_MARK " \xe2\x80\xa6 [+"
#define CUT_TAIL " bytes]"

size_t rtk_cut(const char *s, size_t n, size_t max)
{
	size_t ml = sizeof CUT_MARK - 1, tl = sizeof CUT_TAIL - 1;
	if (n > max && n >= tl && memcmp(s + n - tl, CUT_TAIL, tl) == 0) {
		size_t d = n - tl;
		while (d && s[d - 1] >= '0' && s[d - 1] <= '9')
			d--;
		if (d < n - tl && d >= ml && memcmp(s + d - ml, CUT_MARK, ml) == 0 && d - ml <= max)
			return n;
	}
	return utf8_cut(s, n, max);
}

int rtk_out_line_kept(struct rtk_out *o, const char *s, size_t keep, size_t cut)
{
	if (keep && rtk_out_write(o, s, keep) < 0)
		return -1;
	return cut ? rtk_out_printf(o, CUT_MARK "%zu" CUT_TAIL "\n", cut) : rtk_out_write(o, "\n", 1);
}

int rtk_out_line_cut(struct rtk_out *o, const char *s, size_t n, size_t max)
{
	size_t keep = rtk_cut(s, n, max);
	return rtk_out_line_kept(o, s, keep, n - keep);
}

int rtk_is_omitted(const char *s, size_t n)
{
	static const char tail[] = " omitted", mark[] = "\xe2\x80\xa6 ";	/* "… " */
	size_t tl = sizeof tail - 1, ml = sizeof mark - 1;
	if (n < ml + 1 + tl || memcmp(s + n - tl, tail, tl) != 0)
		return 0;
	const char *m = NULL;
	for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), mark, ml)) != NULL; p += ml)
		m = p;	/* the last one */
	return m && (m == s || m[-1] == ' ') && m[ml] >= '0' && m[ml] <= '9';
}

int rtk_starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}

size_t rtk_trim_end(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n;
}

size_t rtk_count(const char *s, size_t n, char c)
{
	size_t k = 0;
	for (const char *p = s, *end = s + n; (p = memchr(p, c, (size_t)(end - p))); p++)
		k++;
	return k;
}
