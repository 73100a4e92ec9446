/* registry: every filter, in --list order, and auto-detection among them. */
#include <string.h>

#include "rtk/filter.h"

extern const struct rtk_filter rtk_filter_git_diff, rtk_filter_git_status, rtk_filter_git_log,
	rtk_filter_grep, rtk_filter_find, rtk_filter_ls, rtk_filter_tree,
	rtk_filter_search_list, rtk_filter_counts, rtk_filter_read_numbered, rtk_filter_test_runner,
	rtk_filter_build, rtk_filter_file, rtk_filter_dedup_log, rtk_filter_smart_truncate;

const struct rtk_filter *const rtk_filters[] = {
	&rtk_filter_git_diff,
	&rtk_filter_git_status,
	&rtk_filter_git_log,
	&rtk_filter_grep,
	&rtk_filter_find,
	&rtk_filter_ls,
	&rtk_filter_tree,
	&rtk_filter_search_list,
	&rtk_filter_counts,
	&rtk_filter_read_numbered,
	&rtk_filter_test_runner,
	&rtk_filter_build,
	&rtk_filter_file,
	&rtk_filter_dedup_log,
	&rtk_filter_smart_truncate,
	NULL,
};

/* Below this score no filter is sure enough; the generic one is used. */
#define DETECT_MIN_SCORE 30

const struct rtk_filter *rtk_filter_by_name(const char *name)
{
	for (size_t i = 0; rtk_filters[i]; i++)
		if (strcmp(rtk_filters[i]->name, name) == 0)
			return rtk_filters[i];
	return NULL;
}

const struct rtk_filter *rtk_detect(const char *head, size_t len)
{
	const struct rtk_filter *best = &rtk_filter_dedup_log;
	int best_score = DETECT_MIN_SCORE - 1;
	for (size_t i = 0; rtk_filters[i]; i++) {
		if (!rtk_filters[i]->detect)
			continue;
		int s = rtk_filters[i]->detect(head, len);
		if (s > best_score) {	/* ties go to the earlier, more specific filter */
			best = rtk_filters[i];
			best_score = s;
		}
	}
	return best;
}
