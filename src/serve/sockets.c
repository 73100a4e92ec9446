/* sockets: listening sockets, systemd socket activation, and what a socket's
 * address says (loopback or not). The accept loop is workers.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve/server.h"

static int addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			return in6->sin6_addr.s6_addr[12] == 127;
		return 0;
	}
	return sa->sa_family == AF_UNIX;
}

int serve_fd_is_loopback(int fd, int peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
		     : getsockname(fd, (struct sockaddr *)&ss, &len);
	if (r < 0)
		return errno == ENOTSOCK;	/* a pipe from a local process */
	return addr_is_loopback((struct sockaddr *)&ss);
}

int serve_set_nodelay(int fd)
{
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0)
		return 0;
	/* a pipe (inetd tests) or a Unix socket: no Nagle to switch off */
	if (errno == ENOTSOCK || errno == EOPNOTSUPP || errno == ENOPROTOOPT)
		return 0;
	fprintf(stderr, "nr-serve: unable to set TCP_NODELAY on the client socket: %s\n",
		strerror(errno));
	return -1;
}

int serve_fd_is_listening(int fd)
{
	int v = 0;
	socklen_t len = sizeof v;
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

int serve_listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (!pid || !fds)
		return 0;
	char *end;
	long p = strtol(pid, &end, 10);
	if (*end || p != (long)getpid())
		return 0;	/* meant for another process */
	long n = strtol(fds, &end, 10);
	if (*end || n < 1 || n > 64)
		return 0;
	return (int)n;
}

int serve_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

/* The backlog is the kernel's largest (SOMAXCONN, net.core.somaxconn): with a
 * short one, a burst beyond it has its SYNs dropped and retried after 1 s, 3 s
 * ... before the pool can grow; waiting connections are answered by the pool
 * (or a 503 from it, workers.c), not by the kernel's silence. */
int serve_listen(const char *addr, int *loopback)
{
	const char *colon = strrchr(addr, ':');
	if (!colon || !colon[1]) {
		fprintf(stderr, "nr-serve: --listen needs HOST:PORT, not '%s'\n", addr);
		return -1;
	}
	char *host = strndup(addr, (size_t)(colon - addr));
	if (!host)
		return -1;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {	/* [::1] */
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res;
	int gr = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &res);
	if (gr) {
		fprintf(stderr, "nr-serve: unable to resolve '%s': %s\n", addr, gai_strerror(gr));
		free(host);
		return -1;
	}
	free(host);
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
		fprintf(stderr, "nr-serve: unable to listen on %s: %s\n", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	*loopback = addr_is_loopback(res->ai_addr);
	freeaddrinfo(res);
	return fd;
}
