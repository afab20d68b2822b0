/*
 * bench_hash: throughput of the page hashes in hypervisor/cbps/hash.c
 * against single-core memcpy, over a buffer larger than the caches (the
 * scanner reads guest memory cold).  Prints figures; never fails on them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"

#define BUF (256u << 20)
#define PAGES (BUF / 4096)

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static volatile uint64_t sink;

int main(void)
{
    uint8_t *src = malloc(BUF), *dst = malloc(BUF);
    double t, best_cpy = 1e9, best_xxh = 1e9, best_sfh = 1e9;
    unsigned int i, r;

    if ( !src || !dst )
        return 1;
    for ( i = 0; i < BUF; i++ )
        src[i] = (uint8_t)(i * 2654435761u >> 13);
    memset(dst, 1, BUF);

    for ( r = 0; r < 5; r++ )
    {
        t = now();
        for ( i = 0; i < PAGES; i++ )
            memcpy(dst + i * 4096ul, src + i * 4096ul, 4096);
        t = now() - t;
        sink += dst[r];
        if ( t < best_cpy )
            best_cpy = t;

        t = now();
        for ( i = 0; i < PAGES; i++ )
            sink += cbps_hash_page(src + i * 4096ul, 0);
        t = now() - t;
        if ( t < best_xxh )
            best_xxh = t;

        t = now();
        for ( i = 0; i < PAGES; i++ )
            sink += cbps_sfh(src + i * 4096ul, 4096);
        t = now() - t;
        if ( t < best_sfh )
            best_sfh = t;
    }

    printf("buffer %u MiB, best of 5 runs, one core\n", BUF >> 20);
    printf("memcpy        %7.2f GB/s  %6.0f ns/page\n",
           BUF / best_cpy / 1e9, best_cpy / PAGES * 1e9);
    printf("xxh64         %7.2f GB/s  %6.0f ns/page  %.2f x memcpy\n",
           BUF / best_xxh / 1e9, best_xxh / PAGES * 1e9, best_cpy / best_xxh);
    printf("superfasthash %7.2f GB/s  %6.0f ns/page  %.2f x memcpy\n",
           BUF / best_sfh / 1e9, best_sfh / PAGES * 1e9, best_cpy / best_sfh);
    return 0;
}
