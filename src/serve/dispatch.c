/* dispatch: body → rtk-filter (in-process) → nr-route (child, CGI on its
 * stdout, run in a forked child) → HTTP answer, streamed chunk by chunk for event streams. */
#include "serve/dispatch.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "rtk/engine.h"
#include "route/route.h"
#include "rtk/request.h"

#define CGI_HEADERS_MAX (64 * 1024)	/* nr-route's status and header lines */

struct child {
	pid_t pid;
	int to, from;	/* its stdin, its stdout */
};

/* Starts nr-route in a child with its stdin and stdout on pipes; `beta`: the
 * request's anthropic-beta list, or NULL. */
static int spawn_route(int client_in, int client_out, const struct endpoint *ep,
		       const struct auth_result *who, unsigned long long saved, const char *beta,
		       struct child *ch)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]), close(in[1]);
		return -1;
	}
	char savedstr[32], tokstr[32];
	snprintf(savedstr, sizeof savedstr, "%llu", saved);
	snprintf(tokstr, sizeof tokstr, "%llu", rtk_estimate_tokens(saved));
	const char *argv[14];
	int n = 0;
	argv[n++] = "nr-route";
	argv[n++] = "--from";
	argv[n++] = nr_format_name(ep->format);
	argv[n++] = "--client-key";
	argv[n++] = who->key_name ? who->key_name : "-";
	argv[n++] = "--rtk-saved-bytes";
	argv[n++] = savedstr;
	argv[n++] = "--rtk-saved-tokens";
	argv[n++] = tokstr;
	if (ep->model) {
		argv[n++] = "--model";
		argv[n++] = ep->model;
	}
	if (ep->stream)
		argv[n++] = "--stream";
	argv[n] = NULL;

	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return -1;
	}
	if (pid == 0) {
		/* nr-route in this forked child, not exec'd: it is linked in, and
		 * an exec would load libcurl's shared libraries again (~15 ms) */
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(111);
		/* no exec, so no close-on-exec: close by hand what must not stay
		 * open here (the pipes' other ends, the client's connection) */
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		if (client_in > 1)
			close(client_in);
		if (client_out > 1 && client_out != client_in)
			close(client_out);
		signal(SIGPIPE, SIG_DFL);
		/* the request headers nr-route reads, as CGI meta-variables: from
		 * this request only, never from nr-serve's own environment */
		if ((beta ? setenv("HTTP_ANTHROPIC_BETA", beta, 1) : unsetenv("HTTP_ANTHROPIC_BETA")) < 0)
			_exit(111);
		optind = 0;	/* glibc: re-initialise getopt for the second parse */
		int rc = nr_route_main(n, (char **)argv);
		fflush(NULL);
		_exit(rc);
	}
	close(in[0]);
	close(out[1]);
	ch->pid = pid;
	ch->to = in[1];
	ch->from = out[0];
	return 0;
}

static void child_stop(struct child *ch, int kill_it)
{
	if (ch->to >= 0)
		close(ch->to);
	if (ch->from >= 0)
		close(ch->from);
	ch->to = ch->from = -1;
	if (ch->pid > 0) {
		if (kill_it)
			kill(ch->pid, SIGTERM);
		while (waitpid(ch->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	ch->pid = -1;
}

/* Reads the CGI header block; *status, the headers to pass on (HTTP form) in
 * *hdrs, whether it is an event stream, and any body bytes read past it in
 * *rest. 0, or -1 when nr-route sent no valid header. */
static int read_cgi_header(int fd, int *status, struct buf *hdrs, int *sse, struct buf *rest)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	char *end = NULL;
	size_t endlen = 0;
	while (!end) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || buf_append(&b, chunk, (size_t)r) < 0 || b.len > CGI_HEADERS_MAX) {
			buf_free(&b);
			return -1;
		}
		char *crlf = strstr(b.p, "\r\n\r\n"), *lf = strstr(b.p, "\n\n");
		if (crlf && (!lf || crlf < lf))
			end = crlf, endlen = 4;
		else if (lf)
			end = lf, endlen = 2;
	}
	*end = '\0';
	*status = 200;
	*sse = 0;
	for (char *line = b.p, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		const char *v = colon + 1;
		while (*v == ' ')
			v++;
		if (strcasecmp(line, "Status") == 0) {
			*status = atoi(v);
			if (*status < 100 || *status > 599)
				*status = 502;
			continue;
		}
		if (strcasecmp(line, "Content-Type") == 0 && strncasecmp(v, "text/event-stream", 17) == 0)
			*sse = 1;
		if (strcasecmp(line, "Content-Length") == 0 || strcasecmp(line, "Connection") == 0 ||
		    strcasecmp(line, "Transfer-Encoding") == 0)
			continue;	/* framing is ours */
		if (buf_printf(hdrs, "%s: %s\r\n", line, v) < 0) {
			buf_free(&b);
			return -1;
		}
	}
	size_t used = (size_t)(end - b.p) + endlen;
	int rc = buf_append(rest, b.p + used, b.len - used);
	buf_free(&b);
	return rc;
}

static int stream_body(struct http_conn *c, int from, int status, const struct buf *hdrs,
		       const struct buf *rest, int keep_alive)
{
	if (http_write_chunked_start(c, status, hdrs->p ? hdrs->p : "", keep_alive) < 0 ||
	    http_write_chunk(c, rest->p, rest->len) < 0)
		return -1;
	char chunk[16384];
	struct stat sb;
	/* watch a socket client for hang-up while the upstream is quiet; a pipe
	 * (inetd tests) reports HUP at EOF for good, so it is not watched */
	int watch = fstat(c->in, &sb) == 0 && S_ISSOCK(sb.st_mode);
	struct pollfd pf[2] = { { .fd = from, .events = POLLIN },
				{ .fd = c->in, .events = POLLRDHUP } };
	for (;;) {
		if (poll(pf, watch ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (watch && (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR)))
			return -1;	/* the client left: stop the upstream call */
		if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t r = read(from, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		if (http_write_chunk(c, chunk, (size_t)r) < 0)
			return -1;	/* the client left */
	}
	return http_write_chunked_end(c);
}

static int whole_body(struct http_conn *c, int from, int status, const struct buf *hdrs,
		      struct buf *body, int keep_alive, int head)
{
	if (read_all(from, body, SIZE_MAX) < 0)
		return -1;
	return http_write_response(c, status, hdrs->p ? hdrs->p : "", body->p, body->len,
				   keep_alive, head);
}

int dispatch(struct http_conn *c, struct http_request *req, const struct endpoint *ep,
	     const struct serve_config *cfg, const struct auth_result *who)
{
	int head = strcmp(req->method, "HEAD") == 0;
	struct buf filtered = BUF_INIT;
	struct rtk_request_stats st = { 0 };
	char *err = NULL;
	if (rtk_request(req->body.p ? req->body.p : "", req->body.len, ep->format, cfg->caveman,
			&filtered, &st, &err) < 0) {
		struct buf msg = BUF_INIT;
		int rc = buf_printf(&msg, "invalid request body: %s", err ? err : "not JSON");
		if (rc == 0)
			rc = serve_send_error(c, ep->format, 400, "invalid_request", msg.p,
					      req->keep_alive, head);
		buf_free(&msg);
		free(err);
		buf_free(&filtered);
		return rc;
	}
	unsigned long long saved = st.in_bytes - st.out_bytes;

	struct child ch = { -1, -1, -1 };
	struct buf beta = BUF_INIT;
	int spawned = http_header_list(req, "anthropic-beta", &beta) == 0 &&
		      spawn_route(c->in, c->out, ep, who, saved, beta.len ? beta.p : NULL, &ch) == 0;
	buf_free(&beta);
	if (!spawned) {
		buf_free(&filtered);
		return serve_send_error(c, ep->format, 500, "server_error",
					"unable to start nr-route", 0, head);
	}
	/* nr-route reads the whole request before it answers: write it all first */
	int wr = write_all(ch.to, filtered.p, filtered.len);
	buf_free(&filtered);
	close(ch.to);
	ch.to = -1;

	int status, sse, rc;
	struct buf hdrs = BUF_INIT, rest = BUF_INIT;
	if (read_cgi_header(ch.from, &status, &hdrs, &sse, &rest) < 0) {
		child_stop(&ch, 1);
		rc = serve_send_error(c, ep->format, 502, "server_error",
				      wr < 0 ? "nr-route did not take the request"
					     : "nr-route ended without an answer",
				      req->keep_alive, head);
	} else if (sse && !head) {
		rc = stream_body(c, ch.from, status, &hdrs, &rest, req->keep_alive);
		child_stop(&ch, rc < 0);	/* a client gone mid-stream stops the upstream call */
	} else {
		rc = whole_body(c, ch.from, status, &hdrs, &rest, req->keep_alive, head);
		child_stop(&ch, rc < 0);
	}
	buf_free(&hdrs);
	buf_free(&rest);
	return rc;
}
