/* buf: a growable byte buffer. The buffer owns p; buf_free releases it.
 * Every appending function returns 0, or -1 with errno set (ENOMEM, EOVERFLOW);
 * on failure the contents are unchanged. p is always NUL-terminated when non-NULL. */
#ifndef NR_BUF_H
#define NR_BUF_H

#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *s, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);	/* len = 0, keeps the memory */
void buf_free(struct buf *b);
/* Hands the bytes to the caller (who frees them) and leaves b empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
