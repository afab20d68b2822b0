/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * index.c: the content index (the thesis's HI component).
 *
 * A chained hash table over a fixed pool of entries, keyed by (content
 * hash, domain).  Identical frames of one domain share one entry and a
 * count, so an entry costs memory per distinct content per domain, never
 * per frame: a guest full of identical pages needs one entry.
 *
 * The thesis bounds the index by scanning memory once per interval of the
 * hash space (§6.7): each pass takes only the hashes in [lo, hi].  Here
 * the interval also adapts: if the pool fills during a pass, the interval
 * is halved and the entries above the new end are dropped, so the pool
 * can never overflow, whatever the guests hold; the dropped part of the
 * hash space is simply covered by the next pass.
 */
#include <xen/lib.h>
#include <xen/string.h>
#include <xen/types.h>

#include "index.h"

/* The largest power of two <= n (n >= 1). */
static uint32_t pow2_floor(uint32_t n)
{
    uint32_t p = 1;

    while ( p <= n / 2 )
        p <<= 1;
    return p;
}

size_t cbps_index_bytes(uint32_t cap)
{
    return (size_t)cap * sizeof(struct cbps_index_entry) +
           (size_t)pow2_floor(cap) * sizeof(uint32_t);
}

uint32_t cbps_index_cap_for(size_t bytes)
{
    size_t cap = bytes / (sizeof(struct cbps_index_entry) + sizeof(uint32_t));

    if ( cap >= CBPS_INDEX_NIL )
        cap = CBPS_INDEX_NIL - 1;
    /* Buckets round down, so this never needs more than bytes. */
    return cap;
}

void cbps_index_init(struct cbps_index *ix, void *mem, uint32_t cap)
{
    ix->ent = mem;
    ix->cap = cap;
    ix->bucket = (uint32_t *)(ix->ent + cap);
    ix->bucket_mask = pow2_floor(cap) - 1;
    ix->splits = 0;
    ix->span = ~0ULL;
    cbps_index_reset(ix, 0, ~0ULL);
}

void cbps_index_reset(struct cbps_index *ix, uint64_t lo, uint64_t hi)
{
    ix->used = 0;
    ix->lo = lo;
    ix->hi = hi;
    memset(ix->bucket, 0xff, (ix->bucket_mask + 1) * sizeof(uint32_t));
}

void cbps_index_start_cycle(struct cbps_index *ix, uint64_t nr_frames)
{
    uint64_t per_pass = ix->cap - ix->cap / 4;
    uint64_t passes = (nr_frames + per_pass - 1) / per_pass;

    ix->span = passes <= 1 ? ~0ULL : ~0ULL / passes;
    cbps_index_reset(ix, 0, ix->span);
}

bool cbps_index_next_pass(struct cbps_index *ix)
{
    uint64_t lo;

    if ( ix->hi == ~0ULL )
        return false;
    lo = ix->hi + 1;
    cbps_index_reset(ix, lo, ~0ULL - lo < ix->span ? ~0ULL : lo + ix->span);
    return true;
}

/* The low bits of a good hash spread well; no need to mix again. */
static uint32_t *head(struct cbps_index *ix, uint64_t hash)
{
    return &ix->bucket[hash & ix->bucket_mask];
}

struct cbps_index_entry *cbps_index_find(struct cbps_index *ix, uint64_t hash)
{
    uint32_t i;

    for ( i = *head(ix, hash); i != CBPS_INDEX_NIL; i = ix->ent[i].next )
        if ( ix->ent[i].hash == hash && ix->ent[i].kind == CBPS_IK_CONTENT )
            return &ix->ent[i];
    return NULL;
}

struct cbps_index_entry *cbps_index_find_next(struct cbps_index *ix,
                                              const struct cbps_index_entry *e)
{
    uint32_t i;

    for ( i = e->next; i != CBPS_INDEX_NIL; i = ix->ent[i].next )
        if ( ix->ent[i].hash == e->hash && ix->ent[i].kind == CBPS_IK_CONTENT )
            return &ix->ent[i];
    return NULL;
}

/* Drop the entries above hi and rebuild the chains, in place. */
static void shrink_to(struct cbps_index *ix, uint64_t hi)
{
    uint32_t i, j = 0;

    memset(ix->bucket, 0xff, (ix->bucket_mask + 1) * sizeof(uint32_t));
    for ( i = 0; i < ix->used; i++ )
    {
        uint32_t *h;

        if ( ix->ent[i].hash > hi )
            continue;
        ix->ent[j] = ix->ent[i];
        h = head(ix, ix->ent[j].hash);
        ix->ent[j].next = *h;
        *h = j++;
    }
    ix->used = j;
    ix->hi = hi;
}

bool cbps_index_add(struct cbps_index *ix, uint64_t hash, uint16_t domid,
                    enum cbps_index_kind kind, uint64_t mfn)
{
    struct cbps_index_entry *e;
    uint32_t i, *h;

    if ( !cbps_index_covers(ix, hash) )
        return false;

    for ( i = *head(ix, hash); i != CBPS_INDEX_NIL; i = ix->ent[i].next )
        if ( ix->ent[i].hash == hash && ix->ent[i].domid == domid &&
             ix->ent[i].kind == kind )
        {
            ix->ent[i].count++;
            return true;
        }

    /*
     * Full: halve the interval until something is dropped.  This ends:
     * at worst the interval shrinks to [lo, lo], and the pool holds more
     * entries than there can be domains with one hash.
     */
    while ( ix->used == ix->cap )
    {
        if ( ix->lo == ix->hi )
            return false;
        shrink_to(ix, ix->lo + (ix->hi - ix->lo) / 2);
        ix->splits++;
    }
    if ( hash > ix->hi )
        return false;

    i = ix->used++;
    e = &ix->ent[i];
    e->hash = hash;
    e->mfn = mfn;
    e->count = 1;
    e->domid = domid;
    e->kind = kind;
    e->seen = 0;
    e->pad = 0;
    h = head(ix, hash);
    e->next = *h;
    *h = i;

    return true;
}

void cbps_index_walk(struct cbps_index *ix,
                     void (*fn)(void *arg, struct cbps_index_entry *e,
                                unsigned int ndoms, unsigned int nth),
                     void *arg)
{
    uint32_t b, i, j;

    for ( i = 0; i < ix->used; i++ )
        ix->ent[i].seen = 0;

    for ( b = 0; b <= ix->bucket_mask; b++ )
        for ( i = ix->bucket[b]; i != CBPS_INDEX_NIL; i = ix->ent[i].next )
        {
            const struct cbps_index_entry *e = &ix->ent[i];
            unsigned int n = 0, nth = 0;

            if ( e->seen )
                continue;
            if ( e->kind != CBPS_IK_CONTENT )
            {
                ix->ent[i].seen = 1;
                fn(arg, &ix->ent[i], 0, 0);
                continue;
            }
            /* Entries of one hash share a chain: count, then visit them. */
            for ( j = i; j != CBPS_INDEX_NIL; j = ix->ent[j].next )
                n += ix->ent[j].hash == e->hash &&
                     ix->ent[j].kind == CBPS_IK_CONTENT;
            for ( j = i; j != CBPS_INDEX_NIL; j = ix->ent[j].next )
                if ( ix->ent[j].hash == e->hash &&
                     ix->ent[j].kind == CBPS_IK_CONTENT )
                {
                    ix->ent[j].seen = 1;
                    fn(arg, &ix->ent[j], n, nth++);
                }
        }
}
