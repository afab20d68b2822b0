/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hash.c: page hashing (the thesis's PH component).
 *
 * The hash only proposes candidates; a byte compare decides.  So what
 * matters is speed and an even spread; against a guest that crafts
 * pages, the seed is a per-boot secret (see cbps_hash_page()).
 * xxHash64 won over SuperFastHash on the numbers in
 * scripts/bench-scanner.sh; both are here so that the benchmark measures
 * the very code Xen runs.  xxHash64 follows the reference specification
 * (github.com/Cyan4973/xxHash, doc/xxhash_spec.md); the unit tests check it
 * against the reference implementation's outputs.
 */
#include <xen/string.h>
#include <xen/types.h>

#include "hash.h"

#define P64_1 0x9E3779B185EBCA87ULL
#define P64_2 0xC2B2AE3D27D4EB4FULL
#define P64_3 0x165667B19E3779F9ULL
#define P64_4 0x85EBCA77C2B2AE63ULL
#define P64_5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl64(uint64_t x, unsigned int r)
{
    return (x << r) | (x >> (64 - r));
}

/* Unaligned little-endian loads; x86 only, like the rest of cbps. */
static inline uint64_t read64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint32_t read32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint16_t read16(const uint8_t *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint64_t round64(uint64_t acc, uint64_t input)
{
    acc += input * P64_2;
    acc = rotl64(acc, 31);
    return acc * P64_1;
}

static inline uint64_t merge64(uint64_t acc, uint64_t val)
{
    acc ^= round64(0, val);
    return acc * P64_1 + P64_4;
}

uint64_t cbps_xxh64(const void *data, size_t len, uint64_t seed)
{
    const uint8_t *p = data, *end = p + len;
    uint64_t h;

    if ( len >= 32 )
    {
        const uint8_t *limit = end - 32;
        uint64_t v1 = seed + P64_1 + P64_2, v2 = seed + P64_2;
        uint64_t v3 = seed, v4 = seed - P64_1;

        do {
            v1 = round64(v1, read64(p));
            v2 = round64(v2, read64(p + 8));
            v3 = round64(v3, read64(p + 16));
            v4 = round64(v4, read64(p + 24));
            p += 32;
        } while ( p <= limit );

        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = merge64(h, v1);
        h = merge64(h, v2);
        h = merge64(h, v3);
        h = merge64(h, v4);
    }
    else
        h = seed + P64_5;

    h += len;

    for ( ; p + 8 <= end; p += 8 )
        h = rotl64(h ^ round64(0, read64(p)), 27) * P64_1 + P64_4;
    if ( p + 4 <= end )
    {
        h = rotl64(h ^ (read32(p) * P64_1), 23) * P64_2 + P64_3;
        p += 4;
    }
    for ( ; p < end; p++ )
        h = rotl64(h ^ (*p * P64_5), 11) * P64_1;

    h ^= h >> 33;
    h *= P64_2;
    h ^= h >> 29;
    h *= P64_3;
    h ^= h >> 32;

    return h;
}

uint32_t cbps_sfh(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t hash = len, tmp;
    size_t rem = len & 3;

    if ( !len )
        return 0;

    for ( len >>= 2; len > 0; len-- )
    {
        hash += read16(p);
        tmp = ((uint32_t)read16(p + 2) << 11) ^ hash;
        hash = (hash << 16) ^ tmp;
        p += 4;
        hash += hash >> 11;
    }

    switch ( rem )
    {
    case 3:
        hash += read16(p);
        hash ^= hash << 16;
        hash ^= (uint32_t)(int32_t)(int8_t)p[2] << 18;
        hash += hash >> 11;
        break;
    case 2:
        hash += read16(p);
        hash ^= hash << 11;
        hash += hash >> 17;
        break;
    case 1:
        hash += (uint32_t)(int32_t)(int8_t)*p;
        hash ^= hash << 10;
        hash += hash >> 1;
        break;
    }

    hash ^= hash << 3;
    hash += hash >> 5;
    hash ^= hash << 4;
    hash += hash >> 17;
    hash ^= hash << 25;
    hash += hash >> 6;

    return hash;
}

bool cbps_page_is_zero(const void *page)
{
    const unsigned long *w = page;
    unsigned int i;

    for ( i = 0; i < 4096 / sizeof(*w); i++ )
        if ( w[i] )
            return false;

    return true;
}
