/* http_call: one whole HTTP request with a handle of its own (see http_call.h). */
#include "http_call.h"

#include <curl/curl.h>
#include <string.h>

void nr_url_encode(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-._~", c))
			buf_putc(b, (char)c);
		else
			buf_printf(b, "%%%02X", c);
	}
}

struct sink {
	struct buf *b;
	int over;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;
	if (s->b->len + len > (size_t)NR_HTTP_CALL_MAX || buf_append(s->b, p, len) < 0) {
		s->over = 1;
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	}
	return len;
}

int nr_http_call(const char *method, const char *url, const char *const *headers, const char *body,
		 long timeout_ms, long *status, struct buf *resp, struct buf *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {	/* reference-counted: cheap when done */
		buf_puts(err, "libcurl cannot start");
		return -1;
	}
	CURL *h = curl_easy_init();
	struct curl_slist *list = NULL;
	int bad = !h;
	for (size_t i = 0; headers && headers[i] && !bad; i++) {
		struct curl_slist *l = curl_slist_append(list, headers[i]);
		if (l)
			list = l;
		else
			bad = 1;
	}
	if (bad) {
		buf_puts(err, "out of memory");
		curl_slist_free_all(list);
		curl_easy_cleanup(h);
		curl_global_cleanup();
		return -1;
	}
	char cerr[CURL_ERROR_SIZE] = "";
	struct sink s = { resp, 0 };
	buf_reset(resp);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	} else if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "nr");
	CURLcode rc = curl_easy_perform(h);
	*status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK) {
		if (s.over)
			buf_printf(err, "the answer from %s is larger than %ld bytes", url, NR_HTTP_CALL_MAX);
		else
			buf_printf(err, "unable to reach %s: %s", url, *cerr ? cerr : curl_easy_strerror(rc));
	}
	curl_slist_free_all(list);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return rc == CURLE_OK ? 0 : -1;
}
