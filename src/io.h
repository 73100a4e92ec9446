/* io: read and write whole buffers on fds, retrying short transfers and EINTR. */
#ifndef NR_IO_H
#define NR_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all n bytes; 0, or -1 with errno. */
int write_all(int fd, const void *p, size_t n);
/* Writes all n pieces in as few writev(2) calls as the fd takes (one packet
 * on a socket with TCP_NODELAY, where a write per piece would be one each);
 * the iovecs are consumed. 0, or -1 with errno. */
struct iovec;
int writev_all(int fd, struct iovec *iov, int n);
/* Reads until n bytes or EOF; returns the count read, or -1 with errno. */
ssize_t read_full(int fd, void *p, size_t n);
/* Appends everything fd holds up to EOF to *b; past `max` bytes in all it
 * stops with errno EFBIG. 0, or -1 with errno. */
struct buf;
int read_all(int fd, struct buf *b, size_t max);
/* Copies fd `in` from its current offset to EOF onto `out`; 0 or -1 with errno. */
int copy_fd(int in, int out);
/* Opens an anonymous temporary file (O_TMPFILE or mkstemp+unlink) in $TMPDIR or /tmp. */
int tmpfile_fd(void);

#endif
