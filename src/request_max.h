/* request_max: the largest request body any nr program reads, one limit for
 * all so that a body one stage accepts is never refused by the next. */
#ifndef NR_REQUEST_MAX_H
#define NR_REQUEST_MAX_H

/* 64 MiB: long coding sessions send big bodies (nr-serve's --max-body
 * default; nr-route's, nr-translate's and rtk-filter --request's cap). */
#define NR_REQUEST_MAX (64u * 1024 * 1024)

#endif
