/* cost: estimated USD for an attempt from the provider's price table. */
#include "route/provider.h"
#include "route/usage.h"

double nr_cost(const struct nr_price *price, const struct nr_usage *u)
{
	if (!price || (u->input < 0 && u->output < 0 && u->cache_read < 0 && u->cache_write < 0))
		return -1;
	double c = 0;
	if (u->input > 0)
		c += (double)u->input * price->input;
	if (u->output > 0)
		c += (double)u->output * price->output;
	if (u->cache_read > 0)
		c += (double)u->cache_read * price->cache_read;
	if (u->cache_write > 0)
		c += (double)u->cache_write * price->cache_write;
	return c / 1e6;
}

double nr_saved_cost(const struct nr_price *price, long long tokens)
{
	return price && tokens >= 0 ? (double)tokens * price->input / 1e6 : -1;
}

double nr_output_cost(const struct nr_price *price, long long tokens)
{
	return price && tokens >= 0 ? (double)tokens * price->output / 1e6 : -1;
}
