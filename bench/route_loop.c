/* route_loop: what the router adds to a request inside a long-lived process,
 * the way nr-serve's workers run it: N requests through nr_route_request()
 * against N plain libcurl POSTs of the same request to the same mock with one
 * reused handle, interleaved so that both see the same machine load. The
 * usage rows are flushed after each routed request, as nr-serve does.
 * Prints "direct MEDIAN P99 CPU" and "routed MEDIAN P99 CPU": wall time in ms,
 * and the mean CPU time (user+sys, of this process) per request in µs.
 * Usage: route_loop URL DIRECT_BODY_FILE ROUTED_BODY_FILE N */
#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "exitcodes.h"
#include "io.h"
#include "route/route.h"
#include "route/upstream.h"

static int sink_head(struct nr_out *o, int status, const char *ct, const char *target)
{
	(void)o, (void)ct, (void)target;
	return status == 200 ? 0 : -1;
}

static int sink_body(struct nr_out *o, const char *p, size_t n)
{
	(void)o, (void)p, (void)n;
	return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p, (void)ctx;
	return size * n;
}

static double clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* user+sys of the whole process (libcurl may use a resolver thread) */
static double cpu_ms(void)
{
	return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *label, double *v, int n, double cpu)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	int p99 = (int)(n * 0.99 + 0.999) - 1;
	printf("%s %.3f %.3f %.1f\n", label, v[(n - 1) / 2], v[p99 < n ? p99 : n - 1], cpu * 1e3 / n);
}

static int slurp(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY);
	int rc = fd < 0 ? -1 : read_all(fd, b, 1 << 20);
	if (fd >= 0)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 5 || atoi(argv[4]) < 1) {
		fprintf(stderr, "usage: route_loop URL DIRECT_BODY ROUTED_BODY N\n");
		return NR_EXIT_USAGE;
	}
	int n = atoi(argv[4]);
	struct buf direct = BUF_INIT, routed = BUF_INIT;
	double *td = calloc((size_t)n, sizeof *td), *tr = calloc((size_t)n, sizeof *tr);
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	hdrs = hdrs ? curl_slist_append(hdrs, "Authorization: Bearer sk-bench-0001") : NULL;
	if (slurp(argv[2], &direct) < 0 || slurp(argv[3], &routed) < 0 || !td || !tr || !h || !hdrs ||
	    nr_upstream_init() < 0) {
		fprintf(stderr, "route_loop: unable to set up\n");
		return NR_EXIT_SYS;
	}
	curl_easy_setopt(h, CURLOPT_URL, argv[1]);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, direct.p);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)direct.len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	struct nr_route_args a = { .from = NR_FMT_OPENAI, .rtk_bytes = -1, .rtk_tokens = -1, .caveman = -1 };
	double cd = 0, cr = 0;	/* CPU ms, direct and routed */
	for (int i = -10; i < n; i++) {	/* 10 rounds of warm-up */
		double c0 = cpu_ms(), t0 = now_ms();
		long code = 0;
		if (curl_easy_perform(h) != CURLE_OK ||
		    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 200) {
			fprintf(stderr, "route_loop: the direct request failed\n");
			return NR_EXIT_UPSTREAM;
		}
		double t1 = now_ms(), c1 = cpu_ms();
		struct nr_out out = { sink_head, sink_body, 0, 0, 0, NULL };
		if (nr_route_request(&a, routed.p, routed.len, &out) != NR_EXIT_OK) {
			fprintf(stderr, "route_loop: the routed request failed\n");
			return NR_EXIT_UPSTREAM;
		}
		double t2 = now_ms();
		nr_route_flush();	/* not timed: nr-serve writes usage after the answer is out */
		double c2 = cpu_ms();
		if (i >= 0)
			td[i] = t1 - t0, tr[i] = t2 - t1, cd += c1 - c0, cr += c2 - c1;
	}
	report("direct", td, n, cd);
	report("routed", tr, n, cr);
	nr_route_release();
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	buf_free(&direct);
	buf_free(&routed);
	free(td);
	free(tr);
	return 0;
}
