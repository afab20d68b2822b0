/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * index.h: the content index (the thesis's HI component).
 *
 * Pure logic over memory the caller provides: built into Xen and into the
 * host unit tests.  The caller serialises all calls.
 */
#ifndef __CBPS_INDEX_H__
#define __CBPS_INDEX_H__

#include <xen/types.h>

#define CBPS_INDEX_NIL  0xffffffffU

/*
 * What an entry counts.  Frames that are not sharing candidates (zero,
 * unstable, uncompared) are kept in the index too, so that every count
 * of a pass comes from the entries that survive it: when the interval
 * shrinks, a dropped frame leaves no count behind (the next pass counts
 * it), whatever it was.
 */
enum cbps_index_kind {
    CBPS_IK_CONTENT,    /* a candidate: counted by content */
    CBPS_IK_ZERO,
    CBPS_IK_UNSTABLE,
    CBPS_IK_UNCOMPARED,
};

struct cbps_index_entry {
    uint64_t hash;
    uint64_t mfn;       /* one frame with this content, for byte compares */
    uint32_t count;     /* frames of domid with this content */
    uint32_t next;      /* hash chain */
    uint16_t domid;
    uint8_t kind;       /* enum cbps_index_kind */
    uint8_t seen;       /* walk mark */
    uint32_t pad;
};

struct cbps_index {
    struct cbps_index_entry *ent;
    uint32_t *bucket;
    uint32_t cap;           /* entries */
    uint32_t used;
    uint32_t bucket_mask;
    uint64_t lo, hi;        /* hashes this pass takes, both inclusive */
    uint64_t span;          /* planned hi - lo of a pass in this cycle */
    uint64_t splits;        /* times the interval shrank to stay in bounds */
};

/* Bytes an index of cap entries needs; entries that fit in bytes. */
size_t cbps_index_bytes(uint32_t cap);
uint32_t cbps_index_cap_for(size_t bytes);

/* mem holds cbps_index_bytes(cap) bytes; cap >= 2. */
void cbps_index_init(struct cbps_index *ix, void *mem, uint32_t cap);

/* Empty the index and take hashes in [lo, hi] from now on. */
void cbps_index_reset(struct cbps_index *ix, uint64_t lo, uint64_t hi);

/*
 * Start a cycle of passes over the whole hash space, sized so that about
 * nr_frames frames fill the pool to three quarters in each pass.
 */
void cbps_index_start_cycle(struct cbps_index *ix, uint64_t nr_frames);

/*
 * Move on to the interval after the current one, as wide as planned for
 * the cycle (a pass that had to shrink does not narrow the ones after
 * it).  Returns false when the current one reached the top of the hash
 * space: the cycle is complete.
 */
bool cbps_index_next_pass(struct cbps_index *ix);

static inline bool cbps_index_covers(const struct cbps_index *ix,
                                     uint64_t hash)
{
    return hash >= ix->lo && hash <= ix->hi;
}

/* A CBPS_IK_CONTENT entry with this hash (any domain), or NULL. */
struct cbps_index_entry *cbps_index_find(struct cbps_index *ix,
                                         uint64_t hash);

/* The next CONTENT entry after e with e's hash, or NULL. */
struct cbps_index_entry *cbps_index_find_next(struct cbps_index *ix,
                                              const struct cbps_index_entry *e);

/*
 * Count one frame of domid, of the given kind, with content hash, found
 * at mfn.  Memory stays
 * bounded: when the index is full, the interval shrinks to its lower half
 * (dropping the entries above it, which a later pass takes again) until
 * there is room.  Returns false when the frame is not counted because its
 * hash is outside the (possibly shrunken) interval.
 */
bool cbps_index_add(struct cbps_index *ix, uint64_t hash, uint16_t domid,
                    enum cbps_index_kind kind, uint64_t mfn);

/*
 * Visit every entry once, grouped by content: fn gets the entry, and for
 * CBPS_IK_CONTENT entries the number of domains with that content and
 * the entry's place among them (0 for the first); 0 and 0 otherwise.
 */
void cbps_index_walk(struct cbps_index *ix,
                     void (*fn)(void *arg, struct cbps_index_entry *e,
                                unsigned int ndoms, unsigned int nth),
                     void *arg);

#endif /* __CBPS_INDEX_H__ */
