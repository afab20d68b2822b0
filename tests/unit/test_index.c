/*
 * Unit tests for the content index, hypervisor/cbps/index.c, including
 * the adversarial cases: all frames identical, all distinct, forced
 * hash-chain collisions, the pool at capacity, multi-pass coverage.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "index.h"

static struct cbps_index ix;
static void *mem;

static void setup(uint32_t cap)
{
    free(mem);
    mem = malloc(cbps_index_bytes(cap));
    cbps_index_init(&ix, mem, cap);
}

static uint64_t rnd64(void)
{
    return ((uint64_t)rand() << 62) ^ ((uint64_t)rand() << 31) ^ rand();
}

/* The entries must always be consistent with the interval and chains. */
static int consistent(void)
{
    uint32_t i, n = 0;

    if ( ix.used > ix.cap )
        return 0;
    for ( i = 0; i < ix.used; i++ )
    {
        if ( !cbps_index_covers(&ix, ix.ent[i].hash) )
            return 0;
        if ( cbps_index_find(&ix, ix.ent[i].hash) == NULL )
            return 0;
    }
    for ( i = 0; i <= ix.bucket_mask; i++ )
    {
        uint32_t j;

        for ( j = ix.bucket[i]; j != CBPS_INDEX_NIL; j = ix.ent[j].next )
            n++;
    }
    return n == ix.used;
}

static void test_sizing(void)
{
    uint32_t cap = cbps_index_cap_for(1 << 20);

    CHECK(cbps_index_bytes(cap) <= (1 << 20));
    CHECK(cbps_index_bytes(cap) > (1 << 20) / 10 * 9);   /* uses most of it */
    CHECK(sizeof(struct cbps_index_entry) == 32);
}

static void test_identical(void)
{
    unsigned int i, ok = 1;

    setup(64);
    for ( i = 0; i < 100000; i++ )
        ok &= cbps_index_add(&ix, 0x1234, 1, CBPS_IK_CONTENT, i);
    CHECK(ok);
    CHECK(ix.used == 1 && ix.ent[0].count == 100000);
    CHECK(ix.ent[0].mfn == 0);      /* the first frame stays the sample */
    /* The same content in three domains: three entries, no more. */
    for ( i = 0; i < 3000; i++ )
        cbps_index_add(&ix, 0x1234, 2 + i % 3, CBPS_IK_CONTENT, i);
    CHECK(ix.used == 4 && ix.splits == 0);
    CHECK(consistent());
}

static unsigned int walk_entries, walk_max_ndoms;
static uint64_t walk_frames;

static unsigned int walk_firsts;

static void count_fn(void *arg, struct cbps_index_entry *e,
                     unsigned int ndoms, unsigned int nth)
{
    walk_firsts += nth == 0;
    walk_entries++;
    walk_frames += e->count;
    if ( ndoms > walk_max_ndoms )
        walk_max_ndoms = ndoms;
}

static void test_walk_groups(void)
{
    setup(64);
    cbps_index_add(&ix, 7, 1, CBPS_IK_CONTENT, 0);
    cbps_index_add(&ix, 7, 1, CBPS_IK_CONTENT, 1);
    cbps_index_add(&ix, 7, 2, CBPS_IK_CONTENT, 2);
    cbps_index_add(&ix, 7 + 64, 3, CBPS_IK_CONTENT, 3);  /* same chain, other content */
    cbps_index_add(&ix, 9, 3, CBPS_IK_CONTENT, 4);
    walk_entries = walk_frames = walk_max_ndoms = walk_firsts = 0;
    cbps_index_walk(&ix, count_fn, NULL);
    CHECK(walk_entries == 4 && walk_frames == 5 && walk_max_ndoms == 2);
    CHECK(walk_firsts == 3);    /* three distinct contents */
    /* A second walk visits everything again. */
    walk_entries = 0;
    cbps_index_walk(&ix, count_fn, NULL);
    CHECK(walk_entries == 4);
}

static unsigned int kind_calls, kind_bad;

static void kind_fn(void *arg, struct cbps_index_entry *e,
                    unsigned int ndoms, unsigned int nth)
{
    kind_calls++;
    if ( e->kind != CBPS_IK_CONTENT && (ndoms || nth) )
        kind_bad++;
    if ( e->kind == CBPS_IK_CONTENT && ndoms != 2 )
        kind_bad++;
}

/*
 * Sharing groups: the scanner walks every domain's sample of one content
 * to find one of the right group.  Each exactly once, other contents in
 * the same chain and non-candidates skipped.
 */
static void test_find_next(void)
{
    struct cbps_index_entry *e;
    unsigned int seen = 0, n = 0;

    setup(64);
    cbps_index_add(&ix, 7, 1, CBPS_IK_CONTENT, 10);
    cbps_index_add(&ix, 7 + 64, 2, CBPS_IK_CONTENT, 11); /* same chain */
    cbps_index_add(&ix, 7, 2, CBPS_IK_CONTENT, 12);
    cbps_index_add(&ix, 7, 3, CBPS_IK_UNSTABLE, 13);     /* no candidate */
    cbps_index_add(&ix, 7, 4, CBPS_IK_CONTENT, 14);
    cbps_index_add(&ix, 7, 4, CBPS_IK_CONTENT, 15);      /* same domain */
    for ( e = cbps_index_find(&ix, 7); e; e = cbps_index_find_next(&ix, e) )
    {
        CHECK(e->hash == 7 && e->kind == CBPS_IK_CONTENT);
        seen |= 1u << e->domid;
        n++;
    }
    CHECK(n == 3 && seen == ((1u << 1) | (1u << 2) | (1u << 4)));
    CHECK(cbps_index_find_next(&ix, cbps_index_find(&ix, 7 + 64)) == NULL);
}

static void test_kinds(void)
{
    setup(64);
    /* One hash: content in two domains, unstable in one, zero in one. */
    cbps_index_add(&ix, 5, 1, CBPS_IK_CONTENT, 0);
    cbps_index_add(&ix, 5, 2, CBPS_IK_CONTENT, 1);
    cbps_index_add(&ix, 5, 1, CBPS_IK_UNSTABLE, 2);
    cbps_index_add(&ix, 5, 1, CBPS_IK_UNSTABLE, 3);
    cbps_index_add(&ix, 5, 3, CBPS_IK_ZERO, 4);
    CHECK(ix.used == 4);
    CHECK(cbps_index_find(&ix, 5)->kind == CBPS_IK_CONTENT);
    kind_calls = kind_bad = 0;
    cbps_index_walk(&ix, kind_fn, NULL);
    CHECK(kind_calls == 4 && kind_bad == 0);

    /* Only non-candidates under a hash: find() sees nothing. */
    setup(64);
    cbps_index_add(&ix, 6, 1, CBPS_IK_UNCOMPARED, 0);
    CHECK(cbps_index_find(&ix, 6) == NULL);
}

static int cmp64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static void test_distinct_overflow(void)
{
    enum { CAP = 1000, N = 20000 };
    static uint64_t h[N];
    unsigned int i, ok = 1, kept = 0;

    setup(CAP);
    srand(7);
    for ( i = 0; i < N; i++ )
    {
        h[i] = rnd64();
        cbps_index_add(&ix, h[i], 1, CBPS_IK_CONTENT, i);
        if ( ix.used > CAP )
            ok = 0;
    }
    CHECK(ok);
    CHECK(ix.splits > 0);
    CHECK(consistent());
    /* Nothing at or below the final end was lost to a split. */
    for ( i = 0; i < N; i++ )
        if ( h[i] <= ix.hi )
        {
            kept++;
            if ( !cbps_index_find(&ix, h[i]) )
                ok = 0;
        }
    CHECK(ok);
    CHECK(kept == ix.used);
    CHECK(ix.used > CAP / 4);   /* halving leaves a useful amount */
    qsort(h, N, sizeof(h[0]), cmp64);
}

static void test_chain_collisions(void)
{
    unsigned int i, ok = 1;

    setup(512);
    /* Same low bits: every entry lands in one bucket chain. */
    for ( i = 0; i < 500; i++ )
        cbps_index_add(&ix, (uint64_t)i << 32, 1, CBPS_IK_CONTENT, i);
    for ( i = 0; i < 500; i++ )
    {
        const struct cbps_index_entry *e = cbps_index_find(&ix,
                                                           (uint64_t)i << 32);

        if ( !e || e->mfn != i )
            ok = 0;
    }
    CHECK(ok && ix.used == 500 && consistent());
}

static void test_capacity_edge(void)
{
    unsigned int i;

    setup(16);
    for ( i = 0; i < 16; i++ )
        CHECK(cbps_index_add(&ix, (uint64_t)i << 60, 1, CBPS_IK_CONTENT, i));
    CHECK(ix.used == 16 && ix.splits == 0 && ix.hi == ~0ULL);
    /* A frame of known content still counts when full. */
    CHECK(cbps_index_add(&ix, 0, 1, CBPS_IK_CONTENT, 99));
    CHECK(ix.ent[0].count == 2 && ix.splits == 0);
    /* One more distinct content makes it shrink: the top half goes. */
    CHECK(cbps_index_add(&ix, 1, 1, CBPS_IK_CONTENT, 100));
    CHECK(ix.splits == 1 && ix.hi == (~0ULL >> 1) && ix.used == 9);
    CHECK(consistent());
    /* Past the new end: refused, not counted. */
    CHECK(!cbps_index_add(&ix, ~0ULL, 1, CBPS_IK_CONTENT, 101));
    CHECK(ix.used == 9);

    /* More domains on one hash than entries: refused, never overflows. */
    setup(4);
    for ( i = 0; i < 8; i++ )
        cbps_index_add(&ix, 42, i, CBPS_IK_CONTENT, i);
    CHECK(ix.used <= 4 && consistent());
}

/*
 * Scanner-style cycle: every pass sees every frame, takes those in its
 * interval.  Over the cycle each content must be counted exactly once.
 */
static void test_cycle_coverage(void)
{
    enum { CAP = 300, N = 5000 };
    static uint64_t h[N];
    static unsigned int counted[N];
    unsigned int i, passes = 0, ok = 1;
    uint64_t frames = 0;

    setup(CAP);
    srand(11);
    for ( i = 0; i < N; i++ )
        h[i] = i % 5 || !i ? rnd64() : h[i - 1];  /* some duplicates */
    memset(counted, 0, sizeof(counted));

    cbps_index_start_cycle(&ix, N);
    CHECK(ix.hi != ~0ULL);  /* N > CAP: more than one pass planned */
    do {
        passes++;
        for ( i = 0; i < N; i++ )
            cbps_index_add(&ix, h[i], 1, CBPS_IK_CONTENT, i);
        if ( ix.used > CAP )
            ok = 0;
        for ( i = 0; i < N; i++ )
            if ( cbps_index_covers(&ix, h[i]) )
                counted[i]++;
        walk_frames = 0;
        cbps_index_walk(&ix, count_fn, NULL);
        frames += walk_frames;
    } while ( cbps_index_next_pass(&ix) && passes < 1000 );

    for ( i = 0; i < N; i++ )
        if ( counted[i] != 1 )
            ok = 0;
    CHECK(ok);
    CHECK(frames == N);
    CHECK(passes >= N / CAP && passes < 1000);
}

int main(void)
{
    test_sizing();
    test_identical();
    test_walk_groups();
    test_find_next();
    test_kinds();
    test_distinct_overflow();
    test_chain_collisions();
    test_capacity_edge();
    test_cycle_coverage();
    free(mem);
    return check_report("index");
}
