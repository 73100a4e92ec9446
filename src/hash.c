/* hash: FNV-1a, 64 bits. */
#include "hash.h"

uint64_t nr_fnv1a64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = nr_fnv1a64_byte(h, s[i]);
	return h;
}
