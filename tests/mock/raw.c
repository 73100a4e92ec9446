/* raw: the exact bytes of what the mock received and sent (see mock.h), for
 * tests that compare bytes with cmp rather than JSON through jq. */
#include "mock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

const char *mock_raw_dir;
static int answer_fd = -1;

long mock_now(void)
{
	return getenv("MOCK_FIXED") ? 1700000000L : (long)time(NULL);
}

/* Creates DIR/NAME-N, new; dies on failure (a test that asked for the bytes
 * must not get a silent gap). */
static int create(const char *name, long n)
{
	struct buf path = BUF_INIT;
	must(buf_printf(&path, "%s/%s-%ld", mock_raw_dir, name, n));
	int fd = open(path.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int err = errno;
	buf_free(&path);
	errno = err;
	return fd;
}

static void fail(const char *what)
{
	fprintf(stderr, "mock-upstream: unable to write %s in %s\n", what, mock_raw_dir);
	_exit(111);
}

void raw_begin(const struct buf *body)
{
	if (!mock_raw_dir)
		return;
	long n = 1;
	int fd;
	/* O_EXCL picks the next free number, whichever child gets there first */
	while ((fd = create("request", n)) < 0 && errno == EEXIST)
		n++;
	if (fd < 0 || write_all(fd, body->p ? body->p : "", body->len) < 0 || close(fd) < 0)
		fail("a request body");
	if ((answer_fd = create("answer", n)) < 0)
		fail("an answer body");
}

void raw_answer(const void *p, size_t n)
{
	if (answer_fd >= 0 && write_all(answer_fd, p, n) < 0)
		fail("an answer body");
}

void raw_end(void)
{
	if (answer_fd >= 0 && close(answer_fd) < 0)
		fail("an answer body");
	answer_fd = -1;
}
