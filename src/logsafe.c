/* logsafe: escaping, URL masking and key scrubbing for what nr prints (see logsafe.h). */
#include "logsafe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "utf8.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid.
 * A continuation byte alone is invalid: each one of a rejected sequence is escaped. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t k = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
	return k && k <= n && utf8_valid((const char *)s, k, 0) ? k : 0;
}

/* Bytes at p (n left) that may be printed raw: a printable ASCII byte but the
 * backslash, or a valid UTF-8 sequence that is no C1 control (U+0080..U+009F:
 * 9B is a terminal's CSI); 0 when p[0] must be escaped. */
static size_t raw_len(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return p[0] >= 0x20 && p[0] != 0x7F && p[0] != '\\';
	size_t k = utf8_seq(p, n);
	return k && !(p[0] == 0xC2 && p[1] < 0xA0) ? k : 0;
}

int log_escape(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t k = raw_len(p + i, n - i);
		int r = k ? buf_append(b, p + i, k)
		      : c == '\\' ? buf_puts(b, "\\\\")
		      : c == '\n' ? buf_puts(b, "\\n")
		      : c == '\r' ? buf_puts(b, "\\r")
		      : c == '\t' ? buf_puts(b, "\\t")
		      : buf_printf(b, "\\x%02x", c);
		if (r < 0)
			return -1;
		i += k ? k : 1;
	}
	return 0;
}

int log_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0, n = strlen(s); i < n;) {
		size_t k = p[i] == '\\' ? 1 : raw_len(p + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

void nr_log(const char *fmt, ...)
{
	static const char lost[] = "nr: a log line was lost (out of memory)\n";
	struct buf line = BUF_INIT;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	/* stderr is all there is: a failed write has nowhere to be reported */
	if (n < 0 || log_escape(&line, msg, (size_t)n) < 0 || buf_putc(&line, '\n') < 0)
		(void)!write_all(2, lost, sizeof lost - 1);
	else
		(void)!write_all(2, line.p, line.len);
	if (n >= 0)
		free(msg);
	buf_free(&line);
}

int log_url(struct buf *b, const char *url)
{
	const char *auth = strstr(url, "://");
	auth = auth ? auth + 3 : url;
	size_t alen = strcspn(auth, "/?#");
	const char *at = memrchr(auth, '@', alen);
	if (!at)
		return buf_puts(b, url);
	const char *colon = memchr(auth, ':', (size_t)(at - auth));
	const char *keep = colon ? colon + 1 : auth;	/* the user name, when there is a password */
	if (buf_append(b, url, (size_t)(keep - url)) < 0 || buf_puts(b, "***") < 0)
		return -1;
	return buf_puts(b, at);
}

void log_scrub(struct buf *b, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	if (!n || !b->p)
		return;
	static const char mask[] = "***";
	char *w = b->p, *r = b->p, *end = b->p + b->len, *hit;
	/* in place: "***" is never longer than a secret of 3 bytes or more */
	while ((hit = memmem(r, (size_t)(end - r), secret, n))) {
		size_t m = n < 3 ? n : 3;
		memmove(w, r, (size_t)(hit - r));
		w += hit - r;
		memcpy(w, mask, m);
		w += m;
		r = hit + n;
	}
	memmove(w, r, (size_t)(end - r));
	w += end - r;
	b->len = (size_t)(w - b->p);
	b->p[b->len] = '\0';
}
