/* classify: failure classes of upstream answers (see classify.h). */
#include "route/classify.h"

#include <stddef.h>
#include <string.h>

enum nr_failure nr_classify(long status, const char *body)
{
	static const char *const quota_marks[] = { "insufficient_quota", "billing_error",
		"exceeded your current quota", "credit balance is too low", "insufficient balance",
		"quota_exceeded", "usage_limit_reached" };
	if (status == 402)
		return NR_FAIL_QUOTA;
	for (size_t i = 0; body && i < sizeof quota_marks / sizeof quota_marks[0]; i++)
		if (strcasestr(body, quota_marks[i]))
			return NR_FAIL_QUOTA;
	if (status == 429)
		return NR_FAIL_RATE;
	if (status == 401)
		return NR_FAIL_AUTH;
	if (status == 408 || status >= 500)
		return NR_FAIL_TARGET;
	return NR_FAIL_FINAL;
}
