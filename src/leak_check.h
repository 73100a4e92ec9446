/* leak_check: the sanitizer build's default for LeakSanitizer's check at a
 * program's exit (ASAN_OPTIONS=detect_leaks=0|1 overrides it). On in the
 * processes that live on, where a leak grows: nr-serve and its workers, nr db
 * sync. Off in the one-shot programs, where a leak ends with the process and
 * the check (a scan of every library's data) was a third of the sanitizer
 * test pass's CPU; their code's leaks are still checked where it runs in
 * nr-serve, by the fuzz targets, and in the suites of nr-translate and
 * rtk-filter, which ask for it (tests/run-suites). Each program's main.c
 * says which, once.
 *
 * keeps_globals: 1 where the program keeps blocks in globals till it exits
 * (nr-serve's and nr db's caches), whose check scans every global; 0 in
 * nr-translate and rtk-filter, which free what they keep: there globals are
 * no roots (LSAN_OPTIONS=use_globals=1 overrides it), which halves their
 * runs under the check (it scanned the sanitizer runtime's own 9 MB of
 * globals at each exit, 30 ms) and makes it stricter, a block only a global
 * points to counting as a leak. libc's stdio buffers, which only its FILE
 * globals point to, are not reported. */
#ifndef NR_LEAK_CHECK_H
#define NR_LEAK_CHECK_H

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NR_LEAK_CHECK_AT_EXIT(on, keeps_globals)                                    \
	const char *__asan_default_options(void);                                   \
	const char *__asan_default_options(void)                                    \
	{                                                                           \
		return (on) ? "detect_leaks=1" : "detect_leaks=0";                  \
	}                                                                           \
	const char *__lsan_default_options(void);                                   \
	const char *__lsan_default_options(void)                                    \
	{                                                                           \
		return (keeps_globals) ? "" : "use_globals=0";                      \
	}                                                                           \
	const char *__lsan_default_suppressions(void);                              \
	const char *__lsan_default_suppressions(void)                               \
	{                                                                           \
		return (keeps_globals) ? "" : "leak:_IO_file_doallocate\n";         \
	}
#endif
#endif
#ifndef NR_LEAK_CHECK_AT_EXIT
#define NR_LEAK_CHECK_AT_EXIT(on, keeps_globals)
#endif

#endif
