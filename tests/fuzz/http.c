/* Fuzz target: nr-serve's HTTP request reader. The input is what a client
 * sends: written whole into a pipe whose write end is then closed, and read
 * back request after request (pipelining) as nr-serve does. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "serve/http.h"

#define PIPE_SIZE (1 << 20)	/* the unprivileged maximum: inputs above it are skipped */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	if (devnull < 0 && (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		abort();
	int fd[2];
	if (pipe2(fd, O_CLOEXEC) < 0)
		abort();
	if (fcntl(fd[1], F_SETPIPE_SZ, PIPE_SIZE) < PIPE_SIZE || size > PIPE_SIZE) {
		close(fd[0]), close(fd[1]);
		return size > PIPE_SIZE ? -1 : (abort(), 0);
	}
	for (size_t off = 0; off < size;) {	/* cannot block: the pipe holds it all */
		ssize_t w = write(fd[1], data + off, size - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	close(fd[1]);

	struct http_conn c;
	http_conn_init(&c, fd[0], devnull);
	c.timeout_ms = 1000;	/* the input is all there: a wait would be a bug */
	for (;;) {
		struct http_request req;
		int status = 0;
		int r = http_read_request(&c, &req, &status);
		if (r == 1)
			(void)http_header(&req, "host");
		http_request_free(&req);	/* whatever r is, as conn.c does */
		if (r != 1)
			break;
	}
	http_conn_free(&c);
	close(fd[0]);
	return 0;
}
