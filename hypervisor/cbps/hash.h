/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hash.h: page hashing (the thesis's PH component).
 *
 * Pure logic: built into Xen, the host unit tests and the benchmark.
 */
#ifndef __CBPS_HASH_H__
#define __CBPS_HASH_H__

#include <xen/types.h>

/* xxHash64 (Collet), the hash cbps uses: see cbps_hash_page(). */
uint64_t cbps_xxh64(const void *p, size_t len, uint64_t seed);

/* SuperFastHash (Hsieh), the thesis's choice; kept for the benchmark. */
uint32_t cbps_sfh(const void *p, size_t len);

/*
 * The hash of one 4 KiB page.  Xen seeds it at random each boot: with a
 * known seed a guest could craft pages whose hashes pile into one index
 * chain.
 */
static inline uint64_t cbps_hash_page(const void *p, uint64_t seed)
{
    return cbps_xxh64(p, 4096, seed);
}

/* Is the page all zeroes?  (Stops at the first non-zero word.) */
bool cbps_page_is_zero(const void *p);

#endif /* __CBPS_HASH_H__ */
