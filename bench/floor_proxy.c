/* bench/floor_proxy: the cheapest HTTP/1.1 forwarder that can stand where
 * nr-serve stands, for bench/cpu's floor: what any proxy on this machine pays
 * per request in system calls, wake-ups and loopback TCP before doing any work
 * of its own. A process per client connection, one kept-alive connection to the
 * upstream each, blocking I/O: per request a read from the client, a write to
 * the upstream, a read of the answer and a write to the client, nothing else
 * (no parsing beyond the framing, no key check, no usage, no polling).
 * Usage: floor_proxy UPSTREAM_PORT   (prints the port it listens on, on 127.0.0.1)
 * Whole messages up to 1 MiB with Content-Length framing only; anything else
 * closes the connection. Not a server for real use. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_MSG (1 << 20)

static char msg[MAX_MSG];

/* read_message: one whole message (head and Content-Length body) from fd into
 * msg; its length, 0 at a clean end of the stream, -1 on error. */
static ssize_t read_message(int fd)
{
	size_t have = 0, want = 0;
	for (;;) {
		if (want && have >= want)
			return have == want ? (ssize_t)have : -1;	/* no pipelining */
		if (have == sizeof msg)
			return -1;
		ssize_t n = read(fd, msg + have, sizeof msg - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && have == 0 ? 0 : -1;
		have += (size_t)n;
		if (!want) {
			char *end = memmem(msg, have, "\r\n\r\n", 4);
			if (!end)
				continue;
			size_t head = (size_t)(end - msg) + 4, body = 0;
			for (char *p = msg; p && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
				p += *p == '\n';
				if (!strncasecmp(p, "content-length:", 15))
					body = strtoul(p + 15, NULL, 10);
			}
			want = head + body;
		}
	}
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w, n -= (size_t)w;
	}
	return 0;
}

static int serve(int client, const struct sockaddr_in *up)
{
	int u = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (u < 0 || connect(u, (const struct sockaddr *)up, sizeof *up) < 0) {
		perror("floor_proxy: upstream");
		return 1;
	}
	if (setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
	    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
		perror("floor_proxy: TCP_NODELAY");
		return 1;
	}
	for (;;) {
		ssize_t n = read_message(client);
		if (n == 0)
			return 0;
		if (n < 0 || write_all(u, msg, (size_t)n) < 0 || (n = read_message(u)) <= 0)
			return 1;	/* the client went away mid-request (wrk stops so) */
		if (write_all(client, msg, (size_t)n) < 0)
			return 0;
	}
}

static void reap(int sig)
{
	(void)sig;
	int e = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = e;
}

int main(int argc, char **argv)
{
	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr, "usage: floor_proxy UPSTREAM_PORT\n");
		return argc == 2 ? 0 : 64;
	}
	struct sockaddr_in up = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof me;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&me, sizeof me) < 0 || listen(l, 64) < 0 ||
	    getsockname(l, (struct sockaddr *)&me, &len) < 0) {
		perror("floor_proxy: listen");
		return 1;
	}
	printf("%d\n", ntohs(me.sin_port));
	if (fflush(stdout) != 0)
		return 1;
	/* reaped here, so that their CPU time counts in ours (bench/cpu) */
	struct sigaction sa = { .sa_handler = reap, .sa_flags = SA_RESTART };
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		return 1;
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("floor_proxy: accept");
			return 1;
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(l);
			_exit(serve(c, &up));
		}
		if (pid < 0)
			perror("floor_proxy: fork");
		close(c);
	}
}
