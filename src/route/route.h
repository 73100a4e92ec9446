/* route: nr-route as a function, for nr-route's main() and for nr-serve. */
#ifndef NR_ROUTE_ROUTE_H
#define NR_ROUTE_ROUTE_H

/* Runs nr-route with this command line on fds 0 and 1 and returns its exit
 * code. getopt state is reset first; call it once per process (it installs
 * signal handlers and keeps one libcurl handle). */
int nr_route_main(int argc, char **argv);

#endif
