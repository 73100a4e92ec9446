/* hash: FNV-1a, 64 bits, for in-process tables (never stored: the values are
 * free to change). */
#ifndef NR_HASH_H
#define NR_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a's 64-bit offset basis: the hash of nothing, where a hash starts. */
#define NR_FNV1A64_INIT 14695981039346656037ULL

/* The hash h continued over p[0..n): nr_fnv1a64(NR_FNV1A64_INIT, p, n) hashes
 * p alone; feeding pieces in turn gives the hash of their concatenation. */
uint64_t nr_fnv1a64(uint64_t h, const void *p, size_t n);

/* The hash h continued over the one byte c. */
static inline uint64_t nr_fnv1a64_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * 1099511628211ULL;
}

#endif
