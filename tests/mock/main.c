/* mock-upstream: a fake provider API on 127.0.0.1 for the tests. Listens,
 * prints its port, forks a child per connection, exits 0 on SIGTERM. */
#include "mock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcodes.h"

static const char usage[] =
	"usage: mock-upstream --listen 127.0.0.1:PORT [--log FILE] [--raw DIR] [--state DIR]\n"
	"                     [--no-accept]\n"
	"Plays the openai, anthropic, responses and gemini APIs on a loopback address;\n"
	"the model name's words choose the behaviour (see tests/mock/README.md). Also\n"
	"the sign-in of Codex and GitHub Copilot, and their backends.\n"
	"  --listen ADDR:PORT  loopback address to listen on; PORT 0 picks a free port,\n"
	"                      printed on stdout once listening\n"
	"  --log FILE          append one JSON line per request to FILE\n"
	"  --raw DIR           keep each request body and answer body, byte for byte,\n"
	"                      as DIR/request-N and DIR/answer-N\n"
	"  --state DIR         keep the OAuth state (used refresh tokens, device polls)\n"
	"                      as files in DIR, a writable directory; without it\n"
	"                      every refresh token works and no device poll waits\n"
	"  --no-accept         listen with a backlog of 0 and never accept: once one\n"
	"                      connection waits in the queue, connects hang (timeouts)\n"
	"  --help              this text\n"
	"exit: 0 after SIGTERM or SIGINT, 100 usage, 111 system error\n";

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void on_child(int sig)
{
	(void)sig;	/* only interrupts ppoll; children are reaped in the loop */
}

void must(int rc)
{
	if (rc < 0) {
		static const char msg[] = "mock-upstream: out of memory\n";
		(void)!write(2, msg, sizeof msg - 1);
		_exit(NR_EXIT_SYS);
	}
}

static void die_usage(const char *why)
{
	if (why)
		fprintf(stderr, "mock-upstream: %s\n", why);
	fputs(usage, stderr);
	exit(NR_EXIT_USAGE);
}

/* "127.0.0.1:PORT" or "localhost:PORT" → a loopback sockaddr; dies otherwise. */
static struct sockaddr_in parse_listen(const char *spec)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *colon = strrchr(spec, ':');
	if (!colon)
		die_usage("--listen wants ADDR:PORT");
	char *host = strndup(spec, (size_t)(colon - spec));
	must(host ? 0 : -1);
	int ok = strcmp(host, "localhost") == 0 ? inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr)
						: inet_pton(AF_INET, host, &sa.sin_addr);
	free(host);
	if (ok != 1)
		die_usage("--listen: not an IPv4 address");
	if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127)
		die_usage("refusing to listen on a non-loopback address");
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || errno || port < 0 || port > 65535)
		die_usage("--listen: bad port");
	sa.sin_port = htons((unsigned short)port);
	return sa;
}

static int listen_on(struct sockaddr_in *sa, int backlog)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof *sa;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)sa, sizeof *sa) < 0 || listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &len) < 0) {
		perror("mock-upstream: unable to listen");
		exit(NR_EXIT_SYS);
	}
	return fd;
}

static void child(int cfd, int lfd, int log_fd, const sigset_t *mask, pid_t parent)
{
	/* die with the parent, so SIGTERM ends stalled answers too */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(NR_EXIT_SYS);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	close(lfd);
	/* answers go out in several writes: without this, Nagle's algorithm and
	 * the client's delayed ACK add 40 ms to every keep-alive request */
	int one = 1;
	if (setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
		_exit(NR_EXIT_SYS);
	serve_connection(cfd, log_fd);
	exit(0);	/* stdout was flushed before the fork: nothing is written twice */
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "log", required_argument, NULL, 'g' },
		{ "no-accept", no_argument, NULL, 'n' },
		{ "raw", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_spec = NULL, *log_path = NULL;
	int c, no_accept = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen_spec = optarg; break;
		case 'g': log_path = optarg; break;
		case 'n': no_accept = 1; break;
		case 'r': mock_raw_dir = optarg; break;
		case 's': mock_state_dir = optarg; break;
		case 'h': fputs(usage, stdout); return NR_EXIT_OK;
		default: die_usage(NULL);
		}
	}
	if (optind != argc || !listen_spec)
		die_usage(optind != argc ? "unexpected argument" : "--listen is required");

	struct sockaddr_in sa = parse_listen(listen_spec);
	struct stat st;
	if (mock_state_dir && (stat(mock_state_dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
			       access(mock_state_dir, W_OK | X_OK) < 0))
		die_usage("--state wants a writable directory");
	int log_fd = -1;
	if (log_path && (log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "mock-upstream: unable to open log %s: %s\n", log_path, strerror(errno));
		return NR_EXIT_SYS;
	}
	/* SIGTERM and SIGCHLD stay blocked except inside ppoll: no lost wake-up */
	sigset_t block, orig;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &orig);
	struct sigaction stop = { .sa_handler = on_stop }, chld = { .sa_handler = on_child };
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGCHLD, &chld, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a client gone mid-answer is a write error */

	int lfd = listen_on(&sa, no_accept ? 0 : 128);
	pid_t parent = getpid();
	printf("%d\n", ntohs(sa.sin_port));
	if (fflush(stdout) == EOF) {
		perror("mock-upstream: unable to print the port");
		return NR_EXIT_SYS;
	}
	while (!stopping) {
		struct pollfd p = { lfd, POLLIN, 0 };
		int n = ppoll(&p, no_accept ? 0 : 1, NULL, &orig);	/* no_accept: signals only */
		int err = errno;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (n < 0 && err != EINTR) {
			errno = err;
			perror("mock-upstream: poll");
			return NR_EXIT_SYS;
		}
		if (n <= 0 || stopping || no_accept)
			continue;
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;	/* ECONNABORTED, EMFILE...: the client retries */
		pid_t pid = fork();
		if (pid == 0)
			child(cfd, lfd, log_fd, &orig, parent);
		if (pid < 0)
			perror("mock-upstream: fork");
		close(cfd);
	}
	close(lfd);
	return NR_EXIT_OK;
}
