/* confwatch: lets a long-lived process trust its parsed provider, combo and
 * alias files across requests. Without it (nr-route, an inetd child) every
 * routed request stats each file it uses (filecheck.h): on a VM that is a
 * tenth of a worker's CPU per request. With it, an inotify descriptor on the
 * config and share directories (and their providers/ and combos/) says
 * whether anything there changed since the last request; while nothing did,
 * the files checked before are not stat'ed again.
 *
 * Events come from the writes themselves, so an edit made before a request
 * is sent is seen by that request. Where inotify cannot vouch for a file the
 * watch stands down and every request stats again: a directory that is
 * missing or cannot be watched, or a symbolic link in one (its target may
 * change without an event here). Not for files changed from another machine
 * (NFS) or through a hard link in another directory. */
#ifndef NR_ROUTE_CONFWATCH_H
#define NR_ROUTE_CONFWATCH_H

/* Starts watching, in this process (call it after fork: the descriptor must
 * be a worker's own). 0, or -1 when not watching (every request then stats). */
int nr_conf_watch_start(void);

/* 1 when the files may have changed since the last call (or nothing is
 * watched), 0 when inotify says nothing changed. One read(2) when watching. */
int nr_conf_watch_changed(void);

#endif
